"""A sync pass touches the store only from the one store worker (app/ui/tasks.py); the
shared drive's file-system checks may stay on the service's own pool (issue 13)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from app.models.store import Store, outbox
from app.ui.sync_service import SyncService
from app.ui.tasks import Tasks


def test_a_sync_pass_touches_the_store_only_from_the_worker(qtbot: Any, store: Store, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    share = tmp_path / "share"
    share.mkdir()
    store.settings.set(outbox.SETTING_FOLDER, str(share))
    outbox.enqueue(store, "a.pdf", "plan", None, b"a")
    threads: list[int] = []
    real = Store._tx

    @contextmanager
    def recording(self: Store) -> Iterator[Any]:
        threads.append(threading.get_ident())
        with real(self) as session:
            yield session

    monkeypatch.setattr(Store, "_tx", recording)
    tasks = Tasks()
    service = SyncService(store, poll_ms=60_000, tasks=tasks)
    try:
        with qtbot.waitSignal(service.copy_status, timeout=30_000):
            service.start()
        assert service.stop()
    finally:
        service.stop()
        assert tasks.stop()
    assert (share / "a.pdf").read_bytes() == b"a"  # delivered, and the copy line came back
    worker = tasks._thread.ident
    assert threads and set(threads) == {worker}, (len(threads), worker)


def test_call_runs_on_the_worker_and_passes_errors_back(qtbot: Any) -> None:
    tasks = Tasks()
    try:
        assert tasks.call(threading.get_ident) == tasks._thread.ident
        with pytest.raises(ZeroDivisionError):
            tasks.call(lambda: 1 / 0)
        assert tasks.call(lambda: tasks.call(lambda: 7)) == 7  # on the worker itself: runs at once
    finally:
        assert tasks.stop()
