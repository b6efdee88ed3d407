"""``casebook export contract|review|plan``: a case document as PDF."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from app.commands.common import EXIT_OK, CliError, add_store_arg, add_today_arg, open_store

KINDS = ("contract", "review", "plan", "appointment_letter", "warning_letter", "compliance")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "export",
        help="write a case document (engagement contract, review summary, plan, letters) as PDF",
        description="Write a case document as PDF. The officer's copy shows third-party information "
                    "marked NOT FOR DISCLOSURE; --for-individual leaves every such item out.",
    )
    p.add_argument("kind", choices=KINDS, help="which document")
    add_store_arg(p)
    p.add_argument("--case", required=True, metavar="REF", help="the case reference")
    p.add_argument("--review", metavar="DATE",
                   help="the review held on this date (YYYY-MM-DD or dd/mm/yyyy; default: the latest)")
    p.add_argument("--appointment", metavar="ID",
                   help="appointment_letter: the appointment (default the next booked); "
                        "warning_letter: the failure it answers (default the next warning due)")
    p.add_argument("--since", metavar="DATE", help="compliance: from this date (default: the last review)")
    p.add_argument("--large-type", action="store_true", help="letters: large type (1.5 times the usual size)")
    p.add_argument("--to", type=Path, metavar="FILE.pdf", help="output file (replaced atomically)")
    p.add_argument("--share", action="store_true",
                   help="also queue the PDF in the outbox for the team's shared drive (see `casebook sync`)")
    p.add_argument("--for-individual", action="store_true",
                   help="the person's copy: not-for-disclosure items withheld")
    p.add_argument("--password-file", metavar="FILE", help="protect the PDF with AES-256 using this password")
    add_today_arg(p)
    p.set_defaults(func=cmd_export)


def parse_day(value: str, option: str) -> dt.date:
    """YYYY-MM-DD or dd/mm/yyyy."""
    from app.models.rules.dates import parse_dmy_or_iso
    from app.models.store.bundle import date_in_range, date_range_text, shown

    try:
        day = parse_dmy_or_iso(value)
    except ValueError:
        raise CliError(f"{option} {shown(value)} is not a date (YYYY-MM-DD or dd/mm/yyyy)") from None
    if not date_in_range(day):
        raise CliError(f"{option} {value} is outside the dates Casebook accepts ({date_range_text()})")
    return day


def read_password(path: str) -> str:
    from app.commands.common import read_secret_file

    value = read_secret_file(path, "password file")
    if not value:
        raise CliError(f"password file {path} is empty")
    return value


def cmd_export(args: argparse.Namespace) -> int:
    from app.atomic import write_bytes_atomic
    from app.reports.render import record_export, render_document

    # Check everything the user typed before unlocking the store.
    review_date = parse_day(args.review, "--review") if args.review else None
    if review_date is not None and args.kind != "review":
        raise CliError("--review applies only to: export review")
    since = parse_day(args.since, "--since") if args.since else None
    if since is not None and args.kind != "compliance":
        raise CliError("--since applies only to: export compliance")
    if args.appointment and args.kind not in ("appointment_letter", "warning_letter"):
        raise CliError("--appointment applies only to: export appointment_letter, export warning_letter")
    if args.large_type and args.kind not in ("appointment_letter", "warning_letter", "compliance"):
        raise CliError("--large-type applies only to the letters and the compliance summary")
    password = read_password(args.password_file) if args.password_file else None
    if args.to is None and not args.share:
        raise CliError("say where the PDF goes: --to FILE.pdf, --share (the shared-drive outbox), or both")
    if args.to is not None and args.to.exists() and args.to.is_dir():
        raise CliError(f"{args.to} is a folder; give a file name")
    if args.to is not None and not args.to.parent.exists():
        raise CliError(f"no folder {args.to.parent}")

    with open_store(args) as store:
        pdf = render_document(store, args.kind, args.case, review_date=review_date,
                              for_individual=args.for_individual, password=password,
                              appointment=args.appointment, large_type=args.large_type, since=since)
        if args.to is not None:
            write_bytes_atomic(args.to, pdf)
        queued_as = None

        def record() -> Any:
            return record_export(store, args.kind, args.case, for_individual=args.for_individual,
                                 appointment=args.appointment)

        if args.share:
            from app.reports.render import suggested_filename

            queued_as = suggested_filename(args.kind, args.case, for_individual=args.for_individual,
                                           review_date=review_date)
            store.documents.share(queued_as, args.kind, args.case, pdf, record)  # queued and audited together
        else:
            record()
    audience = "copy for the individual" if args.for_individual else "officer's copy"
    protected = ", AES-256 password protected" if password else ""
    if args.to is not None:
        print(f"wrote {args.kind} for {args.case} ({audience}{protected}) to {args.to}")
    if queued_as is not None:
        print(f"queued {queued_as} for the shared drive ({audience}{protected}); run `casebook sync` to deliver")
    return EXIT_OK
