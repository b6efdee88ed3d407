"""Book an appointment, and record its outcome: two small keyboard-driven dialogs.

Neither touches the store: ``value()`` gives the bundle-shaped dict (or the outcome's parts)
and the caller runs the one Store method on the worker.  Labels come from
app/models/rules/appointments.py, as on the PDFs and in the CLI.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.models.rules import appointments as R

NFD = "not_for_disclosure"


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


class AppointmentDialog(QDialog):
    """Book (or change) one appointment."""

    def __init__(self, today: dt.date, current: dict[str, Any] | None = None, parent: QWidget | None = None,
                 officer: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Change appointment" if current else "Book an appointment")
        cur = current or {}
        self.date = QDateEdit(self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dd/MM/yyyy")
        self.date.setDate(_qdate(dt.date.fromisoformat(cur["date"]) if cur.get("date") else today))
        self.start = QTimeEdit(self)
        self.start.setDisplayFormat("HH:mm")
        hh, mm = (int(x) for x in str(cur.get("start") or "10:00").split(":"))
        self.start.setTime(QTime(hh, mm))
        self.duration = QSpinBox(self)
        self.duration.setRange(R.MIN_DURATION, R.MAX_DURATION)
        self.duration.setSingleStep(15)
        self.duration.setSuffix(" minutes")
        self.duration.setValue(int(cur.get("duration_minutes") or R.DEFAULT_DURATION))
        self.kind = QComboBox(self)
        for key, label in R.KINDS.items():
            self.kind.addItem(label, key)
        self.kind.setCurrentIndex(max(0, self.kind.findData(cur.get("kind") or "office")))
        self.place = QLineEdit(cur.get("place") or "", self)
        self.place.setMaxLength(200)
        self.with_whom = QLineEdit(cur.get("with_whom") or (officer or ""), self)
        self.with_whom.setMaxLength(200)
        self.bring = QLineEdit(cur.get("bring") or "", self)
        self.bring.setPlaceholderText("For the appointment letter, e.g. proof of address")
        self.notes = QPlainTextEdit(cur.get("notes") or "", self)
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(70)
        self.nfd = QCheckBox("Notes are &not for disclosure (third-party information)", self)
        self.nfd.setChecked(cur.get("sensitivity") == NFD)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828;")
        self.message.setAccessibleName("Problem")
        form = QFormLayout()
        form.addRow("&Date", self.date)
        form.addRow("&Start", self.start)
        form.addRow("D&uration", self.duration)
        form.addRow("&Kind", self.kind)
        form.addRow("&Place", self.place)
        form.addRow("&With whom", self.with_whom)
        form.addRow("What to &bring", self.bring)
        form.addRow("N&otes", self.notes)
        form.addRow("", self.nfd)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                   parent=self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(buttons)
        self.date.setFocus()

    def value(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "date": _pydate(self.date.date()).isoformat(),
            "start": self.start.time().toString("HH:mm"),
            "duration_minutes": self.duration.value(),
            "kind": self.kind.currentData(),
        }
        for key, widget in (("place", self.place), ("with_whom", self.with_whom), ("bring", self.bring)):
            if widget.text().strip():
                out[key] = widget.text().strip()
        notes = self.notes.toPlainText().strip()
        if notes:
            out["notes"] = notes
            if self.nfd.isChecked():
                out["sensitivity"] = NFD
        return out

    def show_problem(self, text: str) -> None:
        self.message.setText(text)


class OutcomeDialog(QDialog):
    """What happened: attended (with the contact note), absences, rescheduled, cancelled."""

    def __init__(self, appt: dict[str, Any], today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.appt = appt
        start = R.starts_at(appt)
        self.setWindowTitle(f"Outcome: {R.kind_label(appt['kind'])} {start:%d/%m/%Y %H:%M}")
        self.outcome = QComboBox(self)
        for key, label in R.OUTCOMES.items():
            self.outcome.addItem(label, key)
        self.outcome.setCurrentIndex(max(0, self.outcome.findData(appt.get("outcome") or "attended")))
        self.reason = QLineEdit(appt.get("absence_reason") or "", self)
        self.reason.setPlaceholderText("Required for an acceptable absence")
        self.make_note = QCheckBox("Create the &contact note now", self)
        self.make_note.setChecked(True)
        self.note = QPlainTextEdit(self)
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(90)
        self.note.setPlaceholderText("What was discussed (the case note for this contact)")
        self.note_nfd = QCheckBox("Note is not for &disclosure", self)
        self.new_date = QDateEdit(self)
        self.new_date.setCalendarPopup(True)
        self.new_date.setDisplayFormat("dd/MM/yyyy")
        self.new_date.setDate(_qdate(max(today, start.date()) + dt.timedelta(days=7)))
        self.new_start = QTimeEdit(self)
        self.new_start.setDisplayFormat("HH:mm")
        self.new_start.setTime(QTime(start.hour, start.minute))
        form = QFormLayout()
        form.addRow("&Outcome", self.outcome)
        form.addRow("&Reason", self.reason)
        form.addRow("", self.make_note)
        form.addRow("&Note", self.note)
        form.addRow("", self.note_nfd)
        form.addRow("New d&ate", self.new_date)
        form.addRow("New &time", self.new_start)
        self.form = form
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                   parent=self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(buttons)
        self.outcome.currentIndexChanged.connect(self._shape)
        self.make_note.toggled.connect(self._shape)
        self._shape()
        self.outcome.setFocus()

    def _shape(self, *_: Any) -> None:
        outcome = self.outcome.currentData()
        attended = outcome in R.ATTENDED_OUTCOMES
        for widget, show in ((self.reason, outcome in ("acceptable_absence", "unacceptable_absence",
                                                       "failed_to_comply", "cancelled_by_service")),
                             (self.make_note, attended), (self.note, attended and self.make_note.isChecked()),
                             (self.note_nfd, attended and self.make_note.isChecked()),
                             (self.new_date, outcome == "rescheduled"), (self.new_start, outcome == "rescheduled")):
            widget.setVisible(show)
            label = self.form.labelForField(widget)
            if label is not None:
                label.setVisible(show)

    def value(self) -> dict[str, Any]:
        """Keyword arguments for ``store.appointments.record_outcome`` (after the id)."""
        outcome = self.outcome.currentData()
        out: dict[str, Any] = {"outcome": outcome}
        if outcome != "attended" and outcome != "rescheduled" and self.reason.text().strip():
            out["reason"] = self.reason.text().strip()
        if outcome in R.ATTENDED_OUTCOMES and self.make_note.isChecked() and self.note.toPlainText().strip():
            out["note_text"] = self.note.toPlainText().strip()
            if self.note_nfd.isChecked():
                out["note_sensitivity"] = NFD
        if outcome == "rescheduled":
            out["new_appointment"] = {"date": _pydate(self.new_date.date()).isoformat(),
                                      "start": self.new_start.time().toString("HH:mm")}
        return out

    def show_problem(self, text: str) -> None:
        self.message.setText(text)
