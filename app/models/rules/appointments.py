"""Appointments, attendance and enforcement: vocabulary, checks and the warning/breach process.

Pure Python over plain values (bundle-format dicts); "today" is always passed in.  The screen,
the PDFs, the CLI and the due items all use these labels and this one process, so they agree.

The enforcement process is local policy (store settings, ``EnforcementPolicy``): each
unacceptable absence or other failure to comply is counted against the order; the first
failures are answered by warning letters (``warnings`` of them, the last the final warning)
and the next by a decision to report the breach to court, then the breach report.
Documented in docs/TIMESCALES.md ("Appointments and enforcement").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.models.rules import dates
from app.models.rules import vocabulary as V

# ---------------------------------------------------------------------------- vocabulary
# The labels live in app/models/rules/vocabulary.py (one table each, shared by screen, PDF and CLI).
KINDS: dict[str, str] = V.APPOINTMENT_KINDS
OUTCOMES: dict[str, str] = V.OUTCOMES
OUTCOME_SHORT: dict[str, str] = V.OUTCOMES_SHORT
# Outcomes that count as a failure to comply with the order.
FAILURE_OUTCOMES = frozenset({"unacceptable_absence", "failed_to_comply"})
# Outcomes where the person was seen (attendance).
ATTENDED_OUTCOMES = frozenset({"attended", "failed_to_comply"})
# The case-note kind an attended appointment's contact note gets (note kinds of the bundle).
NOTE_KIND_FOR: dict[str, str] = {
    "home_visit": "home_visit",
    "office": "office",
    "phone": "phone",
    "video": "other",
    "unpaid_work": "unpaid_work",
    "programme": "other",
    "partner_agency": "agency_liaison",
    "other": "other",
}
STEPS: dict[str, str] = V.ENFORCEMENT_STEPS
WARNING_STEPS = ("first_warning", "second_warning", "final_warning")

MIN_DURATION, MAX_DURATION = 5, 600
DEFAULT_DURATION = 60
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

# ---------------------------------------------------------------------------- local policy
DEFAULT_WARNINGS = 2
DEFAULT_WARNING_LETTER_DAYS = 5
DEFAULT_BREACH_DECISION_DAYS = 5
DEFAULT_BREACH_REPORT_DAYS = 10
SETTING_WARNINGS = "enforcement_warnings"
SETTING_WARNING_LETTER_DAYS = "enforcement_warning_letter_days"
SETTING_BREACH_DECISION_DAYS = "enforcement_breach_decision_days"
SETTING_BREACH_REPORT_DAYS = "enforcement_breach_report_days"
# (key, default, low, high, help): declared once; the settings dialog, the CLI and the rules read these.
POLICY_SETTINGS: tuple[tuple[str, int, int, int, str], ...] = (
    (SETTING_WARNINGS, DEFAULT_WARNINGS, 1, 3,
     "Warning letters before a breach is reported (the last is the final warning)"),
    (SETTING_WARNING_LETTER_DAYS, DEFAULT_WARNING_LETTER_DAYS, 1, 30,
     "Working days after a failure to comply within which the warning letter is sent"),
    (SETTING_BREACH_DECISION_DAYS, DEFAULT_BREACH_DECISION_DAYS, 1, 30,
     "Working days after a failure beyond the final warning within which a breach is decided"),
    (SETTING_BREACH_REPORT_DAYS, DEFAULT_BREACH_REPORT_DAYS, 1, 60,
     "Working days after the decision within which the breach report goes to court"),
)


def valid_policy_value(key: str, value: Any) -> bool:
    for k, _default, low, high, _help in POLICY_SETTINGS:
        if k == key:
            return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    return False


@dataclass(frozen=True)
class EnforcementPolicy:
    """The service's enforcement policy (local policy; defaults documented in TIMESCALES.md)."""

    warnings: int = DEFAULT_WARNINGS
    warning_letter_days: int = DEFAULT_WARNING_LETTER_DAYS
    breach_decision_days: int = DEFAULT_BREACH_DECISION_DAYS
    breach_report_days: int = DEFAULT_BREACH_REPORT_DAYS

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> EnforcementPolicy:
        """From stored settings; a missing or unusable value falls back to its default."""
        def pick(key: str, default: int) -> int:
            value: Any = values.get(key)
            return int(value) if valid_policy_value(key, value) else default
        return cls(pick(SETTING_WARNINGS, DEFAULT_WARNINGS),
                   pick(SETTING_WARNING_LETTER_DAYS, DEFAULT_WARNING_LETTER_DAYS),
                   pick(SETTING_BREACH_DECISION_DAYS, DEFAULT_BREACH_DECISION_DAYS),
                   pick(SETTING_BREACH_REPORT_DAYS, DEFAULT_BREACH_REPORT_DAYS))

    @property
    def warning_steps(self) -> tuple[str, ...]:
        """The warning letters in order: 1 -> final; 2 -> first, final; 3 -> first, second, final."""
        return {1: ("final_warning",), 2: ("first_warning", "final_warning")}.get(self.warnings, WARNING_STEPS)


# ---------------------------------------------------------------------------- helpers
_date = dates.iso_date


def fmt(day: dt.date | None) -> str:
    return dates.show(day)


def starts_at(appt: Mapping[str, Any]) -> dt.datetime:
    day = _date(appt.get("date")) or dt.date.min
    hh, mm = (int(x) for x in str(appt.get("start") or "00:00").split(":"))
    return dt.datetime.combine(day, dt.time(hh, mm))


def ends_at(appt: Mapping[str, Any]) -> dt.datetime:
    return starts_at(appt) + dt.timedelta(minutes=int(appt.get("duration_minutes") or DEFAULT_DURATION))


def kind_label(kind: Any) -> str:
    return KINDS.get(str(kind), str(kind or "").replace("_", " ").capitalize())


def outcome_label(outcome: Any, short: bool = False) -> str:
    if not outcome:
        return "No outcome yet" if not short else ""
    table = OUTCOME_SHORT if short else OUTCOMES
    return table.get(str(outcome), str(outcome).replace("_", " ").capitalize())


def next_id(appointments: Iterable[Mapping[str, Any]]) -> str:
    """A fresh appointment id within the case: A1, A2, ..."""
    used = [int(a["id"][1:]) for a in appointments if re.fullmatch(r"A\d+", str(a.get("id", "")))]
    return f"A{max(used, default=0) + 1}"


def awaiting_outcome(appt: Mapping[str, Any], today: dt.date) -> bool:
    """Booked for a day before today and still without an outcome."""
    day = _date(appt.get("date"))
    return not appt.get("outcome") and day is not None and day < today


# ---------------------------------------------------------------------------- checks
@dataclass(frozen=True)
class Check:
    """The result of checking an appointment: errors refuse it; warnings need the officer to confirm."""

    errors: tuple[tuple[str, str], ...] = ()  # (message, json path)
    warnings: tuple[str, ...] = ()


def check_appointment(appt: Mapping[str, Any], others: Sequence[Mapping[str, Any]], order: Mapping[str, Any],
                      today: dt.date) -> Check:
    """Rules beyond the schema for one (schema-valid) appointment among the case's ``others``
    (every other appointment of the case, without this one)."""
    errors: list[tuple[str, str]] = []
    warnings: list[str] = []
    day = _date(appt.get("date"))
    if not _TIME.match(str(appt.get("start", ""))):
        errors.append((f"{appt.get('start')!r} is not a time of day (HH:MM, 24-hour)", "$.start"))
    outcome = appt.get("outcome")
    if outcome and outcome not in ("rescheduled", "cancelled_by_service") and day is not None and day > today:
        errors.append((f"the appointment on {fmt(day)} has not happened yet: an outcome cannot be recorded "
                       "before the day (reschedule or cancel it instead)", "$.outcome"))
    if outcome == "acceptable_absence" and not str(appt.get("absence_reason") or "").strip():
        errors.append(("an acceptable absence needs its reason", "$.absence_reason"))
    recorded = _date(appt.get("outcome_recorded_on"))
    ahead_ok = outcome in ("rescheduled", "cancelled_by_service")  # may be decided before the day
    if recorded is not None and day is not None and recorded < day and not ahead_ok:
        errors.append(("the outcome cannot be recorded before the appointment's day", "$.outcome_recorded_on"))
    if appt.get("rescheduled_to") and outcome != "rescheduled":
        errors.append(("only a rescheduled appointment links to a new one", "$.rescheduled_to"))
    if appt.get("rescheduled_to"):
        ids = {str(o.get("id")) for o in others}
        if appt["rescheduled_to"] == appt.get("id"):
            errors.append(("an appointment cannot be rescheduled to itself", "$.rescheduled_to"))
        elif appt["rescheduled_to"] not in ids:
            errors.append((f"no appointment {appt['rescheduled_to']!r} in this case to reschedule to",
                           "$.rescheduled_to"))
        elif chain_loops([*others, appt]):
            errors.append(("the rescheduled appointments would form a loop "
                           f"({' -> '.join(chain_loops([*others, appt]))})", "$.rescheduled_to"))
    if errors:
        return Check(tuple(errors))
    imposed = _date(order.get("imposed_on"))
    ends = _date(order.get("ends_on"))
    if day is not None and imposed is not None and day < imposed:
        warnings.append(f"{fmt(day)} is before the order was imposed ({fmt(imposed)})")
    if day is not None and ends is not None and day > ends:
        warnings.append(f"{fmt(day)} is after the order ends ({fmt(ends)})")
    if outcome not in ("rescheduled", "cancelled_by_service"):
        clash = overlapping(appt, others)
        if clash is not None:
            warnings.append(f"it overlaps {kind_label(clash.get('kind')).lower()} {clash.get('id')} at "
                            f"{clash.get('start')} on {fmt(_date(clash.get('date')))}")
    return Check((), tuple(warnings))


def overlapping(appt: Mapping[str, Any], others: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The first other live appointment (not rescheduled or cancelled) whose time overlaps."""
    try:
        start, end = starts_at(appt), ends_at(appt)
    except ValueError:
        return None
    for other in others:
        if other.get("outcome") in ("rescheduled", "cancelled_by_service") or other.get("id") == appt.get("id"):
            continue
        try:
            if starts_at(other) < end and start < ends_at(other):
                return other
        except ValueError:
            continue
    return None


def chain_loops(appointments: Iterable[Mapping[str, Any]]) -> list[str]:
    """The ids of a rescheduling loop (A1 -> A2 -> A1), or [] when the chains all end."""
    links = {str(a.get("id")): str(a["rescheduled_to"]) for a in appointments if a.get("rescheduled_to")}
    for start in links:
        seen = [start]
        node = start
        while node in links:
            node = links[node]
            if node in seen:
                return [*seen[seen.index(node):], node]
            seen.append(node)
    return []


def check_case_appointments(case: Mapping[str, Any], prefix: str) -> list[tuple[str, str]]:
    """Bundle-level rules (import): unique ids, links that resolve and never loop."""
    out: list[tuple[str, str]] = []
    appts = case.get("appointments", [])
    ids: set[str] = set()
    for i, a in enumerate(appts):
        if a["id"] in ids:
            out.append((f"duplicate appointment id {a['id']!r}", f"{prefix}.appointments[{i}].id"))
        ids.add(a["id"])
    for i, a in enumerate(appts):
        target = a.get("rescheduled_to")
        if target is not None and target not in ids:
            out.append((f"rescheduled to unknown appointment {target!r}", f"{prefix}.appointments[{i}].rescheduled_to"))
    loop = chain_loops(appts)
    if loop:
        out.append((f"the rescheduled appointments form a loop ({' -> '.join(loop)})", f"{prefix}.appointments"))
    for i, e in enumerate(case.get("enforcement", [])):
        if e.get("failure") is not None and e["failure"] not in ids:
            out.append((f"enforcement action refers to unknown appointment {e['failure']!r}",
                        f"{prefix}.enforcement[{i}].failure"))
    return out


# ---------------------------------------------------------------------------- enforcement
@dataclass(frozen=True)
class Failure:
    day: dt.date
    appointment: str  # appointment id
    outcome: str


@dataclass(frozen=True)
class Action:
    day: dt.date
    step: str
    failure: str | None = None


@dataclass(frozen=True)
class StepDue:
    """One enforcement step due: the due item it becomes, and what it answers."""

    kind: str  # warning_letter | breach_decision | breach_report
    step: str  # first_warning ... breach_report
    failure: Failure
    due_on: dt.date
    done_on: dt.date | None
    days: int

    @property
    def label(self) -> str:
        if self.kind == "warning_letter":
            return (f"{STEPS[self.step]} letter (failure to comply on {fmt(self.failure.day)}, "
                    f"{self.days} working days)")
        if self.kind == "breach_decision":
            return f"Breach decision (failure to comply on {fmt(self.failure.day)}, {self.days} working days)"
        return f"Breach report to court ({self.days} working days after the decision)"


@dataclass(frozen=True)
class Position:
    """Where the person is in the warning/breach process, for the case summary and PDFs."""

    failures: tuple[Failure, ...] = ()
    actions: tuple[Action, ...] = ()
    steps: tuple[StepDue, ...] = field(default_factory=tuple)
    warnings_allowed: int = DEFAULT_WARNINGS

    @property
    def warnings_issued(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.step in WARNING_STEPS)

    @property
    def next_step(self) -> StepDue | None:
        """The earliest step still to take (None when every failure has been answered)."""
        return next((s for s in self.steps if s.done_on is None), None)

    def summary(self) -> str:
        n = len(self.failures)
        if not n and not self.actions:
            return "No failures to comply recorded"
        parts = [f"{n} failure{'s' if n != 1 else ''} to comply"]
        issued = self.warnings_issued
        parts.append(f"{len(issued)} of {self.warnings_allowed} warning{'s' if self.warnings_allowed != 1 else ''} "
                     "issued")
        if any(a.step == "breach_report" for a in self.actions):
            parts.append("breach reported to court")
        elif any(a.step == "breach_decision" for a in self.actions):
            parts.append("breach decided")
        step = self.next_step
        if step is not None:
            parts.append(f"next: {_next_text(step)} by {fmt(step.due_on)}")
        return "; ".join(parts)


def _next_text(step: StepDue) -> str:
    if step.kind == "warning_letter":
        return f"{STEPS[step.step].lower()} letter"
    if step.kind == "breach_decision":
        return "decide whether to report the breach"
    return "breach report to court"


def failures_of(appointments: Iterable[Mapping[str, Any]], imposed: dt.date, today: dt.date | None = None
                ) -> list[Failure]:
    """Failures to comply on or after the imposition date (and not after today), in date order."""
    out = []
    for a in appointments:
        day = _date(a.get("date"))
        if a.get("outcome") in FAILURE_OUTCOMES and day is not None and day >= imposed and (
                today is None or day <= today):
            out.append((day, str(a.get("start") or ""), Failure(day, str(a["id"]), str(a["outcome"]))))
    out.sort(key=lambda t: (t[0], t[1]))
    return [f for _d, _s, f in out]


def actions_of(enforcement: Iterable[Mapping[str, Any]]) -> list[Action]:
    out = [Action(d, str(e["step"]), e.get("failure")) for e in enforcement
           for d in [_date(e.get("date"))] if d is not None]
    out.sort(key=lambda a: a.day)
    return out


def position(failures: Sequence[Failure], actions: Sequence[Action], policy: EnforcementPolicy,
             add_working_days: Any) -> Position:
    """Walk the failures in date order, answering each with the next step of the policy.

    A failure is answered by the action that names it, or else by the earliest unused action of
    the expected step dated on or after it.  Failures beyond the final warning lead to one breach
    decision and one breach report (later failures go into that report)."""
    warning_steps = policy.warning_steps
    used: set[int] = set()

    def answer(failure: Failure, wanted: Iterable[str], not_before: dt.date) -> Action | None:
        wanted = tuple(wanted)
        for i, a in enumerate(actions):
            if i not in used and a.step in wanted and a.failure == failure.appointment:
                used.add(i)
                return a
        for i, a in enumerate(actions):
            if i not in used and a.step in wanted and a.failure is None and a.day >= not_before:
                used.add(i)
                return a
        return None

    steps: list[StepDue] = []
    breach_started = False
    for k, failure in enumerate(failures):
        if k < len(warning_steps):
            step = warning_steps[k]
            done = answer(failure, WARNING_STEPS, failure.day)
            steps.append(StepDue("warning_letter", step, failure,
                                 add_working_days(failure.day, policy.warning_letter_days),
                                 done.day if done else None, policy.warning_letter_days))
            continue
        if breach_started:
            continue
        breach_started = True
        decision = answer(failure, ("breach_decision",), failure.day)
        steps.append(StepDue("breach_decision", "breach_decision", failure,
                             add_working_days(failure.day, policy.breach_decision_days),
                             decision.day if decision else None, policy.breach_decision_days))
        if decision is not None:
            report = answer(failure, ("breach_report",), decision.day)
            steps.append(StepDue("breach_report", "breach_report", failure,
                                 add_working_days(decision.day, policy.breach_report_days),
                                 report.day if report else None, policy.breach_report_days))
    return Position(tuple(failures), tuple(actions), tuple(steps), policy.warnings)


def case_position(case: Mapping[str, Any], policy: EnforcementPolicy, add_working_days: Any,
                  today: dt.date | None = None) -> Position:
    imposed = _date(case["order"]["imposed_on"]) or dt.date.min
    return position(failures_of(case.get("appointments", []), imposed, today),
                    actions_of(case.get("enforcement", [])), policy, add_working_days)


def proposed_step(case: Mapping[str, Any], policy: EnforcementPolicy, add_working_days: Any,
                  today: dt.date | None = None) -> StepDue | None:
    """The next enforcement step the policy proposes for this case (None: nothing to do)."""
    return case_position(case, policy, add_working_days, today).next_step


def attendance_since(case: Mapping[str, Any], since: dt.date | None, until: dt.date) -> list[Mapping[str, Any]]:
    """Appointments from ``since`` (exclusive; None = all) up to ``until`` inclusive, in time order."""
    out = [a for a in case.get("appointments", []) for d in [_date(a.get("date"))]
           if d is not None and d <= until and (since is None or d > since)]
    return sorted(out, key=starts_at)


def attendance_counts(appointments: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    counts = {k: 0 for k in OUTCOMES}
    counts["no_outcome"] = 0
    for a in appointments:
        counts[a.get("outcome") or "no_outcome"] = counts.get(a.get("outcome") or "no_outcome", 0) + 1
    return counts
