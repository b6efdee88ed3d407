"""Drafts: unsaved forms kept when Casebook locks itself (idle, or Ctrl+L from a dialog).

They live only inside the encrypted store (never a plaintext side file) and are offered back
after the next unlock: ``take`` returns them and deletes them in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from app.models.store import entities as E
from app.models.store.changes import Changes

if TYPE_CHECKING:
    from app.models.store.facade import Store


@dataclass(frozen=True)
class Draft:
    case_reference: str | None  # None: the new-case form
    form: str  # the form's title, e.g. "Note", "Details", "New case"
    item_index: int | None  # the list item being edited; None: a new one
    data: dict[str, Any]


def save(store: Store, drafts: list[Draft]) -> Changes:
    """Keep these drafts (replacing any kept before), one transaction."""
    with store.transaction() as tx:
        tx.session.execute(delete(E.Draft))
        now = store.clock.now()
        for d in drafts:
            tx.session.add(E.Draft(case_reference=d.case_reference, form=d.form, item_index=d.item_index,
                                   data=d.data, saved_at=now))
        if drafts:
            tx.audit("keep_drafts", "store", None, f"{len(drafts)} form(s)")
        return tx.changes


def take(store: Store) -> list[Draft]:
    """Every kept draft, oldest first; they are deleted from the store in the same transaction."""
    with store.transaction() as tx:
        rows = tx.session.scalars(select(E.Draft).order_by(E.Draft.id)).all()
        out = [Draft(r.case_reference, r.form, r.item_index, dict(r.data or {})) for r in rows]
        tx.session.execute(delete(E.Draft))
        return out


def count(store: Store) -> int:
    with store.transaction() as tx:
        return len(tx.session.scalars(select(E.Draft.id)).all())
