"""The Store's named parts, in the manner of Anki's ``Collection`` (``col.decks``, ``col.cards``):
``store.cases``, ``store.items``, ``store.plans``, ``store.signatures``, ``store.outbox``,
``store.documents`` and ``store.security`` (``store.settings``, ``store.appointments``,
``store.timescales`` and ``store.calendar`` live in their own modules).

Each method is one user action = one transaction (store calls made inside an open
transaction join it, see ``Store.transaction``), shared by the CLI and the GUI's worker.
Multi-step actions are one method here: ``plans.record_review`` (the review and the plan
version), ``signatures.save_all`` (every role or none), ``documents.share`` (the outbox item
and the export's audit).  Mutators return the ``Changes`` they made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.models.errors import ValidationError
from app.models.rules.calendar import WorkingCalendar
from app.models.rules.deadlines import DeadlineConfig
from app.models.store import cases as case_actions
from app.models.store import outbox as outbox_mod
from app.models.store import security as security_mod
from app.models.store.changes import Changes

if TYPE_CHECKING:  # pragma: no cover
    from app.models.store.facade import CaseSummary, Store

SIGNATURE_ROLES = ("individual", "officer")


class _Part:
    __slots__ = ("_store",)

    def __init__(self, store: Store) -> None:
        self._store = store


@dataclass(frozen=True)
class CaseView:
    """What a case's workspace needs, read in one transaction (``store.cases.view``)."""

    case: dict[str, Any]
    config: DeadlineConfig
    calendar: WorkingCalendar
    plan_versions: list[dict[str, Any]]
    signed_on: dict[str, dt.date | None] = field(default_factory=dict)  # the contract's signatures by role
    custody: Any = None  # custody.CustodyState of a case that travelled (read-only while handed over)


class Cases(_Part):
    """``store.cases``: whole cases and their lifecycle."""

    def get(self, ref: str) -> dict[str, Any]:
        return self._store.get_case(ref)

    def get_many(self, refs: Iterable[str] | None = None) -> list[dict[str, Any]]:
        return self._store.get_cases(refs)

    def references(self) -> list[str]:
        return self._store.case_references()

    def count(self) -> int:
        return self._store.count_cases()

    def summaries(self, include_archived: bool = False) -> list[CaseSummary]:
        return self._store.list_cases(include_archived)

    def view(self, ref: str, signature_document: str = "contract") -> CaseView:
        """The case with its deadline policy, calendar, plan versions and the dates its
        contract was signed: one transaction."""
        store = self._store
        with store.transaction():
            case = store.get_case(ref)
            signed: dict[str, dt.date | None] = {}
            if case.get("contract") is not None:
                for role in SIGNATURE_ROLES:
                    sig = store.get_signature(ref, signature_document, role)
                    signed[role] = None if sig is None else sig[1]
            from app.models.store import custody

            return CaseView(case, DeadlineConfig.for_store(store), WorkingCalendar.for_store(store),
                            store.plan_versions(ref), signed, custody.state_of(store, ref))

    def create(self, data: dict[str, Any]) -> Changes:
        ref = self._store.create_case(data)
        return Changes(caseload=True).case(ref)

    def update(self, ref: str, changes: dict[str, Any]) -> Changes:
        self._store.update_case(ref, changes)
        return Changes().case(ref, *changes)

    def delete(self, ref: str) -> Changes:
        return case_actions.delete(self._store, ref)

    def archive(self, ref: str, archived: bool = True) -> Changes:
        return case_actions.archive(self._store, ref, archived)

    def rename(self, old: str, new: str) -> Changes:
        return case_actions.rename(self._store, old, new)

    def archived(self) -> list[str]:
        return case_actions.archived_references(self._store)

    def resolve(self, ref: str) -> str:
        """The current reference of a case known by ``ref`` (its own, or one it used to have)."""
        return case_actions.resolve(self._store, ref)


class Items(_Part):
    """``store.items``: the items of a case's lists (notes, goals, reviews, flags, ...)."""

    def add(self, ref: str, key: str, item: dict[str, Any]) -> int:
        """Append; returns the new item's index."""
        return self._store.add_item(ref, key, item)

    def update(self, ref: str, key: str, index: int, item: dict[str, Any]) -> Changes:
        self._store.update_item(ref, key, index, item)
        return Changes().case(ref, key)

    def delete(self, ref: str, key: str, index: int) -> Changes:
        self._store.delete_item(ref, key, index)
        return Changes().case(ref, key)


@dataclass(frozen=True)
class ReviewRecorded:
    index: int      # the review's position in the case's reviews
    version: int    # the plan version saved with it
    changes: Changes


class Plans(_Part):
    """``store.plans``: plan versions, and reviews that snapshot the plan."""

    def save_version(self, ref: str, reason: str | None = None) -> int:
        return self._store.save_plan_version(ref, reason)

    def versions(self, ref: str) -> list[dict[str, Any]]:
        return self._store.plan_versions(ref)

    def record_review(self, ref: str, review: dict[str, Any], reason: str | None = None) -> ReviewRecorded:
        """Add the review and save the plan as it stands, in one transaction."""
        store = self._store
        with store.transaction():
            index = store.add_item(ref, "reviews", review)
            version = store.save_plan_version(ref, reason or f"review held {review['held_on']}")
        return ReviewRecorded(index, version, Changes().case(ref, "reviews", "plan_versions"))


class Signatures(_Part):
    """``store.signatures``: captured signatures (kept encrypted in the store)."""

    def save(self, ref: str, document: str, role: str, png: bytes, signed_on: dt.date) -> Changes:
        return self.save_all(ref, document, {role: (png, signed_on)})

    def save_all(self, ref: str, document: str, signatures: Mapping[str, tuple[bytes, dt.date]]) -> Changes:
        """Every role's signature (role -> (PNG, signed on)) or, when one is refused, none."""
        store = self._store
        for role, (png, _on) in signatures.items():
            if role not in SIGNATURE_ROLES:
                raise ValidationError("a signature is the individual's or the officer's")
            if not bytes(png).startswith(b"\x89PNG"):
                raise ValidationError("a signature must be a PNG image")
        with store.transaction():
            for role, (png, signed_on) in signatures.items():
                store.save_signature(ref, document, role, png, signed_on)
        return Changes().case(ref, "signatures", "contract") if signatures else Changes()

    def get(self, ref: str, document: str, role: str) -> tuple[bytes, dt.date] | None:
        return self._store.get_signature(ref, document, role)


class Outbox(_Part):
    """``store.outbox``: documents queued for the team's shared drive (app/models/store/outbox.py)."""

    def enqueue(self, filename: str, document_kind: str, case_reference: str | None, content: bytes,
                officer: str | None = None) -> int:
        return outbox_mod.enqueue(self._store, filename, document_kind, case_reference, content, officer)

    def pending(self) -> list[outbox_mod.OutboxRow]:
        return outbox_mod.pending(self._store)

    def due(self) -> list[outbox_mod.OutboxRow]:
        return outbox_mod.due(self._store)

    def waiting_count(self) -> int:
        return outbox_mod.waiting_count(self._store)

    def list_items(self, recent: int = 20) -> list[outbox_mod.OutboxRow]:
        return outbox_mod.list_items(self._store, recent)

    def get(self, item_id: int) -> outbox_mod.OutboxRow:
        return outbox_mod.get(self._store, item_id)

    def content(self, item_id: int) -> bytes:
        return outbox_mod.content(self._store, item_id)

    def mark_delivered(self, item_id: int, delivered_name: str, detail: str | None = None) -> None:
        outbox_mod.mark_delivered(self._store, item_id, delivered_name, detail)

    def mark_failed(self, item_id: int, error: str) -> outbox_mod.OutboxRow:
        return outbox_mod.mark_failed(self._store, item_id, error)

    def retry_now(self) -> int:
        return outbox_mod.retry_now(self._store)


@dataclass(frozen=True)
class Shared:
    item_id: int     # the outbox item
    filename: str
    changes: Changes


class Documents(_Part):
    """``store.documents``: documents leaving the app."""

    def share(self, filename: str, document: str, ref: str, data: bytes,
              record: Callable[[], Changes | None] | None = None) -> Shared:
        """Queue the document for the shared drive and record its export, in one transaction:
        both or neither.  ``record``: the export's audit and what it does (for a warning
        letter, the step it is), e.g. ``app.reports.render.record_export`` bound to the
        document; without it, an ``export`` event for the officer's copy."""
        store = self._store
        with store.transaction():
            item = outbox_mod.enqueue(store, filename, document, ref, data)
            if record is None:
                store.record_event("export", document, ref, "officer")
                made = None
            else:
                made = record()
        return Shared(item, filename, made if isinstance(made, Changes) else Changes())


class Security(_Part):
    """``store.security``: passphrase, backups, not-for-disclosure views, commit state
    (app/models/store/security.py)."""

    def passphrase_matches(self, given: str) -> bool:
        return security_mod.passphrase_matches(self._store, given)

    def change_passphrase(self, old: str, new: str) -> Path:
        return security_mod.change_passphrase(self._store, old, new)

    def record_nfd_view(self, ref: str, what: str) -> None:
        security_mod.record_nfd_view(self._store, ref, what)

    def rolling_backup(self, reason: str | None = None) -> Path:
        return security_mod.rolling_backup(self._store, reason)

    def backups(self) -> list[security_mod.BackupInfo]:
        return security_mod.list_backups(self._store.path)

    def backup_keep(self) -> int:
        return security_mod.backup_keep(self._store)

    def set_backup_keep(self, n: int) -> None:
        security_mod.set_backup_keep(self._store, n)

    def commit_state(self) -> dict[str, Any]:
        return security_mod.commit_state(self._store)

    def check_commit_state(self, state: dict[str, Any]) -> str | None:
        return security_mod.check_commit_state(self._store, state)
