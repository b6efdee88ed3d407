"""Child process for the cold-start benchmark: ``python -m benchmarks.coldstart --store PATH``.

Runs the real ``casebook`` entry point (``app.cli.main``) unchanged.  The only hook is
from the outside: ``QApplication.exec`` is wrapped so that, once the event loop runs, a
5 ms poll looks for the first visible main window (``QMainWindow``; any top-level window
when the app has no ``app.ui.main_window`` yet).  When it is shown and painted, the wall
clock time is written to the file named by ``CASEBOOK_BENCH_SHOWN_FILE`` as
``<epoch seconds> <window class> <peak RSS KiB>`` and the process exits at once.  The parent measures
from just before it started the process, so interpreter start and imports are included.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from typing import Any

from benchmarks.proc import vmhwm_kb

SHOWN_ENV = "CASEBOOK_BENCH_SHOWN_FILE"
TIMEOUT_S = 60.0


def _install_hook(out: str) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    want_main = importlib.util.find_spec("app.ui.main_window") is not None
    original = QApplication.exec
    deadline = time.monotonic() + TIMEOUT_S

    def poll() -> None:
        for w in QApplication.topLevelWidgets():
            if not w.isVisible() or w.isMinimized():
                continue
            if want_main and not isinstance(w, QMainWindow):
                continue
            shown = time.time()
            with open(out, "w", encoding="utf-8") as fh:
                fh.write(f"{shown:.6f} {type(w).__name__} {vmhwm_kb()}\n")
            sys.stdout.flush()
            os._exit(0)
        if time.monotonic() > deadline:
            os._exit(4)
        QTimer.singleShot(5, poll)

    def exec_hook(*_args: Any) -> int:
        QTimer.singleShot(0, poll)
        return int(original())

    QApplication.exec = exec_hook  # type: ignore[method-assign]
    QApplication.exec_ = exec_hook  # type: ignore[attr-defined]


def main() -> int:
    out = os.environ.get(SHOWN_ENV)
    if not out:
        print("coldstart: set " + SHOWN_ENV, file=sys.stderr)
        return 2
    _install_hook(out)
    from app.cli import main as casebook_main

    return casebook_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
