"""Change the store's passphrase: current, new, confirm, with the same strength feedback as
creating a store.  The change runs on the store worker (a verified backup under the old
passphrase is taken first) and problems are shown in one line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from app.models.errors import UnlockError, ValidationError
from app.models.rules.passphrase import problem as passphrase_problem
from app.models.rules.passphrase import strength as passphrase_strength
from app.models.store.security import check_new_passphrase
from app.ui import errors
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.table_models import STATUS_COLOURS
from app.ui.unlock import meter_text, strength_label


def _secret(name: str, parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName(name)
    return edit


class ChangePassphraseDialog(QDialog):
    def __init__(self, ctx: AppContext, on_changed: Callable[[Path], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.on_changed = on_changed
        self.setWindowTitle("Change passphrase")
        self.old = _secret("Current passphrase", self)
        self.new = _secret("New passphrase", self)
        self.confirm = _secret("New passphrase again", self)
        self.strength = QProgressBar(self)
        self.strength.setRange(0, 100)
        self.strength.setTextVisible(True)
        self.strength.setAccessibleName("Passphrase strength")
        self.new.textChanged.connect(self._update_strength)
        form = QFormLayout()
        form.addRow("&Current passphrase:", self.old)
        form.addRow("&New passphrase:", self.new)
        form.addRow("", self.strength)
        form.addRow("New passphrase &again:", self.confirm)
        note = QLabel("Several unrelated words work well. A passphrase cannot be recovered. A backup that still "
                      "opens with the current passphrase is taken first.", self)
        note.setWordWrap(True)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Problem")
        self.error.setStyleSheet(f"color: white; background: {STATUS_COLOURS['overdue']}; padding: 4px;")
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Change passphrase")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self._update_strength()
        self.setMinimumWidth(520)

    def _update_strength(self) -> None:
        s = passphrase_strength(self.new.text())
        label, colour = strength_label(s)
        self.strength.setValue(min(100, int(s.bits)))
        self.strength.setFormat(meter_text(s) if self.new.text() else "")
        self.strength.setStyleSheet(f"QProgressBar::chunk {{ background: {colour}; }}")

    def show_error(self, text: str) -> None:
        self.error.setText(text[:1].upper() + text[1:])
        self.error.show()

    def problem(self) -> str | None:
        old, new = self.old.text(), self.new.text()
        if not old:
            return "Enter the current passphrase."
        try:
            check_new_passphrase(new, old)
        except ValidationError as exc:
            return str(exc)
        refused = passphrase_problem(new)
        if refused:
            return f"The new passphrase is {refused}."
        if new != self.confirm.text():
            return "The two new passphrases differ."
        return None

    def submit(self) -> None:
        problem = self.problem()
        if problem:
            self.show_error(problem)
            return
        self.error.hide()
        self.buttons.setEnabled(False)
        old, new = self.old.text(), self.new.text()

        def done(backup: Any) -> None:
            self._wipe()
            self.buttons.setEnabled(True)
            self.accept()
            self.on_changed(Path(backup))

        def failed(exc: BaseException) -> None:
            self.buttons.setEnabled(True)
            if isinstance(exc, UnlockError):
                self.old.clear()
                self.old.setFocus()
                self.show_error("The current passphrase is wrong: nothing was changed.")
            else:
                errors.report(exc)
                self.show_error(errors.message_for(exc, None if errors.expected(exc) else "The passphrase was not changed"))

        ops.change_passphrase(self.ctx, old, new, done, failed)

    def _wipe(self) -> None:
        for edit in (self.old, self.new, self.confirm):
            edit.clear()

    def reject(self) -> None:
        self._wipe()
        super().reject()
