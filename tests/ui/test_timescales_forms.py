"""Issue 18 in the desktop forms: which scheduled review a departmental review is, progress
review reports submitted, safety plan reviews held, face-to-face notes, future dates refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QComboBox, QTableWidgetItem

from app.models.rules.clock import Clock
from app.models.store import Store
from app.ui.forms import TableField
from app.ui.workspace import TAB_NAMES
from tests.ui.conftest import TODAY, open_case, unlock

REF = "CPO-2026-0001"  # imposed 02/11/2026: departmental reviews due 02/02/2027 (3), 02/05/2027 (6), ...


def _choose(form: Any, key: str, value: Any) -> None:
    box = form.widgets[key]
    box.setCurrentIndex(box.findData(value))


def _table_row(field: TableField, values: list[str]) -> None:
    field.add_row({})
    r = field.table.rowCount() - 1
    for c, text in enumerate(values):
        field.table.setItem(r, c, QTableWidgetItem(text))


def _case(path: Path, passphrase: str) -> dict[str, Any]:
    with Store.open(path, passphrase, clock=Clock.fixed(TODAY)) as s:
        return s.get_case(REF)


def test_departmental_review_choice_is_offered_defaulted_and_stored(qtbot: Any, make_window: Any, ui_store: Path,
                                                                   passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF, TAB_NAMES.index("Reviews"))
    rev = w.workspace.reviews
    box = rev.form.widgets["scheduled_review_months"]
    assert isinstance(box, QComboBox)
    options = [box.itemText(i) for i in range(box.count())]
    assert options[:3] == ["Oldest not yet met (default)", "3 months (due 02/02/2027)",
                           "6 months (due 02/05/2027)"]
    rev.new_item()
    _choose(rev.form, "kind", "departmental")
    rev.form.widgets["summary"].setPlainText("Reviewed with the person.")  # a blank review is refused
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        rev.save()
    assert rev.items[0]["scheduled_review_months"] == 3  # the default, stored
    assert rev.form.widgets["scheduled_review_months"].currentText() == "3 months (due 02/02/2027)"  # shown
    _choose(rev.form, "scheduled_review_months", 6)
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        rev.save()
    assert rev.items[0]["scheduled_review_months"] == 6
    # a scheduled (plan) review stores no choice even if one was picked before the kind changed
    rev.new_item()
    rev.form.widgets["summary"].setPlainText("Plan reviewed.")
    _choose(rev.form, "scheduled_review_months", 3)
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        rev.save()
    assert "scheduled_review_months" not in rev.items[1]
    w.close()
    case = _case(ui_store, passphrase)
    assert [r.get("scheduled_review_months") for r in case["reviews"]] == [6, None]


def test_report_submitted_and_safety_plan_review_forms(qtbot: Any, make_window: Any, ui_store: Path,
                                                       passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF, TAB_NAMES.index("Details"))
    details = w.workspace.details
    details.form.widgets["order.progress_reviews"].setPlainText("20/11/2026\n10/12/2026")
    reports = details.form.widgets["order.progress_review_reports"]
    assert isinstance(reports, TableField)
    _table_row(reports, ["20/11/2026", "13/11/2026"])
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        details.save()
    due = {(i.kind, i.due_on.isoformat(), i.status) for i in w.workspace.data.due}
    assert ("progress_review_report", "2026-11-13", "done") in due
    assert ("progress_review_report", "2026-12-03", "open") in due

    w.workspace.tabs.setCurrentIndex(TAB_NAMES.index("Flags"))
    flags = w.workspace.flags
    flags.new_item()
    _choose(flags.form, "kind", "victim_safety_plan")
    flags.form.widgets["raised_on"].setText("02/11/2026")
    flags.form.widgets["review_on"].setText("16/11/2026")
    held = flags.form.widgets["reviews"]
    assert isinstance(held, TableField)
    _table_row(held, ["24/11/2026", "20/02/2027"])  # tomorrow: refused
    flags.save()
    qtbot.waitUntil(lambda: flags.form.error.isVisible(), timeout=10000)
    assert "after today" in flags.form.error.text()
    held.table.setItem(0, 0, QTableWidgetItem("20/11/2026"))
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        flags.save()
    due = {(i.kind, i.due_on.isoformat(), i.status) for i in w.workspace.data.due}
    assert ("victim_safety_plan_review", "2026-11-16", "met_late") in due
    assert ("victim_safety_plan_review", "2027-02-20", "open") in due
    w.close()
    case = _case(ui_store, passphrase)
    assert case["order"]["progress_review_reports"] == [{"hearing_on": "2026-11-20", "submitted_on": "2026-11-13"}]
    assert case["flags"][-1]["reviews"] == [{"reviewed_on": "2026-11-20", "next_review_on": "2027-02-20"}]


def test_face_to_face_note_and_future_date_refused(qtbot: Any, make_window: Any, ui_store: Path,
                                                   passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF, TAB_NAMES.index("Notes"))
    notes = w.workspace.notes
    notes.new_item()
    f = notes.form
    _choose(f, "kind", "face_to_face")
    assert f.widgets["kind"].currentText() == "Face to face elsewhere (cafe, agency office)"
    f.widgets["date"].setText("30/11/2026")
    f.widgets["text"].setPlainText("Met at the library cafe.")
    count = len(notes.items)
    notes.save()
    qtbot.waitUntil(lambda: f.error.isVisible(), timeout=10000)
    assert "after today" in f.error.text() and "30/11/2026" in f.error.text()
    assert len(notes.items) == count and f.dirty
    f.widgets["date"].setText("23/11/2026")
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        notes.save()
    assert notes.items[-1]["kind"] == "face_to_face"
