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

        try:
            return Clock.fixed(dt.date.fromisoformat(today))
        except ValueError:
            raise CliError(f"--today {today!r} is not a date (YYYY-MM-DD)") from None
    return default_clock()


def read_secret_file(path: str | Path, what: str) -> str:
    """The first line's worth of a passphrase file (trailing newline removed); one-line errors."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CliError(f"cannot read {what} {path}: not UTF-8 text") from None
    return text.rstrip("\r\n")


def read_passphrase(args: argparse.Namespace, *, confirm: bool = False, prompt: str = "Passphrase: ") -> str:
    """From --passphrase-file, else CASEBOOK_PASSPHRASE, else a prompt on the terminal."""
    pfile = getattr(args, "passphrase_file", None)
    if pfile:
        value = read_secret_file(pfile, "passphrase file")
    elif os.environ.get(PASSPHRASE_ENV):
        value = os.environ[PASSPHRASE_ENV]
    else:
        if not sys.stdin.isatty():
            raise CliError(f"no passphrase: set {PASSPHRASE_ENV}, use --passphrase-file, or run in a terminal")
        value = getpass.getpass(prompt)
        if confirm and getpass.getpass("Repeat passphrase: ") != value:
            raise CliError("the passphrases do not match")
    if not value:
        raise CliError("the passphrase is empty")
    return value


def open_store(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Open the store named by --store; unlock failures exit 3."""
    from app.models.errors import InstanceLockedError, UnlockError
    from app.models.store import Store
    from app.models.store.security import unlock_failure_message

    path: Path = args.store
    if not path.exists():
        raise CliError(f"no store at {path}", EXIT_USAGE)
    passphrase = read_passphrase(args)
    try:
        return Store.open(path, passphrase, clock=clock_from(args))
    except InstanceLockedError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    except UnlockError as exc:
        raise CliError(unlock_failure_message(path, exc), EXIT_UNLOCK) from None
    except StoreError as exc:
        raise CliError(str(exc), EXIT_UNLOCK) from None
