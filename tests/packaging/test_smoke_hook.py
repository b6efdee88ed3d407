"""The smoke-test hook (app/smoke.py) from source: no build needed, runs in `make test`."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import run_cli

PASSPHRASE = "smoke hook passphrase 3"


def test_hook_quits_after_the_unlocked_window_shows(tmp_path: Path) -> None:
    store = tmp_path / "hook.cbk"
    assert run_cli("demo", "--store", store, "--cases", "2", passphrase=PASSPHRASE).returncode == 0
    result = run_cli("--store", store, passphrase=PASSPHRASE, timeout=60,
                     env={"CASEBOOK_SMOKE_EXIT_AFTER_MS": "0", "CASEBOOK_SMOKE_UNTIL_TITLE": store.name})
    assert result.returncode == 0, result.stderr
    shown = re.search(r"casebook-smoke: window shown at=[\d.]+ after=\d+ class=\S+ title=", result.stderr)
    ready = re.search(r"casebook-smoke: ready at=[\d.]+ after=\d+ class=\S+ title=.*hook\.cbk", result.stderr)
    assert shown and ready, result.stderr
    assert shown.start() < ready.start()


def test_hook_is_inert_for_verbs_and_rejects_a_bad_value(tmp_path: Path) -> None:
    # Verbs never arm it, even with the variable set.
    assert run_cli("--version", env={"CASEBOOK_SMOKE_EXIT_AFTER_MS": "soon"}).returncode == 0
    bad = run_cli("--store", tmp_path / "x.cbk", passphrase=PASSPHRASE, env={"CASEBOOK_SMOKE_EXIT_AFTER_MS": "soon"})
    assert bad.returncode == 2
    assert bad.stderr.strip().startswith("casebook: CASEBOOK_SMOKE_EXIT_AFTER_MS must be a whole number")
    assert "Traceback" not in bad.stderr
