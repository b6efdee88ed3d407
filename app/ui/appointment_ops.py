"""Worker-thread actions for appointments (one Store method, one transaction each), the
Today / This week data, and the calendar export.  Results reach the GUI thread by signal
(``ctx.tasks``), as in app/ui/operations.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.atomic import write_bytes_atomic
from app.models.rules.appointments import Position
from app.models.rules.deadlines import DueItem, caseload_due
from app.models.store.appointments import AppointmentRow
from app.models.store.changes import Changes
from app.reports.ics import calendar_bytes
from app.ui import operations as ops
from app.ui.context import AppContext

Done = Callable[[Any], None] | None
Failed = Callable[[BaseException], None] | None


@dataclass(frozen=True)
class WeekData:
    today: dt.date
    week_start: dt.date  # Monday
    week_end: dt.date  # Sunday
    appointments: list[AppointmentRow]  # this week's, in time order
    awaiting: list[AppointmentRow]  # before today, no outcome yet
    due: list[DueItem]  # due this week (any status but done) and overdue

    def on(self, day: dt.date) -> list[AppointmentRow]:
        return [a for a in self.appointments if a.date == day]


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=6)


def load_week(ctx: AppContext, on_done: Done, on_error: Failed = None) -> None:
    store = ctx.require_store()
    today = ctx.clock.today()

    def work() -> WeekData:
        first, last = week_of(today)
        rows = store.appointments.between(first, last, awaiting_before=today)
        week = [r for r in rows if first <= r.date <= last]
        awaiting = [r for r in rows if r.date < today and r.outcome is None]
        items, _warnings = caseload_due(store, today)
        due = [i for i in items if (first <= i.due_on <= last and i.status not in ("done", "met_late"))
               or i.status == "overdue"]
        return WeekData(today, first, last, week, awaiting, due)

    ctx.tasks.run(work, on_done, on_error)


def load_position(ctx: AppContext, ref: str, on_done: Done, on_error: Failed = None) -> None:
    store = ctx.require_store()
    ctx.tasks.run(lambda: store.appointments.position(ref), on_done, on_error)


def book(ctx: AppContext, ref: str, appt: dict[str, Any], confirm: bool, on_done: Done, on_error: Failed) -> None:
    store = ctx.require_store()
    ops.mutate(ctx, lambda: store.appointments.book(ref, appt, confirm=confirm), lambda _: Changes().case(ref, "appointments"), on_done, on_error)


def update(ctx: AppContext, ref: str, appt_id: str, appt: dict[str, Any], confirm: bool, on_done: Done,
           on_error: Failed) -> None:
    store = ctx.require_store()
    ops.mutate(ctx, lambda: store.appointments.update(ref, appt_id, appt, confirm=confirm), lambda _: Changes().case(ref, "appointments"), on_done, on_error)


def record_outcome(ctx: AppContext, ref: str, appt_id: str, values: dict[str, Any], confirm: bool,
                   on_done: Done, on_error: Failed) -> None:
    store = ctx.require_store()
    kw = dict(values)
    outcome = kw.pop("outcome")
    ops.mutate(ctx, lambda: store.appointments.record_outcome(ref, appt_id, outcome, confirm=confirm, **kw),
                lambda _: Changes().case(ref, "appointments"), on_done, on_error)


def record_step(ctx: AppContext, ref: str, step: str, failure: str | None, on_done: Done, on_error: Failed) -> None:
    store = ctx.require_store()
    ops.mutate(ctx, lambda: store.appointments.record_step(ref, step, failure=failure), lambda _: Changes().case(ref, "appointments"), on_done, on_error)


def export_calendar(ctx: AppContext, path: Path, first: dt.date, last: dt.date, on_done: Done,
                    on_error: Failed) -> None:
    """Write the iCalendar file (case references, kinds, times, places only); returns the count."""
    store = ctx.require_store()

    def work() -> int:
        rows = store.appointments.between(first, last)
        write_bytes_atomic(path, calendar_bytes(rows, store.clock.now()))
        store.record_event("export", "calendar", None, f"{len(rows)} appointment(s)")
        return len(rows)

    ctx.tasks.run(work, on_done, on_error)


__all__ = ["Position", "WeekData", "book", "export_calendar", "load_position", "load_week", "record_outcome",
           "record_step", "update", "week_of"]
