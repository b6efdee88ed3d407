"""Acceptance fixes found driving the real app at 1366x768: keyboard traps, privacy mode and
victim safety plan due items, the settings dialog's Enter key and labels, search to results."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QTableView, QWidget

from app.models.rules.clock import Clock
from app.models.store import Store
from app.ui.table_models import PRIVATE_DUE_LABEL, CaseloadModel, CaseloadRow
from tests.ui.conftest import TODAY, open_case, restricted_case, unlock, wait_idle

VSP_REF = "CPO-2026-0778"


@pytest.fixture
def vsp_store(tmp_path: Path, passphrase: str, example_bundle: dict[str, Any]) -> Path:
    """A case with a victim safety plan (not for disclosure) due for review."""
    path = tmp_path / "vsp.cbk"
    case = restricted_case(example_bundle["cases"][0])
    case["reference"] = VSP_REF
    case["flags"].append({"kind": "victim_safety_plan", "raised_on": "2026-11-02", "review_on": "2026-12-01",
                          "sensitivity": "not_for_disclosure"})
    bundle = copy.deepcopy(example_bundle)
    bundle["cases"].append(case)
    store = Store.create(path, passphrase, clock=Clock.fixed(TODAY), actor="test")
    store.import_bundle(bundle)
    store.close()
    return path


def _due_labels(w: Any) -> list[str]:
    model = w.workspace.summary.due_model
    return [model.data(model.index(r, 3)) for r in range(model.rowCount())]


def test_privacy_mode_hides_victim_safety_plan_due_items(qtbot: Any, make_window: Any, vsp_store: Path,
                                                         passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, vsp_store, passphrase)
    open_case(qtbot, w, VSP_REF)
    assert "Victim safety plan review" in _due_labels(w)
    assert "Victim safety plan review" in w.workspace.review_due.text()

    w.act_privacy.trigger()
    labels = _due_labels(w)
    assert not any("Victim safety plan" in x for x in labels)
    assert PRIVATE_DUE_LABEL in labels  # the date stays on the list, the label is neutral
    assert "Victim safety plan" not in w.workspace.review_due.text()
    assert "01/12/2026" in w.workspace.review_due.text()

    w.act_privacy.trigger()
    assert "Victim safety plan review" in _due_labels(w)
    assert "Victim safety plan review" in w.workspace.review_due.text()


def _row(kind: str, label: str) -> CaseloadRow:
    return CaseloadRow(reference="CPO-2026-0001", name="Test Person",
                       date_of_birth=dt.date(1990, 1, 1), age=36, requirements="Supervision",
                       next_due_label=label, next_due_on=dt.date(2026, 12, 1), next_due_status="open", overdue=0,
                       badges=("DA", "VSP"), domestic_abuse=True, status="active", next_due_kind=kind)


def test_caseload_next_due_hides_victim_item_in_privacy_mode(qtbot: Any) -> None:
    model = CaseloadModel()
    model.set_rows([_row("victim_safety_plan_review", "Victim safety plan review"),
                    _row("plan_review", "Plan review (medium intensity, 8 weeks)")])
    assert model.data(model.index(0, 3)) == "01/12/2026  Victim safety plan review"
    changed: list[Any] = []
    model.dataChanged.connect(lambda a, b, *_: changed.append((a.column(), b.column())))
    model.set_privacy(True)
    assert changed and changed[-1][0] <= 3 <= changed[-1][1]  # the view repaints the Next due column
    assert model.data(model.index(0, 3)) == f"01/12/2026  {PRIVATE_DUE_LABEL}"
    assert model.data(model.index(0, 3), Qt.ItemDataRole.ToolTipRole) == f"01/12/2026  {PRIVATE_DUE_LABEL}"
    assert model.data(model.index(1, 3)) == "01/12/2026  Plan review (medium intensity, 8 weeks)"
    model.set_privacy(False)
    assert model.data(model.index(0, 3)) == "01/12/2026  Victim safety plan review"


def _focus_chain(start: QWidget, stop: QWidget, limit: int = 500) -> list[QWidget]:
    out: list[QWidget] = []
    w = start
    for _ in range(limit):
        w = w.nextInFocusChain()
        if w is start:
            break
        if w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus:
            out.append(w)
        if w is stop:
            break
    return out


def test_tab_moves_out_of_lists_and_caseload_reads_in_order(qtbot: Any, make_window: Any, ui_store: Path,
                                                            passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    w.show_caseload()  # unlocking opens on Today
    page = w.caseload
    # search, the four quick filters, then the table
    chain = _focus_chain(page.search, page.view)
    assert chain == [*page.filters.values(), page.view]
    assert all(isinstance(cb, QCheckBox) for cb in chain[:4])
    open_case(qtbot, w, "CPO-2026-0777")
    # Tab never gets stuck moving cell to cell through a read-only list
    for view in [page.view, *w.workspace.findChildren(QTableView)]:
        if view.editTriggers() == QTableView.EditTrigger.NoEditTriggers:
            assert not view.tabKeyNavigation(), view.accessibleName()
    w.show_caseload()
    w.activateWindow()
    page.view.setFocus()
    qtbot.waitUntil(page.view.hasFocus)
    qtbot.keyClick(page.view, Qt.Key.Key_Tab)
    assert not page.view.hasFocus()


def test_enter_in_search_goes_to_results_then_opens(qtbot: Any, make_window: Any, ui_store: Path,
                                                    passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    page = w.caseload
    w.activateWindow()
    page.view.selectRow(0)  # a current case in the table
    w.focus_search()
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    wait_idle(qtbot, w)
    assert w.workspace.ref is None and w.pages.currentWidget() is page  # Enter in search opens nothing
    w.focus_search()
    qtbot.keyClicks(page.search, "0777")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)  # runs the search at once, no waiting
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10000)
    qtbot.waitUntil(page.view.hasFocus)
    assert page.view.selectionModel().selectedRows()[0].row() == 0
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        qtbot.keyClick(page.view, Qt.Key.Key_Return)
    assert w.workspace.ref == "CPO-2026-0777"


def test_settings_enter_in_holiday_field_never_closes_the_dialog(qtbot: Any, make_window: Any, ui_store: Path,
                                                                 passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    w.open_settings()
    d = w.settings_dialog
    wait_idle(qtbot, w)
    d.holiday_date.setText("32/13/2026")
    d.holiday_name.setText("Bad day")
    qtbot.keyClick(d.holiday_name, Qt.Key.Key_Return)
    assert d.isVisible() and d.result() == 0  # not saved and closed behind the officer's back
    assert d.error.isVisible() and d.error.text().startswith("Local holiday:")
    assert d.holiday_list() == []
    d.holiday_date.setText("27/11/2026")
    qtbot.keyClick(d.holiday_date, Qt.Key.Key_Enter)
    assert d.isVisible()
    assert d.holiday_list() == [(dt.date(2026, 11, 27), "Bad day")]
    # labels with a mnemonic point at their field (no stray "&" on screen)
    buddies = {lab.text(): lab.buddy() for lab in d.findChildren(QLabel) if "&" in lab.text()}
    assert buddies["Shared &drive folder:"] is d.folder
    assert buddies["Local &holidays:"] is d.holidays
    assert all(b is not None for b in buddies.values()), buddies


def test_keyboard_shortcuts_are_listed_in_the_help_menu(qtbot: Any, make_window: Any) -> None:
    w = make_window()
    menus = {m.title(): m for m in (a.menu() for a in w.menuBar().actions()) if m is not None}
    assert w.act_keys in menus["&Help"].actions()
    assert w.act_keys.shortcut().toString() == "F1"
    w.act_keys.trigger()
    kind, text = w.ctx.prompts.calls[-1]
    assert kind == "info"
    for keys in ("Ctrl+F", "Ctrl+N", "Ctrl+S", "Ctrl+L", "Ctrl+Shift+P", "Alt+Left", "Alt+1"):
        assert keys in text


def test_privacy_mode_never_offers_to_delete_a_hidden_item(qtbot: Any, make_window: Any, ui_store: Path,
                                                           passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, "CPO-2026-0777")
    notes = w.workspace.notes
    notes._go_to(1)  # the not-for-disclosure note
    assert notes.delete_button.isEnabled()
    w.act_privacy.trigger()
    assert notes.right.currentIndex() == 1  # "This item is hidden in privacy mode."
    assert not notes.delete_button.isEnabled()
    notes._go_to(0)  # an ordinary note can still be deleted
    assert notes.delete_button.isEnabled()
    notes._go_to(1)
    assert not notes.delete_button.isEnabled()
    w.act_privacy.trigger()
    assert notes.delete_button.isEnabled()
    # lists spell stored codes as the forms do
    reviews = w.workspace.reviews.model
    assert reviews.data(reviews.index(0, 1)) == "Scheduled"
