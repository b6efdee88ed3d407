"""One user action = one store transaction: opening a case, saving both signatures, queueing
a PDF for the shared drive, recording a review (issue 13).  Counted by wrapping Store._tx:
a transaction is an outermost entry (store calls inside one join it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest

from app.models.errors import ValidationError
from app.models.store import Store, outbox
from app.ui import operations as ops

REF = "CPO-2026-0001"
PNG = b"\x89PNG\r\n\x1a\nfake"


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one per outermost transaction (and counts nested entries as 0)."""
    real = Store._tx
    counted: list[int] = []

    @contextmanager
    def counting(self: Store) -> Iterator[Any]:
        if self._open is None:
            counted.append(1)
        with real(self) as session:
            yield session

    monkeypatch.setattr(Store, "_tx", counting)
    return counted


def _ctx(store: Store) -> Any:
    """Just enough of AppContext: the store, its clock, a worker that runs at once."""
    emitted: list[Any] = []

    def run(work: Any, on_done: Any = None, on_error: Any = None) -> None:
        try:
            result = work()
        except BaseException as exc:
            if on_error is None:
                raise
            on_error(exc)
            return
        if on_done is not None:
            on_done(result)

    return SimpleNamespace(require_store=lambda: store, clock=store.clock, tasks=SimpleNamespace(run=run),
                           events=SimpleNamespace(changed=SimpleNamespace(emit=emitted.append)), emitted=emitted,
                           privacy=False)


def test_load_case_is_one_transaction(loaded_store: Store, transactions: list[int]) -> None:
    loaded_store.save_signature(REF, "contract", "officer", PNG, dt.date(2026, 11, 20))
    got: list[Any] = []
    transactions.clear()
    ops.load_case(_ctx(loaded_store), REF, got.append)
    assert len(transactions) == 1
    data = got[0]
    assert data.case["reference"] == REF and data.signed_on == {"individual": None, "officer": dt.date(2026, 11, 20)}


def test_save_signatures_is_one_transaction_all_or_nothing(loaded_store: Store, transactions: list[int]) -> None:
    ctx = _ctx(loaded_store)
    ops.save_signatures(ctx, REF, {"individual": (PNG, dt.date(2026, 11, 21)),
                                   "officer": (PNG, dt.date(2026, 11, 22))}, None, None)
    assert len(transactions) == 1
    assert loaded_store.get_signature(REF, "contract", "officer") == (PNG, dt.date(2026, 11, 22))
    errors: list[BaseException] = []
    ops.save_signatures(ctx, "CPO-NO-SUCH", {"individual": (PNG, dt.date(2026, 11, 21))}, None, errors.append)
    assert errors
    # the second role fails inside the transaction: the first one is not kept either
    real = Store.save_signature

    def failing(self: Store, ref: str, document: str, role: str, png: bytes, on: dt.date) -> None:
        real(self, ref, document, role, png, on)
        if role == "officer":
            raise ValidationError("refused")

    try:
        Store.save_signature = failing  # type: ignore[method-assign]
        errors.clear()
        ops.save_signatures(ctx, REF, {"individual": (PNG, dt.date(2026, 11, 23)),
                                       "officer": (PNG, dt.date(2026, 11, 23))}, None, errors.append)
    finally:
        Store.save_signature = real  # type: ignore[method-assign]
    assert errors and loaded_store.get_signature(REF, "contract", "individual") == (PNG, dt.date(2026, 11, 21))


def test_queue_pdf_queues_and_audits_in_one_transaction(loaded_store: Store, transactions: list[int]) -> None:
    ctx = _ctx(loaded_store)
    names: list[str] = []
    transactions.clear()
    ops.queue_pdf(ctx, REF, "plan", False, None, b"%PDF-1.4 synthetic", None, names.append, None)
    assert len(transactions) == 1
    assert [r.filename for r in outbox.pending(loaded_store)] == names
    assert loaded_store.audit_events()[-1].action == "export"
    # the export's audit fails: nothing is queued
    with pytest.raises(ValidationError):
        loaded_store.documents.share("x.pdf", "plan", REF, b"%PDF-1.4",
                                     lambda: (_ for _ in ()).throw(ValidationError("refused")))
    assert len(outbox.pending(loaded_store)) == 1


def test_record_review_and_export_bundle_and_outbox_list(loaded_store: Store, transactions: list[int]) -> None:
    transactions.clear()
    done = loaded_store.plans.record_review(REF, {"held_on": "2026-11-18", "kind": "scheduled", "summary": "Held."})
    assert len(transactions) == 1 and done.index == 0 and done.version == 1
    assert loaded_store.plans.versions(REF)[-1]["reason"] == "review held 2026-11-18"
    transactions.clear()
    loaded_store.export_bundle()
    loaded_store.outbox.list_items()
    assert len(transactions) == 2
