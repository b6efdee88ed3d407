"""Handover verbs (issue 15): ``handover`` (send a case, or ``--cancel``), ``incoming`` (packets
waiting for this officer), ``accept`` and ``decline``.  See docs/HANDOVER.md."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.commands.common import EXIT_OK, CliError, add_store_arg, check_text, open_store


def _shared(p: argparse.ArgumentParser) -> None:
    p.add_argument("--shared", type=Path, metavar="FOLDER", help="the shared folder (default: the store's setting)")


def register(sub: Any) -> None:
    p = sub.add_parser("handover", help="hand a case over to another officer through the shared drive")
    add_store_arg(p)
    p.add_argument("--case", required=True, metavar="REF", help="the case to hand over")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--to", metavar="OFFICER-ID", help="the officer who takes the case (casebook officers)")
    g.add_argument("--cancel", action="store_true", help="cancel this case's pending handover")
    p.add_argument("--note", metavar="TEXT", help="a note for the recipient (travels encrypted)")
    _shared(p)
    p.set_defaults(func=cmd_handover)

    p = sub.add_parser("incoming", help="list handover packets waiting for this officer")
    add_store_arg(p)
    p.add_argument("--all", action="store_true", help="also packets already accepted or declined")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_incoming)

    p = sub.add_parser("accept", help="accept an incoming handover packet: verify it and import the case")
    add_store_arg(p)
    p.add_argument("packet", metavar="PACKET-ID")
    _shared(p)
    p.set_defaults(func=cmd_accept)

    p = sub.add_parser("decline", help="decline an incoming handover packet (nothing is imported)")
    add_store_arg(p)
    p.add_argument("packet", metavar="PACKET-ID")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why (travels encrypted to the sender)")
    _shared(p)
    p.set_defaults(func=cmd_decline)


def cmd_handover(args: argparse.Namespace) -> int:
    from app.team import handover, identity

    if args.note is not None:
        handover.check_note(check_text(args.note, "the note"))
    if args.to is not None:
        identity.check_officer_id(args.to)
    elif args.note is not None:
        raise CliError("--note goes with --to")
    with open_store(args) as store:
        if args.cancel:
            print(handover.cancel(store, args.case, args.shared))
            return EXIT_OK
        sent = handover.hand_over(store, args.case, args.to, args.note, args.shared)
        from app.models.store import custody

        state = custody.state_of(store, args.case)
    print(f"case {sent.reference}: {state.label() if state else 'handover pending'} (packet {sent.packet_id}, "
          f"custody version {sent.custody_version}); the next sync delivers it")
    return EXIT_OK


def cmd_incoming(args: argparse.Namespace) -> int:
    from app.team import handover

    with open_store(args) as store:
        rows = handover.incoming(store, include_done=args.all)
    if args.json:
        json.dump({"incoming": [r.as_dict() for r in rows]}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    for r in rows:
        who = f"{r.sender_name} ({r.sender})" if r.sender_name else str(r.sender or "?")
        line = f"{r.packet_id}  {r.reference or '?'}  from {who}  {r.created or ''}"
        if r.status != "new":
            line += f"  [{r.status}]"
        print(line)
        if r.note:
            print(f"    note: {r.note}")
        if r.problem:
            print(f"    problem: {r.problem}")
    print(f"{len(rows)} packet(s)" + ("" if args.all else " waiting (casebook accept PACKET-ID)"))
    return EXIT_OK


def cmd_accept(args: argparse.Namespace) -> int:
    from app.team import handover

    handover.check_packet_id(args.packet)
    with open_store(args) as store:
        result, state = handover.accept(store, args.packet, args.shared)
    print(f"case {result.reference} accepted from packet {args.packet}"
          + ("" if state is None else f": {state.label()}"))
    if result.replaced:
        print("what changed since you held it:")
        for line in result.summary:
            print(f"    {line}")
    return EXIT_OK


def cmd_decline(args: argparse.Namespace) -> int:
    from app.team import handover

    handover.check_packet_id(args.packet)
    handover.check_note(check_text(args.reason, "the reason"), "the reason")
    with open_store(args) as store:
        print(handover.decline(store, args.packet, args.reason, args.shared))
    return EXIT_OK
