"""Today and This week: the first page after unlock.

Today's appointments across the caseload and the due items of today, this week's (Monday to
Sunday) with theirs, and every appointment from an earlier day still waiting for its outcome
(listed until one is recorded).  Keyboard-driven: Tab moves between the lists, Enter opens the
case on its Appointments tab, Ctrl+Shift+C goes to the caseload, Ctrl+Shift+T comes back here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget

from app.models.rules.appointments import kind_label, outcome_label
from app.models.rules.deadlines import DueItem
from app.models.store.appointments import AppointmentRow
from app.ui import appointment_ops as aops
from app.ui import errors
from app.ui.context import AppContext
from app.ui.privacy import privacy_note
from app.ui.table_models import STATUS_TEXT, Column, RowsModel, configure_table, due_label, fmt_date


def _appt_columns(with_day: bool) -> list[Column]:
    cols = [Column("Day", lambda a: f"{a.date:%a %d/%m}", lambda a: (a.date, a.start), width=90)] if with_day else []
    return cols + [
        Column("Time", lambda a: a.start, lambda a: (a.date, a.start), width=55),
        Column("Case", lambda a: a.case, width=120),
        Column("Name", lambda a: a.name, width=170),
        Column("Appointment", lambda a: kind_label(a.kind), width=170),
        Column("Place", lambda a: a.place, width=170),
        Column("Outcome", lambda a: outcome_label(a.outcome, short=True) or "—",
               status=lambda a: "overdue" if a.outcome in ("unacceptable_absence", "failed_to_comply")
               else ("done" if a.outcome == "attended" else None)),
    ]


class TodayPage(QWidget):
    """``open_requested(ref, tab key)``: open a case (on its appointments, or the summary for a due item)."""

    open_requested = Signal(str, str)
    caseload_requested = Signal()
    export_calendar_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: aops.WeekData | None = None
        self.privacy = False
        self.heading = QLabel(self)
        self.heading.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.heading.setAccessibleName("Today")
        to_caseload = QPushButton("Case&load (Ctrl+Shift+C)", self)
        to_caseload.setAccessibleName("Go to the caseload")
        to_caseload.clicked.connect(self.caseload_requested.emit)
        export = QPushButton("E&xport calendar…", self)
        export.setAccessibleName("Export appointments as a calendar file (no names or notes)")
        export.clicked.connect(self.export_calendar_requested.emit)
        head = QHBoxLayout()
        head.addWidget(self.heading, 1)
        head.addWidget(export)
        head.addWidget(to_caseload)

        self.today_model = RowsModel(_appt_columns(False), self)
        self.week_model = RowsModel(_appt_columns(True), self)
        self.awaiting_model = RowsModel(_appt_columns(True), self)
        self.due_today_model = RowsModel(self._due_columns(), self)
        self.due_week_model = RowsModel(self._due_columns(), self)
        self.views: dict[str, QTableView] = {}
        lay = QVBoxLayout(self)
        lay.addLayout(head)
        self.labels: dict[str, QLabel] = {}
        for key, title, model, kind in (
            ("today", "To&day's appointments", self.today_model, "appt"),
            ("due_today", "Due t&oday (and overdue)", self.due_today_model, "due"),
            ("awaiting", "&Waiting for an outcome", self.awaiting_model, "appt"),
            ("week", "This wee&k's appointments", self.week_model, "appt"),
            ("due_week", "Due later this week", self.due_week_model, "due"),
        ):
            label = QLabel(title, self)
            label.setStyleSheet("font-weight: bold;")
            view = QTableView(self)
            configure_table(view, model)
            view.setAccessibleName(title.replace("&", ""))
            label.setBuddy(view)
            view.activated.connect((lambda m, k: lambda index: self._open(m, k, index))(model, kind))
            self.views[key] = view
            self.labels[key] = label
            lay.addWidget(label)
            lay.addWidget(view, 2 if key in ("today", "week") else 1)
        # privacy mode: no one else's name, reference or appointment is on screen (issue 19)
        self.privacy_note = privacy_note(self, "Privacy mode is on: Today and This week are hidden, so no one "
                                         "else's name, reference or appointments can be seen. Press Ctrl+Shift+P "
                                         "to leave privacy mode.", "Today is hidden in privacy mode")
        lay.addWidget(self.privacy_note, 1)
        QShortcut(QKeySequence("Ctrl+Shift+T"), self, self.setFocus)
        ctx.events.changed.connect(self.apply_changes)
        ctx.events.privacy_changed.connect(self.set_privacy)

    def apply_changes(self, changes: Any) -> None:
        """Any case's appointments or due dates may have moved: re-read the week (a few queries)."""
        if self.ctx.store is not None and self.data is not None and not changes.empty:
            self.reload()

    def _due_columns(self) -> list[Column]:
        return [
            Column("Due on", lambda d: fmt_date(d.due_on), lambda d: d.due_on, width=95),
            Column("Status", lambda d: STATUS_TEXT.get(d.status, d.status), status=lambda d: d.status, width=80),
            Column("Case", lambda d: d.case, width=120),
            Column("What", lambda d: due_label(d.kind, d.label, self.privacy)),
        ]

    # ------------------------------------------------------------------ data
    def reload(self) -> None:
        if self.ctx.store is None:
            return
        aops.load_week(self.ctx, self.show_week, errors.shower(self.ctx.prompts))

    def show_week(self, data: Any) -> None:
        assert isinstance(data, aops.WeekData)
        self.data = data
        today = data.today
        self.heading.setText(f"Today, {today:%A} {today.day} {today:%B %Y}")
        self.today_model.set_rows(data.on(today))
        self.week_model.set_rows([a for a in data.appointments if a.date != today])
        self.awaiting_model.set_rows(data.awaiting)
        due_today = [d for d in data.due if d.due_on <= today]
        self.due_today_model.set_rows(due_today)
        self.due_week_model.set_rows([d for d in data.due if d.due_on > today])
        counts = {"today": len(data.on(today)), "due_today": len(due_today), "awaiting": len(data.awaiting),
                  "week": len(data.appointments) - len(data.on(today)),
                  "due_week": self.due_week_model.rowCount()}
        titles = {"today": "To&day's appointments", "due_today": "Due t&oday (and overdue)",
                  "awaiting": "&Waiting for an outcome", "week": "This wee&k's appointments "
                  f"({data.week_start:%d/%m} to {data.week_end:%d/%m})", "due_week": "Due later this week"}
        for key, label in self.labels.items():
            label.setText(f"{titles[key]} ({counts[key]})")
        self.views["awaiting"].setVisible(bool(data.awaiting))
        self.labels["awaiting"].setVisible(bool(data.awaiting))

    def clear(self) -> None:
        self.data = None
        for model in (self.today_model, self.week_model, self.awaiting_model, self.due_today_model,
                      self.due_week_model):
            model.clear()
        self.heading.setText("")

    def set_privacy(self, on: bool) -> None:
        self.privacy = on
        for widget in (*self.views.values(), *self.labels.values()):
            widget.setVisible(not on)
        self.privacy_note.setVisible(on)
        for model in (self.due_today_model, self.due_week_model):
            model.layoutChanged.emit()

    def focus_first(self) -> None:
        for key in ("today", "due_today", "awaiting", "week", "due_week"):
            view = self.views[key]
            if view.isVisible() and view.model().rowCount():
                view.setFocus()
                view.selectRow(0)
                return
        self.views["today"].setFocus()

    def _open(self, model: RowsModel, kind: str, index: QModelIndex) -> None:
        if not index.isValid():
            return
        row = model.row_at(index.row())
        if isinstance(row, AppointmentRow):
            self.open_requested.emit(row.case, "appointments")
        elif isinstance(row, DueItem):
            self.open_requested.emit(row.case, "summary")

    def rows_text(self) -> list[str]:  # for tests and screen readers' summaries
        out = []
        for model in (self.today_model, self.week_model, self.awaiting_model):
            for r in model.rows:
                out.append(f"{r.date.isoformat()} {r.start} {r.case} {r.kind}")
        return out


def monday(day: dt.date) -> dt.date:
    return aops.week_of(day)[0]
