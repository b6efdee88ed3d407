"""Smoke-test hook for the desktop app (used by the packaging test and the cold-start benchmark).

When the environment variable ``CASEBOOK_SMOKE_EXIT_AFTER_MS`` holds a whole number N, the
desktop app closes its windows and quits by itself N milliseconds after its first top-level
window is shown, and writes one line to stderr::

    casebook-smoke: window shown at=<epoch s> after=<ms since armed> class=<Qt class> title=<title>

If ``CASEBOOK_SMOKE_UNTIL_TITLE`` is also set, the N ms count instead from the moment a
visible top-level window's title contains that text (e.g. the store's file name, once it is
unlocked), announced by a second line::

    casebook-smoke: ready at=<epoch s> after=<ms since armed> class=<Qt class> title=<title>

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
UNTIL_TITLE_VAR = "CASEBOOK_SMOKE_UNTIL_TITLE"
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


def arm(delay_ms: int, until_title: str | None = None) -> None:
    """Quit the application ``delay_ms`` after the first top-level window becomes visible
    (or, with ``until_title``, after a visible window's title contains that text)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    if until_title is None:
        until_title = os.environ.get(UNTIL_TITLE_VAR) or None
    app = QApplication.instance() or QApplication(sys.argv)
    armed_at = time.monotonic()
    poll = QTimer(app)
    poll.setInterval(POLL_MS)
    seen_first = False

    def report(event: str, window: Any) -> None:
        elapsed_ms = (time.monotonic() - armed_at) * 1000
        title = window.windowTitle().replace("\n", " ")
        print(f"casebook-smoke: {event} at={time.time():.3f} after={elapsed_ms:.0f} "
              f"class={type(window).__name__} title={title}", file=sys.stderr, flush=True)

    def check() -> None:
        nonlocal seen_first
        shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        if not shown:
            return
        if not seen_first:
            seen_first = True
            report("window shown", shown[0])
        if until_title is not None:
            ready = [w for w in shown if until_title in w.windowTitle()]
            if not ready:
                return
            report("ready", ready[0])
        poll.stop()
        QTimer.singleShot(delay_ms, quit_like_a_person)

    def quit_like_a_person() -> None:
        # Close the windows first so their closeEvent clean-up runs (stopping worker threads,
        # closing the store), as when someone closes the app; then leave the event loop.
        QApplication.closeAllWindows()
        QApplication.exit(0)

    poll.timeout.connect(check)
    poll.start()
    _keep.append(poll)
