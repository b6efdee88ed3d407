"""Per-user settings: declared once, written atomically; the desktop app writes them on a
background thread so a slow disk never stalls the window (the benchmark caught a 0.4-1.2 s
pause when an fsync ran on the GUI thread)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from app import settings as settings_mod
from app.settings import Settings


def test_synchronous_set_is_on_disk_at_once(tmp_path: Path) -> None:
    s = Settings(tmp_path / "settings.json")
    s.set("idle_lock_minutes", 9)
    assert json.loads((tmp_path / "settings.json").read_text(encoding="utf-8"))["idle_lock_minutes"] == 9


def test_write_behind_does_not_write_on_the_calling_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    writers: list[str] = []
    real = settings_mod.write_bytes_atomic

    def slow_write(path: Path, data: bytes) -> None:
        writers.append(threading.current_thread().name)
        release.wait(5)
        real(path, data)

    monkeypatch.setattr(settings_mod, "write_bytes_atomic", slow_write)
    s = Settings(tmp_path / "settings.json", write_behind=True)
    s.set("idle_lock_minutes", 7)  # returns while the (blocked) write is still going on
    s.set("theme", "dark")
    s.add_recent_store(tmp_path / "a.cbk")
    assert not s.flush(timeout=0.05)
    release.set()
    assert s.flush()
    assert threading.current_thread().name not in writers
    on_disk = json.loads((tmp_path / "settings.json").read_text(encoding="utf-8"))
    assert on_disk["idle_lock_minutes"] == 7 and on_disk["theme"] == "dark"
    assert on_disk["recent_stores"] == [str((tmp_path / "a.cbk").resolve())]
    assert Settings(tmp_path / "settings.json").get("theme") == "dark"


def test_write_behind_failure_is_recorded_not_raised(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-folder"
    folder.write_text("a file where the settings folder should be", encoding="utf-8")
    s = Settings(folder / "settings.json", write_behind=True)
    s.set("idle_lock_minutes", 3)  # no exception for the caller (a GUI slot)
    assert s.flush()
    assert isinstance(s.write_error, OSError)
    assert s.get("idle_lock_minutes") == 3  # the value still holds for this session


def test_main_window_settings_write_behind() -> None:
    import ast

    source = (Path(__file__).parents[1] / "app" / "ui" / "main_window.py").read_text(encoding="utf-8")
    assert "Settings(write_behind=True)" in source
    tree = ast.parse(source)
    shutdown = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "_shutdown")
    assert "settings.flush()" in ast.unparse(shutdown)
