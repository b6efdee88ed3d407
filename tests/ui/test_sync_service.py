"""SyncService: background delivery off the GUI thread, status signal for the status bar."""

from __future__ import annotations

import errno
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.models.store import Store, outbox
from app.team import identity
from app.team.delivery import FileOps
from app.ui.sync_service import SyncService
from tests.helpers import shared_documents


@pytest.fixture
def make_service(qtbot: Any) -> Iterator[Any]:
    made: list[SyncService] = []

    def make(store: Store, **kw: Any) -> SyncService:
        service = SyncService(store, **kw)
        made.append(service)
        return service

    yield make
    for service in made:
        service.stop()


def test_start_delivers_in_the_background(qtbot: Any, store: Store, tmp_path: Path, make_service: Any) -> None:
    share = tmp_path / "share"
    share.mkdir()
    store.set_setting(outbox.SETTING_FOLDER, str(share))
    outbox.enqueue(store, "a.pdf", "plan", None, b"a")
    key = identity.age_identity(store)
    threads: list[int] = []

    class Recording(FileOps):
        def open_new(self, path: Path) -> int:
            threads.append(threading.get_ident())
            return super().open_new(path)

    service = make_service(store, poll_ms=60_000, ops=Recording())
    with qtbot.waitSignal(service.status_changed, timeout=10_000) as blocker:
        service.start()
    waiting, message = blocker.args
    assert waiting == 0 and "up to date" in message
    assert list(shared_documents(share, key).values()) == [b"a"]
    assert threads and threads[0] != threading.get_ident()  # not on the GUI thread
    assert service.running


def test_waits_until_folder_appears(qtbot: Any, store: Store, tmp_path: Path, make_service: Any) -> None:
    share = tmp_path / "share"
    outbox.enqueue(store, "a.pdf", "plan", None, b"a")
    key = identity.age_identity(store)
    service = make_service(store, poll_ms=50, folder=share)
    with qtbot.waitSignal(service.status_changed, timeout=10_000) as blocker:
        service.start()
    assert blocker.args[0] == 1 and "cannot be found" in blocker.args[1]
    row = outbox.pending(store)[0]
    assert row.attempts == 0  # polling an unreachable folder does not burn attempts
    share.mkdir()
    qtbot.waitUntil(lambda: service.last_waiting == 0, timeout=10_000)
    assert list(shared_documents(share, key).values()) == [b"a"]


def test_sync_now_ignores_backoff_and_reports_errors(qtbot: Any, store: Store, tmp_path: Path,
                                                     make_service: Any) -> None:
    share = tmp_path / "share"
    share.mkdir()
    item = outbox.enqueue(store, "a.pdf", "plan", None, b"a")

    class Full(FileOps):
        fail = True

        def write(self, fd: int, data: Any) -> int:
            if Full.fail:
                raise OSError(errno.ENOSPC, "No space left on device")
            return super().write(fd, data)

    service = make_service(store, poll_ms=60_000, folder=share, ops=Full())
    with qtbot.waitSignal(service.status_changed, timeout=10_000) as blocker:
        service.sync_now()
    assert blocker.args[0] == 1 and "full" in blocker.args[1]
    assert outbox.get(store, item).attempts == 1 and outbox.due(store) == []
    Full.fail = False
    with qtbot.waitSignal(service.status_changed, timeout=10_000) as blocker:
        service.sync_now()  # back-off says wait 30 s; the officer asked, so it goes now
    assert blocker.args[0] == 0
    assert outbox.get(store, item).delivered


def test_no_folder_set(qtbot: Any, store: Store, make_service: Any) -> None:
    outbox.enqueue(store, "a.pdf", "plan", None, b"a")
    service = make_service(store, poll_ms=60_000)
    with qtbot.waitSignal(service.status_changed, timeout=10_000) as blocker:
        service.start()
    assert blocker.args == [1, "1 export waiting: no shared drive folder set"]


def test_stop_then_lock_keeps_items(qtbot: Any, tmp_path: Path, passphrase: str, make_service: Any) -> None:
    path = tmp_path / "s.cbk"
    store = Store.create(path, passphrase)
    outbox.enqueue(store, "a.pdf", "plan", None, b"a")
    service = make_service(store, poll_ms=60_000, folder=tmp_path / "offline")
    with qtbot.waitSignal(service.status_changed, timeout=10_000):
        service.start()
    assert service.stop() and not service.running and not service.busy
    store.close()  # the officer locks the app
    with qtbot.waitSignal(service.status_changed, timeout=10_000) as blocker:
        service.sync_now()
    assert blocker.args[0] == -1 and "locked" in blocker.args[1]
    with Store.open(path, passphrase) as reopened:
        assert outbox.waiting_count(reopened) == 1
