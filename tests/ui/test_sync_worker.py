"""Issue 13: a GUI sync pass touches the store only on the one worker (app/ui/tasks.py), and the
worker stays free while the pass encrypts and writes to the shared drive (the pool thread)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyrage
import pytest

from app.models.store import Store, custody, outbox
from app.team import cards, copies, handover, identity
from app.team.delivery import FileOps
from app.ui.sync_service import SyncService
from app.ui.tasks import Tasks, WorkerStopped
from tests.helpers import shared_documents
from tests.team.conftest import make_store

REF = "CPO-2026-0101"  # the case tests.team.conftest.make_store holds


@pytest.fixture
def tasks(qtbot: Any) -> Iterator[Tasks]:
    t = Tasks()
    yield t
    t.stop()


@pytest.fixture
def share(store: Store, tmp_path: Path) -> Path:
    folder = tmp_path / "share"
    folder.mkdir()
    store.set_setting(outbox.SETTING_FOLDER, str(folder))
    copies.set_recovery_recipient(store, str(pyrage.x25519.Identity.generate().to_public()))
    outbox.enqueue(store, "a.pdf", "plan", None, b"a document")
    return folder


def _full_pass(qtbot: Any, service: SyncService) -> None:
    """Sync now: the outbox, the off-laptop copy (and recovery copy), the card, handovers, status."""
    with qtbot.waitSignal(service.copy_status, timeout=60_000):
        service.sync_now()
    service.stop()


def _traced_pass(qtbot: Any, store: Store, tasks: Tasks) -> set[str]:
    """The names of the threads that ran an SQL statement on ``store`` during one full pass
    (SQLite calls the trace callback on the thread running each statement)."""
    seen: set[str] = set()
    service = SyncService(store, poll_ms=60_000, tasks=tasks)
    store._conn.set_trace_callback(lambda _sql: seen.add(threading.current_thread().name))
    try:
        _full_pass(qtbot, service)
    finally:
        store._conn.set_trace_callback(None)
    return seen


def test_every_store_access_of_a_pass_is_on_the_worker(qtbot: Any, store: Store, share: Path,
                                                       tasks: Tasks) -> None:
    worker = tasks.call(threading.current_thread)
    key = identity.age_identity(store)
    assert _traced_pass(qtbot, store, tasks) == {worker.name}
    assert list(shared_documents(share, key).values()) == [b"a document"]
    assert copies.last_copy(store) is not None and copies.last_copy(store).recovery  # type: ignore[union-attr]


def test_handover_steps_of_a_pass_are_on_the_worker(qtbot: Any, tmp_path: Path, passphrase: str,
                                                    tasks: Tasks) -> None:
    """Deliver a packet, collect it on the colleague's laptop, see the acknowledgement: each in
    a GUI pass whose store work all ran on the worker."""
    worker = tasks.call(threading.current_thread).name
    share = tmp_path / "share"
    share.mkdir()
    a = make_store(tmp_path / "a.cbk", passphrase)
    b = Store.create(tmp_path / "b.cbk", passphrase)
    try:
        for s in (a, b):
            s.set_setting(outbox.SETTING_FOLDER, str(share))
            identity.ensure(s, "Officer Beta" if s is b else None)
            cards.publish_card(s, share)
        handover.hand_over(a, REF, identity.ensure(b).officer_id, "Synthetic handover note")
        assert _traced_pass(qtbot, a, tasks) == {worker}  # the packet delivered
        assert _traced_pass(qtbot, b, tasks) == {worker}  # collected (pins, signature, our key)
        [item] = handover.incoming(b)
        assert item.reference == REF and item.problem is None
        handover.accept(b, item.packet_id)
        assert _traced_pass(qtbot, a, tasks) == {worker}  # the acknowledgement read, custody settled
        state = custody.state_of(a, REF)
        assert state is not None and state.state == "transferred"
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("slow", ["document write", "copy encryption"])
def test_worker_is_free_while_the_pass_encrypts_and_writes(qtbot: Any, store: Store, share: Path, tasks: Tasks,
                                                          monkeypatch: Any, slow: str) -> None:
    worker = tasks.call(threading.current_thread)
    started, release, done = threading.Event(), threading.Event(), threading.Event()
    threads: list[threading.Thread] = []

    def hold() -> None:
        threads.append(threading.current_thread())
        started.set()
        release.wait(20)
        done.set()

    class SlowDrive(FileOps):
        def write(self, fd: int, data: Any) -> int:
            if not started.is_set():
                hold()
            return super().write(fd, data)

    if slow == "copy encryption":
        real = pyrage.passphrase.encrypt

        def slow_encrypt(data: bytes, phrase: str) -> bytes:
            hold()
            return bytes(real(data, phrase))

        monkeypatch.setattr(pyrage.passphrase, "encrypt", slow_encrypt)
    service = SyncService(store, poll_ms=60_000, tasks=tasks, ops=SlowDrive() if slow == "document write" else None)
    with qtbot.waitSignal(service.copy_status, timeout=60_000):
        service.sync_now()
        assert started.wait(20), "the pass never reached the slow step"
        # the pass is held in its encryption / drive write: the worker still answers at once
        assert tasks.call(lambda: outbox.waiting_count(store), timeout=10) in (0, 1)
        assert not done.is_set()
        release.set()
    service.stop()
    assert threads and threads[0] is not worker and threads[0] is not threading.main_thread()


def test_call_refuses_at_once_when_the_worker_is_stopping(qtbot: Any) -> None:
    t = Tasks()
    assert t.call(lambda: 7) == 7
    with pytest.raises(ZeroDivisionError):
        t.call(lambda: 1 // 0)
    assert t.stop()
    with pytest.raises(WorkerStopped):
        t.call(lambda: 7, timeout=1)


def test_call_times_out_without_running_late(qtbot: Any) -> None:
    t = Tasks()
    gate, ran = threading.Event(), []
    t.run(lambda: gate.wait(10))
    with pytest.raises(WorkerStopped):
        t.call(lambda: ran.append(1), timeout=0.2)
    gate.set()
    assert t.stop() and ran == []
