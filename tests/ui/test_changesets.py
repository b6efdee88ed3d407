"""Change-sets to the screen (issue 13 item 2): a save redraws what it changed, nothing more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from app.models.store import Changes
from app.models.store.caseload_facts import due_cache
from app.ui import operations as ops
from tests.ui.conftest import open_case, unlock, wait_idle

REF = "CPO-2026-0001"


def _spy(monkeypatch: Any) -> dict[str, list[Any]]:
    calls: dict[str, list[Any]] = {"case_due": [], "caseload_due": [], "load_caseload": []}
    real_case_due, real_caseload_due, real_load = ops.case_due, ops.caseload_due, ops.load_caseload

    def case_due(case: dict[str, Any], *a: Any, **k: Any) -> Any:
        calls["case_due"].append(case["reference"])
        return real_case_due(case, *a, **k)

    def caseload_due(*a: Any, **k: Any) -> Any:
        calls["caseload_due"].append(1)
        return real_caseload_due(*a, **k)

    def load_caseload(*a: Any, **k: Any) -> Any:
        calls["load_caseload"].append(1)
        return real_load(*a, **k)

    monkeypatch.setattr(ops, "case_due", case_due)
    monkeypatch.setattr(ops, "caseload_due", caseload_due)
    monkeypatch.setattr(ops, "load_caseload", load_caseload)
    return calls


def _row(w: Any, ref: str) -> Any:
    return next(r for r in w.caseload.model.rows if r.reference == ref)


def test_saving_one_note_recomputes_due_items_for_that_case_only(qtbot: Any, make_window: Any, ui_store: Path,
                                                                 passphrase: str, monkeypatch: Any) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    wait_idle(qtbot, w)
    assert len(w.caseload.all_rows) >= 2  # another case whose due dates must not be recomputed
    open_case(qtbot, w, REF)
    wait_idle(qtbot, w)
    calls = _spy(monkeypatch)
    seen: list[Changes] = []
    w.ctx.events.changed.connect(seen.append)
    resets: list[int] = []
    w.caseload.model.modelReset.connect(lambda: resets.append(1))

    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    w.workspace.notes.form.widgets["text"].setPlainText("Phoned to rearrange Thursday's appointment")
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        qtbot.keyClick(w, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, w)

    assert [c.cases for c in seen] == [{REF}] and seen[0].lists == {REF: {"notes"}}
    assert calls["case_due"] and set(calls["case_due"]) == {REF}  # the workspace's case and its caseload row
    assert calls["caseload_due"] == [] and calls["load_caseload"] == []  # never the whole caseload
    assert resets == []  # the row was patched in place, not the model reset
    assert "Thursday" in w.workspace.notes.items[-1]["text"]


def test_a_change_to_one_case_patches_its_caseload_row(qtbot: Any, make_window: Any, ui_store: Path,
                                                       passphrase: str, monkeypatch: Any) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    wait_idle(qtbot, w)
    open_case(qtbot, w, REF)
    wait_idle(qtbot, w)
    assert "DA" not in _row(w, REF).badges
    others = {r.reference: r for r in w.caseload.model.rows if r.reference != REF}
    calls = _spy(monkeypatch)
    changed: list[int] = []
    w.caseload.model.dataChanged.connect(lambda a, b: changed.append(a.row()))

    done: list[Any] = []
    computed = due_cache(w.ctx.store).recomputed_total
    ops.add_item(w.ctx, REF, "flags", {"kind": "domestic_abuse", "raised_on": "2026-11-20",
                                       "sensitivity": "ordinary"}, done.append, None)
    qtbot.waitUntil(lambda: "DA" in _row(w, REF).badges, timeout=10000)
    wait_idle(qtbot, w)
    assert done and set(calls["case_due"]) == {REF} and calls["caseload_due"] == []
    i = next(i for i, r in enumerate(w.caseload.model.rows) if r.reference == REF)
    assert i in changed
    assert {r.reference: r for r in w.caseload.model.rows if r.reference != REF} == others  # untouched
    assert "DA" in w.caseload.model.data(w.caseload.model.index(i, 5))
    patched = _row(w, REF)

    # the patched row is exactly what a full reload builds
    monkeypatch.undo()
    w.caseload.reload()
    qtbot.waitUntil(lambda: not w.caseload.due_pending, timeout=10000)
    wait_idle(qtbot, w)
    assert _row(w, REF) == patched
    # ... and since the flag was added, the due dates of that one case alone were worked out again
    assert due_cache(w.ctx.store).recomputed_total == computed + 1


def test_store_settings_recompute_every_due_date_once(qtbot: Any, make_window: Any, ui_store: Path,
                                                      passphrase: str, monkeypatch: Any) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    wait_idle(qtbot, w)
    calls = _spy(monkeypatch)
    ops.save_store_settings(w.ctx, {"report_days_before": 12}, None, None)
    wait_idle(qtbot, w)
    assert calls["caseload_due"] == [1] and calls["load_caseload"] == []


def test_privacy_mode_is_one_signal(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF)
    got: list[bool] = []
    w.ctx.events.privacy_changed.connect(got.append)
    w.set_privacy(True)
    assert got == [True] and w.ctx.privacy
    # every editor, tab and the caseload follow the signal on their own
    assert all(ed.form.privacy for ed in w.workspace.editors)
    assert all(tab.privacy for tab in w.workspace.sections.values())
    assert w.caseload.model.privacy and w.banner.isVisible() and w.act_privacy.isChecked()
    w.set_privacy(False)
    assert got == [True, False] and not any(ed.form.privacy for ed in w.workspace.editors)


def test_a_change_to_another_case_leaves_the_open_case_alone(qtbot: Any, make_window: Any, ui_store: Path,
                                                             passphrase: str, monkeypatch: Any) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    wait_idle(qtbot, w)
    open_case(qtbot, w, REF)
    wait_idle(qtbot, w)
    other = next(r.reference for r in w.caseload.all_rows if r.reference != REF)
    calls = _spy(monkeypatch)
    loads: list[str] = []
    real_load_case = ops.load_case
    monkeypatch.setattr(ops, "load_case", lambda ctx, ref, *a, **k: (loads.append(ref),
                                                                     real_load_case(ctx, ref, *a, **k))[1])
    ops.add_item(w.ctx, other, "notes", {"date": "2026-11-20", "kind": "phone", "text": "Left a message",
                                         "sensitivity": "ordinary"}, None, None)
    wait_idle(qtbot, w)
    assert loads == [] and set(calls["case_due"]) == {other} and calls["caseload_due"] == []
    assert w.workspace.ref == REF
