"""The ``casebook`` command: verbs for the core, or the desktop app when none is given.

Errors are one line on stderr starting ``casebook:``; never a traceback for a user
mistake.  Exit codes: 0 ok, 1 problems found, 2 usage or invalid input, 3 cannot unlock.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import pkgutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from app import __version__, logs
from app.commands.common import EXIT_USAGE, CliError, read_passphrase
from app.models.errors import NotFoundError, StoreError, UnlockError, ValidationError

# The order verbs are listed in by ``casebook --help``: the foundation first, then the rest
# (modules not named here follow, alphabetically).
VERB_MODULE_ORDER = ("store_verbs", "due", "export", "sync", "security_verbs")

log = logs.get("cli")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2
        raise CliError(message, EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    import app.commands as commands

    parser = _Parser(prog="casebook", description="Casebook: encrypted CPO case management.")
    parser.add_argument("--version", action="version", version=f"casebook {__version__}")
    parser.add_argument("--store", type=Path, metavar="PATH", help="open this store in the desktop app")
    parser.add_argument("--passphrase-file", metavar="FILE", help="read the passphrase from this file")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    names = [m.name for m in pkgutil.iter_modules(commands.__path__)]
    for name in sorted(names, key=lambda n: (VERB_MODULE_ORDER.index(n) if n in VERB_MODULE_ORDER
                                             else len(VERB_MODULE_ORDER), n)):
        if name == "common":
            continue
        module = importlib.import_module(f"app.commands.{name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    for name, subparser in sub.choices.items():
        subparser.add_argument("--passphrase-file", metavar="FILE", default=argparse.SUPPRESS,
                               help="read the passphrase from this file")
        del name
    return parser


def _check_argv(argv: Sequence[str]) -> None:
    """Arguments that are not valid UTF-8 (or hold a NUL) get one line, before anything runs."""
    for i, arg in enumerate(argv, 1):
        if "\x00" in arg:
            raise CliError(f"argument {i} contains a NUL character", EXIT_USAGE)
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            raise CliError(f"argument {i} ({arg.encode('utf-8', 'backslashreplace').decode()[:60]}) is not valid "
                           "UTF-8: rename the file or retype the value", EXIT_USAGE) from None


def desktop_args(argv: Sequence[str]) -> argparse.Namespace | None:
    """The arguments of the desktop app (no verb: ``--store``, ``--passphrase-file``,
    ``--version``), parsed without importing every verb's module (which loads the whole store,
    the reports and the shared-drive code before the first window); None when ``argv`` names a
    verb, asks for help or is wrong in any way, which the full parser then handles."""
    if any(a in ("-h", "--help") for a in argv):
        return None
    parser = _Parser(prog="casebook", add_help=False)
    parser.add_argument("--version", action="version", version=f"casebook {__version__}")
    parser.add_argument("--store", type=Path, metavar="PATH")
    parser.add_argument("--passphrase-file", metavar="FILE")
    try:
        args, rest = parser.parse_known_args(argv)
    except CliError:
        return None
    return None if rest else args


def run(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _check_argv(argv)
    args = desktop_args(argv) or build_parser().parse_args(argv)
    log.info("casebook %s: %s", logs.SafeText(__version__), logs.SafeText(getattr(args, "verb", None) or "desktop app"))
    store = getattr(args, "store", None)
    if isinstance(store, Path) and store.is_dir():
        raise CliError(f"{store} is a folder, not a store file", EXIT_USAGE)
    if isinstance(store, Path) and store.exists() and not store.is_file():  # a FIFO or device: never opened
        raise CliError(f"{store} is not a regular file, not a store", EXIT_USAGE)
    if not getattr(args, "verb", None):
        if args.passphrase_file:
            read_passphrase(args)  # an unreadable or empty file is a one-line error, not a crash
        problem = _no_display()
        if problem:
            raise CliError(problem, EXIT_USAGE)
        from app.smoke import arm_from_env
        from app.ui.launch import launch  # the only place the CLI reaches the GUI

        arm_from_env()  # no-op unless CASEBOOK_SMOKE_EXIT_AFTER_MS is set (packaging smoke test)

        return launch(store=args.store, passphrase_file=args.passphrase_file)
    gc.enable()  # paused for start-up by ``main``
    return int(args.func(args))


def _no_display() -> str | None:
    """Why the desktop cannot start here, or None.  On Linux and the BSDs Qt aborts the whole
    process when no platform plugin loads, so a missing display is caught before Qt starts."""
    if sys.platform in ("win32", "darwin") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("no display to open the desktop app on (DISPLAY and WAYLAND_DISPLAY are not set); "
            "run it in a desktop session, or use a verb: casebook --help")


def main(argv: Sequence[str] | None = None) -> int:
    logs.configure()  # the user log folder (app/logs.py): types, frames and timings, never case content
    start = time.perf_counter()
    # Start-up (the imports, building the window) makes a few hundred thousand long-lived objects
    # and next to no garbage; the cyclic collector ran ~200 times over them (a tenth of the time to
    # the first window).  Reference counting frees as usual; the collector is back on for a verb
    # (``run``) and, for the desktop app, once the window is built (``launch.prepare_runtime``).
    gc.disable()
    try:
        code = run(argv)
    except CliError as exc:
        _fail(str(exc))
        code = exc.code
    except UnlockError as exc:
        _fail(str(exc))
        code = 3
    except (ValidationError, NotFoundError) as exc:
        _fail(str(exc))
        code = EXIT_USAGE
    except StoreError as exc:
        _fail(str(exc))
        code = EXIT_USAGE
    except KeyboardInterrupt:
        _fail("interrupted")
        code = 130
    except OSError as exc:
        _fail(f"{exc.strerror or exc}{': ' + str(exc.filename) if exc.filename else ''}")
        code = EXIT_USAGE
    except (UnicodeError, RecursionError, OverflowError, MemoryError) as exc:  # last resort: never a traceback
        _fail(f"cannot process this input ({type(exc).__name__})")
        code = EXIT_USAGE
    finally:
        gc.enable()
    log.info("exit %d after %.3f s", code, time.perf_counter() - start)
    return code


MAX_MESSAGE_CHARS = 400


def _fail(message: str) -> None:
    """One line on stderr, cut short: an error never echoes a long value in full.  The log
    gets the exception's type only (its message may quote the input)."""
    failure = sys.exc_info()[1]
    if failure is not None:
        log.info("failed: %s", logs.SafeText(logs.exception_name(failure)))
    message = " ".join(message.splitlines())
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 3] + "..."
    print(f"casebook: {message}", file=sys.stderr)


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    entry()
