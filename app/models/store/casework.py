"""Case-work actions that must be one transaction but span more than one Store method."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from app.models.store import bundle as B
from app.models.store import entities as E

if TYPE_CHECKING:
    from app.models.store import Store


def record_review(store: Store, ref: str, review: dict[str, Any], reason: str | None = None) -> tuple[int, int]:
    """Add a review and snapshot the plan as it stands, in one transaction.
    Returns (review index, plan version)."""
    with store._tx() as s:
        case = store._case(s, ref, full=True)
        store._check_item(s, case, "reviews", review, None)
        pos = int(s.scalar(select(func.coalesce(func.max(E.Review.position) + 1, 0))
                           .where(E.Review.case_id == case.id)) or 0)
        obj = B.build_item("reviews", review, pos)
        obj.case_id = case.id
        s.add(obj)
        if "reviews" not in (case.lists_present or []):
            case.lists_present = [*(case.lists_present or []), "reviews"]
        case.updated_at = store.clock.now()
        store._audit(s, "create", "review", ref, f"#{pos}")
        latest = s.scalar(select(func.max(E.PlanVersion.version)).where(E.PlanVersion.case_id == case.id))
        version = int(latest or 0) + 1
        s.add(E.PlanVersion(case_id=case.id, version=version, saved_at=store.clock.now(),
                            reason=reason or f"review held {review['held_on']}",
                            goals=[B.dump_goal(g) for g in case.goals]))
        store._audit(s, "create", "plan_version", ref, f"v{version}")
        return pos, version


def get_settings(store: Store, keys: list[str]) -> dict[str, Any]:
    """What is stored under each of ``keys`` (keys with nothing stored are left out)."""
    with store.transaction() as tx:
        out: dict[str, Any] = {}
        for key in keys:
            row = tx.session.get(E.StoreSetting, key)
            if row is not None:
                out[key] = row.value
        return out
