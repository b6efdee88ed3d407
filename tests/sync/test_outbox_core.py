"""app.models.store.outbox: queueing, back-off, delivery records, audit."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest

from app.models.errors import NotFoundError, ValidationError
from app.models.store import Store, outbox


def test_enqueue_and_list_without_content(mstore: Store) -> None:
    data = b"%PDF-1.7 synthetic contract"
    item = outbox.enqueue(mstore, "contract.pdf", "contract", None, data)
    rows = outbox.pending(mstore)
    assert [r.id for r in rows] == [item]
    row = rows[0]
    assert row.sha256 == hashlib.sha256(data).hexdigest() and row.size == len(data)
    assert row.officer == "test-officer" and row.attempts == 0 and not row.delivered
    assert not hasattr(row, "content")
    assert outbox.content(mstore, item) == data
    assert outbox.waiting_count(mstore) == 1
    assert outbox.due(mstore)[0].id == item


def test_enqueue_with_case_reference(loaded_store: Store) -> None:
    item = outbox.enqueue(loaded_store, "plan.pdf", "plan", "CPO-2026-0001", b"x", officer="A. Officer")
    row = outbox.get(loaded_store, item)
    assert row.case_reference == "CPO-2026-0001" and row.officer == "A. Officer"
    with pytest.raises(NotFoundError):
        outbox.enqueue(loaded_store, "plan.pdf", "plan", "CPO-NOPE", b"x")
    assert outbox.waiting_count(loaded_store) == 1


@pytest.mark.parametrize("name", ["", " a.pdf", "a/b.pdf", "..\\x.pdf", "a:b.pdf", ".hidden.pdf",
                                  "CON.pdf", "casebook-manifest.jsonl", "x.partial", "a.pdf.", "a\nb.pdf",
                                  "é" * 150 + ".pdf"])
def test_bad_names_are_refused_and_nothing_is_stored(mstore: Store, name: str) -> None:
    before = len(mstore.audit_events())
    with pytest.raises(ValidationError):
        outbox.enqueue(mstore, name, "contract", None, b"x")
    assert outbox.waiting_count(mstore) == 0
    assert len(mstore.audit_events()) == before


@pytest.mark.parametrize("kind", ["", "  ", "k" * 41, "a\nb"])
def test_bad_kind_refused(mstore: Store, kind: str) -> None:
    with pytest.raises(ValidationError):
        outbox.enqueue(mstore, "a.pdf", kind, None, b"x")
    assert outbox.waiting_count(mstore) == 0


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [outbox.backoff_seconds(n) for n in range(1, 10)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert outbox.backoff_seconds(500) == 3600


def test_mark_failed_keeps_item_and_defers_it(mstore: Store, mclock: Any) -> None:
    item = outbox.enqueue(mstore, "a.pdf", "contract", None, b"x")
    row = outbox.mark_failed(mstore, item, "the shared drive is full\n(no space)")
    assert row.attempts == 1 and row.last_error == "the shared drive is full (no space)"
    assert row.next_attempt_at == mclock.now() + dt.timedelta(seconds=30)
    assert outbox.due(mstore) == [] and len(outbox.pending(mstore)) == 1
    mclock.advance(30)
    assert [r.id for r in outbox.due(mstore)] == [item]
    row = outbox.mark_failed(mstore, item, "again")
    assert row.attempts == 2 and row.next_attempt_at == mclock.now() + dt.timedelta(seconds=60)
    assert outbox.retry_now(mstore) == 1
    assert [r.id for r in outbox.due(mstore)] == [item]


def test_mark_delivered_audits_share_without_content(mstore: Store) -> None:
    secret = b"VICTIM-DETAIL-SHOULD-NEVER-BE-IN-AUDIT"
    item = outbox.enqueue(mstore, "review.pdf", "review-summary", None, secret)
    outbox.mark_failed(mstore, item, "offline")
    outbox.mark_delivered(mstore, item, "review (2).pdf")
    row = outbox.get(mstore, item)
    assert row.delivered and row.delivered_name == "review (2).pdf" and row.last_error is None
    assert outbox.waiting_count(mstore) == 0
    shares = [e for e in mstore.audit_events() if e.action == "share"]
    assert len(shares) == 1 and "review (2).pdf" in (shares[0].detail or "")
    assert all(secret.decode() not in (e.detail or "") for e in mstore.audit_events())
    outbox.mark_delivered(mstore, item, "other.pdf")  # idempotent: first delivery stands
    assert outbox.get(mstore, item).delivered_name == "review (2).pdf"
    assert len([e for e in mstore.audit_events() if e.action == "share"]) == 1
    assert mstore.verify_audit() == []


def test_list_items_shows_queued_then_recent_delivered(mstore: Store, mclock: Any) -> None:
    ids = [outbox.enqueue(mstore, f"f{i}.pdf", "plan", None, bytes([i])) for i in range(5)]
    for i in ids[:3]:
        mclock.advance(1)
        outbox.mark_delivered(mstore, i, f"f{i}.pdf")
    rows = outbox.list_items(mstore, recent=2)
    assert [r.id for r in rows] == [ids[3], ids[4], ids[2], ids[1]]


def test_unsent_items_survive_locking(tmp_path: Any, passphrase: str) -> None:
    path = tmp_path / "s.cbk"
    with Store.create(path, passphrase) as s:
        outbox.enqueue(s, "a.pdf", "contract", None, b"kept")
    with Store.open(path, passphrase) as s:
        rows = outbox.pending(s)
        assert len(rows) == 1 and outbox.content(s, rows[0].id) == b"kept"
