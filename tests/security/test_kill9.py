"""kill -9 a writer at random points: the store always reopens healthy with every
acknowledged commit present (SQLCipher + WAL + synchronous=FULL)."""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.models.store import Store, db, instance_lock
from tests.conftest import DATA
from tests.helpers import ROOT

KILLS = int(os.environ.get("CASEBOOK_KILL_RUNS", "50"))


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork server")
def test_kill_minus_nine_at_random_points_never_loses_an_acknowledged_commit(
        closed_store: Path, passphrase: str) -> None:
    seed = int(os.environ.get("CASEBOOK_KILL_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.security._writer", str(closed_store), str(DATA / "example-bundle.json")],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "CASEBOOK_PASSPHRASE": passphrase},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert server.stdout is not None
        for line in server.stdout:
            lines.put(line.strip())
        lines.put("eof")

    threading.Thread(target=pump, daemon=True).start()

    def next_line(timeout: float = 30.0) -> str:
        line = lines.get(timeout=timeout)
        assert line != "eof", f"writer server ended early (seed {seed})"
        return line

    acked_notes: set[int] = set()
    acked_cases: set[str] = set()
    next_n = 1
    killed_while_writing = 0
    try:
        assert server.stdin is not None
        for run in range(KILLS):
            server.stdin.write(f"go {next_n}\n")
            server.stdin.flush()
            line = next_line()
            assert line.startswith("child "), line
            pid = int(line.split()[1])
            ready = False
            if rng.random() < 0.2:  # now and then during the unlock itself
                time.sleep(rng.uniform(0.0, 0.5))
            else:  # mostly at a random point among the commits
                while not ready:
                    line = next_line()
                    assert line == "ready", f"unexpected line {line!r} (seed {seed})"
                    ready = True
                time.sleep(rng.uniform(0.0, 0.5))  # a commit also updates the seal (issue 21)
            os.kill(pid, signal.SIGKILL)
            while True:
                line = next_line()
                if line == f"dead {pid}":
                    break
                if line == "ready":
                    ready = True
                elif line.startswith("ack note "):
                    n = int(line.split()[2])
                    acked_notes.add(n)
                    next_n = max(next_n, n + 1)
                elif line.startswith("ack case "):
                    acked_cases.add(line.split()[2])
                else:
                    raise AssertionError(f"unexpected line {line!r} (seed {seed})")
            killed_while_writing += ready
            # reopen after the crash (WAL recovery happens here) and check everything
            conn = db.open_connection(closed_store, passphrase)
            try:
                assert db.integrity_problems(conn) == [], f"run {run}, seed {seed}"
                texts = {row[0] for row in conn.execute("SELECT text FROM notes")}
                refs = {row[0] for row in conn.execute("SELECT reference FROM cases")}
            finally:
                conn.close()
            missing = {n for n in acked_notes if f"kill-test note {n}" not in texts}
            assert not missing, f"acknowledged notes lost: {sorted(missing)[:5]} (run {run}, seed {seed})"
            assert acked_cases <= refs, f"acknowledged cases lost (run {run}, seed {seed})"
            # a note may have committed just before the kill without its ack being read
            next_n = max([next_n] + [int(t.rsplit(" ", 1)[1]) + 1 for t in texts if t.startswith("kill-test")])
            assert not instance_lock.is_locked(closed_store)
        server.stdin.close()
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert killed_while_writing >= KILLS // 2, "too few kills landed during writes"
    assert len(acked_notes) > KILLS
    with Store.open(closed_store, passphrase) as s:
        assert s.check() == []
        assert s.verify_audit() == []
