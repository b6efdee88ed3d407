"""Per-user settings, each declared once (key, type, default), stored as JSON in config_dir().

Never case content: only preferences, store paths and (per store, keyed by a hash of its
path) the last case reference and tab, so unlocking returns where the officer was.
"""

from __future__ import annotations

import hashlib
import json
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
    Setting("theme", str, "system", "Colours follow the system light or dark theme"),
)}
MAX_RECENT = 8


def store_key(store_path: Path | str) -> str:
    return hashlib.sha256(str(Path(store_path).resolve()).encode("utf-8")).hexdigest()[:16]


class Settings:
    """Load on construction; ``set`` writes the file at once (atomically)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.config_dir() / "settings.json"
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
        write_bytes_atomic(self.path, data.encode("utf-8"))

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
