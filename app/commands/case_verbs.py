"""Case lifecycle verbs: ``casebook case delete|archive|unarchive|rename``.

Each is one audited store action (app.models.store.cases).  Deleting asks for the reference
to be typed again (or ``--yes``) and takes a verified backup first: only that backup can
bring the case back."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.commands.common import EXIT_OK, CliError, add_store_arg, open_store


def register(sub: Any) -> None:
    p = sub.add_parser("case", help="delete, archive (close), reopen or correct the reference of a case")
    verbs = p.add_subparsers(dest="case_verb", metavar="ACTION", required=True, parser_class=type(p))
    d = verbs.add_parser("delete", help="delete a mistaken case (a backup is taken first)")
    d.add_argument("reference", metavar="REF")
    d.add_argument("--yes", action="store_true", help="do not ask to type the reference again")
    d.set_defaults(func=cmd_delete)
    a = verbs.add_parser("archive", help="close a case: off the caseload and due dates, kept whole")
    a.add_argument("reference", metavar="REF")
    a.set_defaults(func=cmd_archive)
    u = verbs.add_parser("unarchive", help="reopen an archived case")
    u.add_argument("reference", metavar="REF")
    u.set_defaults(func=cmd_unarchive)
    r = verbs.add_parser("rename", help="correct a case's reference (the old one stays findable)")
    r.add_argument("reference", metavar="REF")
    r.add_argument("new_reference", metavar="NEW_REF")
    r.set_defaults(func=cmd_rename)
    for parser in (d, a, u, r):
        add_store_arg(parser)
        parser.add_argument("--passphrase-file", metavar="FILE", default=argparse.SUPPRESS,
                            help="read the passphrase from this file")


def cmd_delete(args: argparse.Namespace) -> int:
    from app.models.store import cases
    from app.models.store.security import rolling_backup

    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("deleting a case cannot be undone: add --yes, or run it in a terminal to confirm")
        typed = input(f"Deleting {args.reference} cannot be undone (only a backup brings it back). "
                      "Type the reference again to delete it: ")
        if typed.strip() != args.reference:
            raise CliError("not deleted: the reference typed differs")
    with open_store(args) as store:
        store.get_case(args.reference)  # a missing case is reported before any backup is taken
        backup = rolling_backup(store, "before-delete")
        cases.delete(store, args.reference)
    print(f"deleted {args.reference}; the backup taken first is {backup}")
    return EXIT_OK


def cmd_archive(args: argparse.Namespace) -> int:
    from app.models.store import cases

    with open_store(args) as store:
        cases.archive(store, args.reference, True)
    print(f"archived {args.reference}")
    return EXIT_OK


def cmd_unarchive(args: argparse.Namespace) -> int:
    from app.models.store import cases

    with open_store(args) as store:
        cases.archive(store, args.reference, False)
    print(f"reopened {args.reference}")
    return EXIT_OK


def cmd_rename(args: argparse.Namespace) -> int:
    from app.models.store import cases

    with open_store(args) as store:
        cases.rename(store, args.reference, args.new_reference)
    print(f"{args.reference} is now {' '.join(args.new_reference.split())} (the old reference still finds it)")
    return EXIT_OK
