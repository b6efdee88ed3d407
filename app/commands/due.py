"""The ``due`` verb: statutory and local timescales across the whole caseload.

``casebook due --store PATH [--today YYYY-MM-DD] [--within DAYS] [--json]``

Without ``--within`` every due item of every case is listed, whatever its status (done,
met_late, open, overdue).  With ``--within DAYS`` the list is a work list: everything
overdue, plus open items due on or before today + DAYS calendar days (0 = due today).
Warnings are always listed.  Exit status 0 whenever the list was produced.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from app.commands.common import EXIT_OK, add_store_arg, add_today_arg, open_store
from app.models.rules import vocabulary as V

STATUS_TEXT = {k: V.DUE_STATUSES[k].upper() if k == "overdue" else V.DUE_STATUSES[k].lower()  # the vocabulary's
               for k in ("done", "met_late", "open", "overdue")}


def register(sub: Any) -> None:
    p = sub.add_parser("due", help="what is due across the caseload: timescales, reviews, warnings")
    add_store_arg(p)
    add_today_arg(p)
    p.add_argument("--within", type=_days, metavar="DAYS",
                   help="only overdue items and open items due within DAYS days of today")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_due)


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if value < 0 or value > 36_500:
        raise argparse.ArgumentTypeError(f"--within must be 0 to 36500 days, not {value}")
    return value


def cmd_due(args: argparse.Namespace) -> int:
    from app.models.rules.deadlines import caseload_due

    with open_store(args) as store:
        today = store.clock.today()
        items, warnings = caseload_due(store, today, args.within)
    if args.json:
        out = {
            "items": [{"case": i.case, "kind": i.kind, "due_on": i.due_on.isoformat(), "status": i.status}
                      for i in items],
            "warnings": [{"case": w.case, "kind": w.kind, "message": w.message} for w in warnings],
        }
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    print(f"Due items on {today:%d/%m/%Y}"
          + (f" (overdue, or due by {today + dt.timedelta(days=args.within):%d/%m/%Y})" if args.within is not None else ""))
    if items:
        ref_width = max(4, *(len(i.case) for i in items))
        print(f"{'Due':<10}  {'Case':<{ref_width}}  {'Status':<8}  Item")
        for i in items:
            met = f" (met {i.done_on:%d/%m/%Y})" if i.done_on is not None and i.kind != "order_end" else ""
            print(f"{i.due_on:%d/%m/%Y}  {i.case:<{ref_width}}  {STATUS_TEXT.get(i.status, i.status):<8}  {i.label}{met}")
    else:
        print("Nothing due.")
    counts = {s: sum(1 for i in items if i.status == s) for s in STATUS_TEXT}
    print(f"{len(items)} item(s): {counts['overdue']} overdue, {counts['open']} open, "
          f"{counts['met_late']} met late, {counts['done']} done")
    if warnings:
        print()
        print("Warnings")
        for w in warnings:
            print(f"  {w.case}: {w.message}")
    return EXIT_OK
