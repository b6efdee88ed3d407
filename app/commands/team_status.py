"""Team manager verbs (issue 16): ``team`` (set this officer's team manager, whose card is
pinned) and ``team-status`` (on the manager's store: the whole team's status packets)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from app.commands.common import EXIT_OK, EXIT_PROBLEMS, CliError, add_store_arg, add_today_arg, open_store


def register(sub: Any) -> None:
    p = sub.add_parser("team", help="show or set this officer's team manager (status packets go to them on sync)")
    add_store_arg(p)
    p.add_argument("--shared", type=Path, metavar="FOLDER", help="the shared folder (default: the store's setting)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--manager", metavar="OFFICER-ID", help="the team manager's officer id (their card is pinned)")
    g.add_argument("--clear", action="store_true", help="stop publishing team status")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_team)

    p = sub.add_parser("team-status", help="the team's caseloads and deadlines from the officers' status packets")
    add_store_arg(p)
    add_today_arg(p)
    p.add_argument("--shared", type=Path, metavar="FOLDER", help="the shared folder (default: the store's setting)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_team_status)

    p = sub.add_parser("requests", help="handover requests from the team manager")
    add_store_arg(p)
    p.add_argument("--shared", type=Path, metavar="FOLDER", help="the shared folder (default: the store's setting)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_requests)


def _folder(store: Any, given: Path | None) -> Path:
    from app.team.delivery import NoFolderError, configured_folder

    try:
        return Path(given) if given is not None else configured_folder(store)
    except NoFolderError as exc:
        raise CliError(str(exc)) from None


def cmd_team(args: argparse.Namespace) -> int:
    from app.models.errors import NotFoundError, ValidationError
    from app.team import identity, status
    from app.team.cards import KeyChangedError
    from app.team.delivery import SyncError

    if args.manager is not None:
        try:
            identity.check_officer_id(args.manager)
        except ValidationError as exc:
            raise CliError(str(exc)) from None
    with open_store(args) as store:
        if args.clear:
            status.set_manager(store, None, None)
            print("team manager cleared; no team status is published")
            return EXIT_OK
        if args.manager is not None:
            try:
                card = status.set_manager(store, _folder(store, args.shared), args.manager)
            except (KeyChangedError, NotFoundError, SyncError, ValidationError) as exc:
                raise CliError(str(exc)) from None
            assert card is not None
            print(f"team manager set to {card.officer_id} (fingerprint {card.fingerprint}); "
                  "each sync now publishes this caseload's status to them")
            return EXIT_OK
        mid = status.manager_id(store)
        last = store.get_setting(status.SETTING_LAST)
    if args.json:
        json.dump({"manager": mid, "last_published": last if isinstance(last, dict) else None},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    print(f"team manager  {mid or 'not set (casebook team --store PATH --manager OFFICER-ID)'}")
    if isinstance(last, dict):
        print(f"last status   {last.get('at')} ({last.get('file')})")
    return EXIT_OK


def _local(when: dt.datetime | None) -> str:
    return "never" if when is None else when.astimezone().strftime("%d/%m/%Y %H:%M")


def cmd_team_status(args: argparse.Namespace) -> int:
    from app.team import status

    with open_store(args) as store:
        folder = _folder(store, args.shared)
        today = store.clock.today()
        read = status.load_team(store, folder)
    if read.unreachable:
        raise CliError(read.unreachable, EXIT_PROBLEMS)
    view = status.team_view(read, today)
    if args.json:
        json.dump(status.view_as_json(view), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(f"Team on {today:%d/%m/%Y}: {len(view.officers)} officer(s), {len(view.cases)} case(s)")
        if view.officers:
            print(f"{'Officer':<28} {'Cases':>5} {'Overdue':>7} {'Week':>5} {'Plans late':>10}  Last sync")
        for o in view.officers:
            warn = f"  NOT SYNCED FOR {o.not_synced_days} DAYS" if o.stale else ""
            print(f"{o.name[:28]:<28} {o.cases:>5} {o.overdue:>7} {o.due_this_week:>5} {o.plans_past_review:>10}"
                  f"  {_local(o.last_sync)}{warn}")
        late = [r for r in view.cases if r.overdue]
        if late:
            print()
            print("Cases with overdue items")
            for r in sorted(late, key=lambda r: (-r.overdue, r.reference)):
                print(f"  {r.reference:<16} {r.name[:30]:<30} {r.officer_name[:20]:<20} {r.overdue} overdue")
    for p in view.problems:
        print(f"casebook: PROBLEM {p.officer_id} {p.file}: {p.reason} (not shown)", file=sys.stderr)
    for p in view.skipped:
        print(f"casebook: skipped {p.file}: {p.reason}", file=sys.stderr)
    return EXIT_PROBLEMS if view.problems else EXIT_OK


def cmd_requests(args: argparse.Namespace) -> int:
    from app.team import requests
    from app.team.delivery import folder_problem

    with open_store(args) as store:
        folder = _folder(store, args.shared)
        problem = folder_problem(folder)
        if problem is not None:
            raise CliError(problem, EXIT_PROBLEMS)
        found = requests.load_requests(store, folder)
    if args.json:
        json.dump({"requests": [r.as_dict() for r in found.requests],
                   "problems": [{"file": p.file, "problem": p.reason} for p in found.problems]},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for r in found.requests:
            note = f"  \"{r.note}\"" if r.note else ""
            print(f"{r.request_id}  {r.case}  hand over to {r.to_name or r.to_officer} ({r.to_officer}), asked by "
                  f"{r.from_name or r.from_officer} {_local(r.at)}{note}")
        print(f"{len(found.requests)} handover request(s); hand a case over with casebook handover "
              "--store PATH --case REF --to OFFICER-ID")
    for p in found.problems:
        print(f"casebook: PROBLEM {p.file}: {p.reason} (not shown)", file=sys.stderr)
    return EXIT_OK
