"""The ``holidays`` verb: the service's local calendar.

``casebook holidays --store PATH [--add DATE --name NAME] [--working DATE [--name NAME]]
[--remove DATE] [--json]``

Without an action it lists the local holidays (days off on top of Scottish public holidays)
and the local working days (Scottish public holidays the service works on).  One action at a
time; dates are YYYY-MM-DD or dd/mm/yyyy.  Exit status 0 when done, 2 for bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from app.commands.common import EXIT_OK, CliError, add_store_arg, open_store
from app.models.rules import vocabulary as V
from app.models.rules.dates import parse_dmy_or_iso

KIND_TEXT = {k: v.lower() for k, v in V.CALENDAR_DAY_KINDS.items()}  # the vocabulary, in a sentence


def register(sub: Any) -> None:
    p = sub.add_parser("holidays", help="local holidays and working days (the service's own calendar)")
    add_store_arg(p)
    action = p.add_mutually_exclusive_group()
    action.add_argument("--add", type=cli_date, metavar="DATE", help="add a local holiday (needs --name)")
    action.add_argument("--working", type=cli_date, metavar="DATE",
                        help="work on this Scottish public holiday: it counts as a working day")
    action.add_argument("--remove", type=cli_date, metavar="DATE", help="remove the local holiday or working day")
    p.add_argument("--name", metavar="NAME", help="what the day is (for --add or --working)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_holidays)


def cli_date(text: str) -> dt.date:
    try:
        return parse_dmy_or_iso(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD or dd/mm/yyyy)") from None


def cmd_holidays(args: argparse.Namespace) -> int:
    if args.add is not None and not args.name:
        raise CliError("--add needs --name (what the holiday is)")
    if args.name is not None and args.add is None and args.working is None:
        raise CliError("--name goes with --add or --working")
    with open_store(args) as store:
        cal = store.calendar
        done = None
        if args.add is not None:
            cal.add_holiday(args.add, args.name)
            done = f"added local holiday {args.add:%d/%m/%Y}"
        elif args.working is not None:
            cal.add_working_day(args.working, args.name)
            done = f"{args.working:%d/%m/%Y} is now a working day"
        elif args.remove is not None:
            cal.remove(args.remove)
            done = f"removed {args.remove:%d/%m/%Y}"
        days = cal.days()
    if args.json:
        json.dump([{"date": d.day.isoformat(), "kind": d.kind, "name": d.name} for d in days], sys.stdout,
                  ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    if done:
        print(done)
    if not days:
        print("No local holidays or working days.")
    for d in days:
        print(f"{d.day:%d/%m/%Y}  {d.day:%a}  {KIND_TEXT[d.kind]:<13}  {d.name}")
    return EXIT_OK
