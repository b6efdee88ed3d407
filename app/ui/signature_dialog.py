"""Capture the engagement contract's signatures: one pad for the person, one for the
officer, each with its date.  Saved inside the encrypted store (Store.save_signature) on
the worker; the contract PDF then draws them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.rules import dates
from app.models.rules import vocabulary as V
from app.ui import errors
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.forms import parse_date
from app.ui.signature_pad import SignaturePad
from app.ui.table_models import STATUS_COLOURS

ROLES = tuple(V.SIGNATORIES.items())


class SignatureDialog(QDialog):
    def __init__(self, ctx: AppContext, ref: str, signed_on: dict[str, dt.date | None],
                 on_saved: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ref = ref
        self.on_saved = on_saved
        self.setWindowTitle(f"Capture signatures — {ref}")
        self.pads: dict[str, SignaturePad] = {}
        self.dates: dict[str, QLineEdit] = {}
        lay = QVBoxLayout(self)
        intro = QLabel("Sign with a pen, a finger or the mouse. A pad left empty keeps any signature already "
                       "captured. Signatures are kept encrypted in the store and drawn on the contract PDF.", self)
        intro.setWordWrap(True)
        lay.addWidget(intro)
        today = dates.show(ctx.clock.today())
        for role, label in ROLES:
            box = QGroupBox(label, self)
            grid = QGridLayout(box)
            pad = SignaturePad(box)
            pad.setAccessibleName(f"Signature of {label.lower()}")
            date = QLineEdit(today, box)
            date.setAccessibleName(f"Date signed by {label.lower()}")
            date.setMaximumWidth(120)
            clear = QPushButton("Clear", box)
            clear.setAccessibleName(f"Clear the signature of {label.lower()}")
            clear.clicked.connect(pad.clear)
            already = signed_on.get(role)
            state = QLabel(f"Captured, signed {already.strftime('%d/%m/%Y')}" if already else "Not captured yet",
                           box)
            grid.addWidget(pad, 0, 0, 1, 4)
            grid.addWidget(QLabel("Date signed:", box), 1, 0)
            grid.addWidget(date, 1, 1)
            grid.addWidget(state, 1, 2)
            grid.addWidget(clear, 1, 3)
            grid.setColumnStretch(2, 1)
            lay.addWidget(box, 1)
            self.pads[role] = pad
            self.dates[role] = date
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: white; background: {STATUS_COLOURS['overdue']}; padding: 4px;")
        self.error.hide()
        lay.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        bl = QHBoxLayout()
        bl.addStretch(1)
        bl.addWidget(self.buttons)
        lay.addLayout(bl)
        self.resize(620, 560)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def signatures(self) -> dict[str, tuple[bytes, dt.date]]:
        """The pads with ink, with their dates (ValueError with a one-line message)."""
        out: dict[str, tuple[bytes, dt.date]] = {}
        for role, label in ROLES:
            pad = self.pads[role]
            if pad.is_empty():
                continue
            try:
                iso = parse_date(self.dates[role].text())
            except ValueError as exc:
                raise ValueError(f"Date signed by {label.lower()}: {exc}") from None
            if iso is None:
                raise ValueError(f"Enter the date signed by {label.lower()}.")
            day = dt.date.fromisoformat(iso)
            if day > self.ctx.clock.today():
                raise ValueError(f"Date signed by {label.lower()}: {day.strftime('%d/%m/%Y')} is in the future.")
            out[role] = (pad.to_png(), day)
        if not out:
            raise ValueError("Nothing to save: sign in at least one pad.")
        return out

    def save(self) -> None:
        try:
            sigs = self.signatures()
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self.error.hide()
        self.buttons.setEnabled(False)

        def done(_: Any) -> None:
            self.buttons.setEnabled(True)
            for pad in self.pads.values():
                pad.clear()
            self.on_saved()
            self.accept()

        def failed(exc: BaseException) -> None:
            self.buttons.setEnabled(True)
            errors.report(exc)
            self.show_error(errors.message_for(exc, None if errors.expected(exc) else "Could not save"))

        ops.save_signatures(self.ctx, self.ref, sigs, done, failed)
