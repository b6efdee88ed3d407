"""The GUI's one error policy (app/ui/errors.py): the line shown for each kind of exception,
and an unexpected one logged with its stack (types and frames, never its message)."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app import logs
from app.models.errors import (
    DamagedStoreError,
    InstanceLockedError,
    NewerSchemaError,
    NotFoundError,
    StoreError,
    UnlockError,
    ValidationError,
)
from app.team.delivery import NoFolderError
from app.ui import errors
from app.ui import operations as ops
from tests.ui.conftest import SECRET_NOTE, unlock, wait_idle

REF = "CPO-2026-0001"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    target = logs.configure(tmp_path / "logs")
    assert target is not None
    yield target
    logs.shutdown()


@pytest.mark.parametrize(("exc", "shown"), [
    (ValidationError("date must be dd/mm/yyyy", "$.cases[0].notes[1].date"),
     "$.cases[0].notes[1].date: date must be dd/mm/yyyy"),
    (ValidationError("enter the reference"), "Enter the reference"),
    (NotFoundError("no case CPO-2026-0999"), "No case CPO-2026-0999"),
    (UnlockError("wrong passphrase, or not a Casebook store"), "Wrong passphrase, or not a Casebook store"),
    (DamagedStoreError("the store is damaged"), "The store is damaged"),
    (NewerSchemaError("written by a newer Casebook"), "Written by a newer Casebook"),
    (InstanceLockedError("already open in another window"), "Already open in another window"),
    (NoFolderError("no shared drive folder is set"), "No shared drive folder is set"),
    (StoreError("two\nlines   and  spaces"), "Two lines and spaces"),
    (OSError(errno.ENOSPC, "No space left on device", "/media/stick/x.pdf"),
     "The disk is full (No space left on device): free some space, then try again."),
    (OSError(errno.ENOSPC, None), errors.DISK_FULL),
    (OSError(errno.EROFS, "Read-only file system"), errors.READ_ONLY),
    (OSError(errno.EIO, "Input/output error"), errors.DRIVE_FAILED),
    (OSError(errno.ENODEV, "No such device"), errors.DRIVE_FAILED),
    (OSError(errno.EBUSY, "Device or resource busy"), errors.BUSY),
    (PermissionError(errno.EACCES, "Permission denied", "/srv/team/out.pdf"),
     "Permission denied (/srv/team/out.pdf): choose a place you can write to, or ask IT."),
    (FileNotFoundError(errno.ENOENT, "No such file or directory", "/media/stick/casebook.cbk"),
     "/media/stick/casebook.cbk cannot be found (was the drive or memory stick removed?)"),
    (FileExistsError(errno.EEXIST, "File exists", "/home/o/out"),
     "/home/o/out already exists (as a file or folder): choose another name."),
    (OSError(errno.EMFILE, "Too many open files"), "Too many open files"),
    (sqlite3.OperationalError("database or disk is full"), errors.DISK_FULL),
    (sqlite3.OperationalError("disk I/O error"), errors.DRIVE_FAILED),
])
def test_one_mapping_from_exception_to_the_line_shown(exc: BaseException, shown: str) -> None:
    assert errors.message_for(exc) == shown
    assert errors.expected(exc)


def test_what_goes_in_front_and_long_messages_are_cut() -> None:
    assert errors.message_for(NotFoundError("no case X"), "Not deleted") == "Not deleted: no case X"
    long = errors.message_for(StoreError("x" * 2000))
    assert len(long) == errors.MAX_CHARS and long.endswith("…")


@pytest.mark.parametrize("exc", [KeyError(SECRET_NOTE), TypeError(SECRET_NOTE), RuntimeError(SECRET_NOTE + "\nmore"),
                                 sqlite3.OperationalError("no such column: " + SECRET_NOTE)])
def test_an_unexpected_error_is_a_short_generic_line_naming_only_its_type(exc: BaseException) -> None:
    shown = errors.message_for(exc, "Not saved")
    assert not errors.expected(exc)
    assert shown == "Not saved: " + errors.UNEXPECTED.format(name=type(exc).__name__)
    assert SECRET_NOTE not in shown and "zebracode" not in shown and "\n" not in shown


def test_show_logs_and_shows_one_line(log_file: Path) -> None:
    shown: list[str] = []

    class Box:
        def error(self, message: str) -> None:
            shown.append(message)

    def deep() -> None:
        raise ValueError(f"cannot parse {SECRET_NOTE}")

    try:
        deep()
    except ValueError as exc:
        assert errors.show(Box(), exc, "Not saved") == shown[0]
    try:
        raise ValidationError(f"bad value {SECRET_NOTE}")
    except ValidationError as exc:
        errors.show(Box(), exc)
    assert shown[0] == "Not saved: " + errors.UNEXPECTED.format(name="ValueError")
    assert shown[1] == f"Bad value {SECRET_NOTE}"  # the officer's own words are shown to the officer
    text = log_file.read_text(encoding="utf-8")
    assert "ERROR casebook.ui" in text and "ValueError" in text and "in deep" in text
    assert "INFO casebook.ui [MainThread] shown to the officer: app.models.errors.ValidationError" in text
    assert "zebracode" not in text and "cannot parse" not in text and "bad value" not in text


def test_an_unexpected_error_in_a_gui_action_is_logged_and_one_line_is_shown(
        qtbot: Any, make_window: Any, ui_store: Path, passphrase: str, log_file: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Archive a case; the worker task fails with a bug whose message quotes case text: the
    officer sees one short line, the log has the type and the frames, no case text."""
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    p = w.ctx.prompts

    def broken_archive(ctx: Any, ref: str, archived: bool, on_done: Any, on_error: Any) -> None:
        def archive_in_the_store() -> None:
            raise KeyError(f"{SECRET_NOTE} {ref}")
        ctx.tasks.run(archive_in_the_store, on_done, on_error)

    monkeypatch.setattr(ops, "archive_case", broken_archive)
    w.show_caseload()
    w.caseload.select_reference(REF)
    p.confirm_answers = [True]
    w.act_archive.trigger()
    qtbot.waitUntil(lambda: "error" in p.kinds(), timeout=10000)
    wait_idle(qtbot, w)
    message = [m for k, m in p.calls if k == "error"]
    assert message == ["Not archived: " + errors.UNEXPECTED.format(name="KeyError")]
    assert w.caseload.model.rowCount() == 2  # nothing archived
    text = log_file.read_text(encoding="utf-8")
    assert "unexpected error" in text and "KeyError" in text and "in archive_in_the_store" in text
    assert "task tests.ui.test_errors" in text and "failed: KeyError" in text  # the task's timing line
    assert "zebracode" not in text and REF not in text


def test_a_bug_in_a_task_without_its_own_handler_goes_through_the_policy(
        qtbot: Any, make_window: Any, log_file: Path) -> None:
    w = make_window()

    def bug() -> None:
        raise AttributeError(SECRET_NOTE)

    w.ctx.tasks.run(bug)
    qtbot.waitUntil(lambda: "error" in w.ctx.prompts.kinds(), timeout=10000)
    assert w.ctx.prompts.calls[-1] == ("error", errors.UNEXPECTED.format(name="AttributeError"))
    text = log_file.read_text(encoding="utf-8")
    assert "AttributeError" in text and "in bug" in text and "zebracode" not in text
