"""Contract tab: the Engagement Contract and its signatures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui import fields as FL
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.editors import ObjectEditor

from .base import CaseTab, Editor


class ContractTab(CaseTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.editor = ObjectEditor(ctx, "Engagement contract", FL.CONTRACT_FIELDS,
                                   lambda v: {"contract": v.get("contract") or None},
                                   lambda c: {"contract": c.get("contract") or {}}, form_columns=3, parent=self)
        self.signature_state = QLabel(self)
        self.signature_state.setAccessibleName("Contract signatures")
        self.signature_state.setWordWrap(True)
        self.sign_button = QPushButton("Capture si&gnatures…", self)
        self.sign_button.setAccessibleName("Capture the contract signatures")
        self.sign_button.clicked.connect(self.capture_signatures)
        self.signature_dialog: Any = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        sig_row = QHBoxLayout()
        sig_row.setContentsMargins(10, 6, 6, 2)
        sig_row.addWidget(self.signature_state, 1)
        sig_row.addWidget(self.sign_button)
        lay.addLayout(sig_row)
        lay.addWidget(self.editor, 1)

    def editors(self) -> list[Editor]:
        return [self.editor]

    def show_case(self, ref: str, data: ops.CaseData) -> None:
        self.editor.load(ref, data.case)
        self._show_signatures(data.case, data.signed_on)

    def _show_signatures(self, case: dict[str, Any], signed_on: dict[str, dt.date | None]) -> None:
        if case.get("contract") is None:
            self.signature_state.setText("Signatures: save the contract first, then capture them.")
            self.sign_button.setEnabled(False)
            return
        parts = []
        for role, label in (("individual", "person"), ("officer", "officer")):
            day = signed_on.get(role)
            parts.append(f"{label} signed {day.strftime('%d/%m/%Y')} ✓" if day else f"{label} not captured")
        self.signature_state.setText("Signatures: " + "; ".join(parts) + ".")
        self.sign_button.setEnabled(not self.read_only)

    def set_read_only(self, on: bool) -> None:
        super().set_read_only(on)
        self.sign_button.setEnabled(not on and self.data is not None and self.data.case.get("contract") is not None)

    def capture_signatures(self) -> None:
        if self.ref is None or self.data is None or self.data.case.get("contract") is None or self.read_only:
            return
        from app.ui.signature_dialog import SignatureDialog

        if self.signature_dialog is not None:
            self.signature_dialog.deleteLater()
        # saving them reloads the case through the change-set, like any other save
        self.signature_dialog = SignatureDialog(self.ctx, self.ref, self.data.signed_on, lambda: None,
                                                self.window())
        self.signature_dialog.open()

    def close_dialogs(self) -> None:
        if self.signature_dialog is not None:
            self.signature_dialog.reject()
            self.signature_dialog.deleteLater()
            self.signature_dialog = None

    def clear(self) -> None:
        super().clear()
        self.signature_state.clear()
