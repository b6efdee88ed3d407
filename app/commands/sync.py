"""Shared-drive verbs: ``sync`` (deliver the outbox) and ``outbox`` (list or queue exports)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from app.commands.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, CliError, add_store_arg, open_store


def register(sub: Any) -> None:
    p = sub.add_parser("sync", help="deliver queued exports to the shared drive folder")
    add_store_arg(p)
    p.add_argument("--to", type=Path, metavar="FOLDER",
                   help="deliver to this folder for this run (default: the store's shared drive folder)")
    p.add_argument("--save", action="store_true", help="also save --to as the store's shared drive folder")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("outbox", help="list queued and recently delivered exports, or queue a file")
    add_store_arg(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--recent", type=int, default=20, metavar="N",
                   help="how many recently delivered items to list (default 20)")
    p.add_argument("--add", type=Path, metavar="FILE", help="queue this file for the shared drive")
    p.add_argument("--kind", metavar="KIND", help="document kind of the queued file (with --add)")
    p.add_argument("--case", metavar="REF", help="case reference of the queued file (with --add)")
    p.add_argument("--name", metavar="NAME", help="file name on the shared drive (default: FILE's name)")
    p.set_defaults(func=cmd_outbox)


def _local(when: dt.datetime | None) -> str:
    return "" if when is None else when.astimezone().strftime("%d/%m/%Y %H:%M")


def cmd_sync(args: argparse.Namespace) -> int:
    from app.models.store import outbox
    from app.team.copies import copy_status, take_copy
    from app.team.delivery import NoFolderError, sync_outbox

    if args.save and args.to is None:
        raise CliError("--save needs --to FOLDER")
    with open_store(args) as store:
        folder = args.to
        if args.save:
            store.settings.set(outbox.SETTING_FOLDER, str(Path(args.to).absolute()))
            print(f"shared drive folder set to {Path(args.to).absolute()}")
        try:
            report = sync_outbox(store, folder, force=True)
        except NoFolderError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        copy = take_copy(store, report.folder)
        card_problem = None
        if report.reachable:
            from app.team.cards import publish_card
            from app.team.delivery import SyncError, describe_error

            try:
                published = publish_card(store, report.folder)
                if published:
                    print(f"officer card published as {published}")
            except (OSError, SyncError) as exc:
                card_problem = describe_error(exc, report.folder)
            from app.team import handover

            handovers = handover.sync(store, report.folder)
            for line in handovers.lines:
                print(line)
            for line in handovers.problems:
                print(f"casebook: handover: {line}", file=sys.stderr)
            from app.team.status import publish_status

            team = publish_status(store, report.folder)
            if team.status in ("published", "failed"):
                print(team.line())
        status = copy_status(store)
    for o in report.outcomes:
        if o.status == "delivered":
            print(f"delivered  {o.filename} as {o.name}")
        elif o.status == "already":
            print(f"already    {o.filename} as {o.name}")
        else:
            print(f"queued     {o.filename}: {o.error}")
    print(copy.line())
    print(status.line())
    if report.waiting:
        reason = f": {report.problem}" if report.problem else ""
        print(f"casebook: {report.waiting} export(s) still queued{reason}", file=sys.stderr)
        return EXIT_PROBLEMS
    if card_problem:
        print(f"casebook: officer card not published: {card_problem}", file=sys.stderr)
    if copy.status == "failed":
        print(f"casebook: {copy.line()}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{len(report.delivered)} delivered to {report.folder}; nothing waiting")
    return EXIT_OK


def _as_json(row: Any) -> dict[str, Any]:
    def iso(v: dt.datetime | None) -> str | None:
        return None if v is None else v.isoformat(timespec="seconds")

    return {
        "id": row.id,
        "status": "delivered" if row.delivered else "queued",
        "filename": row.filename,
        "document_kind": row.document_kind,
        "case_reference": row.case_reference,
        "officer": row.officer,
        "size": row.size,
        "sha256": row.sha256,
        "created_at": iso(row.created_at),
        "attempts": row.attempts,
        "last_error": row.last_error,
        "next_attempt_at": iso(row.next_attempt_at),
        "delivered_at": iso(row.delivered_at),
        "delivered_name": row.delivered_name,
    }


def cmd_outbox(args: argparse.Namespace) -> int:
    from app.models.store import outbox

    if args.add is None and (args.kind or args.case or args.name):
        raise CliError("--kind, --case and --name go with --add FILE")
    if not 0 <= args.recent <= 100_000:
        raise CliError("--recent must be 0 to 100000")
    if args.add is not None:
        if not args.kind:
            raise CliError("--add needs --kind KIND (for example contract, review-summary, plan)")
        name = args.name or args.add.name
        outbox.check_filename(name)  # before unlocking: bad input never touches the store
        try:
            data = args.add.read_bytes()
        except OSError as exc:
            raise CliError(f"cannot read {args.add}: {exc.strerror}") from None
        with open_store(args) as store:
            item_id = outbox.enqueue(store, name, args.kind, args.case, data)
        print(f"queued {name} ({len(data)} bytes) as outbox item {item_id}")
        return EXIT_OK
    with open_store(args) as store:
        rows = outbox.list_items(store, recent=args.recent)
    if args.json:
        json.dump([_as_json(r) for r in rows], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    queued = [r for r in rows if not r.delivered]
    for r in rows:
        if r.delivered:
            state = f"delivered {_local(r.delivered_at)} as {r.delivered_name}"
        elif r.attempts:
            state = f"queued, {r.attempts} attempt(s), next {_local(r.next_attempt_at)}: {r.last_error}"
        else:
            state = "queued"
        case = r.case_reference or "-"
        print(f"{r.id:>5}  {r.filename}  [{r.document_kind}, {case}]  {state}")
    print(f"{len(queued)} waiting")
    return EXIT_OK
