"""Start the desktop application (``casebook`` with no verb)."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

# How long the store worker may hold the GIL while the GUI thread waits for it (CPython's
# default is 5 ms).  Every Python slot, model ``data()`` call and widget virtual the GUI
# thread runs while painting must take the GIL; with the worker busy (rendering a PDF,
# computing due dates) each waited up to 5 ms, and a repaint needs hundreds of them: the
# window froze for 75-115 ms.  At 0.5 ms the longest pause in three ``make bench`` runs
# was 50-76 ms.
GUI_SWITCH_INTERVAL_S = 0.0005


def prepare_runtime() -> None:
    """Once the main window is built, before the event loop starts: share the GIL in short
    turns (see GUI_SWITCH_INTERVAL_S), and move everything loaded so far (modules, Qt
    wrappers, the window) out of the garbage collector's sight.  Without the freeze a full
    collection walked all of it (60-100 ms, measured by ``make bench``) and, holding the GIL,
    stalled the GUI thread even when the worker triggered it.  Frozen objects are still
    freed normally when no longer referenced.  The same goes for each caseload build's due
    dates (``deadlines.freeze_after_builds``).  The collector is enabled here: ``app.cli.main``
    pauses it while the app starts.

    No full collection first: start-up leaves almost no cyclic garbage (about 500 objects,
    ~120 KiB of temporary classes and functions from imports, frozen with the rest), and that
    collection walked ~140,000 objects on the way to the first window (55-120 ms)."""
    from app.models.rules.deadlines import freeze_after_builds

    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
    gc.freeze()
    gc.enable()  # ``app.cli.main`` pauses the collector for start-up
    freeze_after_builds()  # the caseload's due dates, built on the worker, likewise


def launch(store: Path | None = None, passphrase_file: str | None = None) -> int:
    """Show the main window.  With --store and a passphrase (CASEBOOK_PASSPHRASE or
    --passphrase-file) the store is unlocked at once; otherwise the unlock screen asks."""
    from PySide6.QtWidgets import QApplication

    from app import logs
    from app.ui.main_window import MainWindow

    logs.configure()  # already done by app.cli.main; here too when started some other way

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Casebook")
    passphrase = os.environ.get("CASEBOOK_PASSPHRASE") or None
    if passphrase_file:
        from app.commands.common import read_secret_file  # the one passphrase-file reader

        passphrase = read_secret_file(passphrase_file, "passphrase file") or None
    window = MainWindow()
    prepare_runtime()
    app.aboutToQuit.connect(window.shutdown_on_quit)  # never leave the store open or the worker running
    window.show()
    window.start_with(store, passphrase if store is not None else None)
    return int(app.exec())
