"""Appointments tab: the case's appointments and outcomes, where the person is in the
warning/breach process, and the letters (appointment letter, warning letter, compliance summary).

Booking and recording an outcome are one Store call each (``store.appointments``) on the worker;
an appointment that only needs confirming (before the order, after its end, overlapping) asks
the officer and is saved only when they say so.  Bad input is shown in the dialog, one line,
and nothing is saved."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget

from app.models.rules import appointments as R
from app.models.store.appointments import NeedsConfirmation
from app.ui import appointment_ops as aops
from app.ui import errors
from app.ui import operations as ops
from app.ui.appointment_dialogs import AppointmentDialog, OutcomeDialog
from app.ui.context import AppContext
from app.ui.table_models import STATUS_COLOURS, Column, RowsModel, configure_table, fmt_date

from .base import CaseTab, badge


def one_line(exc: BaseException) -> str:
    return errors.message_for(exc)


def position_html(pos: R.Position | None, today: Any) -> str:
    if pos is None:
        return ""
    step = pos.next_step
    colour = STATUS_COLOURS["done"] if step is None else (
        STATUS_COLOURS["overdue"] if step.due_on < today else STATUS_COLOURS["open"])
    text = "No step due" if step is None else ("Overdue" if step.due_on < today else "Next step")
    return f"<b>Enforcement:</b> {badge(text, colour)} {html.escape(pos.summary())}"


class AppointmentsTab(CaseTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.position = QLabel(self)
        self.position.setWordWrap(True)
        self.position.setAccessibleName("Warning and breach process")
        self.model = RowsModel([
            Column("Id", lambda a: a["id"], width=45),
            Column("Date", lambda a: f"{fmt_date(a['date'])} {R.starts_at(a):%a}", lambda a: R.starts_at(a), width=115),
            Column("Time", lambda a: a["start"], width=55),
            Column("Appointment", lambda a: R.kind_label(a["kind"]), width=170),
            Column("Place", lambda a: a.get("place") or "", width=170),
            Column("Outcome", self._outcome_text, status=self._outcome_status, width=230),
            Column("Notes", lambda a: ("NOT FOR DISCLOSURE " if a.get("sensitivity") == R_NFD else "")
                   + " ".join((a.get("notes") or "").split())[:80]),
        ], self)
        self.view = QTableView(self)
        configure_table(self.view, self.model)
        self.view.setAccessibleName("Appointments")
        self.view.activated.connect(lambda _i: self.record_outcome())
        self.book_button = QPushButton("&Book…", self)
        self.book_button.setToolTip("Book an appointment (Ctrl+B)")
        self.change_button = QPushButton("Cha&nge…", self)
        self.outcome_button = QPushButton("Record &outcome…", self)
        self.outcome_button.setToolTip("Record what happened (Enter on an appointment)")
        self.large_type = QCheckBox("Lar&ge type", self)
        self.large_type.setToolTip("Appointment and warning letters in large type")
        self.letter_button = QPushButton("Appointment &letter…", self)
        self.warning_button = QPushButton("&Warning letter…", self)
        self.summary_button = QPushButton("Compliance s&ummary…", self)
        self.book_button.clicked.connect(self.book)
        self.change_button.clicked.connect(self.change)
        self.outcome_button.clicked.connect(self.record_outcome)
        self.letter_button.clicked.connect(lambda: self.export_letter("appointment_letter"))
        self.warning_button.clicked.connect(lambda: self.export_letter("warning_letter"))
        self.summary_button.clicked.connect(lambda: self.export_letter("compliance"))
        self.book_shortcut = QShortcut(QKeySequence("Ctrl+B"), self, self.book)
        bar = QHBoxLayout()
        buttons: list[QWidget] = [self.book_button, self.change_button, self.outcome_button]
        for b in buttons:
            bar.addWidget(b)
        bar.addStretch(1)
        letters: list[QWidget] = [self.large_type, self.letter_button, self.warning_button, self.summary_button]
        for b in letters:
            bar.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(self.position)
        lay.addLayout(bar)
        lay.addWidget(self.view, 1)
        self.dialog: AppointmentDialog | OutcomeDialog | None = None
        self.rows: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ showing
    def _outcome_text(self, a: dict[str, Any]) -> str:
        if not a.get("outcome"):
            return "Waiting for the outcome" if R.awaiting_outcome(a, self.ctx.clock.today()) else ""
        text = R.outcome_label(a["outcome"], short=True)
        if a.get("rescheduled_to"):
            text += f" (to {a['rescheduled_to']})"
        return text

    def _outcome_status(self, a: dict[str, Any]) -> str | None:
        outcome = a.get("outcome")
        if outcome in R.FAILURE_OUTCOMES:
            return "overdue"
        if outcome == "attended":
            return "done"
        if not outcome and R.awaiting_outcome(a, self.ctx.clock.today()):
            return "due_soon"
        return None

    def show_case(self, ref: str, data: ops.CaseData) -> None:
        appts = data.case.get("appointments", [])
        self.rows = sorted(appts, key=R.starts_at, reverse=True)
        self._fill()
        pos = getattr(data, "enforcement", None)
        self.position.setText(position_html(pos, self.ctx.clock.today()))

    def _fill(self) -> None:
        rows = self.rows
        if self.privacy:
            rows = [{**a, "notes": "", "sensitivity": None} if a.get("sensitivity") == R_NFD else a for a in rows]
        self.model.set_rows(rows)
        if rows:
            self.view.selectRow(0)

    def set_privacy(self, on: bool) -> None:
        super().set_privacy(on)
        self._fill()

    def set_read_only(self, on: bool) -> None:
        """A case handed over: no booking (Ctrl+B included), change or outcome; letters still print."""
        super().set_read_only(on)
        for b in (self.book_button, self.change_button, self.outcome_button):
            b.setEnabled(not on)
        self.book_shortcut.setEnabled(not on)

    def clear(self) -> None:
        super().clear()
        self.rows = []
        self.model.clear()
        self.position.setText("")
        self.close_dialogs()

    def close_dialogs(self) -> None:
        if self.dialog is not None:
            self.dialog.reject()
            self.dialog.deleteLater()
            self.dialog = None

    def selected(self) -> dict[str, Any] | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        row = self.model.row_at(index.row())
        return next((a for a in self.rows if a["id"] == row["id"]), None)

    def select(self, appt_id: str) -> None:
        for i, a in enumerate(self.model.rows):
            if a["id"] == appt_id:
                self.view.selectRow(i)

    # ------------------------------------------------------------------ actions
    def book(self) -> None:
        if self.ref is None or self.read_only:
            return
        officer = self.data.case["order"].get("responsible_officer") if self.data else None
        self._open(AppointmentDialog(self.ctx.clock.today(), None, self.window(), officer=officer),
                   lambda d: self._save_booking(d, None))

    def change(self) -> None:
        appt = self.selected()
        if self.read_only:
            return
        if self.ref is None or appt is None:
            self.ctx.prompts.info("Choose an appointment in the list first.")
            return
        self._open(AppointmentDialog(self.ctx.clock.today(), appt, self.window()),
                   lambda d: self._save_booking(d, appt))

    def record_outcome(self) -> None:
        appt = self.selected()
        if self.read_only:
            return
        if self.ref is None or appt is None:
            self.ctx.prompts.info("Choose an appointment in the list first.")
            return
        self._open(OutcomeDialog(appt, self.ctx.clock.today(), self.window()),
                   lambda d: self._save_outcome(d, appt))

    def _open(self, dialog: Any, on_accept: Any) -> None:
        self.close_dialogs()
        self.dialog = dialog
        # Accepting keeps the dialog open until the store has said yes (a problem is shown in it).
        dialog.accept = lambda: on_accept(dialog)  # type: ignore[method-assign]
        dialog.open()

    def _finish(self, dialog: Any) -> Any:
        def done(result: Any) -> None:
            if self.dialog is dialog:
                self.dialog = None
            dialog.done(1)
            dialog.deleteLater()  # the workspace reloads the case from the change-set
        return done

    def _failed(self, dialog: Any, retry: Any) -> Any:
        def failed(exc: BaseException) -> None:
            if isinstance(exc, NeedsConfirmation):
                if self.ctx.prompts.confirm("Please check: " + "; ".join(exc.warnings) + ". Save it anyway?"):
                    retry()
                    return
                dialog.show_problem("Not saved: " + "; ".join(exc.warnings) + ".")
                return
            errors.report(exc)
            dialog.show_problem(one_line(exc))
        return failed

    def _save_booking(self, dialog: AppointmentDialog, appt: dict[str, Any] | None, confirm: bool = False) -> None:
        ref = self.ref
        if ref is None:
            return
        value = dialog.value()

        def retry() -> None:
            self._save_booking(dialog, appt, True)

        if appt is None:
            aops.book(self.ctx, ref, value, confirm, self._finish(dialog), self._failed(dialog, retry))
        else:
            for key in ("outcome", "outcome_recorded_on", "absence_reason", "rescheduled_to"):
                if key in appt:
                    value[key] = appt[key]
            aops.update(self.ctx, ref, appt["id"], value, confirm, self._finish(dialog), self._failed(dialog, retry))

    def _save_outcome(self, dialog: OutcomeDialog, appt: dict[str, Any], confirm: bool = False) -> None:
        ref = self.ref
        if ref is None:
            return

        def retry() -> None:
            self._save_outcome(dialog, appt, True)

        aops.record_outcome(self.ctx, ref, appt["id"], dialog.value(), confirm, self._finish(dialog),
                            self._failed(dialog, retry))

    def export_letter(self, document: str) -> None:
        if self.ref is None:
            return
        from app.ui.export_flow import start_export

        options: dict[str, Any] = {"large_type": self.large_type.isChecked()}
        appt = self.selected()
        if document == "appointment_letter" and appt is not None and not appt.get("outcome"):
            options["appointment"] = appt["id"]
        if document == "warning_letter" and appt is not None and appt.get("outcome") in R.FAILURE_OUTCOMES:
            options["appointment"] = appt["id"]
        start_export(self.ctx, self.ref, document, "individual" if document != "compliance" else "officer",
                     parent=self.window(), options=options)


R_NFD = "not_for_disclosure"
