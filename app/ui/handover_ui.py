"""What the officer sees of a handover (issue 15): the Hand over… dialog, the banner over a
case that is handed over (read-only), and the banner of packets waiting for this officer.

The store calls are ``app.ui.handover_ops`` (the core functions the CLI uses); these widgets
only ask and show.  Nothing here reads the store."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.table_models import STATUS_COLOURS

STATE_TEXT = {"pinned": "pinned", "new": "not pinned yet: check the fingerprint",
              "changed": "KEY CHANGED: check the new fingerprint"}
PROBLEM_STYLE = f"color: white; background: {STATUS_COLOURS['overdue']}; padding: 4px;"
BANNER_STYLE = f"color: white; background: {STATUS_COLOURS['due_soon']}; font-weight: bold; padding: 6px;"
INCOMING_STYLE = "QFrame#incoming { background: #e3f2fd; border: 1px solid #1565c0; }"


def officer_label(status: Any) -> str:
    """"Name (off-…)" of a card, or the id alone when its name cannot be read here."""
    card = status.card
    return f"{card.name} ({card.officer_id})" if card.name else card.officer_id


def same_fingerprint(typed: str, fingerprint: str) -> bool:
    return " ".join(typed.split()) == " ".join(fingerprint.split())


class HandoverDialog(QDialog):
    """Hand over…: choose the colleague (arrows), check an unpinned card's fingerprint, add a
    note, OK.  ``on_accept(dialog)`` runs the handover; the dialog stays open until it is done
    (``finish``) or shows the problem (``show_problem``)."""

    def __init__(self, ref: str, case_name: str, officers: Sequence[Any], on_accept: Callable[[HandoverDialog], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Hand over {ref}")
        self.ref = ref
        self.officers = list(officers)
        self._on_accept = on_accept
        intro = QLabel(f"Hand <b>{html.escape(case_name)}</b> ({html.escape(ref)}) to a colleague. The case is "
                       "sent, encrypted to them, at the next sync; from now on it is <b>read-only</b> here "
                       "(you can cancel until they accept).", self)
        intro.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Colleagues")
        for s in self.officers:
            item = QListWidgetItem(f"{officer_label(s)}  —  {STATE_TEXT.get(s.state, s.state)}", self.list)
            item.setData(Qt.ItemDataRole.UserRole, s.card.officer_id)
        self.list.setMinimumHeight(72)
        self.list.setMaximumHeight(max(72, min(len(self.officers), 8) * (self.list.fontMetrics().height() + 8) + 12))
        self.list.currentRowChanged.connect(self._chosen)
        self.fingerprint = QLabel(self)
        self.fingerprint.setWordWrap(True)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint.setAccessibleName("The colleague's fingerprint")
        self.typed = QLineEdit(self)
        self.typed.setAccessibleName("Fingerprint read out by the colleague")
        self.typed.setPlaceholderText("the six groups of digits, as the colleague reads them out")
        self.typed.textChanged.connect(self._check)
        self.typed_label = QLabel("&Fingerprint they read out:", self)
        self.typed_label.setBuddy(self.typed)
        self.note = QLineEdit(self)
        self.note.setAccessibleName("Note for the colleague (optional)")
        self.note.setMaxLength(1000)
        self.note.setPlaceholderText("optional; travels encrypted with the case")
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(PROBLEM_STYLE)
        self.problem.setAccessibleName("Problem")
        self.problem.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Hand &over")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        to_label = QLabel("&To:", self)
        to_label.setBuddy(self.list)
        form.addRow(to_label, self.list)
        form.addRow("", self.fingerprint)
        form.addRow(self.typed_label, self.typed)
        note_label = QLabel("&Note:", self)
        note_label.setBuddy(self.note)
        form.addRow(note_label, self.note)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.problem)
        lay.addWidget(self.buttons)
        self.resize(680, 300)
        if self.officers:
            self.list.setCurrentRow(0)
        self._chosen()
        self.list.setFocus()

    def chosen(self) -> Any | None:
        row = self.list.currentRow()
        return self.officers[row] if 0 <= row < len(self.officers) else None

    def needs_fingerprint(self) -> bool:
        s = self.chosen()
        return s is not None and s.state != "pinned"

    def _chosen(self, *_: Any) -> None:
        s = self.chosen()
        if s is None:
            self.fingerprint.setText("No colleague's card is on the shared drive yet: each officer's sync "
                                     "publishes theirs.")
        elif s.state == "pinned":
            self.fingerprint.setText(f"Fingerprint {s.card.fingerprint} (checked before, pinned here).")
        else:
            was = f" It was {s.pinned_fingerprint} when pinned." if s.state == "changed" else ""
            self.fingerprint.setText(f"Their card shows fingerprint <b>{html.escape(s.card.fingerprint)}</b>.{was} "
                                     "Ask them to read out the fingerprint in their Settings (or "
                                     "<code>casebook identity</code>) and type it below.")
        need = self.needs_fingerprint()
        self.typed.setVisible(need)
        self.typed_label.setVisible(need)
        self._check()

    def _check(self, *_: Any) -> None:
        s = self.chosen()
        ok = s is not None and (not self.needs_fingerprint() or same_fingerprint(self.typed.text(), s.card.fingerprint))
        self.ok.setEnabled(ok)

    def value(self) -> tuple[str, str | None, str | None]:
        """(officer id, note or None, fingerprint typed or None)."""
        s = self.chosen()
        assert s is not None
        note = self.note.text().strip() or None
        return s.card.officer_id, note, (self.typed.text().strip() if self.needs_fingerprint() else None)

    def accept(self) -> None:
        if not self.ok.isEnabled():
            return
        self.problem.hide()
        self.ok.setEnabled(False)
        self._on_accept(self)

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()
        self._check()

    def finish(self) -> None:
        self.done(QDialog.DialogCode.Accepted)


def custody_banner_text(state: Any) -> str:
    """The line over a case handed over: who has it, and that it is read-only."""
    if state is None or not state.read_only:
        return ""
    who = state.who()
    if state.state == "pending":
        waiting = " (the cancel waits for the shared drive)" if state.cancel_requested else ""
        return f"Handover to {who} pending{waiting} — read-only"
    if state.state == "transferred":
        when = f" on {state.transferred_on:%d/%m/%Y}" if state.transferred_on else ""
        return f"Transferred to {who}{when} — read-only"
    return f"Accepted from {who}: editable once the acknowledgement reaches the shared drive (next sync) — read-only"


class CustodyBanner(QFrame):
    """Over the case workspace while the case is handed over; Cancel handover while pending."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("custody")
        self.setStyleSheet(f"QFrame#custody {{ background: {STATUS_COLOURS['due_soon']}; }}")
        self.text = QLabel(self)
        self.text.setStyleSheet(BANNER_STYLE)
        self.text.setWordWrap(True)
        self.text.setAccessibleName("Handover")
        self.cancel = QPushButton("Cancel han&dover", self)
        self.cancel.setAccessibleName("Cancel the handover")
        self.cancel.setToolTip("Take the case back (loses to an acceptance already on the shared drive)")
        self.cancel.clicked.connect(self.cancel_requested.emit)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 6, 0)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.cancel)
        self.hide()

    def show_state(self, state: Any) -> None:
        text = custody_banner_text(state)
        self.text.setText(text)
        self.cancel.setVisible(bool(text) and state.state == "pending" and not state.cancel_requested)
        self.cancel.setEnabled(True)
        self.setVisible(bool(text))


def _when(value: str | None) -> str:
    if not value:
        return ""
    try:
        return dt.datetime.fromisoformat(value).astimezone().strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return value


def incoming_text(item: Any) -> str:
    who = f"{item.sender_name} ({item.sender})" if item.sender_name else str(item.sender or "an unknown officer")
    text = f"<b>Case {html.escape(item.reference or '?')}</b> from {html.escape(who)}, {html.escape(_when(item.created))}"
    if item.note:
        text += f" — “{html.escape(item.note)}”"
    if item.problem:
        text += f"<br><i>Problem: {html.escape(item.problem)}</i>"
    return text


class IncomingBanner(QFrame):
    """Packets addressed to this officer, waiting (after a sync): one line each with Accept and
    Decline….  Hidden when there are none, and in privacy mode (it names a case)."""

    accept_requested = Signal(str)  # packet id
    decline_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("incoming")
        self.setStyleSheet(INCOMING_STYLE)
        self.setAccessibleName("Cases handed to you")
        self.items: list[Any] = []
        self.rows: list[tuple[QLabel, QPushButton, QPushButton]] = []
        self.privacy = False
        self.lay = QVBoxLayout(self)
        self.lay.setContentsMargins(8, 4, 8, 4)
        self.lay.setSpacing(2)
        self.title = QLabel(self)
        self.title.setStyleSheet("font-weight: bold;")
        self.lay.addWidget(self.title)
        self.hide()

    def set_items(self, items: Sequence[Any]) -> None:
        for label, accept, decline in self.rows:
            for w in (label, accept, decline):
                w.deleteLater()
        self.rows = []
        while self.lay.count() > 1:
            self.lay.takeAt(1)
        self.items = list(items)
        n = len(self.items)
        self.title.setText(f"{n} case{'' if n == 1 else 's'} handed to you, waiting for your answer:")
        for item in self.items:
            row = QHBoxLayout()
            label = QLabel(incoming_text(item), self)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            accept = QPushButton("Accept", self)
            accept.setAccessibleName(f"Accept case {item.reference or item.packet_id}")
            accept.setToolTip("Check the packet and import the case (it becomes yours to edit)")
            decline = QPushButton("Decline…", self)
            decline.setAccessibleName(f"Decline case {item.reference or item.packet_id}")
            decline.setToolTip("Send it back with a reason; nothing is imported")
            pid = item.packet_id
            accept.clicked.connect(lambda _=False, p=pid: self.accept_requested.emit(p))
            decline.clicked.connect(lambda _=False, p=pid: self.decline_requested.emit(p))
            row.addWidget(label, 1)
            row.addWidget(accept)
            row.addWidget(decline)
            self.lay.addLayout(row)
            self.rows.append((label, accept, decline))
        self._show()

    def set_busy(self, packet_id: str, busy: bool) -> None:
        for item, (_, accept, decline) in zip(self.items, self.rows, strict=False):
            if item.packet_id == packet_id:
                accept.setEnabled(not busy)
                decline.setEnabled(not busy)

    def set_privacy(self, on: bool) -> None:
        self.privacy = on
        self._show()

    def _show(self) -> None:
        self.setVisible(bool(self.items) and not self.privacy)
