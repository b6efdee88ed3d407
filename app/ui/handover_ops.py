"""Handing a case over from the desktop (issue 15): the store calls, on the worker.

Each action is the one core function ``casebook handover/--cancel/accept/decline`` calls
(``app.team.handover``), run by ``ctx.tasks``; its change-set goes to ``ctx.events.changed``
through ``operations.mutate``, so the caseload and the open case redraw only what it names."""

from __future__ import annotations

from typing import Any

from app.models.store import Changes
from app.ui.context import AppContext
from app.ui.operations import Done, Failed, mutate


def colleagues(ctx: AppContext, on_done: Done, on_error: Failed) -> None:
    """The colleagues' cards on the shared drive (``cards.CardStatus``, pinned or not)."""
    store = ctx.require_store()

    def work() -> list[Any]:
        from app.team import handover

        return handover.colleagues(store)

    ctx.tasks.run(work, on_done, on_error)


def hand_over(ctx: AppContext, ref: str, to: str, note: str | None, fingerprint: str | None, on_done: Done,
              on_error: Failed) -> None:
    """Queue the handover of ``ref`` to officer ``to`` (``fingerprint``: confirms a card not
    pinned yet); on_done gets ``handover.Sent``."""
    store = ctx.require_store()

    def work() -> Any:
        from app.team import handover

        return handover.hand_over(store, ref, to, note, fingerprint=fingerprint)

    mutate(ctx, work, lambda _: Changes(custody=True).case(ref), on_done, on_error)


def cancel(ctx: AppContext, ref: str, on_done: Done, on_error: Failed) -> None:
    """Cancel the pending handover of ``ref``; on_done gets the core's line."""
    store = ctx.require_store()

    def work() -> str:
        from app.team import handover

        return handover.cancel(store, ref)

    mutate(ctx, work, lambda _: Changes(custody=True).case(ref), on_done, on_error)


def accept(ctx: AppContext, packet_id: str, on_done: Done, on_error: Failed) -> None:
    """Verify and import an incoming packet; on_done gets ``(custody.Accepted, CustodyState)``."""
    store = ctx.require_store()

    def work() -> Any:
        from app.team import handover

        return handover.accept(store, packet_id)

    def made(result: Any) -> Changes:
        accepted, _state = result
        return accepted.changes | Changes(custody=True, caseload=True).case(accepted.reference)

    mutate(ctx, work, made, on_done, on_error)


def decline(ctx: AppContext, packet_id: str, reason: str, on_done: Done, on_error: Failed) -> None:
    """Send the packet back (nothing imported); on_done gets the core's line."""
    store = ctx.require_store()

    def work() -> str:
        from app.team import handover

        return handover.decline(store, packet_id, reason)

    mutate(ctx, work, lambda _: Changes(custody=True), on_done, on_error)


def custody_and_incoming(ctx: AppContext, on_done: Done, on_error: Failed = None) -> None:
    """``(states, incoming)``: the custody of every case that travelled and the packets waiting."""
    store = ctx.require_store()

    def work() -> tuple[dict[str, Any], list[Any]]:
        from app.models.store import custody
        from app.team import handover

        return custody.states(store), handover.incoming(store)

    ctx.tasks.run(work, on_done, on_error)
