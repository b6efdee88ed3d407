"""``documents``: list the encrypted documents on the shared drive this officer can open, or
decrypt one (``--open ID --to FILE``).  See docs/SYNC.md ("Documents on the shared drive")."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.commands.common import EXIT_OK, EXIT_USAGE, CliError, add_store_arg, open_store


def register(sub: Any) -> None:
    p = sub.add_parser("documents", help="list (or open) the encrypted exported documents on the shared drive")
    add_store_arg(p)
    p.add_argument("--shared", type=Path, metavar="FOLDER", help="the shared folder (default: the store's setting)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--open", metavar="ID", help="decrypt this document (an id from the list)")
    p.add_argument("--to", type=Path, metavar="FILE", help="where --open writes the document (owner-only)")
    p.set_defaults(func=cmd_documents)


def _check_to(to: Path) -> None:
    if to.exists() and to.is_dir():
        raise CliError(f"{to} is a folder; give a file name")
    if to.exists() and not to.is_file():
        raise CliError(f"{to} is not a regular file; give a file name")
    if not to.parent.exists():
        raise CliError(f"no folder {to.parent}")


def cmd_documents(args: argparse.Namespace) -> int:
    from app.models.store import outbox
    from app.team import documents, identity
    from app.team.delivery import folder_problem

    if args.open is not None and args.to is None:
        raise CliError("--open needs --to FILE (where the document goes)")
    if args.to is not None and args.open is None:
        raise CliError("--to goes with --open ID")
    if args.open is not None:
        if args.json:
            raise CliError("--json lists documents; it does not go with --open")
        if not documents.ID_RE.match(documents.doc_id(args.open.strip())):
            raise CliError(f"{args.open[:80]!r} is not a document id (casebook documents lists them)")
        _check_to(args.to)
    with open_store(args) as store:
        folder = args.shared
        if folder is None:
            value = store.get_setting(outbox.SETTING_FOLDER)
            if not isinstance(value, str) or not value:
                raise CliError("no shared drive folder is set (--shared FOLDER, or casebook sync --to FOLDER --save)")
            folder = Path(value)
        ident = identity.age_identity(store)
    problem = folder_problem(folder)
    if problem is not None:
        raise CliError(problem, EXIT_USAGE)
    listing = documents.scan(folder, [ident])
    if args.open is not None:
        from app.atomic import write_bytes_atomic

        doc = documents.find(listing, args.open)
        data = documents.open_document(folder, doc, [ident])
        try:
            write_bytes_atomic(args.to, data, 0o600)
        except OSError as exc:
            raise CliError(f"cannot write {args.to}: {exc.strerror or type(exc).__name__}") from None
        print(f"wrote document {doc.id} ({doc.document_kind}, {doc.case_reference or '-'}, {len(data)} bytes) "
              f"to {args.to}")
        return EXIT_OK
    if args.json:
        json.dump({"folder": str(folder), "documents": [d.as_dict() for d in listing.documents],
                   "not_readable": listing.unreadable, "problems": listing.problems or []},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    for d in listing.documents:
        print(f"{d.id}  {d.document_kind:<20} {d.case_reference or '-':<16} {d.created or '-'}  {d.officer_id}")
    tail = f"; {listing.unreadable} not addressed to this officer (or damaged)" if listing.unreadable else ""
    print(f"{len(listing.documents)} document(s) this officer can open{tail}")
    for line in listing.problems or []:
        print(f"casebook: documents: {line}", file=sys.stderr)
    return EXIT_OK
