"""What every part of the window shares: the worker, the dialog seam, settings, clock, store,
and the two things widgets subscribe to (``ctx.events``): what a store operation changed and
whether privacy mode is on."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.models.errors import StoreError
from app.models.rules.clock import Clock, default_clock
from app.settings import Settings
from app.ui.prompts import Prompts
from app.ui.tasks import Tasks


class AppEvents(QObject):
    """Signals any widget may connect to, instead of having values pushed down to it.

    ``changed(Changes)``: a store operation finished (on the GUI thread, after the operation's own
    ``on_done``); widgets redraw what the change-set names.  ``privacy_changed(bool)``: privacy
    mode was switched; ``ctx.privacy`` already holds the new value when it is emitted."""

    changed = Signal(object)
    privacy_changed = Signal(bool)


@dataclass
class AppContext:
    tasks: Tasks
    prompts: Prompts
    settings: Settings
    clock: Clock = field(default_factory=default_clock)
    store: Any = None  # app.models.store.Store while unlocked; only the worker calls its methods
    store_path: Path | None = None
    privacy: bool = False
    sync: Any = None  # app.ui.sync_service.SyncService while unlocked
    events: AppEvents = field(default_factory=AppEvents)

    def require_store(self) -> Any:
        if self.store is None:
            raise StoreError("the store is locked")
        return self.store

    def set_privacy(self, on: bool) -> None:
        """Switch privacy mode; every subscriber of ``events.privacy_changed`` follows."""
        self.privacy = bool(on)
        self.events.privacy_changed.emit(self.privacy)
