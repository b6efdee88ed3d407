"""Shared pieces for CLI verbs: exit codes, passphrase sources, opening a store."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from app.models.errors import StoreError
from app.models.rules.clock import Clock, default_clock

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_UNLOCK = 3

PASSPHRASE_ENV = "CASEBOOK_PASSPHRASE"


class CliError(Exception):
    """A one-line failure with its exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def add_store_arg(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument("--store", type=Path, required=required, metavar="PATH", help="the store file")


def add_today_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="treat this date as today")


def clock_from(args: argparse.Namespace) -> Clock:
    today = getattr(args, "today", None)
    if today:
        import datetime as dt

        from app.models.store.bundle import date_in_range, date_range_text, shown

        try:
            day = dt.date.fromisoformat(today)
        except ValueError:
            raise CliError(f"--today {shown(today)} is not a date (YYYY-MM-DD)") from None
        if not date_in_range(day):
            raise CliError(f"--today {today} is outside the dates Casebook accepts ({date_range_text()})")
        return Clock.fixed(day)
    return default_clock()


def check_text(value: str, what: str) -> str:
    """Refuse text SQLite or the terminal cannot carry: NUL characters, and bytes that are
    not UTF-8 (Python hands those over as lone surrogates)."""
    if "\x00" in value:
        raise CliError(f"{what} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CliError(f"{what} is not valid UTF-8 text") from None
    return value


def read_secret_file(path: str | Path, what: str) -> str:
    """The first line's worth of a passphrase file (trailing newline removed); one-line errors.
    Only a regular file is read (a FIFO or /dev/zero is refused, never waited on)."""
    from app import safeio

    try:
        raw = safeio.read_regular(path, safeio.MAX_SECRET_BYTES)
    except safeio.TooLargeError:
        raise CliError(f"cannot read {what} {path}: larger than "
                       f"{safeio.describe_limit(safeio.MAX_SECRET_BYTES)}, not a passphrase file") from None
    except OSError as exc:
        raise CliError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CliError(f"cannot read {what} {path}: not UTF-8 text") from None
    return check_text(text.rstrip("\r\n"), f"the {what}")


def read_passphrase(args: argparse.Namespace, *, confirm: bool = False, prompt: str = "Passphrase: ") -> str:
    """From --passphrase-file, else CASEBOOK_PASSPHRASE, else a prompt on the terminal."""
    pfile = getattr(args, "passphrase_file", None)
    if pfile:
        value = read_secret_file(pfile, "passphrase file")
    elif os.environ.get(PASSPHRASE_ENV):
        value = check_text(os.environ[PASSPHRASE_ENV], PASSPHRASE_ENV)
    else:
        if not sys.stdin.isatty():
            raise CliError(f"no passphrase: set {PASSPHRASE_ENV}, use --passphrase-file, or run in a terminal")
        value = check_text(getpass.getpass(prompt), "the passphrase")
        if confirm and getpass.getpass("Repeat passphrase: ") != value:
            raise CliError("the passphrases do not match")
    if not value:
        raise CliError("the passphrase is empty")
    return value


def check_store_path(args: argparse.Namespace) -> Path:
    """--store names an existing store file (else exit 2)."""
    path: Path = args.store
    if path.exists() and not path.is_file():
        raise CliError(f"{path} is not a store file", EXIT_USAGE)
    if not path.exists():
        raise CliError(f"no store at {path}", EXIT_USAGE)
    return path


def open_store(args: argparse.Namespace, *, inspect: bool = False,  # type: ignore[no-untyped-def]
               passphrase: str | None = None):
    """Open the store named by --store; unlock failures exit 3.  ``inspect``: a store that
    does not match its seal opens read-only (for ``audit``) instead of being refused.
    ``passphrase``: already read (by a verb that needs it again), else read here."""
    from app.models.errors import InstanceLockedError, UnlockError
    from app.models.store import Store
    from app.models.store.security import unlock_failure_message

    path = check_store_path(args)
    if passphrase is None:
        passphrase = read_passphrase(args)
    try:
        return Store.open(path, passphrase, clock=clock_from(args), inspect=inspect)
    except InstanceLockedError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    except UnlockError as exc:
        raise CliError(unlock_failure_message(path, exc), EXIT_UNLOCK) from None
    except StoreError as exc:
        raise CliError(str(exc), EXIT_UNLOCK) from None
