"""kill -9 of either side at any step of a handover leaves at most one editable copy at every
moment, and exactly one custodian once both sides have synced (issue 15)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.models.store import Store, custody
from app.models.store import outbox as O
from app.team import cards, identity
from tests.team.conftest import make_store

PW = "correct horse battery staple – ✓"
REF = "CPO-2026-0101"
ROOT = Path(__file__).resolve().parents[2]


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ, CASEBOOK_PASSPHRASE=PW, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    env["CASEBOOK_DATA_DIR"] = str(tmp / "data")
    return env


def _cli(args: list[str], env: dict[str, str], kill_after: float | None = None) -> int | None:
    """Run ``casebook ARGS``; with ``kill_after``, SIGKILL it then (None: it was killed)."""
    proc = subprocess.Popen([sys.executable, "-m", "app", *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if kill_after is None:
        proc.communicate(timeout=120)
        return proc.returncode
    try:
        proc.communicate(timeout=kill_after)
        return proc.returncode
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        return None


def _editable(path: Path) -> tuple[bool, str | None]:
    for _ in range(50):
        try:
            store = Store.open(path, PW)
            break
        except Exception:  # the killed process's lock goes with it; retry briefly
            time.sleep(0.1)
    else:  # pragma: no cover
        raise AssertionError(f"cannot open {path}")
    with store:
        if REF not in store.case_references():
            return False, None
        state = custody.state_of(store, REF)
        return state is None or state.state == "held", None if state is None else state.state


def _incoming(path: Path, env: dict[str, str]) -> str | None:
    out = subprocess.run([sys.executable, "-m", "app", "incoming", "--store", str(path), "--json"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120).stdout
    rows = json.loads(out)["incoming"] if out.strip() else []
    return rows[0]["packet_id"] if rows else None


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_minus_nine_at_any_step_leaves_one_custodian(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    share = tmp_path / "share"
    share.mkdir()
    pa, pb = tmp_path / "a.cbk", tmp_path / "b.cbk"
    with make_store(pa, PW) as a:
        a.set_setting(O.SETTING_FOLDER, str(share))
        cards.publish_card(a, share)
    with Store.create(pb, PW) as b:
        identity.ensure(b, "Officer Beta")
        b.set_setting(O.SETTING_FOLDER, str(share))
        cards.publish_card(b, share)
        b_id = identity.ensure(b).officer_id
    env = _env(tmp_path)
    cancel = seed == 2  # one run races a cancel against the accept

    def step(args: list[str]) -> None:
        _cli(args, env, kill_after=rng.uniform(0.3, 3.0))
        editable = [_editable(pa)[0], _editable(pb)[0]]
        assert sum(editable) <= 1, (args, editable)
        _cli(args, env)  # finish (or be refused as already done)
        editable = [_editable(pa)[0], _editable(pb)[0]]
        assert sum(editable) <= 1, (args, editable)

    step(["handover", "--store", str(pa), "--case", REF, "--to", b_id])
    step(["sync", "--store", str(pa)])
    step(["sync", "--store", str(pb)])
    packet = _incoming(pb, env)
    assert packet is not None
    if cancel:
        step(["handover", "--store", str(pa), "--case", REF, "--cancel"])
    step(["accept", "--store", str(pb), packet, "--shared", str(tmp_path / "unplugged")])
    for _ in range(2):
        step(["sync", "--store", str(pb)])
        step(["sync", "--store", str(pa)])
    (a_edit, a_state), (b_edit, b_state) = _editable(pa), _editable(pb)
    assert a_edit + b_edit == 1, (a_state, b_state)
    if cancel:
        assert a_edit and b_state is None
    else:
        assert b_edit and a_state == "transferred"
