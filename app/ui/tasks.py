"""One serialized worker thread for all store work.

The GUI calls ``tasks.run(fn, on_done, on_error)``; ``fn`` runs on the worker (the only
thread that touches the store) and the result comes back by a queued signal on the GUI
thread.  ``cancel_pending()`` (used on lock) bumps a generation number so results of
work queued before the lock are dropped instead of refilling cleared views.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


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
        self._finished.connect(self._deliver)
        self._thread = threading.Thread(target=self._loop, name="casebook-store-worker", daemon=True)
        self._thread.start()

    def run(self, fn: Callable[[], Any], on_done: Done | None = None, on_error: Failed | None = None) -> None:
        self.pending += 1
        if self.pending == 1:
            self.busy_changed.emit(True)
        self._queue.put((self._generation, fn, on_done, on_error))

    def cancel_pending(self) -> None:
        self._generation += 1

    def stop(self, timeout: float = 10.0) -> bool:
        """Finish the work queued so far, then end the worker; True when it ended in time."""
        self._queue.put(None)
        self._thread.join(timeout=timeout)
        return not self._thread.is_alive()

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            generation, fn, on_done, on_error = job
            try:
                result, error = fn(), None
            except BaseException as exc:  # delivered to the GUI; never kills the worker
                result, error = None, exc
            self._finished.emit((generation, result, error, on_done, on_error))

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
