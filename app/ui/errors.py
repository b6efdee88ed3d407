"""The GUI's one error policy: what the officer is told about an exception, and what is logged.

Every handler on the screen (a worker task's ``on_error``, a dialog's own ``_failed``) calls
``message_for(exc)`` for the line to show, or ``show(prompts, exc)`` to show it in a message
box; ``report(exc)`` logs without showing (a handler that shows the line inline).

- A ``StoreError`` (and its kinds: ``ValidationError``, ``NotFoundError``, ``UnlockError``,
  ``NewerSchemaError``, ``InstanceLockedError``, the shared drive's ``SyncError`` ...) is
  written for the officer: its message is shown as it is, on one line.  Logged by type only.
- An ``OSError`` says what happened to the disk (full, permission, the drive or file gone,
  read-only) in words, with the file name when it has one.  Logged by type, errno and frames.
- The database reporting a full disk or a failing drive reads the same as the ``OSError``.
- Anything else is a bug: a short generic line naming only the exception type, and the
  stack is logged (``app.logs``: types and frames, never the message).

The log never holds case content: see ``app.logs``.
"""

from __future__ import annotations

import errno
import logging
from typing import Any, Protocol

from app import logs
from app.models.errors import StoreError

log = logs.get("ui")

MAX_CHARS = 400  # as the CLI's one line: a message never echoes a long value in full
UNEXPECTED = "Something went wrong in Casebook ({name}); nothing more was done. The details are in the Casebook log."

DISK_FULL = "The disk is full: free some space, then try again."
PERMISSION = "Permission denied"
GONE = "cannot be found (was the drive or memory stick removed?)"
READ_ONLY = "The disk is read-only: choose another place."
DRIVE_FAILED = "The drive stopped responding or was removed: check it is connected, then try again."
BUSY = "The file is in use by another program: close it, then try again."

_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), getattr(errno, "EFBIG", errno.ENOSPC)}
_DENIED = {errno.EACCES, errno.EPERM}
_MISSING = {errno.ENOENT, errno.ENOTDIR}
_DRIVE = {errno.EIO, errno.ENXIO, errno.ENODEV, getattr(errno, "ESTALE", errno.EIO),
          getattr(errno, "ENOMEDIUM", errno.EIO), errno.ETIMEDOUT, errno.EHOSTDOWN, errno.EHOSTUNREACH,
          errno.ENETUNREACH, errno.ECONNRESET}
_BUSY = {errno.EBUSY, errno.ETXTBSY}

# the database's words for the same disk problems (sqlite's messages are fixed English text)
_DB_WORDS = (("disk is full", DISK_FULL), ("disk i/o error", DRIVE_FAILED), ("readonly database", READ_ONLY),
             ("unable to open database", DRIVE_FAILED), ("database is locked", BUSY))


class _Shows(Protocol):
    def error(self, message: str) -> None: ...


def one_line(text: str, limit: int = MAX_CHARS) -> str:
    """Whitespace (newlines too) collapsed, cut at ``limit`` characters, first letter capital."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text[:1].upper() + text[1:]


def _os_message(exc: OSError) -> str:
    code = exc.errno
    winerror = getattr(exc, "winerror", None)
    name = f" ({exc.filename})" if exc.filename else ""
    if code in _FULL or winerror in (39, 112):
        return DISK_FULL if not exc.strerror else DISK_FULL.replace(":", f" ({exc.strerror}):", 1)
    if winerror in (32, 33) or code in _BUSY:
        return BUSY
    if code in _DENIED:
        return f"{PERMISSION}{name}: choose a place you can write to, or ask IT."
    if code in _MISSING:
        return f"{exc.filename or 'The file or folder'} {GONE}"
    if code == errno.EEXIST:
        return f"{exc.filename or 'The file'} already exists (as a file or folder): choose another name."
    if code == errno.EROFS:
        return READ_ONLY
    if code in _DRIVE or winerror in (21, 53, 64, 67, 1167):
        return DRIVE_FAILED
    text = exc.strerror or (str(exc) if type(exc) is not OSError or exc.args else "") or type(exc).__name__
    return f"{text}{name}"


def _database_message(exc: BaseException) -> str | None:
    """A full disk or failing drive as the database (or SQLAlchemy over it) reports it."""
    for candidate in (exc, getattr(exc, "orig", None)):
        if candidate is None:
            continue
        module = type(candidate).__module__.split(".")[0]
        if module not in ("sqlcipher3", "sqlite3", "sqlalchemy"):
            continue
        text = str(candidate).lower()
        for words, message in _DB_WORDS:
            if words in text:
                return message
    return None


def expected(exc: BaseException) -> bool:
    """Something the officer can act on (its message is shown), not a bug."""
    return isinstance(exc, StoreError | OSError) or _database_message(exc) is not None


def message_for(exc: BaseException, what: str | None = None) -> str:
    """The one line shown for ``exc``; ``what`` (e.g. "Not deleted") goes in front."""
    if isinstance(exc, StoreError):
        text = str(exc) or type(exc).__name__
    elif isinstance(exc, OSError):
        text = _os_message(exc)
    else:
        text = _database_message(exc) or UNEXPECTED.format(name=type(exc).__name__)
    if what:
        text = f"{what}: {text}"
    return one_line(text)


def report(exc: BaseException, what: str = "shown to the officer") -> None:
    """Log ``exc`` by the policy above (what: fixed text, never data)."""
    if isinstance(exc, StoreError):
        log.info("%s: %s", logs.SafeText(what), logs.SafeText(logs.exception_name(exc)))
    elif expected(exc):
        logs.log_exception(log, what, exc, logging.WARNING)
    else:
        logs.log_exception(log, f"unexpected error ({what})", exc)


def show(prompts: _Shows | Any, exc: BaseException, what: str | None = None) -> str:
    """Log ``exc``, show its line in an error box (``prompts``: ``ctx.prompts``, or anything
    with ``error(message)``); returns the line."""
    report(exc)
    message = message_for(exc, what)
    prompts.error(message)
    return message


def shower(prompts: _Shows | Any, what: str | None = None) -> Any:
    """``show`` as an ``on_error`` callback: ``ops.x(ctx, ..., done, errors.shower(ctx.prompts, "Not saved"))``."""
    return lambda exc: show(prompts, exc, what)
