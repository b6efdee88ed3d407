"""Foundation verbs: init, demo, import, export-json, cases, check, backup."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.commands.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_UNLOCK,
    EXIT_USAGE,
    CliError,
    add_store_arg,
    clock_from,
    open_store,
    read_passphrase,
)
from app.models.errors import StoreError, UnlockError
from app.models.rules import vocabulary as V
from app.models.rules.vocabulary import label


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="create a new, empty encrypted store")
    add_store_arg(p)
    p.add_argument("--officer", metavar="NAME", help="the officer's display name (editable later: casebook identity)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="create a store filled with synthetic demo cases")
    add_store_arg(p)
    p.add_argument("--cases", type=int, default=30, metavar="N", help="how many cases (default 30)")
    p.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("import", help="import a case bundle (all or nothing)")
    add_store_arg(p)
    p.add_argument("file", type=Path, metavar="FILE.json")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export-json", help="export cases as a case bundle")
    add_store_arg(p)
    p.add_argument("--case", action="append", metavar="REF", help="only this case (repeatable)")
    p.add_argument("--to", type=Path, required=True, metavar="FILE.json")
    p.set_defaults(func=cmd_export_json)

    p = sub.add_parser("cases", help="list the cases in a store")
    add_store_arg(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_cases)

    p = sub.add_parser("check", help="verify encryption, integrity and foreign keys")
    add_store_arg(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("backup", help="write a verified encrypted copy of the store")
    add_store_arg(p)
    p.add_argument("--to", type=Path, required=True, metavar="FILE")
    p.set_defaults(func=cmd_backup)


def _new_store(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from app.models.store import Store

    if args.store.exists():
        raise CliError(f"{args.store} already exists; choose a new file")
    from app.models.store.security import MIN_PASSPHRASE_LENGTH
    from app.team import identity

    officer = getattr(args, "officer", None)
    if officer is not None:
        identity.check_officer_name(officer)

    passphrase = read_passphrase(args, confirm=True, prompt="New passphrase: ")
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:  # the same rule as a passphrase change
        raise CliError(f"the passphrase is too short: use at least {MIN_PASSPHRASE_LENGTH} characters")
    store = Store.create(args.store, passphrase, clock=clock_from(args))
    try:
        identity.ensure(store, officer)  # every store gets its officer id and keys at creation
    except BaseException:
        store.close()
        raise
    return store


def cmd_init(args: argparse.Namespace) -> int:
    from app.team import identity

    with _new_store(args) as store:
        ident = identity.ensure(store)
    print(f"created {args.store} for officer {ident.officer_id}" + (f" ({ident.name})" if ident.name else ""))
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from app.models.demo import demo_bundle

    if not 1 <= args.cases <= 100_000:
        raise CliError("--cases must be 1 to 100000")
    store = _new_store(args)
    try:
        refs = store.import_bundle(demo_bundle(args.cases, seed=args.seed, today=store.clock.today()))
    except BaseException:
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(args.store) + suffix).unlink(missing_ok=True)
        raise
    store.close()
    print(f"created {args.store} with {len(refs)} synthetic cases")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from app.models.store.bundle import check, check_case_rules, load_bundle_file

    # Everything that can be checked without the store is checked before unlocking it,
    # so a bad file never touches the store at all.
    data = load_bundle_file(args.file)
    check(data)
    for i, case in enumerate(data["cases"]):
        check_case_rules(case, f"$.cases[{i}]")
    with open_store(args) as store:
        refs = store.import_bundle(data)
    print(f"imported {len(refs)} case(s)")
    return EXIT_OK


def cmd_export_json(args: argparse.Namespace) -> int:
    from app.atomic import write_bytes_atomic

    if args.to.is_dir():
        raise CliError(f"{args.to} is a folder; give a file name")
    refs = list(dict.fromkeys(args.case)) if args.case else None  # a repeated --case is exported once
    _check_writable_target(args.to)
    with open_store(args) as store:
        data = store.export_bundle(refs, record=False)
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        write_bytes_atomic(args.to, text.encode("utf-8"))
        store.record_export_bundle(data)  # only an export that happened is recorded
    print(f"exported {len(data['cases'])} case(s) to {args.to}")
    return EXIT_OK


def _check_writable_target(path: Path) -> None:
    """Before unlocking: the folder for an output file exists and can be written."""
    import os

    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise CliError(f"no folder {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CliError(f"cannot write to {parent}: permission denied")
    if path.exists() and not path.is_file():
        raise CliError(f"{path} is not a regular file; give a new file name")


def cmd_cases(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        rows = store.list_cases()
    if args.json:
        out = [
            {
                "reference": r.reference,
                "given_names": r.given_names,
                "family_name": r.family_name,
                "date_of_birth": r.date_of_birth.isoformat(),
                "court": r.court,
                "imposed_on": r.imposed_on.isoformat(),
                "ends_on": r.ends_on.isoformat() if r.ends_on else None,
                "status": r.status,
                "requirements": list(r.requirements),
                "flags": list(r.open_flags),
            }
            for r in rows
        ]
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    name_width = min(40, max((len(r.family_name) + 2 + len(r.given_names) for r in rows), default=0))
    for r in rows:
        reqs = ", ".join(label(V.REQUIREMENTS, k).lower() for k in r.requirements)
        name = f"{r.family_name}, {r.given_names}"
        print(f"{r.reference:<16} {name:<{name_width}}  imposed {r.imposed_on:%d/%m/%Y}  {reqs}")
    print(f"{len(rows)} case(s)")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from app.models.errors import InstanceLockedError
    from app.models.store.security import check_closed_store, damaged_message, unlock_failure_message

    if not args.store.exists():
        raise CliError(f"no store at {args.store}")
    passphrase = read_passphrase(args)
    try:
        problems = check_closed_store(args.store, passphrase)
    except InstanceLockedError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    except UnlockError as exc:
        raise CliError(unlock_failure_message(args.store, exc), EXIT_UNLOCK) from None
    except StoreError as exc:
        raise CliError(str(exc), EXIT_UNLOCK) from None
    for problem in problems:
        print(problem)
    if problems:
        print(f"casebook: {damaged_message(args.store, len(problems))}", file=sys.stderr)
        return EXIT_PROBLEMS
    print("ok")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    if args.to.is_dir():
        raise CliError(f"{args.to} is a folder; give a file name")
    if args.to.exists():
        raise CliError(f"{args.to} already exists; choose a new file")
    _check_writable_target(args.to)
    with open_store(args) as store:
        store.backup(args.to)
    print(f"backup written to {args.to} and verified")
    return EXIT_OK
