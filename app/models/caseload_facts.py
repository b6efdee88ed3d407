"""Set-based loading of deadline facts for a whole store (a few queries, no full cases).

Mirrors ``deadlines.facts_from_case`` exactly: the same filters (records on or after the
imposition date; first contact = home visit or office note; open safety plan flags with a
review date) and the same orderings, so ``caseload_due`` and ``case_due`` agree.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, select

from app.models import entities as E
from app.models.deadlines import (
    FIRST_CONTACT_NOTE_KINDS,
    HOURS_TOLERANCE,
    UNPAID_WORK,
    CaseFacts,
    Requirement,
    ReviewFact,
)

if TYPE_CHECKING:  # pragma: no cover
    from app.models.store import Store


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def load_caseload_facts(store: Store) -> list[CaseFacts]:
    """One ``CaseFacts`` per case, ordered by reference, read in a single transaction."""
    with store._tx() as session:
        s = session.connection()  # Core rows: no ORM result machinery
        base = s.execute(
            select(E.Case.id, E.Case.reference, E.Case.supervision_intensity, E.Individual.date_of_birth,
                   E.Order.id, E.Order.imposed_on, E.Order.ends_on, E.Order.status, E.Order.progress_reviews)
            .join(E.Individual, E.Individual.case_id == E.Case.id)
            .join(E.Order, E.Order.case_id == E.Case.id)
            .order_by(E.Case.reference)
        ).all()

        reqs: dict[int, list[Requirement]] = {}
        for case_id, kind, hours, months, complete_by in s.execute(
            select(E.Order.case_id, E.Requirement.kind, E.Requirement.hours, E.Requirement.months,
                   E.Requirement.complete_by)
            .join(E.Requirement, E.Requirement.order_id == E.Order.id)
            .order_by(E.Order.case_id, E.Requirement.position)
        ):
            reqs.setdefault(case_id, []).append(Requirement(kind, hours, months, complete_by))

        # First home visit / office note on or after imposition: one indexed lookup per order
        # (a correlated MIN), rather than grouping every note in the store.
        first_contact: dict[int, dt.date | None] = dict(s.execute(  # type: ignore[arg-type]
            select(E.Order.case_id,
                   select(func.min(E.Note.date))
                   .where(E.Note.case_id == E.Order.case_id, E.Note.kind.in_(FIRST_CONTACT_NOTE_KINDS),
                          E.Note.date >= E.Order.imposed_on)
                   .correlate(E.Order).scalar_subquery())
        ).all())

        first_assessment: dict[int, dt.date] = dict(s.execute(  # type: ignore[arg-type]
            select(E.Assessment.case_id, func.min(E.Assessment.completed_on))
            .join(E.Order, E.Order.case_id == E.Assessment.case_id)
            .where(E.Assessment.completed_on >= E.Order.imposed_on)
            .group_by(E.Assessment.case_id)
        ).all())

        # Unpaid work: first session, and the session whose running total reached the
        # required hours (a window sum in date order), both on or after imposition.
        required = (
            select(E.Order.case_id.label("case_id"), func.sum(E.Requirement.hours).label("hours"))
            .join(E.Requirement, E.Requirement.order_id == E.Order.id)
            .where(E.Requirement.kind == UNPAID_WORK)
            .group_by(E.Order.case_id)
            .subquery()
        )
        running = (
            select(E.UpwSession.case_id.label("case_id"), E.UpwSession.date.label("date"),
                   func.sum(E.UpwSession.hours).over(
                       partition_by=E.UpwSession.case_id,
                       order_by=(E.UpwSession.date, E.UpwSession.position)).label("total"))
            .join(E.Order, E.Order.case_id == E.UpwSession.case_id)
            .where(E.UpwSession.date >= E.Order.imposed_on)
            .subquery()
        )
        reached = case((and_(required.c.hours > 0, running.c.total >= required.c.hours - HOURS_TOLERANCE),
                        running.c.date))
        upw: dict[int, tuple[dt.date | None, dt.date | None]] = {}
        for u_case, first_day, reached_on in s.execute(
            select(running.c.case_id, func.min(running.c.date), func.min(reached))
            .outerjoin(required, required.c.case_id == running.c.case_id)
            .group_by(running.c.case_id)
        ):
            upw[u_case] = (_as_date(first_day), _as_date(reached_on))

        reviews: dict[int, list[ReviewFact]] = {}
        for r_case, held_on, r_kind, next_on in s.execute(
            select(E.Review.case_id, E.Review.held_on, E.Review.kind, E.Review.next_review_on)
            .join(E.Order, E.Order.case_id == E.Review.case_id)
            .where(E.Review.held_on >= E.Order.imposed_on)
            .order_by(E.Review.case_id, E.Review.held_on, E.Review.position)
        ):
            reviews.setdefault(r_case, []).append(ReviewFact(held_on, r_kind, next_on))

        safety: dict[int, list[dt.date]] = {}
        for f_case, review_on in s.execute(
            select(E.Flag.case_id, E.Flag.review_on)
            .where(E.Flag.kind == "victim_safety_plan", E.Flag.closed_on.is_(None), E.Flag.review_on.is_not(None))
            .order_by(E.Flag.case_id, E.Flag.position)
        ):
            if review_on is not None:
                safety.setdefault(f_case, []).append(review_on)

    out: list[CaseFacts] = []
    for case_id, ref, intensity, dob, _order_id, imposed, ends, status, progress in base:
        out.append(CaseFacts(
            reference=ref,
            date_of_birth=dob,
            imposed_on=imposed,
            ends_on=ends,
            status=status,
            intensity=intensity,
            requirements=tuple(reqs.get(case_id, ())),
            progress_reviews=tuple(d for p in progress or [] for d in [_as_date(p)] if d is not None),
            first_contact=first_contact.get(case_id),
            first_upw_session=upw.get(case_id, (None, None))[0],
            upw_completed_on=upw.get(case_id, (None, None))[1],
            first_assessment=first_assessment.get(case_id),
            reviews=tuple(reviews.get(case_id, ())),
            victim_safety_reviews=tuple(safety.get(case_id, ())),
        ))
    return out
