"""prev_hash (issue 15 item 2): a packet for a case this store held before must chain to the last
handover of it known here; a packet that does not is refused with one line, nothing imported."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest

from app.models.errors import ValidationError
from app.models.rules.clock import Clock
from app.models.store import Store, custody
from app.team import handover, identity
from tests.team.test_handover import NOTE, REF, _blank, _drop, _full, _incoming_id, _oid, _publish, _record


def _forge_back(signer: Store, to: Store, custody_id: str, version: int, chain: list[str],
                record: dict[str, Any]) -> tuple[str, bytes]:
    """A packet from ``signer`` (properly signed by them) for ``to`` with the given history."""
    packet_id = handover.new_packet_id()
    sender, recipient = _oid(signer), _oid(to)
    header = {"kind": "handover", "packet_id": packet_id, "from": sender, "to": recipient, "custody_id": custody_id,
              "custody_version": version, "prev_hash": chain[-1] if chain else handover.NO_PREVIOUS,
              "created": "2026-11-30T10:00:00+00:00"}
    payload = {"packet_id": packet_id, "custody_id": custody_id, "custody_version": version,
               "sender": {"officer_id": sender, "name": "Officer Beta"}, "recipient": recipient, "note": None,
               "record": record, "chain": chain}
    return packet_id, handover.seal(signer, header, payload, [identity.ensure(to).recipient])


def ticking_clock() -> Clock:
    """A clock one second later at every reading: each export crosses a second boundary, as a
    slow run did now and then (the comparison of two exports once failed on the time)."""
    start = dt.datetime.now().astimezone().replace(microsecond=0)
    ticks = itertools.count()
    return Clock(lambda: start + dt.timedelta(seconds=next(ticks)))


@pytest.fixture
def pair(tmp_path: Path) -> Any:
    share = tmp_path / "share"
    share.mkdir()
    a = _full(tmp_path / "a.cbk", share)
    a.clock = ticking_clock()
    b = _blank(tmp_path / "b.cbk", "Officer Beta", share)
    _publish(a, b)
    yield a, b, share
    for s in (a, b):
        s.close()


def _transfer_a_to_b(a: Store, b: Store) -> str:
    handover.hand_over(a, REF, _oid(b), NOTE)
    handover.sync(a)
    handover.sync(b)
    handover.accept(b, _incoming_id(b))
    handover.sync(a)
    state = custody.state_of(a, REF)
    assert state is not None and state.state == "transferred" and state.last_packet_hash
    return state.last_packet_hash


def _content(store: Store) -> dict[str, Any]:
    """The store's cases as a bundle, without the export time (seconds: a slow run crosses one)."""
    bundle = store.export_bundle()
    bundle.pop("exported_at", None)
    return bundle


def test_a_return_that_does_not_chain_is_refused_and_nothing_is_imported(pair: Any) -> None:
    a, b, share = pair
    first = _transfer_a_to_b(a, b)
    held = custody.state_of(b, REF)
    assert held is not None and held.last_packet_hash == first
    record = custody.snapshot(b, REF).payload()
    before = _content(a)
    assert a.export_bundle()["exported_at"] != a.export_bundle()["exported_at"]  # the clock ticks
    for chain in ([], ["ab" * 32]):  # no history, or a history that skips A's handover
        pid, blob = _forge_back(b, a, held.custody_id, 2, chain, record)
        _drop(share, _oid(a), pid, blob)
        handover.sync(a)
        with pytest.raises(ValidationError, match="does not chain") as got:
            handover.accept(a, pid)
        assert "\n" not in str(got.value) and "nothing imported" in str(got.value)
        assert _content(a) == before
        assert custody.state_of(a, REF).state == "transferred"  # type: ignore[union-attr]
    # a header whose prev_hash disagrees with the history it carries is damaged
    pid, blob = _forge_back(b, a, held.custody_id, 2, [first], record)
    blob = blob.replace(first.encode(), b"cd" * 32, 1)
    _drop(share, _oid(a), pid, blob)
    handover.sync(a)
    with pytest.raises(handover.HandoverError):
        handover.accept(a, pid)
    assert _content(a) == before


def test_a_real_return_chains_and_a_declined_packet_stays_out_of_the_chain(pair: Any) -> None:
    a, b, _share = pair
    first = _transfer_a_to_b(a, b)
    # B hands back, A declines: the declined packet does not join the chain
    handover.hand_over(b, REF, _oid(a), "first try")
    handover.sync(b)
    handover.sync(a)
    handover.decline(a, _incoming_id(a), "not yet")
    handover.sync(b)
    assert custody.state_of(b, REF).state == "held"  # type: ignore[union-attr]
    assert custody.state_of(b, REF).last_packet_hash == first  # type: ignore[union-attr]
    # B hands back again: it chains through A's handover, so A accepts it
    handover.hand_over(b, REF, _oid(a), "back to you")
    handover.sync(b)
    handover.sync(a)
    result, held = handover.accept(a, _incoming_id(a))
    assert result.replaced and held is not None and held.state == "held"
    assert _record(a) == _record(b)
    assert custody.chain_of(a, held.custody_id)[0] == first
