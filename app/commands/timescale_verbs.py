"""Verbs that close due items no other record closes (issue 18).

``casebook review-schedule --store PATH --case REF [--review N --months M|default] [--json]``
    lists the case's departmental reviews and the scheduled review each counts as; with
    ``--review``/``--months`` says which scheduled review review N is (``default``: the oldest
    one not yet met, as when nothing was said).
``casebook report-submitted --store PATH --case REF --hearing DATE [--on DATE | --not-submitted]``
    records the report for a court progress review as submitted (``--on`` defaults to today).
``casebook safety-plan-reviewed --store PATH --case REF --on DATE [--next DATE] [--flag N]``
    records a victim safety plan review as held, with the next review date set at it.

N is the position shown by ``review-schedule`` (reviews) or the flag's position (first is 0).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.commands.common import EXIT_OK, CliError, add_store_arg, add_today_arg, open_store
from app.commands.holidays import cli_date


def register(sub: Any) -> None:
    p = sub.add_parser("review-schedule", help="which scheduled departmental review each review is")
    add_store_arg(p)
    add_today_arg(p)
    p.add_argument("--case", required=True, metavar="REF")
    p.add_argument("--review", type=int, metavar="N", help="the review to set (its number in the list)")
    p.add_argument("--months", metavar="M", help="3, 6, 12, 18, ... months after imposition, or 'default'")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_review_schedule)

    p = sub.add_parser("report-submitted", help="record a court progress review report as submitted")
    add_store_arg(p)
    add_today_arg(p)
    p.add_argument("--case", required=True, metavar="REF")
    p.add_argument("--hearing", required=True, type=cli_date, metavar="DATE", help="the progress review hearing")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--on", type=cli_date, metavar="DATE", help="when the report went in (default today)")
    when.add_argument("--not-submitted", action="store_true", help="remove the record of it")
    p.set_defaults(func=cmd_report_submitted)

    p = sub.add_parser("safety-plan-reviewed", help="record a victim safety plan review as held")
    add_store_arg(p)
    add_today_arg(p)
    p.add_argument("--case", required=True, metavar="REF")
    p.add_argument("--on", type=cli_date, metavar="DATE", help="when it was reviewed (default today)")
    p.add_argument("--next", type=cli_date, metavar="DATE", help="the next review date set at it")
    p.add_argument("--flag", type=int, metavar="N",
                   help="which flag (its position); needed only when the case has several safety plans")
    p.set_defaults(func=cmd_safety_plan_reviewed)


def _months(text: str | None) -> int | None:
    if text is None or text.strip().lower() == "default":
        return None
    try:
        return int(text)
    except ValueError:
        raise CliError(f"--months {text!r} is not a whole number of months (or 'default')") from None


def cmd_review_schedule(args: argparse.Namespace) -> int:
    if (args.review is None) != (args.months is None):
        raise CliError("--review and --months go together")
    with open_store(args) as store:
        if args.review is not None:
            store.timescales.set_scheduled_review(args.case, args.review, _months(args.months))
        rows = store.timescales.departmental_reviews(args.case)
    if args.json:
        json.dump([{"review": r.index, "held_on": r.held_on.isoformat(), "chosen_months": r.chosen_months,
                    "months": r.months, "due_on": r.due_on.isoformat() if r.due_on else None} for r in rows],
                  sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    if not rows:
        print(f"{args.case} has no departmental reviews.")
    for r in rows:
        how = "chosen" if r.chosen_months is not None else "default"
        print(f"review {r.index}  held {r.held_on:%d/%m/%Y}  {r.label}  ({how})")
    return EXIT_OK


def cmd_report_submitted(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        on = None if args.not_submitted else (args.on or store.clock.today())
        store.timescales.record_report_submitted(args.case, args.hearing, on)
    if on is None:
        print(f"{args.case}: the report for the progress review on {args.hearing:%d/%m/%Y} is not recorded as submitted")
    else:
        print(f"{args.case}: report for the progress review on {args.hearing:%d/%m/%Y} submitted on {on:%d/%m/%Y}")
    return EXIT_OK


def cmd_safety_plan_reviewed(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        index = args.flag
        if index is None:
            flags = store.get_case(args.case).get("flags", [])
            plans = [i for i, f in enumerate(flags) if f["kind"] == "victim_safety_plan" and not f.get("closed_on")]
            if not plans:
                raise CliError(f"{args.case} has no open victim safety plan")
            if len(plans) > 1:
                raise CliError(f"{args.case} has {len(plans)} open victim safety plans: say which with --flag "
                               f"({', '.join(map(str, plans))})")
            index = plans[0]
        on = args.on or store.clock.today()
        store.timescales.record_safety_plan_review(args.case, index, on, args.next)
    nxt = f", next review {args.next:%d/%m/%Y}" if args.next else ", no next review set"
    print(f"{args.case}: victim safety plan reviewed on {on:%d/%m/%Y}{nxt}")
    return EXIT_OK
