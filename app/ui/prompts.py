"""Every dialog box goes through here: the only module that calls QMessageBox, QFileDialog
or QInputDialog.  Tests replace ``Prompts`` with a scripted fake."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

TITLE = "Casebook"


class Prompts:
    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent

    def info(self, message: str) -> None:
        QMessageBox.information(self.parent, TITLE, message)

    def warn(self, message: str) -> None:
        QMessageBox.warning(self.parent, TITLE, message)

    def error(self, message: str) -> None:
        QMessageBox.critical(self.parent, TITLE, message)

    def confirm(self, message: str) -> bool:
        answer = QMessageBox.question(self.parent, TITLE, message,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def ask_save_discard(self, message: str) -> str:
        """'save', 'discard' or 'cancel'."""
        B = QMessageBox.StandardButton
        answer = QMessageBox.question(self.parent, TITLE, message, B.Save | B.Discard | B.Cancel, B.Save)
        return {B.Save: "save", B.Discard: "discard"}.get(answer, "cancel")

    def ask_text(self, message: str, text: str = "") -> str | None:
        value, ok = QInputDialog.getText(self.parent, TITLE, message, QLineEdit.EchoMode.Normal, text)
        return value if ok else None

    def open_file(self, caption: str, filter: str = "Casebook stores (*.cbk);;All files (*)") -> str | None:
        path, _ = QFileDialog.getOpenFileName(self.parent, caption, "", filter)
        return path or None

    def save_file(self, caption: str, filter: str = "Casebook stores (*.cbk);;All files (*)") -> str | None:
        path, _ = QFileDialog.getSaveFileName(self.parent, caption, "", filter)
        return path or None

    def choose_folder(self, caption: str) -> str | None:
        path = QFileDialog.getExistingDirectory(self.parent, caption)
        return path or None
