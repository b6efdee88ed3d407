"""The outbox: exports waiting, inside the encrypted store, for the team's shared drive.

Every function takes an open ``Store`` and is one transaction.  Rows come back as
``OutboxRow`` (plain values, never the content); the content is read on its own with
``content`` just before delivery.  Timestamps are stored as naive UTC and returned as
aware UTC datetimes.

Nothing here touches the file system: delivery is ``app.team.delivery``'s job, which calls
``mark_delivered`` or ``mark_failed`` afterwards.  An item stays in the store until it
is delivered, so locking the store or logging out never loses an export.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import defer

from app.models.errors import NotFoundError, ValidationError
from app.models.store import entities as E

if TYPE_CHECKING:  # pragma: no cover
    from app.models.store.facade import Store

MANIFEST_NAME = "casebook-manifest.jsonl"
MAX_CONTENT_BYTES = 64 * 1024 * 1024
BACKOFF_FIRST_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
SETTING_FOLDER = "shared_drive_folder"

_BAD_NAME_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}


@dataclass(frozen=True)
class OutboxRow:
    """One outbox item, without its content."""

    id: int
    created_at: dt.datetime
    filename: str
    document_kind: str
    case_reference: str | None
    officer: str | None
    sha256: str
    size: int
    attempts: int
    last_error: str | None
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    delivered_name: str | None

    @property
    def delivered(self) -> bool:
        return self.delivered_at is not None


def backoff_seconds(attempts: int) -> int:
    """Wait after the ``attempts``-th failure: 30 s, 60 s, 120 s ... at most one hour."""
    if attempts <= 0:
        return 0
    return min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** min(attempts - 1, 20))


def check_filename(name: str) -> str:
    """The name a file will have on the shared drive; refuses paths and names Windows rejects."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("the file name is empty")
    if name != name.strip() or name.endswith("."):
        raise ValidationError(f"the file name {name!r} starts or ends with a space or ends with a dot")
    if _BAD_NAME_CHARS.search(name):
        raise ValidationError(f"the file name {name!r} contains a character not allowed in file names "
                              '(/ \\ : * ? " < > | or a control character)')
    if name.startswith("."):
        raise ValidationError(f"the file name {name!r} must not start with a dot")
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        raise ValidationError(f"the file name {name!r} is reserved on Windows")
    if name.lower() == MANIFEST_NAME or name.lower().endswith(".partial"):
        raise ValidationError(f"the file name {name!r} is reserved for Casebook's own use")
    if len(name.encode("utf-8")) > 200:
        raise ValidationError("the file name is too long (at most 200 bytes)")
    return name


def _now(store: Store) -> dt.datetime:
    return store.clock.now().astimezone(dt.UTC).replace(tzinfo=None)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.replace(tzinfo=dt.UTC)


@functools.cache
def _no_content() -> list[Any]:
    """Load option: an outbox row without its content (built once, on first use: building it at
    import cost a noticeable share of the start-up)."""
    return [defer(E.OutboxItem.content)]


def _row(item: E.OutboxItem) -> OutboxRow:
    created = _aware(item.created_at)
    assert created is not None
    return OutboxRow(item.id, created, item.filename, item.document_kind, item.case_reference,
                     item.officer, item.sha256, item.size, item.attempts or 0, item.last_error,
                     _aware(item.next_attempt_at), _aware(item.delivered_at), item.delivered_name)


def enqueue(store: Store, filename: str, document_kind: str, case_reference: str | None, content: bytes,
            officer: str | None = None) -> int:
    """Queue ``content`` to be delivered as ``filename``; returns the item's id.

    ``officer`` defaults to the store's actor.  ``case_reference``, when given, must name a
    case in the store.  Nothing is written when anything is wrong.
    """
    check_filename(filename)
    kind = (document_kind or "").strip()
    if not kind or len(kind) > 40 or "\n" in kind:
        raise ValidationError("the document kind must be 1 to 40 characters on one line")
    if not isinstance(content, bytes | bytearray | memoryview):
        raise ValidationError("the content must be bytes")
    data = bytes(content)
    if len(data) > MAX_CONTENT_BYTES:
        raise ValidationError(f"the file is too large to queue (over {MAX_CONTENT_BYTES // (1024 * 1024)} MB)")
    who = (officer if officer is not None else store.actor).strip() or None
    if who is not None and (len(who) > 200 or "\n" in who):
        raise ValidationError("the officer name must be at most 200 characters on one line")
    with store._tx() as s:
        if case_reference is not None:
            found = s.scalar(select(E.Case.id).where(E.Case.reference == case_reference))
            if found is None:
                raise NotFoundError(f"no case {case_reference}")
        item = E.OutboxItem(created_at=_now(store), filename=filename, document_kind=kind,
                            case_reference=case_reference, officer=who, content=data,
                            sha256=hashlib.sha256(data).hexdigest(), size=len(data), attempts=0)
        s.add(item)
        s.flush()
        store._audit(s, "queue", "outbox", str(item.id), f"{kind} {len(data)} bytes")
        return int(item.id)


def _columns() -> list[object]:
    # every column except the content, so listing never loads a blob
    return [c for c in E.OutboxItem.__table__.columns if c.name != "content"]


def _rows(store: Store, *where: object, order: object = None, limit: int | None = None) -> list[OutboxRow]:
    with store._tx() as s:
        q = select(*_columns()).where(*where)  # type: ignore[call-overload]
        q = q.order_by(order if order is not None else E.OutboxItem.id)
        if limit is not None:
            q = q.limit(limit)
        out = []
        for m in s.execute(q).mappings():
            out.append(OutboxRow(m["id"], _aware(m["created_at"]) or dt.datetime.min, m["filename"],
                                 m["document_kind"], m["case_reference"], m["officer"], m["sha256"],
                                 m["size"], m["attempts"] or 0, m["last_error"],
                                 _aware(m["next_attempt_at"]), _aware(m["delivered_at"]),
                                 m["delivered_name"]))
        return out


def pending(store: Store) -> list[OutboxRow]:
    """Every item not yet delivered, oldest first."""
    return _rows(store, E.OutboxItem.delivered_at.is_(None))


def due(store: Store) -> list[OutboxRow]:
    """Undelivered items whose back-off has passed (or that never failed), oldest first."""
    now = _now(store)
    return _rows(store, E.OutboxItem.delivered_at.is_(None),
                 or_(E.OutboxItem.next_attempt_at.is_(None), E.OutboxItem.next_attempt_at <= now))


def waiting_count(store: Store) -> int:
    with store._tx() as s:
        return int(s.scalar(select(func.count(E.OutboxItem.id)).where(E.OutboxItem.delivered_at.is_(None)))
                   or 0)


def list_items(store: Store, recent: int = 20) -> list[OutboxRow]:
    """For display: every queued item (oldest first), then the ``recent`` latest delivered."""
    with store.transaction():  # one read
        queued = pending(store)
        done = _rows(store, E.OutboxItem.delivered_at.is_not(None),
                     order=E.OutboxItem.delivered_at.desc(), limit=max(0, recent))
    return queued + done


def get(store: Store, item_id: int) -> OutboxRow:
    with store._tx() as s:
        item = s.get(E.OutboxItem, item_id, options=_no_content())
        if item is None:
            raise NotFoundError(f"no outbox item {item_id}")
        return _row(item)


def content(store: Store, item_id: int) -> bytes:
    with store._tx() as s:
        data = s.scalar(select(E.OutboxItem.content).where(E.OutboxItem.id == item_id))
        if data is None:
            raise NotFoundError(f"no outbox item {item_id}")
        return bytes(data)


def mark_delivered(store: Store, item_id: int, delivered_name: str, detail: str | None = None) -> None:
    """Record delivery (audit event "share"; file name and kind only, never content)."""
    with store._tx() as s:
        item = s.get(E.OutboxItem, item_id, options=_no_content())
        if item is None:
            raise NotFoundError(f"no outbox item {item_id}")
        if item.delivered_at is not None:
            return
        item.delivered_at = _now(store)
        item.delivered_name = delivered_name
        item.last_error = None
        item.next_attempt_at = None
        note = f"{item.document_kind} as {delivered_name}" + (f" ({detail})" if detail else "")
        store._audit(s, "share", "outbox", item.case_reference or str(item.id), note[:400])


def mark_failed(store: Store, item_id: int, error: str) -> OutboxRow:
    """Count a failed attempt, keep the item queued and push its next attempt back."""
    message = " ".join(str(error).split())[:500] or "delivery failed"
    with store._tx() as s:
        item = s.get(E.OutboxItem, item_id, options=_no_content())
        if item is None:
            raise NotFoundError(f"no outbox item {item_id}")
        item.attempts = (item.attempts or 0) + 1
        item.last_error = message
        item.next_attempt_at = _now(store) + dt.timedelta(seconds=backoff_seconds(item.attempts))
        return _row(item)


def retry_now(store: Store) -> int:
    """Make every queued item due at once (an officer pressed "Sync now"); returns how many."""
    with store._tx() as s:
        items = s.scalars(select(E.OutboxItem).where(E.OutboxItem.delivered_at.is_(None))).all()
        for item in items:
            item.next_attempt_at = None
        return len(items)
