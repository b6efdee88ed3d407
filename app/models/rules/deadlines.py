"""Timescales and compliance: what is due on each case, when, and whether it was met.

Pure Python over plain values; "today" is always passed in.  Two entry points give the
same answers: ``case_due`` over one bundle-format case dict, and ``caseload_due`` over a
whole store with a handful of set-based queries (no full cases are loaded).  Both reduce
a case to ``CaseFacts`` and hand it to one function, ``facts_due``, so they cannot drift.

The rules and their interpretations are documented in docs/TIMESCALES.md.
"""

from __future__ import annotations

import datetime as dt
import gc
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from app.models.errors import ValidationError
from app.models.rules import appointments as appts
from app.models.rules.calendar import WorkingCalendar, add_months

if TYPE_CHECKING:  # pragma: no cover
    from app.models.store import Store

# ---------------------------------------------------------------------------- constants
SUPERVISION = "offender_supervision"
UNPAID_WORK = "unpaid_work_or_other_activity"

FIRST_MEETING_DAYS = 5
UPW_START_DAYS = 7
ASSESSMENT_DAYS = 20
UPW_LEVEL1_MAX_HOURS = 100
UPW_LEVEL1_MONTHS = 3
UPW_LEVEL2_MONTHS = 6
UPW_MIN_HOURS, UPW_MAX_HOURS = 20, 300
SUPERVISION_MIN_MONTHS, SUPERVISION_MAX_MONTHS = 6, 36
# Departmental reviews: 3 and 6 months after imposition, then every 6 months.
DEPARTMENTAL_FIRST_MONTHS = (3, 6)
DEPARTMENTAL_EVERY_MONTHS = 6
# When an order has no end date and no length, schedules stop at the statutory maximum.
FALLBACK_ORDER_MONTHS = 36
FIRST_CONTACT_NOTE_KINDS = ("home_visit", "office")
HOURS_TOLERANCE = 1e-6  # logged hours "reach" the requirement within float rounding

DEFAULT_INTENSITY_WEEKS: dict[str, int] = {"high": 4, "medium": 8, "low": 12}
DEFAULT_INTENSITY = "medium"
DEFAULT_REPORT_DAYS_BEFORE = 5
SETTING_INTENSITY_WEEKS = "intensity_weeks"
SETTING_REPORT_DAYS_BEFORE = "report_days_before"

KINDS = (
    "first_meeting",
    "upw_start",
    "assessment",
    "upw_completion",
    "departmental_review",
    "plan_review",
    "progress_review_report",
    "victim_safety_plan_review",
    "warning_letter",
    "breach_decision",
    "breach_report",
    "order_end",
)
STATUSES = ("done", "met_late", "open", "overdue")
WARNING_KINDS = (
    "under_18_without_supervision",
    "upw_hours_out_of_range",
    "supervision_months_out_of_range",
    "end_before_imposition",
)
ACTIVE_STATUSES = (None, "active")


# ---------------------------------------------------------------------------- public types
@dataclass(frozen=True)
class DueItem:
    case: str
    kind: str
    due_on: dt.date
    status: str
    done_on: dt.date | None
    label: str


@dataclass(frozen=True)
class CaseWarning:
    case: str
    kind: str
    message: str


@dataclass(frozen=True)
class UpwProgress:
    required_hours: int
    hours_done: float
    hours_remaining: float
    complete_by: dt.date
    hours_per_week_needed: float | None


@dataclass(frozen=True)
class SmartProblem:
    letter: str
    reason: str


@dataclass(frozen=True)
class DeadlineConfig:
    """Local policy: weeks between plan reviews per supervision intensity, and how many
    working days before a court progress review the officer's report is due."""

    intensity_weeks: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_INTENSITY_WEEKS))
    report_days_before: int = DEFAULT_REPORT_DAYS_BEFORE
    enforcement: appts.EnforcementPolicy = field(default_factory=appts.EnforcementPolicy)

    @classmethod
    def from_values(cls, intensity_weeks: Any = None, report_days_before: Any = None,
                    enforcement: Mapping[str, Any] | None = None) -> DeadlineConfig:
        """Build from stored values; anything missing or unusable falls back to the default."""
        weeks = dict(DEFAULT_INTENSITY_WEEKS)
        if isinstance(intensity_weeks, Mapping):
            for level, value in intensity_weeks.items():
                if level in weeks and _valid_weeks(value):
                    weeks[level] = int(value)
        days = DEFAULT_REPORT_DAYS_BEFORE
        if _valid_report_days(report_days_before):
            days = int(report_days_before)
        return cls(intensity_weeks=weeks, report_days_before=days,
                   enforcement=appts.EnforcementPolicy.from_values(enforcement or {}))

    @classmethod
    def for_store(cls, store: Store) -> DeadlineConfig:
        from app.models.store.casework import get_settings

        keys = [SETTING_INTENSITY_WEEKS, SETTING_REPORT_DAYS_BEFORE, *(k for k, *_ in appts.POLICY_SETTINGS)]
        values = get_settings(store, keys)
        return cls.from_values(values.get(SETTING_INTENSITY_WEEKS), values.get(SETTING_REPORT_DAYS_BEFORE),
                               values)

    def weeks_for(self, intensity: str | None) -> int:
        level = intensity if intensity in self.intensity_weeks else DEFAULT_INTENSITY
        return self.intensity_weeks.get(level, DEFAULT_INTENSITY_WEEKS[DEFAULT_INTENSITY])


def _valid_weeks(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 104


def _valid_report_days(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 60


def save_deadline_config(store: Store, intensity_weeks: Mapping[str, int] | None = None,
                         report_days_before: int | None = None) -> DeadlineConfig:
    """Validate and store the local policy values given (others are left as they are)."""
    if intensity_weeks is not None:
        for level, value in intensity_weeks.items():
            if level not in DEFAULT_INTENSITY_WEEKS:
                raise ValidationError(f"unknown supervision intensity {level!r} (high, medium or low)")
            if not _valid_weeks(value):
                raise ValidationError(f"weeks between reviews must be a whole number from 1 to 104, not {value!r}")
    if report_days_before is not None and not _valid_report_days(report_days_before):
        raise ValidationError(
            f"report days before a progress review must be a whole number from 0 to 60, not {report_days_before!r}")
    if intensity_weeks is not None:
        merged = {**DeadlineConfig.for_store(store).intensity_weeks, **intensity_weeks}
        store.set_setting(SETTING_INTENSITY_WEEKS, merged)
    if report_days_before is not None:
        store.set_setting(SETTING_REPORT_DAYS_BEFORE, int(report_days_before))
    return DeadlineConfig.for_store(store)


# ---------------------------------------------------------------------------- case facts
@dataclass(frozen=True)
class Requirement:
    kind: str
    hours: int | None = None
    months: int | None = None
    complete_by: dt.date | None = None


@dataclass(frozen=True)
class ReviewFact:
    held_on: dt.date
    kind: str | None
    next_review_on: dt.date | None


@dataclass(frozen=True)
class CaseFacts:
    """The little a deadline needs to know about a case.  Event lists hold only records
    dated on or after the imposition date (earlier ones cannot meet a post-sentence timescale)."""

    reference: str
    date_of_birth: dt.date | None
    imposed_on: dt.date
    ends_on: dt.date | None
    status: str | None
    intensity: str | None
    requirements: tuple[Requirement, ...]
    progress_reviews: tuple[dt.date, ...] = ()
    first_contact: dt.date | None = None                 # first home visit or office note
    first_upw_session: dt.date | None = None
    upw_completed_on: dt.date | None = None               # the session that reached the hours
    first_assessment: dt.date | None = None
    reviews: tuple[ReviewFact, ...] = ()                  # in held_on order
    victim_safety_reviews: tuple[dt.date, ...] = ()       # review dates of open safety plan flags
    failures: tuple[appts.Failure, ...] = ()              # failures to comply (appointments), date order
    enforcement: tuple[appts.Action, ...] = ()            # warning / breach steps taken, date order

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def has_supervision(self) -> bool:
        return any(r.kind == SUPERVISION for r in self.requirements)

    @property
    def upw_requirements(self) -> list[Requirement]:
        return [r for r in self.requirements if r.kind == UNPAID_WORK]


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _sessions(case: Mapping[str, Any], imposed: dt.date) -> list[tuple[dt.date, float]]:
    """Unpaid work sessions on or after the imposition date, as (date, hours) in date order."""
    rows = sorted(
        ((d, float(s.get("hours", 0)), i) for i, s in enumerate(case.get("unpaid_work_sessions", []))
         for d in [_date(s.get("date"))] if d is not None and d >= imposed),
        key=lambda t: (t[0], t[2]),
    )
    return [(d, h) for d, h, _i in rows]


def facts_from_case(case: Mapping[str, Any]) -> CaseFacts:
    """Reduce a bundle-format case dict to the facts deadlines depend on."""
    order = case["order"]
    imposed = _date(order["imposed_on"])
    if imposed is None:
        raise ValidationError("the order has no valid imposition date", "$.order.imposed_on")
    requirements = tuple(
        Requirement(kind=r["kind"], hours=r.get("hours"), months=r.get("months"),
                    complete_by=_date(r.get("complete_by")))
        for r in order.get("requirements", [])
    )
    contacts = [d for n in case.get("notes", []) if n.get("kind") in FIRST_CONTACT_NOTE_KINDS
                for d in [_date(n.get("date"))] if d is not None and d >= imposed]
    # An attended home visit or office appointment counts for the first meeting as its note would.
    contacts += [d for a in case.get("appointments", []) if a.get("kind") in FIRST_CONTACT_NOTE_KINDS
                 and a.get("outcome") in appts.ATTENDED_OUTCOMES
                 for d in [_date(a.get("date"))] if d is not None and d >= imposed]
    sessions = _sessions(case, imposed)
    assessments = [d for a in case.get("assessments", []) for d in [_date(a.get("completed_on"))]
                   if d is not None and d >= imposed]
    reviews = sorted(
        ((d, i, r) for i, r in enumerate(case.get("reviews", [])) for d in [_date(r.get("held_on"))]
         if d is not None and d >= imposed),
        key=lambda t: (t[0], t[1]),
    )
    safety = [d for f in case.get("flags", []) if f.get("kind") == "victim_safety_plan" and not f.get("closed_on")
              for d in [_date(f.get("review_on"))] if d is not None]
    return CaseFacts(
        reference=case["reference"],
        date_of_birth=_date(case.get("individual", {}).get("date_of_birth")),
        imposed_on=imposed,
        ends_on=_date(order.get("ends_on")),
        status=order.get("status"),
        intensity=case.get("supervision_intensity"),
        requirements=requirements,
        progress_reviews=tuple(d for p in order.get("progress_reviews") or [] for d in [_date(p)] if d is not None),
        first_contact=min(contacts, default=None),
        first_upw_session=sessions[0][0] if sessions else None,
        upw_completed_on=_hours_reached_on(sessions, _required_hours(requirements)),
        first_assessment=min(assessments, default=None),
        reviews=tuple(ReviewFact(d, r.get("kind"), _date(r.get("next_review_on"))) for d, _i, r in reviews),
        victim_safety_reviews=tuple(safety),
        failures=tuple(appts.failures_of(case.get("appointments", []), imposed)),
        enforcement=tuple(appts.actions_of(case.get("enforcement", []))),
    )


# ---------------------------------------------------------------------------- rules
def status_for(due_on: dt.date, done_on: dt.date | None, today: dt.date) -> str:
    """done (met on or before the due date), met_late, open (not yet due) or overdue."""
    if done_on is not None:
        return "done" if done_on <= due_on else "met_late"
    return "open" if today <= due_on else "overdue"


def _required_hours(requirements: Iterable[Requirement]) -> int:
    return sum(int(r.hours or 0) for r in requirements if r.kind == UNPAID_WORK)


def upw_required_hours(facts: CaseFacts) -> int:
    return _required_hours(facts.requirements)


def _hours_reached_on(sessions: Iterable[tuple[dt.date, float]], required: float) -> dt.date | None:
    """The date of the session (in date order) that brought the hours up to ``required``."""
    if required <= 0:
        return None
    total = 0.0
    for day, hours in sessions:
        total += hours
        if total >= required - HOURS_TOLERANCE:
            return day
    return None


def upw_deadline(facts: CaseFacts) -> dt.date | None:
    """The court's complete_by where set, else imposition + 3 months (level 1, up to 100
    hours) or + 6 months (level 2), clamped to the end of a shorter month."""
    reqs = facts.upw_requirements
    if not reqs:
        return None
    court = [r.complete_by for r in reqs if r.complete_by is not None]
    if court:
        return max(court)
    months = UPW_LEVEL1_MONTHS if upw_required_hours(facts) <= UPW_LEVEL1_MAX_HOURS else UPW_LEVEL2_MONTHS
    return add_months(facts.imposed_on, months)


def _order_horizon(facts: CaseFacts) -> dt.date:
    """The order's end date, else its longest requirement, else the statutory maximum."""
    if facts.ends_on is not None:
        return facts.ends_on
    months = [r.months for r in facts.requirements if r.months]
    if months:
        return add_months(facts.imposed_on, max(months))
    deadline = upw_deadline(facts)
    if deadline is not None:
        return deadline
    return add_months(facts.imposed_on, FALLBACK_ORDER_MONTHS)


def _departmental_months() -> Iterator[int]:
    yield from DEPARTMENTAL_FIRST_MONTHS
    months = DEPARTMENTAL_FIRST_MONTHS[-1]
    while True:
        months += DEPARTMENTAL_EVERY_MONTHS
        yield months


def departmental_schedule(facts: CaseFacts) -> list[tuple[int, dt.date]]:
    """(months after imposition, due date): 3, 6, 12, 18, ... while before the order end."""
    return [(months, due) for months, due, _label in _departmental_dates(facts.imposed_on, _order_horizon(facts))]


@lru_cache(maxsize=8192)
def _departmental_dates(imposed: dt.date, horizon: dt.date) -> tuple[tuple[int, dt.date, str], ...]:
    """The schedule with its labels; the same (imposition, end) pairs recur across a caseload."""
    out: list[tuple[int, dt.date, str]] = []
    for months in _departmental_months():
        due = add_months(imposed, months)
        if due >= horizon or months > FALLBACK_ORDER_MONTHS * 4:
            break
        out.append((months, due, f"Departmental review ({months} months)"))
    return tuple(out)


def _match_departmental(schedule: list[tuple[int, dt.date]], held: list[dt.date]) -> list[dt.date | None]:
    """Each departmental review counts towards the scheduled date nearest to it (the earlier
    one on a tie); a scheduled date is met by the earliest review counted towards it."""
    return _match_dates([due for _months, due in schedule], held)


def _match_dates(dates: list[dt.date], held: list[dt.date]) -> list[dt.date | None]:
    """``_match_departmental`` over the scheduled dates alone (strictly increasing, as
    ``add_months`` of increasing months always is): the nearest is one of the two dates either
    side of the review, found by bisection; the earlier wins a tie."""
    met: list[dt.date | None] = [None] * len(dates)
    if not dates:
        return met
    last = len(dates) - 1
    for day in sorted(held):
        k = bisect_left(dates, day)
        if k > last:
            best = last
        elif k == 0:
            best = 0
        else:
            best = k - 1 if (day - dates[k - 1]).days <= (dates[k] - day).days else k
        if met[best] is None:
            met[best] = day
    return met


def _age_on(dob: dt.date, day: dt.date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


@lru_cache(maxsize=8192)
def _fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def facts_warnings(facts: CaseFacts) -> list[CaseWarning]:
    """Rules the product warns on.  Learning (voluntary) is never looked at here: declining
    it is never non-compliance."""
    ref = facts.reference
    out: list[CaseWarning] = []
    if facts.date_of_birth is not None:
        age = _age_on(facts.date_of_birth, facts.imposed_on)
        if age < 18 and not facts.has_supervision:
            out.append(CaseWarning(ref, "under_18_without_supervision",
                                   f"aged {age} when the order was imposed but the order has no offender "
                                   "supervision requirement"))
    for r in facts.upw_requirements:
        if r.hours is None or not UPW_MIN_HOURS <= r.hours <= UPW_MAX_HOURS:
            shown = "no" if r.hours is None else str(r.hours)
            out.append(CaseWarning(ref, "upw_hours_out_of_range",
                                   f"unpaid work of {shown} hours is outside {UPW_MIN_HOURS} to {UPW_MAX_HOURS} hours"))
    for r in facts.requirements:
        if r.kind == SUPERVISION and r.months is not None and not (
                SUPERVISION_MIN_MONTHS <= r.months <= SUPERVISION_MAX_MONTHS):
            out.append(CaseWarning(ref, "supervision_months_out_of_range",
                                   f"offender supervision of {r.months} months is outside "
                                   f"{SUPERVISION_MIN_MONTHS} to {SUPERVISION_MAX_MONTHS} months"))
    if facts.ends_on is not None and facts.ends_on < facts.imposed_on:
        out.append(CaseWarning(ref, "end_before_imposition",
                               f"the order ends on {_fmt(facts.ends_on)}, before it was imposed on "
                               f"{_fmt(facts.imposed_on)}"))
    return out


def facts_due(facts: CaseFacts, today: dt.date, cal: WorkingCalendar,
              config: DeadlineConfig | None = None, *, sort: bool = True
              ) -> tuple[list[DueItem], list[CaseWarning]]:
    """Every due item of one case with its status on ``today``, and the case's warnings.

    Orders that are no longer active (completed, revoked, transferred out) keep the items
    that were met (done or met_late) as history but produce nothing open or overdue."""
    rows: list[_Row] = []
    _due_rows(facts, today, cal, config or DeadlineConfig(), rows)
    if sort:
        rows.sort()
    return _items(rows), facts_warnings(facts)


# A due item as a plain tuple while a caseload is built: (due_on, case, kind rank, label,
# emission number, kind, status, done_on).  Tuples sort natively in exactly the order of
# ``item_sort_key``, ties kept in emission order (as the stable sort of items did).
_Row = tuple[dt.date, str, int, str, int, str, str, "dt.date | None"]

_RANK_FIRST_MEETING, _RANK_UPW_START, _RANK_ASSESSMENT, _RANK_UPW_COMPLETION, _RANK_DEPARTMENTAL, \
    _RANK_PLAN_REVIEW, _RANK_PROGRESS_REPORT, _RANK_SAFETY_REVIEW, _RANK_WARNING_LETTER, _RANK_BREACH_DECISION, \
    _RANK_BREACH_REPORT, _RANK_ORDER_END = range(len(KINDS))
_ENFORCEMENT_RANKS = {"warning_letter": _RANK_WARNING_LETTER, "breach_decision": _RANK_BREACH_DECISION,
                      "breach_report": _RANK_BREACH_REPORT}
_LABEL_FIRST_MEETING = f"First meeting ({FIRST_MEETING_DAYS} working days)"
_LABEL_UPW_START = f"Unpaid work start ({UPW_START_DAYS} working days)"
_LABEL_ASSESSMENT = f"Risk and needs assessment ({ASSESSMENT_DAYS} working days)"


@lru_cache(maxsize=1024)
def _upw_completion_label(hours: int) -> str:
    return f"Unpaid work completed ({hours} hours)"


@lru_cache(maxsize=1024)
def _plan_labels(level: str, weeks: int) -> tuple[str, str]:
    """(first plan review, plan review after a review without a set date)."""
    return (f"Plan review ({level} intensity, {weeks} weeks)",
            f"Plan review ({level} intensity, {weeks} weeks after the last review)")


@lru_cache(maxsize=8192)
def _plan_label_set_at(held_on: dt.date) -> str:
    return f"Plan review (date set at the review of {_fmt(held_on)})"


@lru_cache(maxsize=8192)
def _progress_report_label(hearing: dt.date) -> str:
    return f"Progress review report (court review {_fmt(hearing)})"


def _due_rows(facts: CaseFacts, today: dt.date, cal: WorkingCalendar, config: DeadlineConfig,
              rows: list[_Row]) -> None:
    """Append the rows of one case's due items (see ``facts_due``) to ``rows``."""
    ref = facts.reference
    imposed = facts.imposed_on
    active = facts.status in ACTIVE_STATUSES
    append = rows.append

    def emit(rank: int, kind: str, due_on: dt.date, done_on: dt.date | None, label: str) -> None:
        if done_on is not None:
            status = "done" if done_on <= due_on else "met_late"
        elif not active:
            return  # an inactive order keeps its history only
        else:
            status = "open" if today <= due_on else "overdue"
        append((due_on, ref, rank, label, len(rows), kind, status, done_on))

    supervision = False
    upw = False
    upw_hours = 0
    court_deadline: dt.date | None = None
    for r in facts.requirements:
        if r.kind == SUPERVISION:
            supervision = True
        elif r.kind == UNPAID_WORK:
            upw = True
            upw_hours += int(r.hours or 0)
            if r.complete_by is not None and (court_deadline is None or r.complete_by > court_deadline):
                court_deadline = r.complete_by

    if supervision:
        emit(_RANK_FIRST_MEETING, "first_meeting", cal.add_working_days(imposed, FIRST_MEETING_DAYS),
             facts.first_contact, _LABEL_FIRST_MEETING)
    if upw:
        emit(_RANK_UPW_START, "upw_start", cal.add_working_days(imposed, UPW_START_DAYS), facts.first_upw_session,
             _LABEL_UPW_START)
    if supervision:
        emit(_RANK_ASSESSMENT, "assessment", cal.add_working_days(imposed, ASSESSMENT_DAYS), facts.first_assessment,
             _LABEL_ASSESSMENT)
    if upw:  # as upw_deadline(facts)
        deadline = court_deadline or add_months(
            imposed, UPW_LEVEL1_MONTHS if upw_hours <= UPW_LEVEL1_MAX_HOURS else UPW_LEVEL2_MONTHS)
        emit(_RANK_UPW_COMPLETION, "upw_completion", deadline, facts.upw_completed_on,
             _upw_completion_label(upw_hours))

    schedule = _departmental_dates(imposed, _order_horizon(facts))
    held = [r.held_on for r in facts.reviews if r.kind == "departmental"]
    if held:
        met = _match_dates([due for _months, due, _label in schedule], held)
        for (_months, due, label), done in zip(schedule, met, strict=True):
            emit(_RANK_DEPARTMENTAL, "departmental_review", due, done, label)
    else:
        for _months, due, label in schedule:
            emit(_RANK_DEPARTMENTAL, "departmental_review", due, None, label)

    intensity = facts.intensity
    if supervision or intensity is not None:
        weeks = config.weeks_for(intensity)
        interval = dt.timedelta(weeks=weeks)
        level = intensity if intensity in config.intensity_weeks else DEFAULT_INTENSITY
        label, label_after = _plan_labels(level, weeks)  # type: ignore[arg-type]
        due = imposed + interval
        for review in facts.reviews:
            if review.kind == "departmental" and review.next_review_on is None:
                continue  # a management review on its own schedule (above), not a plan review
            emit(_RANK_PLAN_REVIEW, "plan_review", due, review.held_on, label)
            if review.next_review_on is not None:
                due = review.next_review_on
                label = _plan_label_set_at(review.held_on)
            else:
                due = review.held_on + interval
                label = label_after
        if facts.ends_on is None or due < facts.ends_on:
            emit(_RANK_PLAN_REVIEW, "plan_review", due, None, label)

    if facts.progress_reviews:
        for hearing in sorted(set(facts.progress_reviews)):
            if hearing < today:
                continue  # the hearing has passed: nothing records the report, so nothing to chase
            emit(_RANK_PROGRESS_REPORT, "progress_review_report",
                 cal.add_working_days(hearing, -config.report_days_before), None, _progress_report_label(hearing))

    for review_on in facts.victim_safety_reviews:
        emit(_RANK_SAFETY_REVIEW, "victim_safety_plan_review", review_on, None, "Victim safety plan review")

    if facts.failures or facts.enforcement:
        failures = [f for f in facts.failures if f.day <= today]  # a failure cannot be dated ahead
        for step in appts.position(failures, facts.enforcement, config.enforcement, cal.add_working_days).steps:
            emit(_ENFORCEMENT_RANKS[step.kind], step.kind, step.due_on, step.done_on, step.label)

    if facts.ends_on is not None:
        if active:
            emit(_RANK_ORDER_END, "order_end", facts.ends_on, None, "Order ends")
        elif facts.status == "completed":
            emit(_RANK_ORDER_END, "order_end", facts.ends_on, facts.ends_on, "Order ended")


def _items(rows: Iterable[_Row]) -> list[DueItem]:
    """The DueItems of rows, in order.  Built by filling each instance's attribute dict, which
    gives exactly what ``DueItem(...)`` gives (a frozen dataclass's ``__init__`` only assigns its
    fields, one ``object.__setattr__`` each) three times faster: a caseload has ~50,000 items.
    tests/models/test_deadlines.py checks the two stay identical."""
    new = object.__new__
    assign = object.__setattr__
    cls = DueItem
    out: list[DueItem] = []
    append = out.append
    for due_on, ref, _rank, label, _n, kind, status, done_on in rows:
        item = new(cls)
        assign(item, "__dict__", {"case": ref, "kind": kind, "due_on": due_on, "status": status,
                                  "done_on": done_on, "label": label})
        append(item)
    return out


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a caseload is built: its ~200,000 new tuples,
    dates and items (none cyclic) would otherwise trigger repeated full collections that cost
    about a third of the time.  Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_KIND_ORDER = {kind: i for i, kind in enumerate(KINDS)}
_WARNING_ORDER = {kind: i for i, kind in enumerate(WARNING_KINDS)}


def item_sort_key(item: DueItem) -> tuple[dt.date, str, int, str]:
    """Date, then case reference, then the kinds in their documented order."""
    return (item.due_on, item.case, _KIND_ORDER.get(item.kind, 99), item.label)


def _warning_sort_key(w: CaseWarning) -> tuple[str, int, str]:
    return (w.case, _WARNING_ORDER.get(w.kind, 99), w.message)


# ---------------------------------------------------------------------------- public API
def case_due(case: dict[str, Any], today: dt.date, cal: WorkingCalendar, config: DeadlineConfig | None = None
             ) -> tuple[list[DueItem], list[CaseWarning]]:
    """Due items and warnings for one bundle-format case (as from ``Store.get_case``)."""
    return facts_due(facts_from_case(case), today, cal, config)


def filter_within(items: Iterable[DueItem], today: dt.date, within_days: int | None) -> list[DueItem]:
    """A work list: everything overdue, plus open items due within ``within_days`` calendar
    days of today (today + within_days inclusive).  ``None`` keeps every item, of every status."""
    if within_days is None:
        return list(items)
    limit = today + dt.timedelta(days=within_days)
    return [i for i in items if i.status == "overdue" or (i.status == "open" and i.due_on <= limit)]


def caseload_due(store: Store, today: dt.date, within_days: int | None = None,
                 cal: WorkingCalendar | None = None, config: DeadlineConfig | None = None
                 ) -> tuple[list[DueItem], list[CaseWarning]]:
    """Due items (sorted by date) and warnings for every case in the store.

    ``within_days`` None: every item of every status.  A number: the work list (see
    ``filter_within``).  Uses a few set-based queries; never loads whole cases."""
    if within_days is not None and within_days < 0:
        raise ValidationError("within_days cannot be negative")
    from app.models.store.caseload_facts import load_caseload_facts

    cal = cal or WorkingCalendar.for_store(store)
    config = config or DeadlineConfig.for_store(store)
    with _gc_paused():
        rows: list[_Row] = []
        warnings: list[CaseWarning] = []
        for facts in load_caseload_facts(store):
            _due_rows(facts, today, cal, config, rows)
            case_warnings = facts_warnings(facts)
            if case_warnings:
                warnings.extend(case_warnings)
        rows.sort()
        warnings.sort(key=_warning_sort_key)
        if within_days is not None:  # filter_within, on the rows: only the kept items are built
            limit = today + dt.timedelta(days=within_days)
            rows = [r for r in rows if r[6] == "overdue" or (r[6] == "open" and r[0] <= limit)]
        return _items(rows), warnings


def upw_progress(case: dict[str, Any], today: dt.date) -> UpwProgress | None:
    """Hours done and still to do, and the weekly pace needed to finish by the deadline
    (counting today; None when complete or the deadline has passed).  None without unpaid work."""
    facts = facts_from_case(case)
    deadline = upw_deadline(facts)
    if deadline is None:
        return None
    required = upw_required_hours(facts)
    done = round(sum(h for _d, h in _sessions(case, facts.imposed_on)), 2)
    remaining = round(max(0.0, required - done), 2)
    per_week: float | None = None
    if remaining > 0 and today <= deadline:
        days_left = (deadline - today).days + 1
        per_week = round(remaining / (days_left / 7), 1)
    return UpwProgress(required_hours=required, hours_done=done, hours_remaining=remaining,
                       complete_by=deadline, hours_per_week_needed=per_week)


MIN_SPECIFIC_WORDS = 3
MIN_SPECIFIC_CHARS = 15


def smart_check(goal: dict[str, Any]) -> list[SmartProblem]:
    """Which SMART letters a plan goal is missing, and why ([] when it is SMART)."""
    problems: list[SmartProblem] = []

    def text(key: str) -> str:
        value = goal.get(key)
        return value.strip() if isinstance(value, str) else ""

    description = text("description")
    if not description:
        problems.append(SmartProblem("S", "no description of what will change"))
    elif len(description.split()) < MIN_SPECIFIC_WORDS or len(description) < MIN_SPECIFIC_CHARS:
        problems.append(SmartProblem("S", "the description is too short to say specifically what will change"))
    if not text("measure"):
        problems.append(SmartProblem("M", "no measure of progress"))
    if not text("achievable"):
        problems.append(SmartProblem("A", "nothing recorded on why it is achievable for this person"))
    if not text("realistic"):
        problems.append(SmartProblem("R", "no supports or resources recorded to make it realistic"))
    target = goal.get("target_date")
    if target in (None, ""):
        problems.append(SmartProblem("T", "no target date"))
    elif _date(target) is None:
        problems.append(SmartProblem("T", "the target date is not a valid date"))
    return problems
