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
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from app.models.errors import ValidationError
from app.models.rules import appointments as appts
from app.models.rules.calendar import WorkingCalendar
from app.models.rules.dates import add_months, age_on, iso_date, show_cached

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
# Notes that record meeting the person face to face (a phone call is not a meeting).
FIRST_CONTACT_NOTE_KINDS = ("home_visit", "office", "face_to_face")
OTHER_ACTIVITY = "other_activity"
TREATMENT_REQUIREMENTS = ("drug_treatment", "alcohol_treatment")
MIN_AGE_AT_IMPOSITION = 16  # a CPO is imposed on people aged 16 or over
HOURS_TOLERANCE = 1e-6  # logged hours "reach" the requirement within float rounding

DEFAULT_INTENSITY_WEEKS: dict[str, int] = {"high": 4, "medium": 8, "low": 12}
DEFAULT_INTENSITY = "medium"
DEFAULT_REPORT_DAYS_BEFORE = 5
DEFAULT_OTHER_ACTIVITY_CAP_PERCENT = 30   # local policy: share of the hours other activity may make up
DEFAULT_UPW_ONLY_REVIEW_WEEKS = 12        # local policy: plan reviews of unpaid-work-only orders
WEEKS_LIMITS = (1, 104)
REPORT_DAYS_LIMITS = (0, 60)
PERCENT_LIMITS = (0, 100)
SETTING_INTENSITY_WEEKS = "intensity_weeks"
SETTING_REPORT_DAYS_BEFORE = "report_days_before"
SETTING_OTHER_ACTIVITY_CAP = "other_activity_cap_percent"
SETTING_UPW_ONLY_REVIEW_WEEKS = "upw_only_review_weeks"

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
    "treatment_without_supervision",
    "date_of_birth_in_future",
    "under_16_at_imposition",
)
ACTIVE_STATUSES = (None, "active")


# Records that meet due items, by case list: the date that says when it happened.  One dated
# after today is refused on save unless its kind allows planning (none yet: appointments,
# issue 17, will be the kind that does).
RECORD_DATES: dict[str, tuple[str, str]] = {
    "notes": ("date", "note"),
    "unpaid_work_sessions": ("date", "unpaid work session"),
    "assessments": ("completed_on", "assessment"),
    "reviews": ("held_on", "review"),
}
PLANNABLE_KINDS: dict[str, frozenset[str]] = {}


def future_record_problem(list_key: str, item: Mapping[str, Any], today: dt.date) -> ValidationError | None:
    """The error for saving ``item`` in ``list_key`` when it is dated after today (None if fine)."""
    spec = RECORD_DATES.get(list_key)
    if spec is None:
        return None
    key, what = spec
    day = iso_date(item.get(key))
    if day is None or day <= today or item.get("kind") in PLANNABLE_KINDS.get(list_key, frozenset()):
        return None
    return ValidationError(f"the {what} is dated {day:%d/%m/%Y}, after today ({today:%d/%m/%Y}): a record can "
                           "only be saved once its date has come", f"$.{key}")


# ---------------------------------------------------------------------------- public types
@dataclass(slots=True, unsafe_hash=True)
class DueItem:
    """One due item (read-only by convention: not frozen, because a frozen dataclass costs
    several times more to build and a caseload has ~50,000; hashable on its fields as before)."""

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
    """Hours counted towards the requirement (other activity only up to the local cap), as
    of today: sessions dated after today are not there yet."""

    required_hours: int
    hours_done: float                  # counted: unpaid work + other activity up to the cap
    hours_remaining: float
    complete_by: dt.date
    hours_per_week_needed: float | None
    other_activity_hours: float = 0.0  # logged, before the cap
    other_activity_counted: float = 0.0
    other_activity_cap: float | None = None  # hours; None when the cap is 100 %


@dataclass(frozen=True)
class DeadlineConfig:
    """Local policy: weeks between plan reviews per supervision intensity, how many working
    days before a court progress review the officer's report is due, the cap on other
    activity (percent of the unpaid work hours) and the plan review interval of an
    unpaid-work-only order with no intensity recorded."""

    intensity_weeks: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_INTENSITY_WEEKS))
    report_days_before: int = DEFAULT_REPORT_DAYS_BEFORE
    other_activity_cap_percent: int = DEFAULT_OTHER_ACTIVITY_CAP_PERCENT
    upw_only_review_weeks: int = DEFAULT_UPW_ONLY_REVIEW_WEEKS
    enforcement: appts.EnforcementPolicy = field(default_factory=appts.EnforcementPolicy)

    @classmethod
    def from_values(cls, intensity_weeks: Any = None, report_days_before: Any = None,
                    enforcement: Mapping[str, Any] | None = None, other_activity_cap_percent: Any = None,
                    upw_only_review_weeks: Any = None) -> DeadlineConfig:
        """Build from stored values; anything missing or unusable falls back to the default."""
        weeks = dict(DEFAULT_INTENSITY_WEEKS)
        if isinstance(intensity_weeks, Mapping):
            for level, value in intensity_weeks.items():
                if level in weeks and _valid_weeks(value):
                    weeks[level] = int(value)
        days = DEFAULT_REPORT_DAYS_BEFORE
        if _valid_report_days(report_days_before):
            days = int(report_days_before)
        cap = int(other_activity_cap_percent) if _in(other_activity_cap_percent, PERCENT_LIMITS) \
            else DEFAULT_OTHER_ACTIVITY_CAP_PERCENT
        upw_weeks = int(upw_only_review_weeks) if _valid_weeks(upw_only_review_weeks) \
            else DEFAULT_UPW_ONLY_REVIEW_WEEKS
        return cls(intensity_weeks=weeks, report_days_before=days, other_activity_cap_percent=cap,
                   upw_only_review_weeks=upw_weeks,
                   enforcement=appts.EnforcementPolicy.from_values(enforcement or {}))

    @classmethod
    def for_store(cls, store: Store) -> DeadlineConfig:
        keys = [SETTING_INTENSITY_WEEKS, SETTING_REPORT_DAYS_BEFORE, SETTING_OTHER_ACTIVITY_CAP,
                SETTING_UPW_ONLY_REVIEW_WEEKS, *(k for k, *_ in appts.POLICY_SETTINGS)]
        values = store.settings.get_many(keys)  # the values in force (the store's settings registry)
        return cls.from_values(values.get(SETTING_INTENSITY_WEEKS), values.get(SETTING_REPORT_DAYS_BEFORE),
                               values, values.get(SETTING_OTHER_ACTIVITY_CAP),
                               values.get(SETTING_UPW_ONLY_REVIEW_WEEKS))

    def weeks_for(self, intensity: str | None) -> int:
        level = intensity if intensity in self.intensity_weeks else DEFAULT_INTENSITY
        return self.intensity_weeks.get(level, DEFAULT_INTENSITY_WEEKS[DEFAULT_INTENSITY])

    def other_activity_cap(self, required_hours: float) -> float | None:
        """Hours of other activity that count towards ``required_hours`` (None: no cap)."""
        if self.other_activity_cap_percent >= 100:
            return None
        return required_hours * self.other_activity_cap_percent / 100


def _in(value: Any, limits: tuple[int, int]) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and limits[0] <= value <= limits[1]


def _valid_weeks(value: Any) -> bool:
    return _in(value, WEEKS_LIMITS)


def _valid_report_days(value: Any) -> bool:
    return _in(value, REPORT_DAYS_LIMITS)


def save_deadline_config(store: Store, intensity_weeks: Mapping[str, int] | None = None,
                         report_days_before: int | None = None, other_activity_cap_percent: int | None = None,
                         upw_only_review_weeks: int | None = None) -> DeadlineConfig:
    """Validate and store the local policy values given (others are left as they are); the
    limits are the settings' declarations (app/models/store/settings.py)."""
    given = {SETTING_INTENSITY_WEEKS: intensity_weeks, SETTING_REPORT_DAYS_BEFORE: report_days_before,
             SETTING_OTHER_ACTIVITY_CAP: other_activity_cap_percent,
             SETTING_UPW_ONLY_REVIEW_WEEKS: upw_only_review_weeks}
    store.settings.update({k: v for k, v in given.items() if v is not None})
    return DeadlineConfig.for_store(store)


# ---------------------------------------------------------------------------- case facts
@dataclass(frozen=True)
class Requirement:
    kind: str
    hours: int | None = None
    months: int | None = None
    complete_by: dt.date | None = None


@dataclass(slots=True)
class ReviewFact:
    held_on: dt.date
    kind: str | None
    next_review_on: dt.date | None
    scheduled_months: int | None = None  # departmental: the scheduled review it is (None: the default)


@dataclass(frozen=True)
class SafetyPlanFact:
    """A victim safety plan flag: its first review date, when it closed, and the reviews
    recorded on it as (reviewed_on, next_review_on) in date order."""

    review_on: dt.date | None
    closed_on: dt.date | None
    reviews: tuple[tuple[dt.date, dt.date | None], ...] = ()


@dataclass(slots=True)
class CaseFacts:
    """The little a deadline needs to know about a case.  Event lists hold only records
    dated on or after the imposition date (earlier ones cannot meet a post-sentence timescale).
    Records dated after "today" are kept here and ignored by the rules (``facts_due`` is
    given today), so the same facts answer for any today.

    Read-only by convention, like ``ReviewFact``: not frozen, because a frozen dataclass's
    ``__init__`` costs several times more and the caseload builds one per case (issue 13)."""

    reference: str
    date_of_birth: dt.date | None
    imposed_on: dt.date
    ends_on: dt.date | None
    status: str | None
    intensity: str | None
    requirements: tuple[Requirement, ...]
    progress_reviews: tuple[dt.date, ...] = ()
    reports_submitted: tuple[tuple[dt.date, dt.date], ...] = ()  # (hearing, report submitted on)
    first_contact: dt.date | None = None                 # first face-to-face note (home visit, office, elsewhere)
    first_upw_session: dt.date | None = None
    upw_completed_on: dt.date | None = None               # the session that reached the hours (capped)
    first_assessment: dt.date | None = None
    reviews: tuple[ReviewFact, ...] = ()                  # in held_on order
    safety_plans: tuple[SafetyPlanFact, ...] = ()         # victim safety plan flags with a review date or reviews
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


Session = tuple[dt.date, float, bool]  # (date, hours, other activity)


def _sessions(case: Mapping[str, Any], imposed: dt.date) -> list[Session]:
    """Unpaid work sessions on or after the imposition date, as (date, hours, other
    activity) in date order."""
    rows = sorted(
        ((d, float(s.get("hours", 0)), s.get("kind") == OTHER_ACTIVITY, i)
         for i, s in enumerate(case.get("unpaid_work_sessions", []))
         for d in [iso_date(s.get("date"))] if d is not None and d >= imposed),
        key=lambda t: (t[0], t[3]),
    )
    return [(d, h, other) for d, h, other, _i in rows]


def safety_plan_fact(flag: Mapping[str, Any]) -> SafetyPlanFact | None:
    """The deadline facts of one flag: None unless it is a victim safety plan with a review
    date or recorded reviews."""
    if flag.get("kind") != "victim_safety_plan":
        return None
    reviews = sorted(((d, i, iso_date(r.get("next_review_on"))) for i, r in enumerate(flag.get("reviews") or [])
                      for d in [iso_date(r.get("reviewed_on"))] if d is not None))
    review_on = iso_date(flag.get("review_on"))
    if review_on is None and not reviews:
        return None
    return SafetyPlanFact(review_on, iso_date(flag.get("closed_on")), tuple((d, n) for d, _i, n in reviews))


def reports_submitted(order: Mapping[str, Any]) -> tuple[tuple[dt.date, dt.date], ...]:
    """(hearing, submitted on) for each progress review report recorded on the order."""
    out = []
    for r in order.get("progress_review_reports") or []:
        hearing, submitted = iso_date(r.get("hearing_on")), iso_date(r.get("submitted_on"))
        if hearing is not None and submitted is not None:
            out.append((hearing, submitted))
    return tuple(out)


def facts_from_case(case: Mapping[str, Any], config: DeadlineConfig | None = None) -> CaseFacts:
    """Reduce a bundle-format case dict to the facts deadlines depend on (``config``: the
    other activity cap decides when the hours were reached)."""
    config = config or DeadlineConfig()
    order = case["order"]
    imposed = iso_date(order["imposed_on"])
    if imposed is None:
        raise ValidationError("the order has no valid imposition date", "$.order.imposed_on")
    requirements = tuple(
        Requirement(kind=r["kind"], hours=r.get("hours"), months=r.get("months"),
                    complete_by=iso_date(r.get("complete_by")))
        for r in order.get("requirements", [])
    )
    contacts = [d for n in case.get("notes", []) if n.get("kind") in FIRST_CONTACT_NOTE_KINDS
                for d in [iso_date(n.get("date"))] if d is not None and d >= imposed]
    # An attended home visit or office appointment counts for the first meeting as its note would.
    contacts += [d for a in case.get("appointments", []) if a.get("kind") in FIRST_CONTACT_NOTE_KINDS
                 and a.get("outcome") in appts.ATTENDED_OUTCOMES
                 for d in [iso_date(a.get("date"))] if d is not None and d >= imposed]
    sessions = _sessions(case, imposed)
    assessments = [d for a in case.get("assessments", []) for d in [iso_date(a.get("completed_on"))]
                   if d is not None and d >= imposed]
    reviews = sorted(
        ((d, i, r) for i, r in enumerate(case.get("reviews", [])) for d in [iso_date(r.get("held_on"))]
         if d is not None and d >= imposed),
        key=lambda t: (t[0], t[1]),
    )
    safety = [f for flag in case.get("flags", []) for f in [safety_plan_fact(flag)] if f is not None]
    required = _required_hours(requirements)
    return CaseFacts(
        reference=case["reference"],
        date_of_birth=iso_date(case.get("individual", {}).get("date_of_birth")),
        imposed_on=imposed,
        ends_on=iso_date(order.get("ends_on")),
        status=order.get("status"),
        intensity=case.get("supervision_intensity"),
        requirements=requirements,
        progress_reviews=tuple(d for p in order.get("progress_reviews") or [] for d in [iso_date(p)] if d is not None),
        reports_submitted=reports_submitted(order),
        first_contact=min(contacts, default=None),
        first_upw_session=sessions[0][0] if sessions else None,
        upw_completed_on=_hours_reached_on(sessions, required, config.other_activity_cap(required)),
        first_assessment=min(assessments, default=None),
        reviews=tuple(ReviewFact(d, r.get("kind"), iso_date(r.get("next_review_on")), r.get("scheduled_review_months"))
                      for d, _i, r in reviews),
        safety_plans=tuple(safety),
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


def counted_hours(work: float, other: float, cap: float | None) -> float:
    """Hours that count towards the requirement: unpaid work, plus other activity up to the cap."""
    return work + (other if cap is None else min(other, cap))


def _hours_reached_on(sessions: Iterable[Session], required: float, cap: float | None = None) -> dt.date | None:
    """The date of the session (in date order) that brought the counted hours (other
    activity only up to ``cap``) up to ``required``."""
    if required <= 0:
        return None
    work = other = 0.0
    for day, hours, is_other in sessions:
        if is_other:
            other += hours
        else:
            work += hours
        if counted_hours(work, other, cap) >= required - HOURS_TOLERANCE:
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


def valid_end(facts: CaseFacts) -> dt.date | None:
    """The order's end date, unless it is before the imposition date (refused on save and
    import; a store from before that rule may still hold one): then schedules run as if no
    end date were set, rather than silently dropping every review."""
    ends = facts.ends_on
    return ends if ends is not None and ends >= facts.imposed_on else None


def _order_horizon(facts: CaseFacts) -> dt.date:
    """The order's end date, else its longest requirement, else the statutory maximum."""
    ends = valid_end(facts)
    if ends is not None:
        return ends
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


def assign_departmental(dues: list[dt.date], months: list[int],
                        reviews: list[tuple[dt.date, int | None]]) -> list[int | None]:
    """Which scheduled departmental review (an index into the schedule ``dues``/``months``)
    each review (held_on, chosen months or None) is.  A review the officer assigned keeps
    its choice (None when that review is not in the schedule, for example after the order
    was shortened); the others, in date order, take the default: the oldest scheduled review
    not yet met that was due on or before the review date, else the next one not yet met."""
    slot_of = {m: k for k, m in enumerate(months)}
    met = [False] * len(dues)
    out: list[int | None] = [None] * len(reviews)
    for j, (_held, chosen) in enumerate(reviews):
        if chosen is not None:
            k = slot_of.get(chosen)
            out[j] = k
            if k is not None:
                met[k] = True
    for j in sorted(range(len(reviews)), key=lambda j: reviews[j][0]):
        held, chosen = reviews[j]
        if chosen is None:
            k = _default_slot(dues, met, held)
            out[j] = k
            if k is not None:
                met[k] = True
    return out


def _default_slot(dues: list[dt.date], met: list[bool], held: dt.date) -> int | None:
    """The oldest unmet scheduled review due on or before ``held``, else the next unmet one.
    The dates increase, so that is simply the first unmet one: if it was due on or before
    ``held`` it is the oldest such; if after, every earlier one is met and it is the next."""
    del held  # see above: the answer does not depend on it
    for k in range(len(dues)):
        if not met[k]:
            return k
    return None


def _match_dates(dues: list[dt.date], months: list[int],
                 reviews: list[tuple[dt.date, int | None]]) -> list[dt.date | None]:
    """For each scheduled date, the earliest review that is that scheduled review (or None)."""
    met: list[dt.date | None] = [None] * len(dues)
    for (held, _chosen), k in zip(reviews, assign_departmental(dues, months, reviews), strict=True):
        if k is not None and (met[k] is None or held < met[k]):  # type: ignore[operator]
            met[k] = held
    return met


def departmental_choices(facts: CaseFacts) -> list[tuple[int, dt.date, str]]:
    """The scheduled departmental reviews an officer may say a review is:
    (months after imposition, due date, label)."""
    return list(_departmental_dates(facts.imposed_on, _order_horizon(facts)))


def default_departmental_months(facts: CaseFacts, held_on: dt.date) -> int | None:
    """The default scheduled review for a departmental review held on ``held_on``, given the
    case's departmental reviews in ``facts`` (leave out the one being edited).  None when the
    schedule is empty or every scheduled review is already met."""
    schedule = _departmental_dates(facts.imposed_on, _order_horizon(facts))
    dues = [d for _m, d, _l in schedule]
    months = [m for m, _d, _l in schedule]
    others = [(r.held_on, r.scheduled_months) for r in facts.reviews if r.kind == "departmental"]
    met = [False] * len(dues)
    for k in assign_departmental(dues, months, others):
        if k is not None:
            met[k] = True
    k = _default_slot(dues, met, held_on)
    return None if k is None else months[k]


def facts_warnings(facts: CaseFacts, today: dt.date | None = None) -> list[CaseWarning]:
    """Rules the product warns on.  Learning (voluntary) is never looked at here: declining
    it is never non-compliance."""
    ref = facts.reference
    out: list[CaseWarning] = []
    dob = facts.date_of_birth
    if dob is not None:
        age = age_on(dob, facts.imposed_on)
        if today is not None and dob > today:
            out.append(CaseWarning(ref, "date_of_birth_in_future",
                                   f"the date of birth {show_cached(dob)} is in the future: check it"))
        elif age < MIN_AGE_AT_IMPOSITION:
            out.append(CaseWarning(ref, "under_16_at_imposition",
                                   f"aged {max(age, 0)} when the order was imposed on {show_cached(facts.imposed_on)}, but a "
                                   "Community Payback Order is for people aged 16 or over: check the date of birth"))
        elif age < 18 and not facts.has_supervision:
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
                               f"the order ends on {show_cached(facts.ends_on)}, before it was imposed on "
                               f"{show_cached(facts.imposed_on)}: correct the end date (reviews are scheduled as if "
                               "no end date were set)"))
    if not facts.has_supervision:
        treatments = [k for k in TREATMENT_REQUIREMENTS if any(r.kind == k for r in facts.requirements)]
        if treatments:
            what = " and ".join(k.split("_")[0] for k in treatments)
            out.append(CaseWarning(ref, "treatment_without_supervision",
                                   f"the order has a {what} treatment requirement but no offender supervision "
                                   "requirement (guidance 8.2: one will always be in place)"))
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
    return _items(rows), facts_warnings(facts, today)


# A due item as a plain tuple while a caseload is built: (due_on, case, kind rank, label,
# emission number, kind, status, done_on).  Tuples sort natively: date, case reference, the
# kinds in their documented order (KINDS), label, ties kept in emission order.
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


@lru_cache(maxsize=1024)
def _upw_only_plan_labels(weeks: int) -> tuple[str, str]:
    return (f"Plan review (unpaid work only, {weeks} weeks)",
            f"Plan review (unpaid work only, {weeks} weeks after the last review)")


@lru_cache(maxsize=8192)
def _plan_label_set_at(held_on: dt.date) -> str:
    return f"Plan review (date set at the review of {show_cached(held_on)})"


@lru_cache(maxsize=8192)
def _progress_report_label(hearing: dt.date) -> str:
    return f"Progress review report (court review {show_cached(hearing)})"


def _until(day: dt.date | None, today: dt.date) -> dt.date | None:
    """A record meets a due item only once its own date has come: one dated after today is
    not there yet (a pre-booked visit typed as a note, a mistyped year)."""
    return day if day is not None and day <= today else None


@lru_cache(maxsize=8192)
def _safety_label_set_at(reviewed_on: dt.date) -> str:
    return f"Victim safety plan review (date set at the review of {show_cached(reviewed_on)})"


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
             _until(facts.first_contact, today), _LABEL_FIRST_MEETING)
    if upw:
        emit(_RANK_UPW_START, "upw_start", cal.add_working_days(imposed, UPW_START_DAYS),
             _until(facts.first_upw_session, today), _LABEL_UPW_START)
    if supervision:
        emit(_RANK_ASSESSMENT, "assessment", cal.add_working_days(imposed, ASSESSMENT_DAYS),
             _until(facts.first_assessment, today), _LABEL_ASSESSMENT)
    if upw:  # as upw_deadline(facts)
        deadline = court_deadline or add_months(
            imposed, UPW_LEVEL1_MONTHS if upw_hours <= UPW_LEVEL1_MAX_HOURS else UPW_LEVEL2_MONTHS)
        emit(_RANK_UPW_COMPLETION, "upw_completion", deadline, _until(facts.upw_completed_on, today),
             _upw_completion_label(upw_hours))

    reviews = [r for r in facts.reviews if r.held_on <= today]
    schedule = _departmental_dates(imposed, _order_horizon(facts))
    held = [(r.held_on, r.scheduled_months) for r in reviews if r.kind == "departmental"]
    if held:
        met = _match_dates([due for _months, due, _label in schedule], [m for m, _d, _l in schedule], held)
        for (_months, due, label), done in zip(schedule, met, strict=True):
            emit(_RANK_DEPARTMENTAL, "departmental_review", due, done, label)
    else:
        for _months, due, label in schedule:
            emit(_RANK_DEPARTMENTAL, "departmental_review", due, None, label)

    intensity = facts.intensity
    weeks = 0
    if supervision or intensity is not None:
        weeks = config.weeks_for(intensity)
        level = intensity if intensity in config.intensity_weeks else DEFAULT_INTENSITY
        label, label_after = _plan_labels(level, weeks)  # type: ignore[arg-type]
    elif upw:  # an unpaid-work-only order with no intensity recorded: the local default interval
        weeks = config.upw_only_review_weeks
        label, label_after = _upw_only_plan_labels(weeks)
    if weeks:
        interval = dt.timedelta(weeks=weeks)
        due = imposed + interval
        for review in reviews:
            if review.kind == "departmental" and review.next_review_on is None:
                continue  # a management review on its own schedule (above), not a plan review
            emit(_RANK_PLAN_REVIEW, "plan_review", due, review.held_on, label)
            if review.next_review_on is not None:
                due = review.next_review_on
                label = _plan_label_set_at(review.held_on)
            else:
                due = review.held_on + interval
                label = label_after
        ends = valid_end(facts)
        if ends is None or due < ends:
            emit(_RANK_PLAN_REVIEW, "plan_review", due, None, label)

    if facts.progress_reviews:
        submitted: dict[dt.date, dt.date] = {}
        for hearing, on in facts.reports_submitted:
            if on <= today and (hearing not in submitted or on < submitted[hearing]):
                submitted[hearing] = on
        for hearing in sorted(set(facts.progress_reviews)):
            emit(_RANK_PROGRESS_REPORT, "progress_review_report",
                 cal.add_working_days(hearing, -config.report_days_before), submitted.get(hearing),
                 _progress_report_label(hearing))

    for plan in facts.safety_plans:
        due_on: dt.date | None = plan.review_on
        safety_label = "Victim safety plan review"
        for reviewed_on, next_on in plan.reviews:
            if reviewed_on > today:
                break
            if due_on is not None:
                emit(_RANK_SAFETY_REVIEW, "victim_safety_plan_review", due_on, reviewed_on, safety_label)
            due_on = next_on
            safety_label = _safety_label_set_at(reviewed_on)
        still_open = plan.closed_on is None or plan.closed_on > today  # closed next week is open today
        if due_on is not None and still_open:
            emit(_RANK_SAFETY_REVIEW, "victim_safety_plan_review", due_on, None, safety_label)

    if facts.failures or facts.enforcement:
        failures = [f for f in facts.failures if f.day <= today]  # a failure cannot be dated ahead
        for step in appts.position(failures, facts.enforcement, config.enforcement, cal.add_working_days).steps:
            emit(_ENFORCEMENT_RANKS[step.kind], step.kind, step.due_on, step.done_on, step.label)

    if facts.ends_on is not None:
        if active:
            emit(_RANK_ORDER_END, "order_end", facts.ends_on, None, "Order ends")
        elif facts.status == "completed" and facts.ends_on <= today:
            emit(_RANK_ORDER_END, "order_end", facts.ends_on, facts.ends_on, "Order ended")


def _items(rows: Iterable[_Row]) -> list[DueItem]:
    """The DueItems of rows, in order."""
    return [DueItem(ref, kind, due_on, status, done_on, label)
            for due_on, ref, _rank, label, _n, kind, status, done_on in rows]


# Set by the desktop app (app.ui.launch.prepare_runtime): what a caseload build made is then
# moved out of the collector's sight when the build ends (see _gc_paused).
_freeze_builds = False


def freeze_after_builds(on: bool = True) -> None:
    """The desktop process's policy (set once, at start): after a caseload build, freeze what
    it made (``gc.freeze``) instead of leaving it to the young generation."""
    global _freeze_builds
    _freeze_builds = on


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a caseload is built: its ~200,000 new tuples,
    dates and items (none cyclic) would otherwise trigger repeated full collections that cost
    about a third of the time.  Reference counting still frees everything as usual.

    Re-enabling alone only defers that cost: every object built here is still in the young
    generation, and the next allocation starts a collection that walks all of them (60 ms,
    holding the GIL, so the GUI thread stalled: found by ``make bench``'s GUI probe).  With
    ``freeze_after_builds`` on (the desktop app), they are moved to the permanent generation
    first, as ``prepare_runtime`` does with everything loaded at start; frozen objects are
    still freed by reference counting when the cache drops them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _freeze_builds:
            gc.freeze()
        if enabled:
            gc.enable()


SORT_TURN = 4096  # rows sorted in one C call (well under a millisecond of holding the GIL each)


def sort_in_turns(rows: list[Any]) -> None:
    """Sort ``rows`` in place without holding the GIL for long.  ``list.sort`` is one C call:
    the 50,000 due rows of 5,000 cases took 17-36 ms, all of it with the GIL held, so the GUI
    thread could not paint (found by ``make bench``'s GUI probe).  Sorted a slice at a time,
    letting other threads run between slices, then once more: Timsort merges the sorted runs
    (a few milliseconds).  The same order as ``rows.sort()``."""
    n = len(rows)
    if n > 2 * SORT_TURN:
        for start in range(0, n, SORT_TURN):
            rows[start:start + SORT_TURN] = sorted(rows[start:start + SORT_TURN])
            time.sleep(0)  # let the GUI thread take the GIL
    rows.sort()


_WARNING_ORDER = {kind: i for i, kind in enumerate(WARNING_KINDS)}


def _warning_sort_key(w: CaseWarning) -> tuple[str, int, str]:
    return (w.case, _WARNING_ORDER.get(w.kind, 99), w.message)


# ---------------------------------------------------------------------------- public API
def case_due(case: dict[str, Any], today: dt.date, cal: WorkingCalendar, config: DeadlineConfig | None = None
             ) -> tuple[list[DueItem], list[CaseWarning]]:
    """Due items and warnings for one bundle-format case (as from ``Store.get_case``)."""
    return facts_due(facts_from_case(case, config), today, cal, config)


def filter_within(items: Iterable[DueItem], today: dt.date, within_days: int | None) -> list[DueItem]:
    """A work list: everything overdue, plus open items due within ``within_days`` calendar
    days of today (today + within_days inclusive).  ``None`` keeps every item, of every status."""
    if within_days is None:
        return list(items)
    limit = today + dt.timedelta(days=within_days)
    return [i for i in items if i.status == "overdue" or (i.status == "open" and i.due_on <= limit)]


def caseload_due(store: Store, today: dt.date, within_days: int | None = None,
                 cal: WorkingCalendar | None = None, config: DeadlineConfig | None = None, *,
                 cached: bool = True) -> tuple[list[DueItem], list[CaseWarning]]:
    """Due items (sorted by date) and warnings for every case in the store.

    ``within_days`` None: every item of every status.  A number: the work list (see
    ``filter_within``).  Uses a few set-based queries; never loads whole cases.  Each case's
    items are kept for the open store and worked out again only when the case, the deadline
    settings or the calendar changed (``caseload_facts.DueCache``); ``cached=False`` works
    everything out afresh (the same answer)."""
    if within_days is not None and within_days < 0:
        raise ValidationError("within_days cannot be negative")
    cal = cal or WorkingCalendar.for_store(store)
    config = config or DeadlineConfig.for_store(store)
    if cached:
        items, cached_warnings = store.due_cache().due(store, today, cal, config)
        return filter_within(items, today, within_days), cached_warnings
    with _gc_paused():
        rows: list[_Row] = []
        warnings: list[CaseWarning] = []
        for facts in store.caseload_facts(config):  # the store reads them (rules never import it)
            _due_rows(facts, today, cal, config, rows)
            case_warnings = facts_warnings(facts, today)
            if case_warnings:
                warnings.extend(case_warnings)
        sort_in_turns(rows)
        warnings.sort(key=_warning_sort_key)
        if within_days is not None:  # filter_within, on the rows: only the kept items are built
            limit = today + dt.timedelta(days=within_days)
            rows = [r for r in rows if r[6] == "overdue" or (r[6] == "open" and r[0] <= limit)]
        return _items(rows), warnings


def upw_progress(case: dict[str, Any], today: dt.date, config: DeadlineConfig | None = None) -> UpwProgress | None:
    """Hours counted so far (sessions dated today or earlier; other activity only up to the
    local cap) and still to do, and the weekly pace needed to finish by the deadline
    (counting today; None when complete or the deadline has passed).  None without unpaid work."""
    config = config or DeadlineConfig()
    facts = facts_from_case(case, config)
    deadline = upw_deadline(facts)
    if deadline is None:
        return None
    required = upw_required_hours(facts)
    sessions = [s for s in _sessions(case, facts.imposed_on) if s[0] <= today]
    work = sum(h for _d, h, other in sessions if not other)
    other = sum(h for _d, h, other in sessions if other)
    cap = config.other_activity_cap(required)
    done = round(counted_hours(work, other, cap), 2)
    remaining = round(max(0.0, required - done), 2)
    per_week: float | None = None
    if remaining > 0 and today <= deadline:
        days_left = (deadline - today).days + 1
        per_week = round(remaining / (days_left / 7), 1)
    return UpwProgress(required_hours=required, hours_done=done, hours_remaining=remaining,
                       complete_by=deadline, hours_per_week_needed=per_week,
                       other_activity_hours=round(other, 2),
                       other_activity_counted=round(other if cap is None else min(other, cap), 2),
                       other_activity_cap=None if cap is None else round(cap, 2))


def other_activity_text(progress: UpwProgress) -> str:
    """How the other activity hours were counted, for screens and documents."""
    logged = f"Other activity: {progress.other_activity_hours:g} hours logged"
    if progress.other_activity_cap is None:
        return logged + ", all counted."
    return (f"{logged}, {progress.other_activity_counted:g} counted "
            f"(local cap {progress.other_activity_cap:g} hours).")
