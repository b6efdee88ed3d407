"""STUB deadlines with the agreed interface (simple rules); the real module replaces this at merge."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from app.models.calendar import WorkingCalendar


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
    intensity_weeks: dict[str, int] = field(default_factory=lambda: {"high": 4, "medium": 8, "low": 12})
    report_days_before: int = 5

    @classmethod
    def for_store(cls, store: Any) -> DeadlineConfig:
        weeks = store.get_setting("intensity_weeks") or {"high": 4, "medium": 8, "low": 12}
        return cls(dict(weeks), int(store.get_setting("report_days_before", 5) or 5))


def _d(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    return day


def _item(ref: str, kind: str, due: dt.date, done: dt.date | None, today: dt.date, label: str) -> DueItem:
    if done is not None:
        status = "done" if done <= due else "met_late"
    else:
        status = "overdue" if due < today else "open"
    return DueItem(ref, kind, due, status, done, label)


def case_due(case: dict[str, Any], today: dt.date, cal: WorkingCalendar, config: DeadlineConfig | None = None
             ) -> tuple[list[DueItem], list[CaseWarning]]:
    config = config or DeadlineConfig()
    ref = case["reference"]
    order = case["order"]
    imposed = dt.date.fromisoformat(order["imposed_on"])
    kinds = {r["kind"] for r in order["requirements"]}
    items: list[DueItem] = []
    warnings: list[CaseWarning] = []
    notes = sorted(_d(n["date"]) or imposed for n in case.get("notes", []))
    sessions = sorted(_d(s["date"]) or imposed for s in case.get("unpaid_work_sessions", []))
    if "offender_supervision" in kinds:
        first = notes[0] if notes else None
        items.append(_item(ref, "first_meeting", cal.add_working_days(imposed, 5), first, today,
                           "First meeting (5 working days)"))
        done = min((dt.date.fromisoformat(a["completed_on"]) for a in case.get("assessments", [])), default=None)
        items.append(_item(ref, "assessment", cal.add_working_days(imposed, 20), done, today,
                           "Risk and needs assessment (20 working days)"))
        reviews = sorted(_d(r["held_on"]) or imposed for r in case.get("reviews", []))
        last = reviews[-1] if reviews else imposed
        weeks = config.intensity_weeks.get(case.get("supervision_intensity") or "medium", 8)
        items.append(_item(ref, "plan_review", last + dt.timedelta(weeks=weeks), None, today, "Plan review"))
    upw = [r for r in order["requirements"] if r["kind"] == "unpaid_work_or_other_activity"]
    if upw:
        items.append(_item(ref, "upw_start", cal.add_working_days(imposed, 7), sessions[0] if sessions else None,
                           today, "Unpaid work starts (7 working days)"))
        prog = upw_progress(case, today)
        if prog is not None:
            items.append(_item(ref, "upw_completion", prog.complete_by,
                               today if prog.hours_remaining <= 0 else None, today, "Unpaid work completed"))
    for f in case.get("flags", []):
        if f["kind"] == "victim_safety_plan" and f.get("review_on") and not f.get("closed_on"):
            items.append(_item(ref, "victim_safety_plan_review", dt.date.fromisoformat(f["review_on"]), None, today,
                               "Victim safety plan review"))
    if order.get("ends_on"):
        end = dt.date.fromisoformat(order["ends_on"])
        items.append(DueItem(ref, "order_end", end, "open" if end >= today else "done", None, "Order ends"))
    dob = dt.date.fromisoformat(case["individual"]["date_of_birth"])
    age = imposed.year - dob.year - ((imposed.month, imposed.day) < (dob.month, dob.day))
    if age < 18 and "offender_supervision" not in kinds:
        warnings.append(CaseWarning(ref, "under_18_without_supervision",
                                    "aged under 18 at imposition without an offender supervision requirement"))
    return items, warnings


def caseload_due(store: Any, today: dt.date, within_days: int | None = None
                 ) -> tuple[list[DueItem], list[CaseWarning]]:
    cal = WorkingCalendar.for_store(store)
    config = DeadlineConfig.for_store(store)
    items: list[DueItem] = []
    warnings: list[CaseWarning] = []
    for case in store.get_cases():
        i, w = case_due(case, today, cal, config)
        items.extend(i)
        warnings.extend(w)
    if within_days is not None:
        limit = today + dt.timedelta(days=within_days)
        items = [i for i in items if i.status == "overdue" or (i.status == "open" and i.due_on <= limit)]
    return items, warnings


def upw_progress(case: dict[str, Any], today: dt.date) -> UpwProgress | None:
    req = next((r for r in case["order"]["requirements"] if r["kind"] == "unpaid_work_or_other_activity"), None)
    if req is None or not req.get("hours"):
        return None
    hours = int(req["hours"])
    imposed = dt.date.fromisoformat(case["order"]["imposed_on"])
    complete_by = _d(req.get("complete_by")) or _months(imposed, 3 if hours <= 100 else 6)
    done = float(sum(s["hours"] for s in case.get("unpaid_work_sessions", [])))
    remaining = max(0.0, hours - done)
    per_week = None
    if remaining > 0 and complete_by > today:
        per_week = round(remaining / max(1.0, (complete_by - today).days / 7), 1)
    return UpwProgress(hours, done, remaining, complete_by, per_week)


def smart_check(goal: dict[str, Any]) -> list[SmartProblem]:
    problems = []
    if len((goal.get("description") or "").split()) < 3:
        problems.append(SmartProblem("S", "description too vague"))
    if not goal.get("measure"):
        problems.append(SmartProblem("M", "no measure of progress"))
    if not goal.get("achievable"):
        problems.append(SmartProblem("A", "not said why it is achievable"))
    if not goal.get("realistic"):
        problems.append(SmartProblem("R", "no supports or resources named"))
    if not goal.get("target_date"):
        problems.append(SmartProblem("T", "no target date"))
    return problems
