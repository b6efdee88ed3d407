"""Every dialog box goes through here: the only module that calls QMessageBox, QFileDialog
or QInputDialog.  Tests replace ``Prompts`` with a scripted fake."""

from __future__ import annotations

from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from app.ui.table_models import STATUS_COLOURS

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

    def save_file(self, caption: str, filter: str = "Casebook stores (*.cbk);;All files (*)",
                  name: str = "") -> str | None:
        path, _ = QFileDialog.getSaveFileName(self.parent, caption, name, filter)
        return path or None

    def choose_folder(self, caption: str) -> str | None:
        path = QFileDialog.getExistingDirectory(self.parent, caption)
        return path or None

    def ask_print(self, printer: QPrinter, parent: QWidget) -> bool:
        """The print dialog (the PDF preview's print seam)."""
        from app.ui.pdf_preview import ask_with_print_dialog

        return ask_with_print_dialog(printer, parent)

    def printer_names(self) -> list[str]:
        """The printers set up on this computer (none: printing says so instead of asking)."""
        from PySide6.QtPrintSupport import QPrinterInfo

        return list(QPrinterInfo.availablePrinterNames())

    def choose(self, message: str, options: list[str], current: int = 0) -> int | None:
        """The index of the option chosen, or None when cancelled."""
        value, ok = QInputDialog.getItem(self.parent, TITLE, message, options, current, False)
        return options.index(value) if ok and value in options else None

    def ask_password(self, message: str, confirm: bool = True) -> str | None:
        """A password typed (twice when ``confirm``); None when cancelled."""
        dialog = QDialog(self.parent)
        dialog.setWindowTitle(TITLE)
        form = QFormLayout(dialog)
        label = QLabel(message, dialog)
        label.setWordWrap(True)
        form.addRow(label)
        first = QLineEdit(dialog)
        first.setEchoMode(QLineEdit.EchoMode.Password)
        first.setAccessibleName("Password")
        form.addRow("&Password:", first)
        second = QLineEdit(dialog)
        second.setEchoMode(QLineEdit.EchoMode.Password)
        second.setAccessibleName("Password again")
        if confirm:
            form.addRow("&Again:", second)
        problem = QLabel(dialog)
        # white on red, like every other error: dark red text is unreadable on a dark palette
        problem.setStyleSheet(f"color: white; background: {STATUS_COLOURS['overdue']}; padding: 4px;")
        problem.setAccessibleName("Problem")
        problem.hide()
        form.addRow(problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   dialog)
        form.addRow(buttons)

        def accept() -> None:
            if not first.text():
                problem.setText("Enter a password.")
            elif confirm and first.text() != second.text():
                problem.setText("The two passwords differ.")
            else:
                dialog.accept()
                return
            problem.show()

        buttons.accepted.connect(accept)
        buttons.rejected.connect(dialog.reject)
        ok = dialog.exec() == QDialog.DialogCode.Accepted
        value = first.text()
        first.clear()
        second.clear()
        dialog.deleteLater()
        return value if ok else None
