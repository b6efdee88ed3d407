"""Exported documents on the shared drive: who can read them, their names, their sealed
manifest part (issue 21 family; docs/SYNC.md).  The reading side is ``app.team.documents``.

Delivery (``app.team.delivery``) puts each outbox item at

    <folder>/casebook/documents/<officer-id>/<item-id>-<UTC time>-<hex>.pdf.age

as a plain age file (``age -d -i KEY file.pdf.age`` gives the PDF back) encrypted to the
officer's own age recipient, the team manager's pinned recipient when a manager is set, and
the team recovery recipient when one is set.  The name carries ids and a time only; its hex is
keyed with the store's own secret, so the same item always gets the same name (a retry after
a crash finds it) and nobody else can compute it from a guess at the content.

That folder's ``casebook-manifest.jsonl`` has one line per document: the file name, the
SHA-256 and size of the encrypted file, the item id, times and the officer id in clear, and
``meta``: base64 of an age file (same recipients) holding the document kind, case reference,
original file name, queued-by, and the SHA-256 and size of the PDF.  Nothing in clear names a
person or a case.

Reading back (``app.team.documents``; the ``casebook documents`` verb) needs the officer's
age identity only.  This module sits below delivery, cards, status and copies (it imports
none of them): the settings it reads, the team manager, the pinned cards and the recovery
recipient, are declared here and used by those modules.  Nothing here imports Qt.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyrage

from app.models.errors import StoreError
from app.team import identity

if TYPE_CHECKING:
    from app.models.store import Store
    from app.models.store.outbox import OutboxRow

FORMAT = "casebook-document/v1"
PDF_EXT = ".pdf.age"
OTHER_EXT = ".bin.age"
_STAMP = "%Y%m%dT%H%M%S"
NAME_RE = re.compile(r"^(?P<item>[0-9]{1,12})-(?P<stamp>\d{8}T\d{9}Z)-(?P<hex>[0-9a-f]{8})(?:-(?P<n>[0-9]{1,4}))?"
                     r"(?P<ext>\.pdf\.age|\.bin\.age)$")
ID_RE = re.compile(r"^[0-9]{1,12}-\d{8}T\d{9}Z-[0-9a-f]{8}(?:-[0-9]{1,4})?$")
MAX_META = 64 * 1024
SETTING_MANAGER = "team_manager"          # the team manager's officer id (app.team.status)
SETTING_PINS = "officer_pins"             # pinned officer cards (app.team.cards)
SETTING_RECOVERY = "recovery_recipient"   # the team recovery recipient (app.team.copies)


@dataclass(frozen=True)
class Sealer:
    """What encrypting and naming this officer's documents needs (read once per sync pass)."""

    officer_id: str
    recipients: tuple[str, ...]
    identity: Any  # pyrage x25519 Identity (never leaves the process)
    name_key: bytes

    def encrypt(self, data: bytes) -> bytes:
        keys = [pyrage.x25519.Recipient.from_str(r) for r in self.recipients]
        return bytes(pyrage.encrypt(data, keys))

    def decrypt(self, blob: bytes) -> bytes | None:
        return _decrypt(blob, [self.identity])


def recipients_for(store: Store) -> list[str]:
    """The officer's own recipient, the pinned team manager's, the team recovery recipient."""
    own = identity.ensure(store).recipient
    out = [own]
    mid = store.get_setting(SETTING_MANAGER)
    pins = store.get_setting(SETTING_PINS)
    if isinstance(mid, str) and identity.OFFICER_ID_RE.match(mid) and isinstance(pins, dict):
        pin = pins.get(mid)
        if isinstance(pin, dict) and isinstance(pin.get("recipient"), str):
            out.append(pin["recipient"])
    recovery = store.get_setting(SETTING_RECOVERY)
    if isinstance(recovery, str) and recovery:
        out.append(recovery)
    return list(dict.fromkeys(out))


def sealer_for(store: Store) -> Sealer:
    ident = identity.ensure(store)
    secret = identity.age_identity(store)
    recipients = tuple(recipients_for(store))
    for r in recipients:  # a damaged pin or recovery setting: one line, before anything is written
        try:
            pyrage.x25519.Recipient.from_str(r)
        except Exception:
            raise StoreError("a recipient key for the shared drive (team manager or recovery) is damaged; "
                             "set it again (casebook team / casebook copies)") from None
    key = hashlib.sha256(b"casebook-document-name/v1\n" + str(secret).encode("ascii")).digest()
    return Sealer(ident.officer_id, recipients, secret, key)


# ---------------------------------------------------------------------- names
def _ext(filename: str) -> str:
    return PDF_EXT if filename.lower().endswith(".pdf") else OTHER_EXT


def _stamp(when: dt.datetime) -> str:
    when = when.astimezone(dt.UTC)
    return f"{when.strftime(_STAMP)}{when.microsecond // 1000:03d}Z"


def file_name(sealer: Sealer, row: OutboxRow, n: int = 1) -> str:
    """The item's name in the officer's documents folder (``n`` > 1: the rare name taken by
    something else).  The same item always gets the same name."""
    msg = f"{sealer.officer_id}\n{row.id}\n{row.created_at.isoformat()}\n{row.sha256}".encode()
    tag = hmac.new(sealer.name_key, msg, hashlib.sha256).hexdigest()[:8]
    suffix = "" if n <= 1 else f"-{n}"
    return f"{row.id}-{_stamp(row.created_at)}-{tag}{suffix}{_ext(row.filename)}"


def doc_id(name: str) -> str:
    """The id ``casebook documents`` shows: the file name without its extension."""
    for ext in (PDF_EXT, OTHER_EXT):
        if name.endswith(ext):
            return name[: -len(ext)]
    return name


# ---------------------------------------------------------------------- the manifest's sealed part
def seal_meta(sealer: Sealer, row: OutboxRow) -> str:
    body = {"format": FORMAT, "document_kind": row.document_kind, "case_reference": row.case_reference,
            "filename": row.filename, "queued_by": row.officer, "sha256": row.sha256, "size": row.size,
            "created": row.created_at.isoformat(timespec="seconds")}
    plain = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return base64.b64encode(sealer.encrypt(plain)).decode("ascii")


def _decrypt(blob: bytes, identities: list[Any]) -> bytes | None:
    try:
        return bytes(pyrage.decrypt(blob, identities))
    except Exception:  # pyrage.DecryptError and friends: not for us, or damaged
        return None


def open_meta(meta: Any, identities: list[Any]) -> dict[str, Any] | None:
    """The sealed part of a manifest line, or None (not addressed to us, damaged, absent)."""
    if not isinstance(meta, str) or len(meta) > MAX_META:
        return None
    try:
        blob = base64.b64decode(meta.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    plain = _decrypt(blob, identities)
    if plain is None:
        return None
    try:
        body = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return body if isinstance(body, dict) and body.get("format") == FORMAT else None


