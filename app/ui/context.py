"""What every part of the window shares: the worker, the dialog seam, settings, clock, store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.models.errors import StoreError
from app.models.rules.clock import Clock, default_clock
from app.settings import Settings
from app.ui.prompts import Prompts
from app.ui.tasks import Tasks


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

    def require_store(self) -> Any:
        if self.store is None:
            raise StoreError("the store is locked")
        return self.store
