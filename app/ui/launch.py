"""Start the desktop application (minimal caseload window; the full UI replaces this)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def launch(store: Path | None = None, passphrase_file: str | None = None) -> int:
    from PySide6.QtWidgets import (
        QApplication,
        QInputDialog,
        QLineEdit,
        QMessageBox,
        QTableWidget,
        QTableWidgetItem,
    )

    from app.models.errors import StoreError
    from app.models.store import Store

    app = QApplication.instance() or QApplication(sys.argv)
    if store is None:
        QMessageBox.information(None, "Casebook", "Start with --store PATH to open a store.")
        return 2
    passphrase = os.environ.get("CASEBOOK_PASSPHRASE", "")
    if passphrase_file:
        passphrase = Path(passphrase_file).read_text(encoding="utf-8").rstrip("\r\n")
    if not passphrase:
        passphrase, ok = QInputDialog.getText(None, "Unlock Casebook", f"Passphrase for {store.name}:",
                                              QLineEdit.EchoMode.Password)
        if not ok:
            return 0
    try:
        opened = Store.open(store, passphrase)
    except StoreError as exc:
        QMessageBox.critical(None, "Casebook", str(exc))
        return 3
    rows = opened.list_cases()
    table = QTableWidget(len(rows), 3)
    table.setWindowTitle(f"Casebook — {store.name}")
    table.setHorizontalHeaderLabels(["Reference", "Name", "Imposed"])
    for i, r in enumerate(rows):
        table.setItem(i, 0, QTableWidgetItem(r.reference))
        table.setItem(i, 1, QTableWidgetItem(r.display_name))
        table.setItem(i, 2, QTableWidgetItem(r.imposed_on.strftime("%d/%m/%Y")))
    table.resize(800, 600)
    table.show()
    code = app.exec()
    opened.close()
    return int(code)
