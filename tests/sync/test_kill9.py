"""kill -9 during sync, several times: every item ends up delivered exactly once."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.models.store import Store, outbox
from app.team import identity
from app.team.delivery import sync_outbox
from tests.helpers import documents_manifest, shared_documents

ROOT = Path(__file__).resolve().parents[2]

WORKER = r"""
import random, sys, time
from pathlib import Path
from app.models.store import Store
from app.team.delivery import FileOps, sync_outbox

class Slow(FileOps):
    # small random pauses so SIGKILL lands at every stage of a delivery
    def _nap(self):
        time.sleep(random.random() * 0.004)
    def write(self, fd, data):
        self._nap(); return super().write(fd, data)
    def fsync(self, fd):
        self._nap(); super().fsync(fd)
    def link(self, src, dst):
        self._nap(); super().link(src, dst)
    def unlink(self, path):
        self._nap(); super().unlink(path)
    def open_append(self, path):
        self._nap(); return super().open_append(path)

store = Store.open(Path(sys.argv[1]), sys.argv[3])
print("ready", flush=True)
sync_outbox(store, Path(sys.argv[2]), force=True, ops=Slow())
store.close()
print("finished", flush=True)
"""


@pytest.mark.slow
def test_kill_minus_nine_during_sync(tmp_path: Path, passphrase: str) -> None:
    rng = random.Random(20261123)
    store_path, share = tmp_path / "k.cbk", tmp_path / "share"
    share.mkdir()
    (share / "contract.pdf").write_bytes(b"a colleague's contract, must survive")
    expected: dict[str, bytes] = {}
    with Store.create(store_path, passphrase) as store:
        identity.ensure(store)
        for i in range(30):
            data = f"export {i} ".encode() + os.urandom(rng.randint(500, 150_000))
            name = rng.choice(["contract.pdf", "plan.pdf", "review.pdf", f"summary-{i}.pdf"])
            outbox.enqueue(store, name, "plan", None, data)
            expected[hashlib.sha256(data).hexdigest()] = data
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    interrupted = 0
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, str(script), str(store_path), str(share), passphrase],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready", proc.stderr.read() if proc.stderr else ""
        time.sleep(rng.uniform(0.05, 0.5))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            interrupted += 1
        proc.wait(timeout=60)
        proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()
    assert interrupted >= 1

    # no partial file ever under a final name: every visible file is complete (decrypts whole)
    with Store.open(store_path, passphrase) as store:
        key = identity.age_identity(store)
        oid = identity.ensure(store).officer_id
        for data in shared_documents(share, key).values():
            assert hashlib.sha256(data).hexdigest() in expected
        report = sync_outbox(store, share, force=True, partial_max_age=0)
        assert report.waiting == 0
        rows = [r for r in outbox.list_items(store, recent=1000)]
        assert len(rows) == 30 and all(r.delivered for r in rows)

        lines = documents_manifest(share, oid)
        assert sorted(int(str(line["item"])) for line in lines) == sorted(r.id for r in rows)  # one line each
        assert len({line["file"] for line in lines}) == 30
        docs = shared_documents(share, key)
        for r in rows:
            assert docs[str(r.delivered_name)] == expected[r.sha256]
        assert sorted(docs.values()) == sorted(expected.values())  # each exactly once
        files = sorted(p.relative_to(share).as_posix() for p in share.rglob("*") if p.is_file())
        assert not [f for f in files if f.endswith(".partial")]
        assert len(files) == 30 + 2  # 30 exports, the colleague's file, the manifest
        assert (share / "contract.pdf").read_bytes() == b"a colleague's contract, must survive"
        assert store.verify_audit() == []
