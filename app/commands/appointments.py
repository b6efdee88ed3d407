"""``casebook appointments``: appointments across the caseload, as a list, JSON or a calendar file.

``casebook appointments --store PATH [--from DATE] [--to DATE] [--ics FILE] [--json] [--today]``

The period defaults to today and the six days after it.  ``--ics FILE`` writes an iCalendar
file carrying only case references, kinds, times and places (never names or notes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from app.commands.common import EXIT_OK, CliError, add_store_arg, add_today_arg, open_store
from app.commands.export import parse_day


def register(sub: Any) -> None:
    p = sub.add_parser("appointments", help="appointments across the caseload; --ics writes a calendar file")
    add_store_arg(p)
    p.add_argument("--from", dest="first", metavar="DATE", help="first day (YYYY-MM-DD or dd/mm/yyyy; default today)")
    p.add_argument("--to", dest="last", metavar="DATE", help="last day (default: six days after --from)")
    p.add_argument("--ics", type=Path, metavar="FILE", help="write an iCalendar file (no names, no notes)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_today_arg(p)
    p.set_defaults(func=cmd_appointments)


def cmd_appointments(args: argparse.Namespace) -> int:
    from app.atomic import write_bytes_atomic
    from app.models.rules.appointments import kind_label, outcome_label
    from app.reports.ics import calendar_bytes

    first = parse_day(args.first, "--from") if args.first else None
    last = parse_day(args.last, "--to") if args.last else None
    if first is not None and last is not None and last < first:
        raise CliError(f"--to {last:%d/%m/%Y} is before --from {first:%d/%m/%Y}")
    if first is not None and last is not None and (last - first).days > 3660:
        raise CliError("the period is longer than ten years; give a shorter --from/--to")
    if args.ics is not None and args.ics.is_dir():
        raise CliError(f"{args.ics} is a folder; give a file name")
    if args.ics is not None and not args.ics.parent.exists():
        raise CliError(f"no folder {args.ics.parent}")

    with open_store(args) as store:
        today = store.clock.today()
        first = first or today
        last = last or first + dt.timedelta(days=6)
        if last < first:
            raise CliError(f"--to {last:%d/%m/%Y} is before --from {first:%d/%m/%Y}")
        rows = store.appointments.between(first, last)
        if args.ics is not None:
            write_bytes_atomic(args.ics, calendar_bytes(rows, store.clock.now()))
            store.record_event("export", "calendar", None, f"{len(rows)} appointment(s)")
    if args.json:
        out = {"from": first.isoformat(), "to": last.isoformat(), "appointments": [
            {"case": r.case, "id": r.id, "date": r.date.isoformat(), "start": r.start,
             "duration_minutes": r.duration_minutes, "kind": r.kind, "place": r.place, "outcome": r.outcome}
            for r in rows]}
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(f"Appointments {first:%d/%m/%Y} to {last:%d/%m/%Y}")
        if not rows:
            print("None booked.")
        width = max([4, *(len(r.case) for r in rows)])
        for r in rows:
            print(f"{r.date:%a %d/%m/%Y} {r.start}  {r.case:<{width}}  {kind_label(r.kind):<26}  "
                  f"{(r.place or '-'):<24}  {outcome_label(r.outcome, short=True)}")
    if args.ics is not None and not args.json:
        print(f"wrote {len(rows)} appointment(s) to {args.ics} (case references, kinds, times and places only)")
    return EXIT_OK
