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
                      on_rows=lambda result: calls.append(("rows", result)))
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=10000)
    (first, (early, total)), (second, final) = calls
    assert (first, second) == ("rows", "done")
    assert [r.reference for r in early] == [r.reference for r in final] and total == len(final)
    assert all(r.next_due_on is None and r.overdue == 0 for r in early)
    assert any(r.next_due_on is not None for r in final)


def test_view_says_due_dates_are_pending(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    rows = list(w.caseload.all_rows)
    w.caseload.set_rows_before_due((rows[:1], 40))
    assert w.caseload.due_pending and "working out due dates" in w.caseload.count.text()
    assert "Showing 1 of 40 cases" in w.caseload.count.text()  # the first screen of a larger caseload
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


def test_first_screen_is_the_top_of_the_sorted_caseload(qtbot: Any, make_window: Any, tmp_path: Path,
                                                          passphrase: str) -> None:
    """``first_screen=n``: the first step reads only the first n rows by name (what the Name
    column shows first), chosen from the names alone; the second step brings every row."""
    import datetime as dt

    from app.models.demo import demo_bundle
    from app.models.store import Store
    from app.models.store.search import fold

    path = tmp_path / "many.cbk"
    with Store.create(path, passphrase) as s:
        s.import_bundle(demo_bundle(45, seed=5, today=dt.date(2026, 11, 23)))
    w = make_window()
    unlock(qtbot, w, path, passphrase)
    calls: list[Any] = []
    ops.load_caseload(w.ctx, calls.append, None, on_rows=calls.append, first_screen=12)
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=10000)
    (early, total), final = calls
    by_name = sorted(final, key=lambda r: (fold(r.name), r.reference))
    assert total == len(final) == 45
    assert [r.reference for r in sorted(early, key=lambda r: (fold(r.name), r.reference))] == \
        [r.reference for r in by_name[:12]]
    assert len(early) == 12
    # what the window shows first, after unlocking: the top of the list, and the full count
    qtbot.waitUntil(lambda: not w.caseload.due_pending, timeout=10000)
    assert w.caseload.model.rowCount() == 45
    shown = [w.caseload.model.row_at(i).reference for i in range(12)]
    assert shown == [r.reference for r in by_name[:12]]
