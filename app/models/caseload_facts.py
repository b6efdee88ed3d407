"""Set-based loading of deadline facts for a whole store (a few queries, no full cases).

Mirrors ``deadlines.facts_from_case`` exactly: the same filters (records on or after the
imposition date; first contact = home visit or office note; open safety plan flags with a
review date) and the same orderings, so ``caseload_due`` and ``case_due`` agree.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from app.models import entities as E
from app.models.deadlines import FIRST_CONTACT_NOTE_KINDS, CaseFacts, Requirement, ReviewFact

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
    with store._tx() as s:
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

        first_contact: dict[int, dt.date] = dict(s.execute(  # type: ignore[arg-type]
            select(E.Note.case_id, func.min(E.Note.date))
            .join(E.Order, E.Order.case_id == E.Note.case_id)
            .where(E.Note.kind.in_(FIRST_CONTACT_NOTE_KINDS), E.Note.date >= E.Order.imposed_on)
            .group_by(E.Note.case_id)
        ).all())

        first_assessment: dict[int, dt.date] = dict(s.execute(  # type: ignore[arg-type]
            select(E.Assessment.case_id, func.min(E.Assessment.completed_on))
            .join(E.Order, E.Order.case_id == E.Assessment.case_id)
            .where(E.Assessment.completed_on >= E.Order.imposed_on)
            .group_by(E.Assessment.case_id)
        ).all())

        sessions: dict[int, list[tuple[dt.date, float]]] = {}
        for s_case, s_day, s_hours in s.execute(
            select(E.UpwSession.case_id, E.UpwSession.date, E.UpwSession.hours)
            .join(E.Order, E.Order.case_id == E.UpwSession.case_id)
            .where(E.UpwSession.date >= E.Order.imposed_on)
            .order_by(E.UpwSession.case_id, E.UpwSession.date, E.UpwSession.position)
        ):
            sessions.setdefault(s_case, []).append((s_day, float(s_hours)))

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
            upw_sessions=tuple(sessions.get(case_id, ())),
            first_assessment=first_assessment.get(case_id),
            reviews=tuple(reviews.get(case_id, ())),
            victim_safety_reviews=tuple(safety.get(case_id, ())),
        ))
    return out
