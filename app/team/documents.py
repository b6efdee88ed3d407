"""Reading back the encrypted documents on the shared drive (``casebook documents``).

Delivery (``app.team.delivery``) puts each export at
``<folder>/casebook/documents/<officer-id>/<item-id>-<UTC time>-<hex>.pdf.age`` with a line in
that folder's ``casebook-manifest.jsonl`` whose ``meta`` is sealed to the same recipients
(``app.team.sealing``).  ``scan`` lists what an age identity can open; ``open_document``
decrypts one and checks it against its line.  Nothing here imports Qt.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import safeio
from app.models.errors import NotFoundError, ValidationError
from app.team import identity, layout
from app.team.delivery import FileOps, read_manifest
from app.team.sealing import ID_RE, NAME_RE, _decrypt, doc_id, open_meta

__all__ = ["Document", "DocumentError", "Listing", "find", "open_document", "scan"]


class DocumentError(ValidationError):
    """A document on the shared drive that cannot be listed or opened; one line."""


# ---------------------------------------------------------------------- reading back
@dataclass(frozen=True)
class Document:
    id: str
    officer_id: str
    file: str          # path under the shared folder
    document_kind: str
    case_reference: str | None
    created: str | None
    delivered: str | None
    filename: str | None
    sha256: str        # of the document itself
    size: int

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "officer": self.officer_id, "document_kind": self.document_kind,
                "case_reference": self.case_reference, "created": self.created, "delivered": self.delivered,
                "filename": self.filename, "size": self.size, "file": self.file}


@dataclass
class Listing:
    documents: list[Document]
    unreadable: int = 0     # lines or files not addressed to this officer, or damaged
    problems: list[str] | None = None


def _officer_dirs(folder: Path, ops: FileOps) -> list[str]:
    root = layout.documents_root(folder)
    try:
        names = ops.listdir(root)
    except FileNotFoundError:
        return []
    return sorted(n for n in names if identity.OFFICER_ID_RE.match(n) and ops.isdir(root / n))


def scan(folder: Path | str, identities: list[Any], ops: FileOps | None = None) -> Listing:
    """Every document in the shared folder whose manifest line this identity can open."""
    ops = ops or FileOps()
    folder = Path(folder)
    out: list[Document] = []
    unreadable = 0
    problems: list[str] = []
    for officer in _officer_dirs(folder, ops):
        where = layout.documents_dir(folder, officer)
        try:
            manifest = read_manifest(where, ops)
        except OSError as exc:
            problems.append(f"{officer}: the manifest cannot be read ({exc.strerror or type(exc).__name__})")
            continue
        seen: set[str] = set()
        for entry in manifest.entries:
            name = entry.get("file")
            if not isinstance(name, str) or not NAME_RE.match(name) or name in seen:
                continue
            body = open_meta(entry.get("meta"), identities)
            if body is None:
                unreadable += 1
                continue
            seen.add(name)
            out.append(Document(doc_id(name), officer, f"{layout.ROOT}/documents/{officer}/{name}",
                                str(body.get("document_kind") or ""), _str(body.get("case_reference")),
                                _str(body.get("created")), _str(entry.get("delivered")), _str(body.get("filename")),
                                str(body.get("sha256") or ""), int(body.get("size") or 0)))
    out.sort(key=lambda d: (d.created or "", d.officer_id, d.id))
    return Listing(out, unreadable, problems)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def find(listing: Listing, wanted: str) -> Document:
    want = doc_id(wanted.strip())
    if not ID_RE.match(want):
        raise DocumentError(f"{wanted[:80]!r} is not a document id (casebook documents lists them)")
    hits = [d for d in listing.documents if d.id == want]
    if not hits:
        raise NotFoundError(f"no document {want} that this store's key can open on the shared drive")
    if len(hits) > 1:
        raise DocumentError(f"document id {want} is on the shared drive more than once "
                            f"(officers {', '.join(d.officer_id for d in hits)})")
    return hits[0]


def open_document(folder: Path | str, doc: Document, identities: list[Any], ops: FileOps | None = None) -> bytes:
    """The document's own bytes (checked against the manifest's sealed checksum)."""
    del ops  # the file is read with safeio (regular files only, size-capped)
    path = Path(folder) / doc.file
    try:
        blob = safeio.read_regular(path, safeio.MAX_BUNDLE_BYTES)
    except FileNotFoundError:
        raise NotFoundError(f"document {doc.id} is listed but its file is missing from the shared drive "
                            "(moved or deleted)") from None
    except OSError as exc:
        raise DocumentError(f"document {doc.id} cannot be read ({exc.strerror or type(exc).__name__})") from None
    plain = _decrypt(blob, identities)
    if plain is None:
        raise DocumentError(f"document {doc.id} cannot be opened with this store's key (damaged, or not "
                            "addressed to this officer)")
    if hashlib.sha256(plain).hexdigest() != doc.sha256 or len(plain) != doc.size:
        raise DocumentError(f"document {doc.id} is damaged (it does not match its manifest line)")
    return plain
