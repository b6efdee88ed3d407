"""app/logs.py: an owner-only rotating file in the user log folder; types, frames and
timings, never an exception's message or a record argument that could hold case text."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import logs, paths
from tests.helpers import run_cli

SECRET = "Màiri Nic a' Phearsain threatened zebracode"


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "logs" / "Casebook"
    logs.shutdown()


def test_the_log_folder_follows_the_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CASEBOOK_LOG_DIR", str(tmp_path / "x"))
    assert paths.log_dir() == tmp_path / "x"
    monkeypatch.delenv("CASEBOOK_LOG_DIR")
    assert "Casebook" in str(paths.log_dir())


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_folder_is_owner_only_and_file_0600(folder: Path) -> None:
    target = logs.configure(folder)
    assert target == folder / "casebook.log"
    logs.get("test").info("hello")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "INFO casebook.test" in target.read_text(encoding="utf-8")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_rotated_files_stay_0600(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 2000)
    target = logs.configure(folder)
    assert target is not None
    for i in range(200):
        logs.get("test").info("line %d of the rotation test", i)
    names = sorted(p.name for p in folder.iterdir())
    assert names[:3] == ["casebook.log", "casebook.log.1", "casebook.log.2"] and len(names) <= 4
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())


def test_exception_messages_and_text_arguments_never_reach_the_file(folder: Path) -> None:
    target = logs.configure(folder)
    assert target is not None
    log = logs.get("test")

    def inner() -> None:
        raise ValueError(SECRET)

    try:
        try:
            inner()
        except ValueError as exc:
            raise RuntimeError(f"wrapped {SECRET}") from exc
    except RuntimeError as exc:
        logs.log_exception(log, "saving failed", exc)
        log.exception("plain logging.exception %s", SECRET)  # a careless call is scrubbed too
    try:
        open(folder / SECRET / "x")  # noqa: SIM115 (the path is in the OSError)
    except OSError as exc:
        logs.log_exception(log, "open failed", exc)
    text = target.read_text(encoding="utf-8")
    assert "saving failed: RuntimeError" in text and "Caused by ValueError" in text and "in inner" in text
    assert "plain logging.exception <str>" in text
    assert "open failed: FileNotFoundError[ENOENT]" in text
    assert "zebracode" not in text and "Mairi" not in text and "Màiri" not in text


def test_an_unwritable_folder_means_no_log_not_a_crash(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    assert logs.configure(blocker / "logs") is None
    logs.get("test").error("goes nowhere")


def test_every_command_is_logged_with_its_verb_exit_and_failure_type(tmp_path: Path) -> None:
    """The CLI configures the log at start: the verb, the exit code and the failure's type;
    not the arguments (a reference, a path a user chose) nor the message quoting them."""
    store = tmp_path / f"{SECRET}.cbk"
    r = run_cli("cases", "--store", store, passphrase="a passphrase long enough to be fine")
    assert r.returncode != 0 and r.stderr.startswith("casebook:")
    text = (paths.log_dir() / "casebook.log").read_text(encoding="utf-8")
    assert "casebook.cli" in text and ": cases" in text and "exit " in text and "failed: " in text
    assert "zebracode" not in text and "Phearsain" not in text
    if os.name == "posix":
        assert stat.S_IMODE(paths.log_dir().stat().st_mode) == 0o700
