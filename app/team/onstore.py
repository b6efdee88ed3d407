"""Where a shared-drive step's store work runs.

Each sync step (``delivery.sync_outbox``, ``copies.take_copy``, ``cards.publish_card``,
``status.publish_status``, ...) is a sequence of short store calls (what is pending, a
snapshot, the pins, mark delivered, the audit line) with the encryption, hashing and
shared-drive IO between them.  The steps take ``on_store``: every store call goes through
it, everything else runs on the caller's thread.

* The CLI (``casebook sync``) leaves the default, ``inline``: all in one thread, as before.
* The desktop app passes its one store worker's blocking submit (``app.ui.tasks.Tasks.call``)
  from the sync pool thread: the store is touched only on the worker, and the worker is never
  held for the encryption or the drive.

Nothing here imports Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

T = TypeVar("T")


class OnStore(Protocol):
    def __call__(self, fn: Callable[[], T], /) -> T: ...


def inline(fn: Callable[[], T], /) -> T:
    """Run the store call here (one thread: the CLI and the worker itself)."""
    return fn()
