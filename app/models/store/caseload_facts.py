"""Set-based loading of deadline facts for a whole store (a few queries, no full cases).

Mirrors ``deadlines.facts_from_case`` exactly: the same filters (records on or after the
imposition date; first contact = home visit or office note; open safety plan flags with a
review date) and the same orderings, so ``caseload_due`` and ``case_due`` agree.

Speed (docs/BENCHMARKS.md: 5,000 cases, 250,000 notes): five plain SQL statements read
through SQLAlchemy's driver-level API, so no per-value type processing runs; dates arrive as
the ISO text SQLAlchemy's ``Date`` stores and are parsed once per distinct value.  The
per-case minimums (first contact, first assessment) are correlated ``min()`` lookups on the
case indexes inside the main statement.  Unpaid work sessions are read once in date order
and both the first session and the session that reached the required hours are found in one
pass in Python (the same running sum ``facts_from_case`` does), which is several times cheaper
than a SQL window function over every session.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.models.rules import appointments as appts
from app.models.rules.deadlines import (
    FIRST_CONTACT_NOTE_KINDS,
    HOURS_TOLERANCE,
    OTHER_ACTIVITY,
    UNPAID_WORK,
    CaseFacts,
    DeadlineConfig,
    Requirement,
    ReviewFact,
    _date,
    reports_submitted,
    safety_plan_fact,
)

if TYPE_CHECKING:  # pragma: no cover
    from app.models.store import Store

# SQLAlchemy's SQLite Date reads "Y-M-D" leniently with this pattern; ISO text is the fast path.
_LENIENT_DATE = re.compile(r"(\d+)-(\d+)-(\d+)")

_BASE_SQL = f"""
SELECT c.id, c.reference, c.supervision_intensity, i.date_of_birth,
       o.imposed_on, o.ends_on, o.status, o.progress_reviews, o.progress_review_reports,
       (SELECT min(n.date) FROM notes n
         WHERE n.case_id = o.case_id AND n.kind IN ({", ".join("?" * len(FIRST_CONTACT_NOTE_KINDS))})
           AND n.date >= o.imposed_on),
       (SELECT min(a.completed_on) FROM assessments a
         WHERE a.case_id = o.case_id AND a.completed_on >= o.imposed_on),
       (SELECT min(p.date) FROM appointments p
         WHERE p.case_id = o.case_id AND p.kind IN ({", ".join("?" * len(FIRST_CONTACT_NOTE_KINDS))})
           AND p.outcome IN ({", ".join("?" * len(appts.ATTENDED_OUTCOMES))}) AND p.date >= o.imposed_on)
  FROM cases c
  JOIN individuals i ON i.case_id = c.id
  JOIN orders o ON o.case_id = c.id
 WHERE c.id NOT IN (SELECT case_id FROM case_custody WHERE state = 'transferred' AND case_id IS NOT NULL)
 ORDER BY c.reference
"""

_REQUIREMENTS_SQL = """
SELECT o.case_id, r.kind, r.hours, r.months, r.complete_by
  FROM orders o JOIN requirements r ON r.order_id = o.id
 ORDER BY o.case_id, r.position
"""

_SESSIONS_SQL = """
SELECT u.case_id, u.date, u.hours, u.kind
  FROM upw_sessions u JOIN orders o ON o.case_id = u.case_id
 WHERE u.date >= o.imposed_on
 ORDER BY u.case_id, u.date, u.position
"""

_REVIEWS_SQL = """
SELECT r.case_id, r.held_on, r.kind, r.next_review_on, r.scheduled_review_months
  FROM reviews r JOIN orders o ON o.case_id = r.case_id
 WHERE r.held_on >= o.imposed_on
 ORDER BY r.case_id, r.held_on, r.position
"""

_FAILURES_SQL = f"""
SELECT p.case_id, p.date, p.appt_key, p.outcome
  FROM appointments p JOIN orders o ON o.case_id = p.case_id
 WHERE p.outcome IN ({", ".join("?" * len(appts.FAILURE_OUTCOMES))}) AND p.date >= o.imposed_on
 ORDER BY p.case_id, p.date, p.start
"""

_ENFORCEMENT_SQL = """
SELECT e.case_id, e.date, e.step, e.failure
  FROM enforcement_actions e
 ORDER BY e.case_id, e.date, e.position
"""

_SAFETY_SQL = """
SELECT f.case_id, f.review_on, f.closed_on, f.reviews
  FROM flags f
 WHERE f.kind = 'victim_safety_plan' AND (f.review_on IS NOT NULL OR f.reviews IS NOT NULL)
 ORDER BY f.case_id, f.position
"""


def _column_date(text: Any) -> dt.date:
    """A stored Date column value, read as SQLAlchemy's Date type would read it."""
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        match = _LENIENT_DATE.match(str(text))
        if match is None:
            raise ValueError(f"Couldn't parse date string: {text!r}") from None
        return dt.date(*map(int, match.groups()))


DateReader = Callable[[Any], "dt.date | None"]


def _date_reader() -> tuple[DateReader, DateReader]:
    """Parse stored dates, each distinct value once (the same dates recur across cases).

    Returns (known, read): ``known`` is the bare cache lookup (a C call, None on a miss), so
    hot loops write ``known(x) or read(x)``; ``read`` parses and remembers (None for NULL)."""
    seen: dict[Any, dt.date] = {}
    known = seen.get

    def read(text: Any) -> dt.date | None:
        if text is None:
            return None
        day = known(text)
        if day is None:
            day = seen[text] = _column_date(text)
        return day

    return known, read


def _fetch(cursor: Any, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    cursor.execute(sql, params)
    return cursor.fetchall()  # type: ignore[no-any-return]


def _progress_reviews(raw: str | None) -> tuple[dt.date, ...]:
    """The order's progress review hearings from the JSON column (most orders have none)."""
    if raw is None or raw == "null" or raw == "[]":
        return ()
    value = json.loads(raw)
    return tuple(d for p in value or [] for d in [_date(p)] if d is not None)


def _json_list(raw: str | None) -> list[Any]:
    if raw is None or raw == "null" or raw == "[]":
        return []
    return list(json.loads(raw) or [])


def load_caseload_facts(store: Store, config: DeadlineConfig | None = None) -> list[CaseFacts]:
    """One ``CaseFacts`` per case, ordered by reference, read in a single transaction
    (``config``: the other activity cap decides when the hours were reached)."""
    config = config or DeadlineConfig()
    with store._tx() as session:
        # The DB-API cursor of the session's connection (same transaction): plain tuples,
        # no Row objects or per-value processing for ~90,000 rows.
        cursor = session.connection().connection.cursor()
        try:
            base = _fetch(cursor, _BASE_SQL, (*FIRST_CONTACT_NOTE_KINDS, *FIRST_CONTACT_NOTE_KINDS,
                                               *sorted(appts.ATTENDED_OUTCOMES)))
            requirement_rows = _fetch(cursor, _REQUIREMENTS_SQL)
            session_rows = _fetch(cursor, _SESSIONS_SQL)
            review_rows = _fetch(cursor, _REVIEWS_SQL)
            safety_rows = _fetch(cursor, _SAFETY_SQL)
            failure_rows = _fetch(cursor, _FAILURES_SQL, tuple(sorted(appts.FAILURE_OUTCOMES)))
            action_rows = _fetch(cursor, _ENFORCEMENT_SQL)
        finally:
            cursor.close()

    known, day = _date_reader()  # known(text) is None for a date not yet parsed (or NULL)

    reqs: dict[int, list[Requirement]] = {}
    shared: dict[tuple[Any, ...], Requirement] = {}  # frozen: equal requirements share one object
    for case_id, kind, hours, months, complete_by in requirement_rows:
        key = (kind, hours, months, complete_by)
        requirement = shared.get(key)
        if requirement is None:
            requirement = shared[key] = Requirement(kind, hours, months, day(complete_by))
        reqs.setdefault(case_id, []).append(requirement)

    # Unpaid work in (date, position) order: the first session, and the session whose running
    # total (other activity only up to the cap) reached the required hours: exactly the running
    # sum of ``facts_from_case``.
    required = {case_id: sum(int(r.hours or 0) for r in rs if r.kind == UNPAID_WORK) for case_id, rs in reqs.items()}
    first_session: dict[int, Any] = {}
    reached: dict[int, Any] = {}
    current: int | None = None
    work = other = 0.0
    target = 0.0
    cap: float | None = None
    counting = False
    for case_id, when, hours, kind in session_rows:
        if case_id != current:
            current = case_id
            first_session[case_id] = when
            need = required.get(case_id, 0)
            counting = need > 0
            work = other = 0.0
            target = need - HOURS_TOLERANCE
            cap = config.other_activity_cap(need)
        if counting:
            if kind == OTHER_ACTIVITY:
                other += float(hours)
            else:
                work += float(hours)
            if work + (other if cap is None else min(other, cap)) >= target:
                reached[case_id] = when
                counting = False

    reviews: dict[int, list[ReviewFact]] = {}
    for r_case, held_on, r_kind, next_on, months in review_rows:
        review = object.__new__(ReviewFact)
        object.__setattr__(review, "__dict__", {"held_on": known(held_on) or day(held_on), "kind": r_kind,
                                                "next_review_on": known(next_on) or day(next_on),
                                                "scheduled_months": months})
        reviews.setdefault(r_case, []).append(review)

    # Victim safety plans: few rows; built by the same function as ``facts_from_case``.
    safety: dict[int, list[Any]] = {}
    for f_case, review_on, closed_on, flag_reviews in safety_rows:
        plan = safety_plan_fact({"kind": "victim_safety_plan", "review_on": review_on, "closed_on": closed_on,
                                 "reviews": _json_list(flag_reviews)})
        if plan is not None:
            safety.setdefault(f_case, []).append(plan)

    failures: dict[int, list[appts.Failure]] = {}
    for p_case, p_day, p_key, p_outcome in failure_rows:
        failures.setdefault(p_case, []).append(appts.Failure(day(p_day), p_key, p_outcome))  # type: ignore[arg-type]
    actions: dict[int, list[appts.Action]] = {}
    for e_case, e_day, e_step, e_failure in action_rows:
        actions.setdefault(e_case, []).append(appts.Action(day(e_day), e_step, e_failure))  # type: ignore[arg-type]

    # CaseFacts and ReviewFact are frozen dataclasses whose __init__ only assigns fields; filling
    # the attribute dict directly builds identical objects several times faster (20,000 here).
    new = object.__new__
    assign = object.__setattr__
    out: list[CaseFacts] = []
    append = out.append
    no_reqs: list[Requirement] = []
    for case_id, ref, intensity, dob, imposed, ends, status, progress, reports, contact, assessed, attended in base:
        if attended is not None and (contact is None or attended < contact):
            contact = attended
        facts = new(CaseFacts)
        assign(facts, "__dict__", {
            "reference": ref,
            "date_of_birth": known(dob) or day(dob),
            "imposed_on": known(imposed) or day(imposed),
            "ends_on": known(ends) or day(ends),
            "status": status,
            "intensity": intensity,
            "requirements": tuple(reqs.get(case_id, no_reqs)),
            "progress_reviews": _progress_reviews(progress),
            "reports_submitted": reports_submitted({"progress_review_reports": _json_list(reports)}) if reports else (),
            "first_contact": known(contact) or day(contact),
            "first_upw_session": day(first_session.get(case_id)),
            "upw_completed_on": day(reached.get(case_id)),
            "first_assessment": known(assessed) or day(assessed),
            "reviews": tuple(reviews.get(case_id, ())),
            "safety_plans": tuple(safety.get(case_id, ())),
            "failures": tuple(failures.get(case_id, ())),
            "enforcement": tuple(actions.get(case_id, ())),
        })
        append(facts)
    return out
