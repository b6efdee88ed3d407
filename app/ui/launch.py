"""Start the desktop application (``casebook`` with no verb)."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path


def settle_heap() -> None:
    """Move everything loaded so far (modules, Qt wrappers, the window) out of the garbage
    collector's sight.  Without it a full collection walks all of it (60-100 ms, measured by
    ``make bench``) and, holding the GIL, stalls the GUI thread even when the worker
    triggered it.  Frozen objects are still freed normally when no longer referenced."""
    gc.collect()
    gc.freeze()


def launch(store: Path | None = None, passphrase_file: str | None = None) -> int:
    """Show the main window.  With --store and a passphrase (CASEBOOK_PASSPHRASE or
    --passphrase-file) the store is unlocked at once; otherwise the unlock screen asks."""
    from PySide6.QtWidgets import QApplication

    from app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Casebook")
    passphrase = os.environ.get("CASEBOOK_PASSPHRASE") or None
    if passphrase_file:
        passphrase = Path(passphrase_file).read_text(encoding="utf-8").rstrip("\r\n") or None
    window = MainWindow()
    settle_heap()
    app.aboutToQuit.connect(window.shutdown_on_quit)  # never leave the store open or the worker running
    window.show()
    window.start_with(store, passphrase if store is not None else None)
    return int(app.exec())
