"""Issue 19, "at the visit": the desktop app tried as a new officer would (1366x768, keyboard).
Each test fails on the code before the fix it names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.ui.workspace import TAB_NAMES
from tests.ui.conftest import SECRET_NOTE, all_texts, open_case, unlock, wait_idle

REF = "CPO-2026-0001"
RESTRICTED = "CPO-2026-0777"
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _export(qtbot: Any, w: Any, document: str, copy: str) -> Any:
    before = w.workspace.export_dialog
    w.workspace._export(document, copy)
    qtbot.waitUntil(lambda: w.workspace.export_dialog not in (None, before), timeout=15000)
    return w.workspace.export_dialog


def _gone(dialog: Any) -> bool:
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def _press_in(qtbot: Any, widget: Any, key: Qt.Key, mods: Any) -> None:
    """A real key press in the widget's own window (through Qt's shortcut map, as typed)."""
    top = widget.window()
    top.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: top.windowHandle() is not None and widget.isVisible())
    QTest.keyClick(top.windowHandle(), key, mods)


# ------------------------------------------------------------------ 1. application-wide safety keys
def test_privacy_key_works_from_the_officers_copy_preview_and_closes_it(qtbot: Any, make_window: Any,
                                                                        ui_store: Path, passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, RESTRICTED)
    d = _export(qtbot, w, "plan", "officer")
    assert d.isVisible() and d.isModal() or d.windowModality() != Qt.WindowModality.NonModal
    _press_in(qtbot, d, Qt.Key.Key_P, CTRL_SHIFT)
    assert w.ctx.privacy and w.act_privacy.isChecked() and w.banner.isVisible()
    assert _gone(d) and w.workspace.export_dialog is None
    assert SECRET_NOTE not in all_texts(w, visible_only=True)


def test_lock_key_works_from_the_preview_and_the_signature_dialog(qtbot: Any, make_window: Any, ui_store: Path,
                                                                  passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF)
    d = _export(qtbot, w, "plan", "individual")
    _press_in(qtbot, d, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert w.ctx.store is None and _gone(d)
    assert w.stack.currentWidget() is w.unlock_page

    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF, TAB_NAMES.index("Contract"))
    w.workspace.sign_button.click()
    sig = w.workspace.signature_dialog
    assert sig is not None and sig.isVisible()
    _press_in(qtbot, sig.dates["officer"], Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert w.ctx.store is None and _gone(sig)


def test_lock_key_closes_a_message_box_on_top(qtbot: Any, make_window: Any, ui_store: Path,
                                              passphrase: str) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    seen: list[bool] = []

    def press() -> None:
        box = QApplication.activeModalWidget()
        seen.append(isinstance(box, QMessageBox))
        if box is not None:
            QTest.keyClick(box.windowHandle(), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    QTimer.singleShot(300, press)
    QMessageBox.question(w, "Casebook", "A question on top of the window?")
    assert seen == [True]
    assert w.ctx.store is None


# ------------------------------------------------------------------ 2. privacy mode shows only the open case
def test_privacy_mode_hides_the_caseload_and_search(qtbot: Any, make_window: Any, ui_store: Path,
                                                    passphrase: str) -> None:
    w = make_window(privacy_passphrase=True)
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF)
    w.act_privacy.trigger()
    w.show_caseload()
    shown = all_texts(w.caseload, visible_only=True)
    assert "Nic a' Phearsain" not in shown and RESTRICTED not in shown
    assert "caseload and search are hidden" in shown
    assert not w.act_search.isEnabled()
    w.open_case(REF)

    # leaving asks for the passphrase: none given, or a wrong one, keeps it on
    w.act_privacy.trigger()
    assert w.ctx.privacy and w.act_privacy.isChecked()
    assert w.ctx.prompts.kinds()[-1] == "ask_password"
    w.ctx.prompts.passwords = ["not the passphrase"]
    w.act_privacy.trigger()
    qtbot.waitUntil(lambda: w.ctx.prompts.kinds()[-1] == "error", timeout=5000)
    assert w.ctx.privacy and "Wrong passphrase" in w.ctx.prompts.calls[-1][1]
    w.ctx.prompts.passwords = [passphrase]
    w.act_privacy.trigger()
    qtbot.waitUntil(lambda: not w.ctx.privacy, timeout=5000)
    assert not w.act_privacy.isChecked() and w.act_search.isEnabled()
    w.show_caseload()
    assert "Nic a' Phearsain" in all_texts(w.caseload, visible_only=True)
    assert [e for e in w.ctx.store.audit_events() if e.action == "passphrase_refused"]


def test_leaving_privacy_without_passphrase_when_the_setting_is_off(qtbot: Any, make_window: Any, ui_store: Path,
                                                                    passphrase: str) -> None:
    w = make_window(privacy_passphrase=True)
    w.ctx.settings.set("privacy_exit_passphrase", False)
    unlock(qtbot, w, ui_store, passphrase)
    w.act_privacy.trigger()
    w.act_privacy.trigger()
    assert not w.ctx.privacy and "ask_password" not in w.ctx.prompts.kinds()


# ------------------------------------------------------------------ 6. last case only for the same store
def test_unlocking_another_store_from_the_lock_screen_does_not_reopen_the_first_ones_case(
        qtbot: Any, make_window: Any, ui_store: Path, passphrase: str, tmp_path: Path) -> None:
    from app.models.store import Store

    other = tmp_path / "other.cbk"
    Store.create(other, passphrase).close()
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF)
    w.lock()
    assert w.ctx.store is None
    w.start_with(other, passphrase)
    qtbot.waitUntil(lambda: w.ctx.store is not None, timeout=10000)
    wait_idle(qtbot, w)
    assert not [c for c in w.ctx.prompts.calls if c[0] == "error"], w.ctx.prompts.calls
    assert w.pages.currentWidget() is not w.workspace and w.workspace.ref is None
    w.lock()
    unlock(qtbot, w, ui_store, passphrase)
    wait_idle(qtbot, w)  # the first store still returns to its case
    assert w.workspace.ref == REF


# ------------------------------------------------------------------ 3. actions on the selected row
def test_new_note_and_export_act_on_the_selected_caseload_row(qtbot: Any, make_window: Any, ui_store: Path,
                                                              passphrase: str, monkeypatch: Any) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF)
    w.show_caseload()
    w.caseload.select_reference(RESTRICTED)
    w.caseload.view.setFocus()
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        QTest.keyClick(w.windowHandle(), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, w)
    assert w.workspace.ref == RESTRICTED
    assert w.workspace.tabs.currentIndex() == TAB_NAMES.index("Notes")
    assert w.workspace.notes.index is None  # a new note, on the selected person's case
    assert "Nic a' Phearsain" in w.workspace.title.text()
    assert w.workspace.notes.heading.text() == f"New note — for Màiri Nic a' Phearsain ({RESTRICTED})"

    menus: list[str | None] = []
    monkeypatch.setattr(w.workspace.export, "showMenu", lambda: menus.append(w.workspace.ref))
    w.show_caseload()
    w.caseload.select_reference(REF)
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        w.act_export.trigger()
    qtbot.waitUntil(lambda: menus == [REF], timeout=5000)


def test_new_note_with_nothing_selected_says_what_to_do(qtbot: Any, make_window: Any, ui_store: Path,
                                                        passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    w.caseload.view.clearSelection()
    w.caseload.view.setCurrentIndex(w.caseload.model.index(-1, -1))
    w.act_new_note.trigger()
    assert w.workspace.ref is None and "Select a case" in w.ctx.prompts.calls[-1][1]


# ------------------------------------------------------------------ 8, 9. impossible data, at the field
def _save_and_wait(qtbot: Any, w: Any, editor: Any) -> None:
    editor.save()
    wait_idle(qtbot, w)


def _in_view(area: Any, widget: Any) -> bool:
    top = widget.mapTo(area.widget(), widget.rect().topLeft()).y() - area.verticalScrollBar().value()
    return 0 <= top and top + widget.height() <= area.viewport().height()


def test_future_date_of_birth_is_refused_at_the_field(qtbot: Any, make_window: Any, ui_store: Path,
                                                      passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF, TAB_NAMES.index("Details"))
    details = w.workspace.details
    dob = details.form.widgets["individual.date_of_birth"]
    dob.setText("01/01/2030")
    _save_and_wait(qtbot, w, details)
    problem = details.form.field_errors["individual.date_of_birth"]
    assert problem.isVisible() and "01/01/2030 is in the future" in problem.text()
    assert problem.text().startswith("Date of birth")
    assert dob.hasFocus()
    assert w.ctx.store.get_case(REF)["individual"]["date_of_birth"] == "1998-04-17"  # nothing saved
    dob.setText("01/01/2015")  # 11 when the order was imposed
    _save_and_wait(qtbot, w, details)
    assert "16 and over" in problem.text()


def test_supervision_without_months_is_refused(qtbot: Any, make_window: Any, ui_store: Path,
                                               passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF, TAB_NAMES.index("Details"))
    details = w.workspace.details
    table = details.form.widgets["order.requirements"].table
    months_col = [c.key for c in details.form.spec("order.requirements").columns].index("months")
    table.item(0, months_col).setText("")
    _save_and_wait(qtbot, w, details)
    problem = details.form.field_errors["order.requirements"]
    assert problem.isVisible() and problem.text().startswith("Requirements, row 1: Supervision needs its length")
    assert w.ctx.store.get_case(REF)["order"]["requirements"][0]["months"] == 12


def test_blank_review_is_refused_and_the_bad_field_is_scrolled_to(qtbot: Any, make_window: Any, ui_store: Path,
                                                                  passphrase: str) -> None:
    from PySide6.QtWidgets import QScrollArea

    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF, TAB_NAMES.index("Reviews"))
    reviews = w.workspace.reviews
    reviews.new_item(force=True)
    _save_and_wait(qtbot, w, reviews)
    problem = reviews.form.field_errors["attendees"]
    assert problem.isVisible() and "a review needs what happened" in problem.text().lower()
    assert w.ctx.store.get_case(REF).get("reviews", []) == []

    # a bad date at the foot of the long form: scrolled into view, focused, message beside it
    reviews.form.widgets["attendees"].setPlainText("Officer")
    reviews.form.widgets["next_review_on"].setText("31/02/2027")
    area = reviews.form._scroll_area()
    assert isinstance(area, QScrollArea)
    area.verticalScrollBar().setValue(0)
    _save_and_wait(qtbot, w, reviews)
    cell = reviews.form.cells["next_review_on"]
    qtbot.waitUntil(lambda: _in_view(area, cell), timeout=3000)
    assert reviews.form.widgets["next_review_on"].hasFocus()
    assert "not a date" in reviews.form.field_errors["next_review_on"].text()
    assert not reviews.form.field_errors["attendees"].isVisible()  # the earlier problem went


# ------------------------------------------------------------------ 5. printing
def test_print_with_no_printer_says_so_and_asks_nothing(qtbot: Any, make_window: Any, ui_store: Path,
                                                        passphrase: str, tmp_path: Path) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF)
    d = _export(qtbot, w, "plan", "individual")
    w.ctx.prompts.printers = []
    w.ctx.prompts.print_to = str(tmp_path / "image.pdf")
    assert d.print_() is False
    assert "ask_print" not in w.ctx.prompts.kinds()
    assert w.ctx.prompts.calls[-1][0] == "warn" and "No printer is set up" in w.ctx.prompts.calls[-1][1]
    assert not (tmp_path / "image.pdf").exists() and "Sent" not in d.status.text()
    wait_idle(qtbot, w)
    assert not [e for e in w.ctx.store.audit_events() if e.action == "export"]


def test_print_to_a_real_printer_names_it(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str,
                                          monkeypatch: Any) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF)
    d = _export(qtbot, w, "plan", "individual")
    sent: list[Any] = []
    monkeypatch.setattr(d, "print_to", lambda printer: sent.append(printer))
    w.ctx.prompts.native_print = True
    with qtbot.waitSignal(d.exported, timeout=15000) as done:
        assert d.print_() is True
    assert done.args == ["printed"] and len(sent) == 1
    assert d.status.text() == f"Sent to {sent[0].printerName() or 'the printer'}"


# ------------------------------------------------------------------ 7. delete, archive, correct the reference
def test_gui_delete_archive_and_correct_reference(qtbot: Any, make_window: Any, ui_store: Path,
                                                  passphrase: str) -> None:
    from app.models.store import cases

    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF)
    p = w.ctx.prompts

    # correct the reference of the open case: the workspace follows, the old one still finds it
    p.texts = ["CPO-2026-0100"]
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        w.act_rename.trigger()
    wait_idle(qtbot, w)
    assert w.workspace.ref == "CPO-2026-0100" and "CPO-2026-0100" in w.workspace.title.text()
    assert cases.resolve(w.ctx.store, REF) == "CPO-2026-0100"

    # archive from the caseload's selected row
    w.show_caseload()
    qtbot.waitUntil(lambda: w.caseload.model.rowCount() == 2, timeout=5000)
    w.caseload.select_reference(RESTRICTED)
    p.confirm_answers = [True]
    w.act_archive.trigger()
    qtbot.waitUntil(lambda: w.caseload.model.rowCount() == 1, timeout=10000)
    assert [r.reference for r in w.caseload.model.rows] == ["CPO-2026-0100"]
    p.choices = [0]
    w.act_unarchive.trigger()
    qtbot.waitUntil(lambda: w.caseload.model.rowCount() == 2, timeout=10000)

    # delete: the reference must be typed; a backup is taken first
    wait_idle(qtbot, w)
    w.caseload.select_reference(RESTRICTED)
    p.texts = ["wrong"]
    w.act_delete.trigger()
    wait_idle(qtbot, w)
    assert "Not deleted" in p.calls[-1][1] and w.caseload.model.rowCount() == 2
    wait_idle(qtbot, w)
    w.caseload.select_reference(RESTRICTED)
    p.texts = [RESTRICTED]
    w.act_delete.trigger()
    assert RESTRICTED in [m for k, m in p.calls if k == "ask_text"][-1]
    wait_idle(qtbot, w)  # the verified backup first: seconds on a busy machine
    assert "error" not in p.kinds(), p.calls
    qtbot.waitUntil(lambda: w.caseload.model.rowCount() == 1, timeout=30000)
    assert "backup taken first" in w.statusBar().currentMessage()
    assert list((ui_store.parent / "ui.cbk.backups").glob("*before-delete.bak"))
    actions = [e.action for e in w.ctx.store.audit_events()]
    assert {"rename", "archive", "unarchive", "delete"} <= set(actions)


# ------------------------------------------------------------------ 15. wrong passphrase wording
def test_wrong_passphrase_says_so_first_and_backup_only_later(qtbot: Any, make_window: Any, ui_store: Path,
                                                              passphrase: str) -> None:
    from app.models.store import Store
    from app.models.store.security import rolling_backup

    with Store.open(ui_store, passphrase) as s:
        backup = rolling_backup(s)
    w = make_window()
    page = w.unlock_page
    page.lockout_seconds = [0]
    page.set_store(ui_store)
    for attempt in range(3):
        page.passphrase.setText(f"wrong {attempt}")
        with qtbot.waitSignal(page.failed, timeout=10000):
            page.submit()
        text = page.message.text()
        assert text.startswith("Wrong passphrase."), text
        if attempt < 2:
            assert "damaged" not in text and "backup" not in text and "restore" not in text
    assert backup.name in text and "damaged" in text  # the third refusal mentions the newest backup


# ------------------------------------------------------------------ 16. zxcvbn meter and minimum
def test_passphrase_meter_and_minimum_use_zxcvbn(qtbot: Any, make_window: Any, tmp_path: Path) -> None:
    w = make_window()
    page = w.unlock_page
    page.set_store(tmp_path / "new.cbk", creating=True)
    page.passphrase.setText("Password123!")  # 79 "bits" by the old character-class estimate
    assert page.strength.format().startswith(("Very weak", "Weak"))
    assert "Not yet strong enough" in page.strength_text.text()
    page.confirm.setText("Password123!")
    page.submit()
    assert "too easy to guess" in page.message.text() and w.ctx.store is None
    page.passphrase.setText("kestrel lamp orbit violet")
    page.confirm.setText("kestrel lamp orbit violet")
    assert page.strength.format().startswith("Strong") and page.strength_text.text() == ""


# ------------------------------------------------------------------ 17. contrast: tests/ui/test_contrast.py
# ------------------------------------------------------------------ 10. date entry
def test_dates_accept_short_forms_today_and_offsets(qtbot: Any) -> None:
    import datetime as dt

    from app.ui.forms import parse_date

    today = dt.date(2026, 11, 23)
    assert parse_date("2/12/26", today) == "2026-12-02"
    assert parse_date("3/4/85", today) == "1985-04-03"
    assert parse_date("today", today) == "2026-11-23"
    assert parse_date("+7", today) == "2026-11-30"
    assert parse_date("-3", today) == "2026-11-20"
    assert parse_date("+2w", today) == "2026-12-07"
    assert parse_date("23/11/2026", today) == "2026-11-23"
    import pytest

    with pytest.raises(ValueError, match="not a date"):
        parse_date("31/02/26", today)


def test_date_field_shows_what_was_understood_and_has_a_calendar(qtbot: Any, make_window: Any, ui_store: Path,
                                                                 passphrase: str) -> None:
    from PySide6.QtWidgets import QCalendarWidget, QToolButton

    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF, TAB_NAMES.index("Notes"))
    notes = w.workspace.notes
    notes.new_item(force=True)
    field = notes.form.widgets["date"]
    field.setFocus()
    field.setText("+7")
    field.editingFinished.emit()
    assert field.text() == "30/11/2026"
    button = next(b for b in notes.form.cells["date"].findChildren(QToolButton)
                  if "calendar" in b.accessibleName())
    button.click()
    popup = field.property("calendar")
    assert isinstance(popup, QCalendarWidget) and popup.isVisible()
    popup.clicked.emit(popup.selectedDate().addDays(2))
    assert field.text() == "02/12/2026"


# ------------------------------------------------------------------ 12. long text in small tables
def test_long_text_in_small_tables_wraps_with_a_tooltip(qtbot: Any, make_window: Any, ui_store: Path,
                                                        passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF, TAB_NAMES.index("Plan"))
    plan = w.workspace.plan.editor
    plan.new_item(force=True)
    actions = plan.form.widgets["actions"]
    long = "Attend the budgeting course at the community centre every Tuesday morning until the end of March"
    actions.add_row({"description": long, "owner": "individual"})
    row = actions.table.rowCount() - 1
    col = [c.key for c in actions.spec.columns].index("description")
    item = actions.table.item(row, col)
    assert item.toolTip() == long
    assert actions.table.wordWrap() and actions.table.rowHeight(row) > actions.fontMetrics().height() + 12


# ------------------------------------------------------------------ 19. first run
def test_first_run_explains_and_asks_name_drive_and_idle_time(qtbot: Any, make_window: Any,
                                                              tmp_path: Path) -> None:
    w = make_window()
    page = w.unlock_page
    page.set_store(tmp_path / "first.cbk", creating=True)
    page.passphrase.setText("kestrel lamp orbit violet")
    page.confirm.setText("kestrel lamp orbit violet")
    page.submit()
    qtbot.waitUntil(lambda: w.settings_dialog is not None and w.settings_dialog.isVisible(), timeout=10000)
    d = w.settings_dialog
    assert "Welcome to Casebook" in all_texts(d, visible_only=True)
    assert d.officer.isVisible() and d.folder.isVisible() and d.idle.isVisible()
    assert w.caseload.empty_hint.isVisible() and "New case" in w.caseload.empty_hint.text()
    d.officer.setText("Alex Officer")
    d.save()
    qtbot.waitUntil(lambda: not d.isVisible(), timeout=10000)
    wait_idle(qtbot, w)
    assert w.ctx.store.get_setting("officer_name") == "Alex Officer"


# ------------------------------------------------------------------ 13. Tools pages
def test_tools_pages_for_outbox_backups_audit_and_integrity(qtbot: Any, make_window: Any, ui_store: Path,
                                                            passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF)
    d = _export(qtbot, w, "plan", "individual")
    with qtbot.waitSignal(d.exported, timeout=15000):
        d.queue()
    d.reject()
    w.tool_actions[0].trigger()
    t = w.tools_dialog
    assert t is not None and t.isVisible()
    qtbot.waitUntil(lambda: t.outbox_model.rowCount() == 1, timeout=10000)
    assert "1 export waiting" in t.outbox_status.text()
    assert REF in t.outbox_model.data(t.outbox_model.index(0, 1))
    t.backup_button.click()
    qtbot.waitUntil(lambda: "verified" in t.backup_status.text(), timeout=20000)
    qtbot.waitUntil(lambda: t.backup_model.rowCount() >= 1, timeout=10000)
    t.audit_button.click()
    qtbot.waitUntil(lambda: "intact" in t.audit_status.text(), timeout=10000)
    t.check_button.click()
    qtbot.waitUntil(lambda: "healthy" in t.check_status.text(), timeout=20000)


def test_privacy_mode_hides_today_and_this_week(qtbot: Any, make_window: Any, ui_store: Path,
                                                passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    today = w.today
    w.act_privacy.trigger()
    assert today.privacy_note.isVisibleTo(today)
    assert not any(v.isVisibleTo(today) for v in today.views.values())
    w.act_privacy.trigger()
    assert not today.privacy_note.isVisibleTo(today) and all(v.isVisibleTo(today) for v in today.views.values())
