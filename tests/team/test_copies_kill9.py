"""kill -9 while off-laptop copies are delivered: no partial file under a final name, nothing
lost, the store intact and the newest listed copy restorable."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.models.store import Store
from app.team import copies, identity, layout
from app.team.delivery import FileOps, cleanup_partials
from tests.team.conftest import cases_of, make_store

ROOT = Path(__file__).resolve().parents[2]
PW = "correct horse battery staple – ✓"

WORKER = r"""
import random, sys, time
from pathlib import Path
from app.models.store import Store
from app.team import copies
from app.team.delivery import FileOps

class Slow(FileOps):
    def _nap(self):
        time.sleep(random.random() * 0.01)
    def write(self, fd, data):
        self._nap(); return super().write(fd, data[:65536])
    def fsync(self, fd):
        self._nap(); super().fsync(fd)
    def link(self, src, dst):
        self._nap(); super().link(src, dst)
    def open_append(self, path):
        self._nap(); return super().open_append(path)

store = Store.open(Path(sys.argv[1]), sys.argv[3])
# one real snapshot, reused, so the kills land in the delivery steps rather than in encryption
snap = copies.snapshots.passphrase_snapshot(store)
sealed = snap.seal()
copies.snapshots.passphrase_snapshot = lambda s: copies.snapshots.Snapshot(snap.marker, lambda: sealed)
print("ready", flush=True)
while True:
    copies.take_copy(store, Path(sys.argv[2]), force=True, ops=Slow())
"""


@pytest.mark.slow
def test_kill_minus_nine_during_copy_delivery(tmp_path: Path) -> None:
    rng = random.Random(14)
    store_path, share = tmp_path / "k.cbk", tmp_path / "share"
    share.mkdir()
    with make_store(store_path, PW) as store:
        oid = identity.ensure(store).officer_id
        original = cases_of(store)
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, str(script), str(store_path), str(share), PW],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.05, 1.5))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        proc.stdout.close()
        assert proc.stderr is not None
        proc.stderr.close()

    where = layout.backups_dir(share, oid)
    found = copies.scan(share)
    finals = [c for c in found if c.kind is not None]
    assert finals, "no copy was delivered in 6 runs"
    assert all(c.verified for c in finals), [c for c in finals if not c.verified]  # never a partial final
    cleanup_partials(where, FileOps(), max_age=0)
    assert not [p for p in where.iterdir() if p.name.endswith(".partial")]
    with Store.open(store_path, PW) as store:  # the local store untouched and healthy
        assert store.check() == [] and store.verify_audit() == []
        assert cases_of(store) == original
        assert copies.take_copy(store, share, force=True).status == "delivered"
    copies.restore_from_shared(tmp_path / "n.cbk", share, passphrase=PW)
    with Store.open(tmp_path / "n.cbk", PW) as restored:
        assert cases_of(restored) == original
