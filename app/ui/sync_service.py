"""Background delivery of the outbox, for the main window's status bar.

Usage (the main window owns one per unlocked store)::

    service = SyncService(store, parent=window)
    service.status_changed.connect(lambda waiting, message: status_bar.showMessage(message))
    service.start()          # polls every 30 s (poll_ms) and syncs when the folder is reachable
    service.sync_now()       # "Sync now": tries every queued item at once, ignoring back-off
    service.stop()           # before locking / closing the store: waits for a running pass

Every pass (the reachability check included, since a dead network path can block for
seconds) runs on a thread from the service's own QThreadPool, one pass at a time; results
come back to the GUI thread through ``status_changed(waiting, message)``.  The pass never
touches the store itself: each step (``app.team.onstore``) sends its short store calls (what
is pending, the snapshot, mark delivered, the pins, the audit line) to the one store worker
(``Tasks.call``), and does the encryption, hashing and shared-drive IO on the pool thread, so
the worker is free for the window meanwhile.
Unsent items live in the encrypted store, so stopping, locking or logging out loses nothing.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from app.models.errors import StoreError
from app.models.store import Store, outbox
from app.team import cards, copies
from app.team import status as team_status
from app.team.delivery import FileOps, NoFolderError, configured_folder, folder_problem, sync_outbox
from app.ui import errors
from app.ui.tasks import Tasks

DEFAULT_POLL_MS = 30_000
# Background passes deliver an off-laptop copy of a changed record at most this often; "Sync
# now", closing and a passphrase change deliver one whenever the record has changed.
COPY_MIN_AGE = dt.timedelta(minutes=15)
# Background passes publish the team status (when a manager is set) when it changed, or at
# least this often (so the manager sees the laptop is still syncing).
STATUS_MIN_AGE = dt.timedelta(hours=1)
STATUS_MIN_INTERVAL = dt.timedelta(minutes=5)


class _Relay(QObject):
    finished = Signal(int, str)
    copy = Signal(str, str, bool)


class _Pass(QRunnable):
    """One pass: the outbox first (its result is emitted at once), then the off-laptop copy
    and card (seconds for a large store), whose result follows on its own signal."""

    def __init__(self, job: Callable[[], tuple[int, str, Callable[[], tuple[str, str, bool] | None] | None]],
                 relay: _Relay) -> None:
        super().__init__()
        self._job = job
        self._relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        after: Callable[[], tuple[str, str, bool] | None] | None = None
        try:
            waiting, message, after = self._job()
        except Exception as exc:  # never let a worker exception escape into Qt
            waiting, message = -1, _one_line(exc)
        self._relay.finished.emit(waiting, message)
        if after is None:
            return
        try:
            copy = after()
        except Exception:  # the copy line simply stays as it was; the next pass tries again
            copy = None
        if copy is not None:
            self._relay.copy.emit(*copy)


def _one_line(exc: BaseException) -> str:
    errors.report(exc, "shared drive pass")
    return errors.message_for(exc, None if errors.expected(exc) else "Shared drive sync failed")


class SyncService(QObject):
    """Polls the shared drive folder and delivers the outbox off the GUI thread.

    Signal ``status_changed(waiting: int, message: str)``: after every pass, the number
    of exports still queued (-1 when it could not be read, e.g. the store was locked)
    and one line for the status bar.
    """

    status_changed = Signal(int, str)
    # (text for the status bar, detail for its tooltip, warn: the last off-laptop copy is overdue)
    copy_status = Signal(str, str, bool)

    def __init__(self, store: Store, parent: QObject | None = None, *, poll_ms: int = DEFAULT_POLL_MS,
                 folder: Path | str | None = None, ops: FileOps | None = None, tasks: Tasks | None = None) -> None:
        super().__init__(parent)
        self._store = store
        # the window's one store worker (ctx.tasks); a service made alone (tests) gets its own
        self._tasks = tasks if tasks is not None else Tasks(self)
        self._on_store = self._tasks.call
        self._folder = Path(folder) if folder is not None else None
        self._ops = ops
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self._tick)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._finished)
        self._relay.copy.connect(self._copy_finished)
        self.last_copy: tuple[str, str, bool] | None = None
        self._busy = False
        self._again_forced: bool | None = None
        self._stopping = threading.Event()
        self.last_waiting = 0
        self.copy_min_age: dt.timedelta | None = COPY_MIN_AGE
        self.reachable = False  # the folder was reachable at the last pass (closing asks about a copy then)
        self.last_message = ""

    # ------------------------------------------------------------------ API
    def start(self) -> None:
        """Begin polling, with a first pass straight away."""
        self._stopping.clear()
        self._timer.start()
        self._launch(force=False)

    def stop(self, timeout_ms: int = 30_000) -> bool:
        """Stop polling and wait for a running pass (call before locking the store).
        True when no pass is left running."""
        self._stopping.set()
        self._timer.stop()
        self._again_forced = None
        done = bool(self._pool.waitForDone(timeout_ms))
        if done:  # the pass has ended; its result may still be on its way to this thread
            self._busy = False
        return done

    def sync_now(self) -> None:
        """Try every queued item now, ignoring back-off (the officer asked for it)."""
        self._stopping.clear()
        self._launch(force=True)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    @property
    def busy(self) -> bool:
        return self._busy

    # ------------------------------------------------------------------ internals
    def _tick(self) -> None:
        self._launch(force=False)

    def _launch(self, force: bool) -> None:
        if self._busy:
            # one pass at a time; remember a forced request so it is not lost
            self._again_forced = force or bool(self._again_forced)
            return
        self._busy = True
        self._pool.start(_Pass(lambda: self._pass(force), self._relay))

    def _pass(self, force: bool) -> tuple[int, str, Callable[[], tuple[str, str, bool] | None] | None]:
        """Runs on the pool thread: the outbox, then (returned as a second step) the
        off-laptop copy when one is due and the officer's card.  Store calls go to the worker."""
        store, on_store = self._store, self._on_store
        if store.closed:
            return -1, "Store locked: queued exports are kept and sent after unlocking", None
        try:
            folder = self._folder or on_store(lambda: configured_folder(store))
        except NoFolderError:
            self.reachable = False
            waiting = on_store(lambda: outbox.waiting_count(store))
            return waiting, (f"{_exports(waiting)} waiting: no shared drive folder set" if waiting
                             else "No shared drive folder set"), \
                lambda: self._copy_line(store, "no shared drive folder is set (Settings)")
        waiting = on_store(lambda: outbox.waiting_count(store))
        if not force:
            problem = folder_problem(folder, self._ops)
            self.reachable = problem is None
            if problem is not None:
                return waiting, (f"{_exports(waiting)} waiting: {problem}" if waiting
                                 else "Shared drive not reachable; nothing waiting"), \
                    lambda: self._copy_line(store, problem)
        if waiting == 0 and not force:
            message = "Shared drive up to date"
        else:
            report = sync_outbox(store, folder, force=force, ops=self._ops, should_stop=self._stopping.is_set,
                                 on_store=on_store)
            waiting, message = report.waiting, report.summary()

        def copy_step() -> tuple[str, str, bool] | None:
            if self._stopping.is_set() or store.closed:
                return None
            outcome = copies.take_copy(store, folder, ops=self._ops, min_age=None if force else self.copy_min_age,
                                       on_store=on_store)
            try:
                cards.publish_card(store, folder, self._ops, on_store=on_store)
            except (OSError, StoreError):
                pass  # published on a later pass; the copy line carries the drive's problems
            try:
                from app.team import handover

                handover.sync(store, folder, self._ops, on_store=on_store)  # packets, decisions, purges (issue 15)
            except (OSError, StoreError):
                pass  # tried again on the next pass
            if not self._stopping.is_set() and not store.closed:
                team_status.publish_status(store, folder, self._ops, force=force, min_age=STATUS_MIN_AGE,
                                           min_interval=STATUS_MIN_INTERVAL, on_store=on_store)
            return self._copy_line(store, outcome.error)

        return waiting, message, copy_step

    def _copy_line(self, store: Store, problem: str | None) -> tuple[str, str, bool] | None:
        if store.closed:
            return None
        status = self._on_store(lambda: copies.copy_status(store))
        detail = status.line()
        if status.changed and problem:
            detail += f". The next copy is due: {problem}"
        return status.line(), detail, status.overdue

    def _copy_finished(self, text: str, detail: str, warn: bool) -> None:
        self.last_copy = (text, detail, warn)
        self.copy_status.emit(text, detail, warn)

    def _finished(self, waiting: int, message: str) -> None:
        self._busy = False
        self.last_waiting = waiting
        self.last_message = message
        self.status_changed.emit(waiting, message)
        again = self._again_forced
        self._again_forced = None
        if again is not None and not self._stopping.is_set():
            self._launch(force=again)


def _exports(n: int) -> str:
    return f"{n} export" + ("" if n == 1 else "s")
