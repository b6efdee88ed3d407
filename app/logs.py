"""Casebook's log: a rotating file in the user log folder, never case content.

``configure()`` runs once at start (``app.cli.main``, so the desktop app and every verb).
Everything goes to the ``casebook`` logger and its children; other libraries' loggers are
not attached, so nothing they might log (SQL, parameters) reaches the file.

What a record may hold: fixed text written in the code, names of code (modules, functions,
exception types, errno names), numbers (timings, counts, exit codes).  Never an exception's
message (``str(exc)`` can quote a case: a reference, a name, a value typed into a form), never
a path a user chose.  The formatter enforces the part that is easy to get wrong: a traceback
is written as exception types and stack frames only (``safe_traceback``), and a record's
arguments are passed through ``scrub`` unless they are numbers.

The folder is owner-only (0700) and each file 0600.  ``CASEBOOK_LOG_DIR`` overrides the
folder (tests; ``app.paths.log_dir``).  A log that cannot be written never stops Casebook.
"""

from __future__ import annotations

import errno
import logging
import logging.handlers
import os
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from app import paths

ROOT = "casebook"
FILE_NAME = "casebook.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
_APP_DIR = Path(__file__).resolve().parent.parent

_configured: Path | None = None
_lock = threading.Lock()
# until configure() runs, records go nowhere (never logging's last-resort handler on stderr)
logging.getLogger(ROOT).addHandler(logging.NullHandler())


def get(name: str) -> logging.Logger:
    """The logger for one part of Casebook (``casebook.<name>``)."""
    return logging.getLogger(f"{ROOT}.{name}" if name else ROOT)


# ---------------------------------------------------------------------- what may be written
def exception_name(exc: BaseException) -> str:
    """The exception's type, with the errno's symbolic name for an OSError (no message, no path)."""
    name = type(exc).__qualname__
    module = type(exc).__module__
    if module not in ("builtins", "__main__"):
        name = f"{module}.{name}"
    code = getattr(exc, "errno", None)
    if isinstance(exc, OSError) and isinstance(code, int):
        name += f"[{errno.errorcode.get(code, code)}]"
    return name


def _frame_file(filename: str) -> str:
    try:
        return str(Path(filename).resolve().relative_to(_APP_DIR))
    except (ValueError, OSError):
        return Path(filename).name  # a library or the standard library: its file name is enough


def safe_traceback(exc: BaseException) -> str:
    """Exception types and stack frames (file, line, function) of ``exc`` and whatever caused
    it; no message and no source line, so nothing a user typed can appear."""
    out: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        out.append(("Caused by " if out else "") + exception_name(current))
        for frame in traceback.extract_tb(current.__traceback__):
            out.append(f"  at {_frame_file(frame.filename)}:{frame.lineno} in {frame.name}")
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "\n".join(out)


def scrub(value: Any) -> Any:
    """What a record's argument may be: numbers and booleans as they are; anything else is
    reduced to its type name (``<str>``), so a stray value never writes case text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, SafeText):
        return str(value)
    return f"<{type(value).__name__}>"


class SafeText(str):
    """Text known to hold no case content (a code name, a command verb): written as it is."""


class SafeFormatter(logging.Formatter):
    """Arguments through ``scrub``; exceptions as ``safe_traceback``; stack info dropped."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)
        if isinstance(record.args, tuple):
            record.args = tuple(scrub(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: scrub(v) for k, v in record.args.items()}
        if not isinstance(record.msg, str):
            record.msg = f"<{type(record.msg).__name__}>"
        record.exc_text = None
        record.stack_info = None
        return super().format(record)

    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        exc = ei[1] if ei and len(ei) > 1 else None
        return safe_traceback(exc) if isinstance(exc, BaseException) else "(no exception)"


# ---------------------------------------------------------------------- the file
class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Files created 0600; a failure to write (disk full, folder gone) is dropped silently
    instead of printing logging's own traceback on stderr."""

    def _open(self) -> Any:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.chmod(self.baseFilename, 0o600)
        except OSError:
            pass
        return os.fdopen(fd, self.mode, encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        pass


def _private_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        os.chmod(folder, 0o700)


def configure(folder: Path | None = None, level: int = logging.INFO) -> Path | None:
    """Attach the rotating file to the ``casebook`` logger (once; again with another folder
    replaces it) and log uncaught exceptions.  Returns the log file, or None when the folder
    cannot be made (Casebook then runs without a log)."""
    global _configured
    folder = Path(folder) if folder is not None else paths.log_dir()
    with _lock:
        logger = logging.getLogger(ROOT)
        target = folder / FILE_NAME
        if _configured == target:
            return target
        for old in [h for h in logger.handlers if isinstance(h, PrivateRotatingFileHandler)]:
            logger.removeHandler(old)
            old.close()
        _configured = None
        try:
            _private_folder(folder)
            handler = PrivateRotatingFileHandler(target, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                 encoding="utf-8", delay=False)
        except OSError:
            return None
        handler.setFormatter(SafeFormatter(FORMAT))
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False  # the file is the only place; nothing reaches the root logger's stderr
        _configured = target
        _install_hooks()
        return target


def shutdown() -> None:
    """Close the file (tests; the interpreter also does this on exit)."""
    global _configured
    with _lock:
        logger = logging.getLogger(ROOT)
        for old in [h for h in logger.handlers if isinstance(h, PrivateRotatingFileHandler)]:
            logger.removeHandler(old)
            old.close()
        _configured = None


def log_exception(logger: logging.Logger, what: str, exc: BaseException, level: int = logging.ERROR) -> None:
    """``what`` (fixed text), the exception's type and its frames."""
    logger.log(level, "%s: %s", SafeText(what), SafeText(exception_name(exc)),
               exc_info=(type(exc), exc, exc.__traceback__))


@contextmanager
def timed(logger: logging.Logger, what: str) -> Iterator[None]:
    """Log how long the block took (``what`` is fixed text or a code name), and the type of
    the exception if it raised (the exception goes on)."""
    start = time.perf_counter()
    try:
        yield
    except BaseException as exc:
        logger.info("%s failed (%s) after %.3f s", SafeText(what), SafeText(exception_name(exc)),
                    time.perf_counter() - start)
        raise
    logger.info("%s took %.3f s", SafeText(what), time.perf_counter() - start)


# ---------------------------------------------------------------------- uncaught exceptions
_hooks_installed = False


def _install_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    previous = sys.excepthook
    previous_thread = threading.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if not issubclass(kind, KeyboardInterrupt):
            log_exception(get("uncaught"), "uncaught exception", exc)
        previous(kind, exc, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None and not isinstance(args.exc_value, KeyboardInterrupt):
            log_exception(get("uncaught"), "uncaught exception in a thread", args.exc_value)
        previous_thread(args)

    sys.excepthook = hook
    threading.excepthook = thread_hook
