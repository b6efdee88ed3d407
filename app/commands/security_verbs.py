"""Security verbs: audit, passphrase, backups, restore."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from app.commands.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_UNLOCK,
    CliError,
    add_store_arg,
    check_store_path,
    clock_from,
    open_store,
    read_passphrase,
    read_secret_file,
)
from app.models.errors import InstanceLockedError, UnlockError, ValidationError

NEW_PASSPHRASE_ENV = "CASEBOOK_NEW_PASSPHRASE"


def register(sub: Any) -> None:
    p = sub.add_parser("audit", help="list the audit trail; --verify checks its hash chain")
    add_store_arg(p)
    p.add_argument("--verify", action="store_true", help="exit 1 if any event was altered or removed")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--case", metavar="REF", help="only events about this case")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("passphrase", help="change the store's passphrase (a backup is taken first)")
    add_store_arg(p)
    p.add_argument("--new-passphrase-file", metavar="FILE", help="read the new passphrase from this file")
    p.set_defaults(func=cmd_passphrase)

    p = sub.add_parser("backups", help="list the store's encrypted backups (or take one with --now), "
                                        "or with --shared the off-laptop copies on the shared drive")
    add_store_arg(p, required=False)
    p.add_argument("--shared", type=Path, metavar="FOLDER", help="list the off-laptop copies in this shared folder")
    p.add_argument("--now", action="store_true", help="take a rolling backup now")
    p.add_argument("--keep", type=int, metavar="N", help="keep the newest N rolling backups (store setting)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_backups)

    p = sub.add_parser("restore", help="replace the store with a backup (the current file is kept aside), "
                                        "or with --from-shared make a NEW store from the shared drive's copy")
    add_store_arg(p)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--from", dest="source", type=Path, metavar="BACKUP")
    g.add_argument("--from-shared", type=Path, metavar="FOLDER",
                   help="restore the newest verified off-laptop copy from this shared folder to a NEW file")
    p.add_argument("--officer", metavar="ID", help="whose copy (needed when several officers' copies are there)")
    p.add_argument("--recovery-identity", type=Path, metavar="FILE",
                   help="team recovery: open the recovery copy with this age identity; a new passphrase is set")
    p.add_argument("--new-passphrase-file", metavar="FILE", help="the new passphrase (with --recovery-identity)")
    p.set_defaults(func=cmd_restore)


def _when(at: str) -> str:
    try:
        return dt.datetime.fromisoformat(at).strftime("%d/%m/%Y %H:%M:%S")
    except ValueError:
        return at


def cmd_audit(args: argparse.Namespace) -> int:
    with open_store(args, inspect=True) as store:
        events = store.audit_events()
        problems = store.verify_audit() if args.verify else []
    if args.case:
        events = [e for e in events if e.entity_ref == args.case]
    if args.json:
        out: dict[str, Any] = {
            "events": [
                {"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "entity": e.entity,
                 "ref": e.entity_ref, "detail": e.detail, "hash": e.hash}
                for e in events
            ],
        }
        if args.verify:
            out["intact"] = not problems
            out["problems"] = problems
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for e in events:
            parts = [f"{e.id:>6}", _when(e.at), f"{e.actor:<12}", f"{e.action:<16}", e.entity]
            if e.entity_ref:
                parts.append(e.entity_ref)
            if e.detail:
                parts.append(f"({e.detail})")
            print("  ".join(parts))
        print(f"{len(events)} event(s)")
        for problem in problems:
            print(problem)
    if args.verify:
        if problems:
            print(f"casebook: the audit trail has been altered: {problems[0]}"
                  + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""), file=sys.stderr)
            return EXIT_PROBLEMS
        if not args.json:
            print("audit trail intact")
    return EXIT_OK


def _read_new_passphrase(args: argparse.Namespace) -> str:
    if args.new_passphrase_file:
        return read_secret_file(args.new_passphrase_file, "new passphrase file")
    if os.environ.get(NEW_PASSPHRASE_ENV):
        return os.environ[NEW_PASSPHRASE_ENV]
    if not sys.stdin.isatty():
        raise CliError(f"no new passphrase: set {NEW_PASSPHRASE_ENV}, use --new-passphrase-file, or run in a terminal")
    value = getpass.getpass("New passphrase: ")
    if getpass.getpass("Repeat new passphrase: ") != value:
        raise CliError("the new passphrases do not match")
    return value


def cmd_passphrase(args: argparse.Namespace) -> int:
    from app.models.store.security import change_passphrase, check_new_passphrase

    new = _read_new_passphrase(args)
    check_new_passphrase(new)  # before unlocking: a bad choice changes nothing
    check_store_path(args)
    old = read_passphrase(args)
    with open_store(args, passphrase=old) as store:
        backup = change_passphrase(store, old, new)
    print(f"passphrase changed; the backup {backup} still opens with the OLD passphrase")
    return EXIT_OK


def _shared_backups(args: argparse.Namespace) -> int:
    from app.team import copies
    from app.team.delivery import SyncError

    if args.now or args.keep is not None:
        raise CliError("--now and --keep go with --store, not --shared")
    try:
        found = copies.scan(args.shared)
    except (SyncError, OSError) as exc:
        raise CliError(str(exc)) from None
    if args.json:
        json.dump([c.as_dict() for c in found], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    for c in found:
        when = c.taken.astimezone().strftime("%d/%m/%Y %H:%M:%S") if c.taken else "-" * 19
        state = "verified" if c.verified else f"NOT VERIFIED: {c.problem}"
        print(f"{c.officer}  {when}  {c.size // 1024:>8} KiB  {c.kind or '?':<10}  {state}  {c.name}")
    print(f"{len(found)} file(s), {sum(c.verified for c in found)} verified")
    return EXIT_PROBLEMS if any(not c.verified for c in found) else EXIT_OK


def cmd_backups(args: argparse.Namespace) -> int:
    from app.models.store.security import MAX_BACKUP_KEEP, list_backups, rolling_backup, set_backup_keep

    if args.shared is not None:
        return _shared_backups(args)
    if args.store is None:
        raise CliError("give --store PATH (or --shared FOLDER)")
    if args.keep is not None and not 1 <= args.keep <= MAX_BACKUP_KEEP:  # before unlocking
        raise CliError(f"--keep: keep 1 to {MAX_BACKUP_KEEP} backups")
    if args.now or args.keep is not None:
        with open_store(args) as store:
            if args.keep is not None:
                try:
                    set_backup_keep(store, args.keep)
                except ValidationError as exc:
                    raise CliError(f"--keep: {exc}") from None
            if args.now:
                taken = rolling_backup(store)
                print(f"backup written to {taken} and verified")
    elif not args.store.exists() and not list_backups(args.store):
        raise CliError(f"no store at {args.store}")
    backups = list_backups(args.store)
    if args.json:
        json.dump([{"path": str(b.path), "taken": b.taken.isoformat(timespec="seconds"), "size": b.size,
                    "kind": b.kind, "reason": b.reason} for b in backups], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    for b in backups:
        note = f"  ({b.reason.replace('-', ' ')})" if b.reason else ""
        print(f"{b.taken:%d/%m/%Y %H:%M:%S}  {b.size // 1024:>8} KiB  {b.path}{note}")
    print(f"{len(backups)} backup(s)")
    return EXIT_OK


def _restore_shared(args: argparse.Namespace) -> int:
    from app.models.store.security import check_new_passphrase
    from app.team import copies
    from app.team.delivery import SyncError

    if Path(str(args.store)).exists():
        raise CliError(f"{args.store} already exists; restore to a new file (nothing was replaced)")
    identities = None
    passphrase = new = None
    if args.recovery_identity is not None:
        identities = copies.load_identity_file(args.recovery_identity)
        new = _read_new_passphrase(args)
        check_new_passphrase(new)
    else:
        if args.new_passphrase_file:
            raise CliError("--new-passphrase-file goes with --recovery-identity")
        passphrase = read_passphrase(args, prompt="Passphrase of the copy: ")
    try:
        result = copies.restore_from_shared(args.store, args.from_shared, officer=args.officer,
                                            passphrase=passphrase, recovery_identities=identities,
                                            new_passphrase=new, clock=clock_from(args))
    except UnlockError as exc:
        raise CliError(str(exc), EXIT_UNLOCK) from None
    except SyncError as exc:
        raise CliError(str(exc)) from None
    for name, reason in result.skipped:
        print(f"casebook: skipped {name}: {reason}", file=sys.stderr)
    how = "with the recovery identity, under the new passphrase" if result.recovered else "with its passphrase"
    print(f"restored {args.store} from {result.copy} (officer {result.officer}) {how}; check passed")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from app.models.store.security import restore_backup

    if args.from_shared is not None:
        return _restore_shared(args)
    if args.officer or args.recovery_identity or args.new_passphrase_file:
        raise CliError("--officer, --recovery-identity and --new-passphrase-file go with --from-shared")

    if not args.source.is_file():
        raise CliError(f"no backup at {args.source}")
    passphrase = read_passphrase(args, prompt="Passphrase of the backup: ")
    try:
        aside = restore_backup(args.store, args.source, passphrase, clock=clock_from(args))
    except InstanceLockedError as exc:
        raise CliError(str(exc)) from None
    except UnlockError as exc:
        raise CliError(str(exc), EXIT_UNLOCK) from None
    kept = f"; the previous file is kept as {aside}" if aside else ""
    print(f"restored {args.store} from {args.source}{kept}")
    return EXIT_OK
