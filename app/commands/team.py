"""Team verbs: ``identity`` (the officer id, name and key fingerprint), ``recovery-key`` (the
team manager's recovery identity) and ``recovery`` (an officer's store's recovery recipient)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

from app.commands.common import EXIT_OK, CliError, add_store_arg, open_store


def register(sub: Any) -> None:
    p = sub.add_parser("identity", help="show (or rename) the store's officer: id, name, key fingerprint")
    add_store_arg(p)
    p.add_argument("--name", metavar="NAME", help="set the officer's display name")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_identity)

    p = sub.add_parser("officers", help="list colleagues' officer cards on the shared drive and whether each is pinned")
    add_store_arg(p)
    p.add_argument("--shared", type=Path, metavar="FOLDER", help="the shared folder (default: the store's setting)")
    p.add_argument("--confirm", metavar="OFFICER-ID", help="pin this officer's current card (after checking it)")
    p.add_argument("--fingerprint", metavar="DIGITS", help="the fingerprint the colleague reads out (with --confirm)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_officers)

    p = sub.add_parser("recovery-key", help="create the team's recovery identity (age key file) and print its recipient")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="new file for the secret key")
    p.set_defaults(func=cmd_recovery_key)

    p = sub.add_parser("recovery", help="show, set or clear the store's team recovery recipient")
    add_store_arg(p)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--recipient", metavar="AGE1...", help="the team recovery recipient (from recovery-key)")
    g.add_argument("--clear", action="store_true", help="stop delivering recovery copies")
    p.set_defaults(func=cmd_recovery)


def cmd_identity(args: argparse.Namespace) -> int:
    from app.team import copies, identity

    if args.name is not None:
        identity.check_officer_name(args.name)  # before unlocking: bad input touches nothing
    with open_store(args) as store:
        ident = identity.ensure(store, args.name)
        status = copies.copy_status(store)
        recipient = copies.recovery_recipient(store)
    if args.json:
        out = {**ident.as_dict(), "recovery_recipient": recipient,
               "last_copy": None if status.last is None else {
                   "file": status.last.name, "at": status.last.at.isoformat(timespec="seconds")},
               "copy_due": status.changed}
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    print(f"officer      {ident.officer_id}")
    print(f"name         {ident.name or '(not set: casebook identity --name NAME)'}")
    print(f"login        {ident.login}")
    print(f"fingerprint  {ident.fingerprint}")
    print(f"age          {ident.recipient}")
    print(f"signing key  {ident.signing_key}")
    print(f"recovery     {recipient or 'not set'}")
    print(status.line())
    return EXIT_OK


def cmd_officers(args: argparse.Namespace) -> int:
    from app.team import cards
    from app.team.delivery import NoFolderError, SyncError, configured_folder, folder_problem

    if (args.confirm is None) != (args.fingerprint is None):
        raise CliError("--confirm OFFICER-ID and --fingerprint DIGITS go together")
    with open_store(args) as store:
        try:
            folder = args.shared or configured_folder(store)
        except NoFolderError as exc:
            raise CliError(str(exc)) from None
        problem = folder_problem(folder)
        if problem is not None:
            raise CliError(problem)
        if args.confirm is not None:
            card = cards.confirm_pin(store, folder, args.confirm, args.fingerprint)
            print(f"pinned {card.officer_id} ({card.name or 'no name'}) with fingerprint {card.fingerprint}")
            return EXIT_OK
        try:
            listed, bad = cards.list_officers(store, folder)
        except SyncError as exc:
            raise CliError(str(exc)) from None
    if args.json:
        json.dump({"officers": [s.as_dict() for s in listed], "bad_files": [{"file": f, "problem": p}
                                                                            for f, p in bad]},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    labels = {"own": "this store", "pinned": "pinned", "new": "not pinned yet", "changed": "KEY CHANGED"}
    for s in listed:
        print(f"{s.card.officer_id}  {s.card.fingerprint}  {labels[s.state]:<14}  {s.card.name}")
    for f, p in bad:
        print(f"casebook: skipped {f}: {p}", file=sys.stderr)
    print(f"{len(listed)} officer card(s)")
    return EXIT_OK


def cmd_recovery_key(args: argparse.Namespace) -> int:
    import pyrage

    out: Path = args.out
    if out.exists():
        raise CliError(f"{out} already exists; choose a new file (a recovery key is never replaced)")
    key = pyrage.x25519.Identity.generate()
    recipient = str(key.to_public())
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    text = (
        "# Casebook team recovery identity (age X25519 secret key).\n"
        "# Print it and keep it in the office safe: whoever holds it can restore every officer's\n"
        "# store that names its recipient.  Readable with the standard age / rage tools.\n"
        f"# created: {now}\n# public key: {recipient}\n{key}\n"
    )
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CliError(f"{out} already exists; choose a new file") from None
    except OSError as exc:
        raise CliError(f"cannot create {out}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    print(recipient)
    print(f"casebook: recovery identity written to {out}; give officers the recipient above "
          "(casebook recovery --store PATH --recipient ...)", file=sys.stderr)
    return EXIT_OK


def cmd_recovery(args: argparse.Namespace) -> int:
    from app.team import copies

    if args.recipient is not None:
        copies.check_recipient(args.recipient)
    with open_store(args) as store:
        if args.recipient is not None:
            copies.set_recovery_recipient(store, args.recipient)
            print(f"recovery recipient set to {args.recipient.strip()}; the next sync delivers a recovery copy")
        elif args.clear:
            copies.set_recovery_recipient(store, None)
            print("recovery recipient cleared; no more recovery copies are delivered")
        else:
            print(copies.recovery_recipient(store) or "no recovery recipient set")
    return EXIT_OK
