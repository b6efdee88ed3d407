"""Case-work actions that must be one transaction but span more than one Store method."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.models.store import entities as E

if TYPE_CHECKING:
    from app.models.store import Store


def record_review(store: Store, ref: str, review: dict[str, Any], reason: str | None = None) -> tuple[int, int]:
    """Add a review and snapshot the plan as it stands, in one transaction (``store.plans``).
    Returns (review index, plan version)."""
    done = store.plans.record_review(ref, review, reason)
    return done.index, done.version


def get_settings(store: Store, keys: list[str]) -> dict[str, Any]:
    """What is stored under each of ``keys`` (keys with nothing stored are left out)."""
    with store.transaction() as tx:
        out: dict[str, Any] = {}
        for key in keys:
            row = tx.session.get(E.StoreSetting, key)
            if row is not None:
                out[key] = row.value
        return out
