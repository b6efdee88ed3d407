"""Per-user settings, each declared once (key, type, default), stored as JSON in config_dir().

Never case content: only preferences, store paths and (per store, keyed by a hash of its
path) the last case reference and tab, so unlocking returns where the officer was.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import paths
from app.atomic import write_bytes_atomic


@dataclass(frozen=True)
class Setting:
    key: str
    type: type
    default: Any
    help: str


SETTINGS: dict[str, Setting] = {s.key: s for s in (
    Setting("idle_lock_minutes", int, 5, "Lock after this many minutes without keyboard or mouse input"),
    Setting("recent_stores", list, [], "Stores opened recently, newest first"),
    Setting("last_case", dict, {}, "Per store (hash of its path): last case reference and tab"),
    Setting("privacy_exit_passphrase", bool, True,
            "Leaving privacy mode asks for the store's passphrase (so the person cannot turn it off)"),
    Setting("theme", str, "system", "Colours follow the system light or dark theme"),
)}
MAX_RECENT = 8


def store_key(store_path: Path | str) -> str:
    return hashlib.sha256(str(Path(store_path).resolve()).encode("utf-8")).hexdigest()[:16]


class _WriteBehind:
    """Writes the newest snapshot of the settings file on its own thread, so a slow disk
    (each write is fsynced) never stalls the caller; ``flush`` waits for it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.error: OSError | None = None
        self._cond = threading.Condition()
        self._pending: bytes | None = None
        self._writing = False
        self._thread: threading.Thread | None = None

    def submit(self, data: bytes) -> None:
        with self._cond:
            self._pending = data
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="casebook-settings-writer", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._pending is None and not self._cond.wait_for(lambda: self._pending is not None, 5.0):
                    self._thread = None  # idle: end; the next submit starts a new one
                    return
                data, self._pending, self._writing = self._pending, None, True
            try:
                assert data is not None
                write_bytes_atomic(self.path, data)
                error = None
            except OSError as exc:
                error = exc
            with self._cond:
                self.error = error
                self._writing = False
                self._cond.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted is on disk; True when it is."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending is None and not self._writing, timeout)


class Settings:
    """Load on construction; ``set`` writes the file (atomically) at once, or, with
    ``write_behind`` (the desktop app), on a background thread: call ``flush`` to wait."""

    def __init__(self, path: Path | None = None, *, write_behind: bool = False) -> None:
        self.path = path or paths.config_dir() / "settings.json"
        self._writer: _WriteBehind | None = None
        if write_behind:
            self._writer = _WriteBehind(self.path)
            atexit.register(self._writer.flush)
        self._values: dict[str, Any] = {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(raw, dict):
                self._values = raw
        except (OSError, ValueError):
            self._values = {}

    def get(self, key: str) -> Any:
        spec = SETTINGS[key]
        value = self._values.get(key, spec.default)
        if not isinstance(value, spec.type) or isinstance(value, bool) != isinstance(spec.default, bool):
            value = spec.default
        return json.loads(json.dumps(value))  # a copy: callers may mutate

    def set(self, key: str, value: Any) -> None:
        spec = SETTINGS[key]
        if not isinstance(value, spec.type):
            raise TypeError(f"setting {key} must be {spec.type.__name__}")
        self._values[key] = value
        self.save()

    def save(self) -> None:
        data = json.dumps({k: v for k, v in self._values.items() if k in SETTINGS}, indent=2, ensure_ascii=False)
        if self._writer is not None:
            self._writer.submit(data.encode("utf-8"))
        else:
            write_bytes_atomic(self.path, data.encode("utf-8"))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait for background writes (a no-op without ``write_behind``); True when all are on disk."""
        return self._writer is None or self._writer.flush(timeout)

    @property
    def write_error(self) -> OSError | None:
        """The last background write's failure, if it failed (None once a later write succeeds)."""
        return self._writer.error if self._writer is not None else None

    # conveniences
    def add_recent_store(self, store_path: Path | str) -> None:
        p = str(Path(store_path).resolve())
        recent = [r for r in self.get("recent_stores") if r != p]
        self.set("recent_stores", [p, *recent][:MAX_RECENT])

    def last_case(self, store_path: Path | str) -> tuple[str | None, int]:
        entry = self.get("last_case").get(store_key(store_path)) or {}
        ref = entry.get("ref")
        tab = entry.get("tab", 0)
        return (ref if isinstance(ref, str) else None, tab if isinstance(tab, int) else 0)

    def set_last_case(self, store_path: Path | str, ref: str | None, tab: int) -> None:
        all_ = self.get("last_case")
        all_[store_key(store_path)] = {"ref": ref, "tab": tab}
        self.set("last_case", all_)
