"""Entry point of the frozen Casebook executables (``casebook`` and ``casebook-gui``).

Both executables run this same script: ``casebook`` is a console program (the CLI; the
desktop app when no verb is given) and ``casebook-gui`` is the windowed build of the same
thing for the Start menu and desktop shortcuts on Windows, where it opens no console.
"""

from __future__ import annotations

import os
import sys


def _ensure_streams() -> None:
    # A windowed Windows executable has no console: sys.stdout / sys.stderr are None,
    # and anything that writes to them directly would fail.  Send them nowhere instead.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


if __name__ == "__main__":
    _ensure_streams()
    from app.cli import entry

    entry()
