"""PySide6 6.12.0 on Python 3.11 dropped a reference to None each time a Qt call returned a
null pointer (``QApplication.focusWidget()`` with nothing focused, ``QWidget.parentWidget()``
of a window...).  None is not immortal before Python 3.12, so a long session ended in
"Fatal Python error: none_dealloc" (the GUI benchmark's probe died after a few thousand
polls).  The pinned PySide6 must not do that: this runs the calls in a child process (a
crash there cannot take the test run with it) and checks None's reference count holds."""

from __future__ import annotations

import os
import subprocess
import sys

CHILD = r"""
import sys
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
w = QWidget()
calls = {"focusWidget": app.focusWidget, "activeModalWidget": app.activeModalWidget,
         "parentWidget": w.parentWidget, "widgetAt": lambda: app.widgetAt(100000, 100000)}
for name, fn in calls.items():
    before = sys.getrefcount(None)
    for _ in range(3000):
        fn()
    print(name, sys.getrefcount(None) - before)
"""


def test_qt_calls_returning_null_keep_none_alive() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    drift = {name: int(n) for name, n in (line.split() for line in done.stdout.split("\n") if line.strip())}
    assert len(drift) == 4, done.stdout
    # a few references come and go with other objects; a leak is one per call (3,000)
    assert all(abs(n) < 100 for n in drift.values()), drift
