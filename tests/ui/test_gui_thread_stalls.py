"""Guards for the GUI-thread stalls ``make bench`` found (issue #8): a gen-2 garbage
collection over everything loaded at start (60-100 ms); importing the PDF preview on the
first export click (~70 ms); an fsynced settings write on opening a case (0.4-1.2 s on a
busy disk, see tests/test_settings.py); an application-wide Python event filter and 5 ms
GIL turns that made every repaint wait on a busy worker (75-150 ms)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_py(code: str, tmp_path: Path) -> str:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CASEBOOK_CONFIG_DIR": str(tmp_path / "config"),
           "CASEBOOK_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    env.pop("CASEBOOK_PASSPHRASE", None)
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_the_pdf_preview_loads_with_the_window_not_on_the_first_export(tmp_path: Path) -> None:
    out = run_py("""
        import sys
        import app.ui.main_window
        print(all(m in sys.modules for m in ("app.ui.export_flow", "app.ui.pdf_preview", "pypdfium2")))
    """, tmp_path)
    assert out == "True"


def test_launch_freezes_the_startup_heap_and_shortens_gil_turns_before_the_event_loop(tmp_path: Path) -> None:
    out = run_py("""
        import gc, sys
        from PySide6.QtWidgets import QApplication
        seen = []
        QApplication.exec = lambda self: seen.append((gc.get_freeze_count(), sys.getswitchinterval(),
                                                      gc.isenabled())) or 0
        from app.ui.launch import launch
        assert gc.get_freeze_count() == 0
        gc.disable()  # as app.cli.main starts it: the collector is on again for the event loop
        code = launch()
        frozen, switch, collecting = seen[0]
        print(code, frozen > 10000, switch <= 0.001, collecting)
    """, tmp_path)
    assert out == "0 True True True"
