"""What the screenshot scripts share (scripts/screenshots.py, scripts/screenshots_handover.py).

``prepare`` must run before PySide6 or the app is imported: it puts the checkout on the path,
fixes the app's date at 23/11/2026 and gives it a throw-away configuration folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PASSPHRASE = "demo passphrase for Casebook"
SIZE = (1366, 728)


def prepare(prefix: str) -> Path:
    """The temp folder the script works in (its stores, its configuration)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["CASEBOOK_TODAY"] = "2026-11-23"
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["CASEBOOK_CONFIG_DIR"] = str(tmp / "config")
    return tmp


def settler(app: Any, window: Any) -> Callable[..., None]:
    """``settle(cond=None, timeout=180)``: run the event loop until ``cond()`` holds and the
    window's worker is idle, then a few more turns for the repaint."""

    def settle(cond: Callable[[], object] | None = None, timeout: float = 180) -> None:
        end = time.time() + timeout
        while time.time() < end:
            app.processEvents()
            if (cond is None or cond()) and window.ctx.tasks.pending == 0:
                break
            time.sleep(0.02)
        for _ in range(5):
            app.processEvents()

    return settle


def save(widget: Any, name: str) -> None:
    """``docs/screenshots/<name>.png`` of ``widget`` as it is now."""
    OUT.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(OUT / f"{name}.png"))
    print("saved", OUT / f"{name}.png")
