"""The caseload shows its rows before the whole caseload's due dates are worked out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.ui import operations as ops
from tests.ui.conftest import unlock


def test_rows_first_then_due_dates(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    calls: list[tuple[str, list[Any]]] = []
    ops.load_caseload(w.ctx, lambda rows: calls.append(("done", rows)), None,
                      on_rows=lambda rows: calls.append(("rows", rows)))
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=10000)
    (first, early), (second, final) = calls
    assert (first, second) == ("rows", "done")
    assert [r.reference for r in early] == [r.reference for r in final]
    assert all(r.next_due_on is None and r.overdue == 0 for r in early)
    assert any(r.next_due_on is not None for r in final)


def test_view_says_due_dates_are_pending(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    rows = list(w.caseload.all_rows)
    w.caseload.set_rows_before_due(rows)
    assert w.caseload.due_pending and "working out due dates" in w.caseload.count.text()
    w.caseload.set_rows(rows)
    assert not w.caseload.due_pending and "working out" not in w.caseload.count.text()


def test_quitting_without_closing_the_window_closes_the_store(qtbot: Any, make_window: Any, ui_store: Path,
                                                              passphrase: str) -> None:
    from app.models.store import Store

    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    w.shutdown_on_quit()
    assert w.ctx.store is None
    with Store.open(ui_store, passphrase) as again:  # the single-instance lock was released
        assert again.count_cases() == 2
    w.shutdown_on_quit()  # a second call (the window closing later) does nothing
