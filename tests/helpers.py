"""Helpers for tests: run the real CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str | os.PathLike[str], passphrase: str | None = None, env: dict[str, str] | None = None,
            input: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "CASEBOOK_PASSPHRASE"}
    full_env["QT_QPA_PLATFORM"] = "offscreen"
    full_env["PYTHONPATH"] = str(ROOT)
    if passphrase is not None:
        full_env["CASEBOOK_PASSPHRASE"] = passphrase
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-m", "app", *map(str, args)], cwd=ROOT, env=full_env, input=input,
                          capture_output=True, text=True, timeout=timeout)
