"""One serialized worker thread for all store work.

The GUI calls ``tasks.run(fn, on_done, on_error)``; ``fn`` runs on the worker (the only
thread that touches the store) and the result comes back by a queued signal on the GUI
thread.  ``cancel_pending()`` (used on lock) bumps a generation number so results of
work queued before the lock are dropped instead of refilling cleared views.

``call(fn)`` is the blocking form for another thread (the shared-drive sync pool): ``fn`` runs
on the worker between the GUI's tasks and its result (or exception) is returned to the
caller; it never touches ``pending`` or ``busy_changed`` (background work shows no "Working…").
It raises ``WorkerStopped`` at once when the worker is stopping, and when ``fn`` has not
started within the timeout (``fn`` is then dropped, never run late).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal, Slot

from app import logs
from app.models.errors import StoreError

log = logs.get("tasks")

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]
T = TypeVar("T")
CALL_TIMEOUT_S = 120.0


class WorkerStopped(StoreError):
    """The store worker is stopping (lock, close) or did not get to the call in time."""


class _Call:
    """One blocking ``Tasks.call``: run once on the worker unless abandoned first."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self._state = "queued"  # queued | running | abandoned

    def start(self) -> bool:
        """True when the worker may run it (it had not been abandoned)."""
        return self._leave_queue("running")

    def abandon(self) -> bool:
        """True when the call had not started (it never will now)."""
        return self._leave_queue("abandoned")

    def _leave_queue(self, state: str) -> bool:
        with self._lock:
            if self._state != "queued":
                return False
            self._state = state
            return True


class Tasks(QObject):
    _finished = Signal(object)
    busy_changed = Signal(bool)
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: queue.Queue[Any] = queue.Queue()
        self._generation = 0
        self.pending = 0
        self.default_error: Failed | None = None
        self._stopping = False
        self._finished.connect(self._deliver)
        self._thread = threading.Thread(target=self._loop, name="casebook-store-worker", daemon=True)
        self._thread.start()

    def run(self, fn: Callable[[], Any], on_done: Done | None = None, on_error: Failed | None = None) -> None:
        self.pending += 1
        if self.pending == 1:
            self.busy_changed.emit(True)
        self._queue.put((self._generation, fn, on_done, on_error))

    def call(self, fn: Callable[[], T], timeout: float = CALL_TIMEOUT_S) -> T:
        """Run ``fn`` on the worker and wait for it (from a thread other than the GUI's, which
        must never wait on the worker).  ``fn``'s exception is raised here; WorkerStopped when
        the worker is stopping or did not start ``fn`` within ``timeout`` seconds."""
        if threading.current_thread() is self._thread:
            return fn()
        if self._stopping:
            raise WorkerStopped("the store is being locked or closed; nothing was done")
        job = _Call(fn)
        self._queue.put(job)
        if not job.done.wait(timeout):
            if job.abandon():
                raise WorkerStopped("the store was busy for too long; nothing was done (tried again later)")
            job.done.wait()  # it started meanwhile: its store work is one short call
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[no-any-return]

    def cancel_pending(self) -> None:
        self._generation += 1

    def stop(self, timeout: float = 10.0) -> bool:
        """Finish the work queued so far, then end the worker; True when it ended in time."""
        self._stopping = True
        self._queue.put(None)
        self._thread.join(timeout=timeout)
        return not self._thread.is_alive()

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                self._refuse_left()
                return
            if isinstance(job, _Call):
                self._run_call(job)
                continue
            generation, fn, on_done, on_error = job
            start = time.perf_counter()
            try:
                result, error = fn(), None
            except BaseException as exc:  # delivered to the GUI; never kills the worker
                result, error = None, exc
            # the timing of every task, by the code's name only (app.logs: never case content)
            log.info("task %s %s in %.3f s", logs.SafeText(task_name(fn)),
                     logs.SafeText("done" if error is None else "failed: " + logs.exception_name(error)),
                     time.perf_counter() - start)
            self._finished.emit((generation, result, error, on_done, on_error))

    def _run_call(self, job: _Call) -> None:
        if not job.start():
            return
        start = time.perf_counter()
        try:
            job.result = job.fn()
        except BaseException as exc:  # raised in the calling thread
            job.error = exc
        log.info("call %s %s in %.3f s", logs.SafeText(task_name(job.fn)),
                 logs.SafeText("done" if job.error is None else "failed: " + logs.exception_name(job.error)),
                 time.perf_counter() - start)
        job.done.set()

    def _refuse_left(self) -> None:
        """Calls queued behind the stop are refused at once rather than left waiting."""
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(job, _Call) and job.start():
                job.error = WorkerStopped("the store is being locked or closed; nothing was done")
                job.done.set()

    @Slot(object)
    def _deliver(self, payload: Any) -> None:
        generation, result, error, on_done, on_error = payload
        self.pending -= 1
        try:
            if generation != self._generation:
                return
            if error is not None:
                handler = on_error or self.default_error
                if handler is None:
                    raise error
                handler(error)
            elif on_done is not None:
                on_done(result)
        finally:
            if self.pending == 0:
                self.busy_changed.emit(False)
                self.idle.emit()


def task_name(fn: Callable[[], Any]) -> str:
    """``module.function`` of a task (e.g. ``app.ui.operations.load_case.<locals>.work``)."""
    inner = getattr(fn, "func", fn)  # functools.partial
    return f"{getattr(inner, '__module__', '?')}.{getattr(inner, '__qualname__', type(inner).__name__)}"
