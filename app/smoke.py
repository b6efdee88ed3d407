"""Smoke-test hook for the desktop app (used by the packaging test and the cold-start benchmark).

When the environment variable ``CASEBOOK_SMOKE_EXIT_AFTER_MS`` holds a whole number N, the
desktop app quits by itself N milliseconds after its first top-level window is shown, and
writes one line to stderr::

    casebook-smoke: window shown at=<epoch seconds> after=<ms since arm> class=<Qt class> title=<title>

Nothing happens when the variable is unset, so normal use is unaffected.  The hook is armed
by ``app.cli`` just before it hands over to ``app.ui.launch`` and needs nothing from the UI
code: it reuses the QApplication if one exists, or creates the one the UI will then reuse
(``QApplication.instance() or QApplication(...)``).  The exit code is whatever the app
returns after the quit request, so an error dialog still shows up as a non-zero exit.
No case content is written: only the window's class and title.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

ENV_VAR = "CASEBOOK_SMOKE_EXIT_AFTER_MS"
POLL_MS = 5

_keep: list[Any] = []  # keep the Qt timers alive for the life of the process


def delay_from_env() -> int | None:
    """The configured delay in ms, or None when the hook is off."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        from app.commands.common import EXIT_USAGE, CliError

        raise CliError(f"{ENV_VAR} must be a whole number of milliseconds, not {raw!r}", EXIT_USAGE) from None
    return max(0, value)


def arm_from_env() -> bool:
    """Arm the hook if the environment asks for it; return whether it was armed."""
    delay = delay_from_env()
    if delay is None:
        return False
    arm(delay)
    return True


def arm(delay_ms: int) -> None:
    """Quit the application ``delay_ms`` after the first top-level window becomes visible."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    armed_at = time.monotonic()
    poll = QTimer(app)
    poll.setInterval(POLL_MS)

    def check() -> None:
        shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        if not shown:
            return
        poll.stop()
        window = shown[0]
        elapsed_ms = (time.monotonic() - armed_at) * 1000
        title = window.windowTitle().replace("\n", " ")
        print(f"casebook-smoke: window shown at={time.time():.3f} after={elapsed_ms:.0f} "
              f"class={type(window).__name__} title={title}", file=sys.stderr, flush=True)
        QTimer.singleShot(delay_ms, lambda: QApplication.exit(0))

    poll.timeout.connect(check)
    poll.start()
    _keep.append(poll)
