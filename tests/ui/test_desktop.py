"""The desktop app driven through real widgets over a real encrypted temp store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit

from app.models.rules.clock import Clock
from app.models.store import Store
from app.ui.forms import NFD, TableField
from app.ui.workspace import TAB_NAMES
from tests.ui.conftest import (
    ORDINARY_NOTE,
    SECRET_FLAG,
    SECRET_GP,
    SECRET_NOTE,
    SECRET_PROGRESS,
    SECRET_REVIEW,
    TODAY,
    VICTIM_NOTE,
    all_texts,
    open_case,
    unlock,
    wait_idle,
)

SECRETS = [SECRET_NOTE, VICTIM_NOTE, SECRET_PROGRESS, SECRET_REVIEW, SECRET_FLAG, SECRET_GP]
REF = "CPO-2026-0001"
RESTRICTED = "CPO-2026-0777"


def _reopen(path: Path, passphrase: str) -> Store:
    return Store.open(path, passphrase, clock=Clock.fixed(TODAY))


def _type(form: Any, key: str, text: str) -> None:
    w = form.widgets[key]
    if isinstance(w, QPlainTextEdit):
        w.setPlainText(text)
    else:
        w.setText(text)


def _choose(form: Any, key: str, value: str) -> None:
    box = form.widgets[key]
    box.setCurrentIndex(box.findData(value))


def test_create_store_then_add_a_case(qtbot: Any, make_window: Any, tmp_path: Path) -> None:
    w = make_window()
    page = w.unlock_page
    target = tmp_path / "new-store"
    w.ctx.prompts.files = [str(target)]
    page.choose_new_store()
    assert page.creating and page.confirm.isVisible()
    page.passphrase.setText("short1")
    assert "Weak" in page.strength.format()
    page.submit()
    assert "too short" in page.message.text()
    strong = "granite heron lantern quiet 42"
    page.passphrase.setText(strong)
    page.confirm.setText(strong + "x")
    page.submit()
    assert "differ" in page.message.text()
    page.confirm.setText(strong)
    page.submit()
    qtbot.waitUntil(lambda: w.ctx.store is not None, timeout=10000)
    assert w.pages.currentWidget() is w.caseload

    w.new_case()
    f = w.new_case_page.form
    _type(f, "reference", "CPO-2026-0100")
    _type(f, "individual.given_names", "Ciarán")
    _type(f, "individual.family_name", "O'Neill")
    _type(f, "individual.date_of_birth", "31/02/1990")
    _type(f, "order.court", "Paisley Sheriff Court")
    _type(f, "order.imposed_on", "02/11/2026")
    w.new_case_page.create_case()
    assert "not a date" in f.error.text()  # local parse error, shown inline
    _type(f, "individual.date_of_birth", "01/02/1990")
    # supervision needs its length (issue 19: impossible data refused at the field)
    w.new_case_page.create_case()
    qtbot.waitUntil(lambda: "supervision needs its length" in f.error.text().lower(), timeout=10000)
    assert not f.field_errors["supervision_months"].isHidden()  # named beside its field
    _type(f, "supervision_months", "12")
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        w.new_case_page.create_case()
    assert w.workspace.ref == "CPO-2026-0100"
    assert "Ciarán O'Neill" in w.workspace.title.text()
    qtbot.waitUntil(lambda: w.caseload.model.rowCount() == 1, timeout=10000)
    w.close()
    with _reopen(target.with_suffix(".cbk"), strong) as s:
        assert s.get_case("CPO-2026-0100")["individual"]["given_names"] == "Ciarán"


def test_add_goal_with_smart_check_and_record_review(qtbot: Any, make_window: Any, ui_store: Path,
                                                     passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF, TAB_NAMES.index("Plan"))
    plan = w.workspace.plan
    plan.editor.new_item()
    f = plan.editor.form
    assert f.widgets["id"].text() == "G2"
    _choose(f, "need_area", "employment_and_learning")
    _type(f, "description", "Complete a forklift licence course")
    assert "Not yet SMART" in plan.smart.text() and "<b>T</b>" in plan.smart.text()
    _type(f, "measure", "Certificate gained")
    _type(f, "achievable", "Course is local and funded")
    _type(f, "realistic", "Work coach supports it")
    _type(f, "target_date", "31/03/2027")
    assert plan.smart.text() == "SMART ✓"
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        plan.editor.save()
    assert [g["id"] for g in plan.editor.items] == ["G1", "G2"]

    w.workspace.tabs.setCurrentIndex(TAB_NAMES.index("Reviews"))
    rev = w.workspace.reviews
    rev.new_item()
    rf = rev.form
    gp = rf.widgets["goal_progress"]
    assert isinstance(gp, TableField)
    rows = gp.rows()
    assert [r["goal_id"] for r in rows] == ["G1", "G2"]
    _type(rf, "attendees", "Eilidh MacAskill\nUnpaid work supervisor")
    rf.widgets["upw_liaison_done"].setChecked(True)
    _type(rf, "next_review_on", "18/01/2027")
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        rev.save()
    assert len(rev.items) == 1
    assert rev.items[0]["attendees"] == ["Eilidh MacAskill", "Unpaid work supervisor"]
    assert len(plan.versions) == 1 and [g["id"] for g in plan.versions[0]["goals"]] == ["G1", "G2"]
    plan.version_box.setCurrentIndex(1)
    assert "forklift" in plan.old.toPlainText()
    w.close()
    with _reopen(ui_store, passphrase) as s:
        case = s.get_case(REF)
        assert case["reviews"][0]["upw_liaison_done"] is True
        assert case["reviews"][0]["next_review_on"] == "2027-01-18"
        assert len(s.plan_versions(REF)) == 1


def test_note_capture_marks_not_for_disclosure(qtbot: Any, make_window: Any, ui_store: Path,
                                               passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF)
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    notes = w.workspace.notes
    assert w.workspace.tabs.currentIndex() == TAB_NAMES.index("Notes")
    f = notes.form
    assert f.widgets["date"].text() == "23/11/2026"
    _type(f, "text", "Neighbour says he was shouting hippoword")
    _choose(f, "sensitivity", NFD)
    _type(f, "source", "Neighbour")
    assert notes.badge.isVisible()
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        qtbot.keyClick(w, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert notes.items[-1]["sensitivity"] == NFD
    row = next(r for r in range(notes.model.rowCount()) if "hippoword" in notes.model.data(notes.model.index(r, 3)))
    assert notes.model.data(notes.model.index(row, 2)) == "NOT FOR DISCLOSURE"


def test_validation_error_is_shown_inline(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    w = make_window(sync_delay_ms=600_000)  # no sync pass: its copy warning is not this test's
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF, TAB_NAMES.index("Unpaid work"))
    upw = w.workspace.upw
    upw.new_item()
    _type(upw.form, "hours", "30")  # the schema allows at most 24 in one session
    upw.save()
    qtbot.waitUntil(lambda: upw.form.error.isVisible(), timeout=10000)
    assert "Hours" in upw.form.error.text() and "Traceback" not in upw.form.error.text()
    assert upw.form.dirty and len(upw.items) == 2
    assert w.ctx.prompts.kinds() == []


def test_search_finds_note_words_and_accented_names(qtbot: Any, make_window: Any, ui_store: Path,
                                                    passphrase: str) -> None:
    w = make_window(sync_delay_ms=600_000)  # no sync pass: its copy warning is not this test's
    unlock(qtbot, w, ui_store, passphrase)
    page = w.caseload
    assert page.model.rowCount() == 2

    def refs() -> list[str]:
        return sorted(r.reference for r in page.model.rows)

    qtbot.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search.hasFocus()
    page.search.setText("budget")  # prefix of a word in one note
    qtbot.waitUntil(lambda: refs() == [RESTRICTED], timeout=5000)
    page.search.setText("mairi")  # Màiri, without the accent
    qtbot.waitUntil(lambda: refs() == [RESTRICTED], timeout=5000)
    page.search.setText("MacAskill")
    qtbot.waitUntil(lambda: refs() == [REF], timeout=5000)
    page.search.setText('"qqqq NEAR( *')  # FTS syntax is neutralised, no error
    qtbot.waitUntil(lambda: refs() == [], timeout=5000)
    page.search.setText("")
    qtbot.waitUntil(lambda: len(refs()) == 2, timeout=5000)
    page.filters["da"].setChecked(True)
    assert refs() == [RESTRICTED]
    assert w.ctx.prompts.kinds() == []


def test_privacy_mode_hides_restricted_information(qtbot: Any, make_window: Any, ui_store: Path,
                                                   passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, RESTRICTED)
    ws = w.workspace
    # select the restricted items so their forms are loaded
    ws.notes._go_to(1)
    ws.reviews._go_to(0)
    ws.flags._go_to(0)
    ws.plan.editor._go_to(0)
    held = all_texts(w, visible_only=False)
    for secret in SECRETS:
        assert secret in held, secret

    qtbot.keyClick(w, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert w.ctx.privacy and w.banner.isVisible()
    for tab in range(ws.tabs.count()):
        ws.tabs.setCurrentIndex(tab)
        for inner in ws.inner_tabs.values():
            for i in range(inner.count()):
                inner.setCurrentIndex(i)
                shown = all_texts(w, visible_only=True)
                for secret in SECRETS:
                    assert secret not in shown, (TAB_NAMES[tab], secret)
    ws.tabs.setCurrentIndex(TAB_NAMES.index("Notes"))
    assert ORDINARY_NOTE[:40] in all_texts(ws.notes, visible_only=True)
    w.show_caseload()
    assert "DA" not in all_texts(w.caseload, visible_only=True).split()
    # privacy mode also keeps restricted notes out of search
    w.caseload.search.setText("zebracode")
    qtbot.waitUntil(lambda: w.ctx.tasks.pending == 0 and w.caseload.matches is not None, timeout=5000)
    assert w.caseload.model.rowCount() == 0

    qtbot.keyClick(w, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not w.ctx.privacy and not w.banner.isVisible()
    open_case(qtbot, w, RESTRICTED, TAB_NAMES.index("Notes"))
    assert SECRET_NOTE[:40] in all_texts(ws.notes, visible_only=True)


def test_privacy_mode_edit_keeps_hidden_parts(qtbot: Any, make_window: Any, ui_store: Path,
                                              passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, RESTRICTED, TAB_NAMES.index("Plan"))
    w.set_privacy(True)
    ed = w.workspace.plan.editor
    ed._go_to(0)
    _type(ed.form, "measure", "Tenancy agreement signed and keys received")
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        ed.save()
    progress = ed.items[0]["progress"]
    assert [p["text"] for p in progress][-1] == SECRET_PROGRESS  # hidden entry kept, in place


def test_lock_clears_views_and_unlock_returns_to_case(qtbot: Any, make_window: Any, ui_store: Path,
                                                      passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    tab = TAB_NAMES.index("Notes")
    open_case(qtbot, w, RESTRICTED, tab)
    w.workspace.notes._go_to(0)
    assert ORDINARY_NOTE in all_texts(w, visible_only=False)
    with qtbot.waitSignal(w.locked, timeout=5000):
        qtbot.keyClick(w, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, w)
    assert w.ctx.store is None
    assert w.stack.currentWidget() is w.unlock_page
    held = all_texts(w, visible_only=False)
    for text in [ORDINARY_NOTE, "Màiri", "MacAskill", "Nic a' Phearsain", *SECRETS]:
        assert text not in held, text
    assert w.caseload.model.rowCount() == 0 and w.workspace.data is None

    w.unlock_page.passphrase.setText(passphrase)
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        w.unlock_page.submit()
    assert w.workspace.ref == RESTRICTED
    assert w.workspace.tabs.currentIndex() == tab
    assert w.pages.currentWidget() is w.workspace


def test_manual_lock_asks_about_unsaved_changes(qtbot: Any, make_window: Any, ui_store: Path,
                                                passphrase: str) -> None:
    w = make_window(sync_delay_ms=600_000)  # no sync pass: its copy warning is not this test's
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF)
    w.new_note()
    _type(w.workspace.notes.form, "text", "Typed but not saved")
    w.ctx.prompts.save_discard = ["cancel"]
    w.lock()
    assert w.ctx.store is not None and w.ctx.prompts.kinds() == ["ask_save_discard"]
    w.ctx.prompts.save_discard = ["save"]
    with qtbot.waitSignal(w.locked, timeout=10000):
        w.lock()
    wait_idle(qtbot, w)
    with _reopen(ui_store, passphrase) as s:
        assert s.get_case(REF)["notes"][-1]["text"] == "Typed but not saved"


def test_idle_lock_keeps_drafts_encrypted_and_offers_them_back(qtbot: Any, make_window: Any, ui_store: Path,
                                                              passphrase: str, tmp_path: Path) -> None:
    import os

    w = make_window(idle_ms=1500)
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF)
    w.new_note()
    _type(w.workspace.notes.form, "text", "Draft kept through the lock")
    with qtbot.waitSignal(w.idle.countdown, timeout=5000, check_params_cb=lambda s: s > 0) as started:
        pass
    assert started.args[0] > 0 and w.lock_warning.isVisible() and "locks in" in w.lock_warning.text()
    with qtbot.waitSignal(w.locked, timeout=5000):
        pass
    assert not w.lock_warning.isVisible()
    assert "Draft kept through the lock" not in all_texts(w, visible_only=False)
    assert "ask_save_discard" not in w.ctx.prompts.kinds()
    wait_idle(qtbot, w)
    # never in a plaintext file: not the store (encrypted), nor anything beside it or in the config
    for folder in (ui_store.parent, Path(os.environ["CASEBOOK_CONFIG_DIR"]), Path(os.environ["CASEBOOK_DATA_DIR"])):
        for f in folder.rglob("*"):
            if f.is_file():
                assert b"Draft kept through" not in f.read_bytes(), f
    w.ctx.prompts.confirm_answers = [True]
    w.unlock_page.passphrase.setText(passphrase)
    w.unlock_page.submit()
    qtbot.waitUntil(lambda: w.workspace.notes.dirty, timeout=10000)
    assert any("kept, encrypted" in m for k, m in w.ctx.prompts.calls if k == "confirm")
    assert w.workspace.notes.form.widgets["text"].toPlainText() == "Draft kept through the lock"
    with qtbot.waitSignal(w.workspace.notes.saved, timeout=10000):
        w.workspace.notes.save()
    with qtbot.waitSignal(w.locked, timeout=10000):
        w.lock()
    wait_idle(qtbot, w)
    with _reopen(ui_store, passphrase) as s:
        assert s.get_case(REF)["notes"][-1]["text"] == "Draft kept through the lock"
        from app.models.store import drafts
        assert drafts.count(s) == 0  # taken once offered


def test_any_input_cancels_the_idle_countdown(qtbot: Any, make_window: Any, ui_store: Path,
                                              passphrase: str) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    w = make_window(idle_ms=2000)
    unlock(qtbot, w, ui_store, passphrase)
    with qtbot.waitSignal(w.idle.countdown, timeout=5000, check_params_cb=lambda s: s > 0):
        pass
    assert w.idle.counting_down and w.lock_warning.isVisible()
    QTest.mouseMove(w.windowHandle(), QPoint(200, 200))
    QTest.keyClick(w.windowHandle(), Qt.Key.Key_Shift)
    assert not w.idle.counting_down and not w.lock_warning.isVisible()
    assert w.ctx.store is not None


def test_switching_case_with_unsaved_changes_asks(qtbot: Any, make_window: Any, ui_store: Path,
                                                  passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF)
    w.new_note()
    _type(w.workspace.notes.form, "text", "Unsaved")
    w.ctx.prompts.save_discard = ["cancel"]
    w.open_case(RESTRICTED)
    assert w.workspace.ref == REF and w.workspace.notes.form.dirty
    w.ctx.prompts.save_discard = ["discard"]
    open_case(qtbot, w, RESTRICTED)
    assert w.workspace.ref == RESTRICTED and not w.workspace.dirty_forms()


def test_wrong_passphrase_message_and_growing_lockout(qtbot: Any, make_window: Any, ui_store: Path) -> None:
    w = make_window()
    page = w.unlock_page
    page.lockout_seconds = [0, 1, 2]
    page.set_store(ui_store)
    page.passphrase.setText("not the passphrase")
    with qtbot.waitSignal(page.failed, timeout=10000):
        page.submit()
    assert page.message.isVisible() and page.message.text()
    assert "Traceback" not in page.message.text()
    assert not page.button.isEnabled()
    assert "try again in 1 s" in page.info.text()
    qtbot.waitUntil(page.button.isEnabled, timeout=3000)
    page.passphrase.setText("still wrong")
    with qtbot.waitSignal(page.failed, timeout=10000):
        page.submit()
    assert "try again in 2 s" in page.info.text()
    assert w.ctx.store is None


def test_main_window_fits_1366x768(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    w = make_window()
    hint = w.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 728
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, RESTRICTED)
    for tab in range(w.workspace.tabs.count()):
        w.workspace.tabs.setCurrentIndex(tab)
        hint = w.minimumSizeHint()
        assert hint.width() <= 1366 and hint.height() <= 728, TAB_NAMES[tab]


def test_settings_dialog_saves_user_and_store_settings(qtbot: Any, make_window: Any, ui_store: Path,
                                                       passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    w.open_settings()
    d = w.settings_dialog
    wait_idle(qtbot, w)
    d.idle.setValue(9)
    d.officer.setText("Demo Officer Z. Test")
    d.weeks["high"].setValue(3)
    d.report_days.setValue(7)
    w.ctx.prompts.files = ["/mnt/shared/casebook"]
    d._browse()
    with qtbot.waitSignal(d.finished, timeout=10000):
        d.save()
    assert w.ctx.settings.get("idle_lock_minutes") == 9
    w.close()
    with _reopen(ui_store, passphrase) as s:
        assert s.get_setting("officer_name") == "Demo Officer Z. Test"
        assert s.get_setting("intensity_weeks") == {"high": 3, "medium": 8, "low": 12}
        assert s.get_setting("report_days_before") == 7
        assert s.get_setting("shared_drive_folder") == "/mnt/shared/casebook"


def test_privacy_mode_headings_do_not_count_hidden_notes(qtbot: Any, make_window: Any, ui_store: Path,
                                                         passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, RESTRICTED, TAB_NAMES.index("Notes"))
    notes = w.workspace.notes
    ordinary = next(i for i, n in enumerate(notes.items) if n["text"] == ORDINARY_NOTE)
    secret = next(i for i, n in enumerate(notes.items) if n["text"] == SECRET_NOTE)
    notes._go_to(ordinary)
    total = len(notes.items)
    assert notes.heading.text().startswith(f"Note {ordinary + 1} of {total} — for ")
    w.set_privacy(True)
    restricted = [n["sensitivity"] == "not_for_disclosure" or n["kind"] == "victim_contact" for n in notes.items]
    hidden = sum(restricted)
    assert hidden == 2
    shown_before = restricted[:ordinary].count(False)
    assert notes.heading.text().startswith(f"Note {shown_before + 1} of {total - hidden} — for ")
    notes._go_to(secret)  # a hidden note selected: no number that places it among the others
    assert notes.heading.text().startswith("Note — for ")
    w.set_privacy(False)
    assert notes.heading.text().startswith(f"Note {secret + 1} of {total} — for ")


def test_idle_lock_counts_real_input_and_filters_windows_not_every_widget(
        qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    w = make_window(idle_ms=900)
    unlock(qtbot, w, ui_store, passphrase)
    handle = w.windowHandle()
    assert handle is not None
    watched: list[str] = []
    real_filter = w.idle.eventFilter

    def spy(obj: Any, event: Any) -> bool:
        watched.append(type(obj).__name__)
        return real_filter(obj, event)

    w.idle.eventFilter = spy  # type: ignore[method-assign]
    # input through the window system path (QWindow first, then the widget) keeps it unlocked
    for _ in range(8):
        QTest.keyClick(handle, Qt.Key.Key_Shift)
        move = QMouseEvent(QEvent.Type.MouseMove, QPointF(40, 40), QPointF(40, 40), Qt.MouseButton.NoButton,
                           Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(handle, move)
        qtbot.wait(200)
    assert w.ctx.store is not None, "locked although the officer was typing"
    assert watched and set(watched) == {"QWindow"}, set(watched)
    # painting widgets never goes through the idle filter (it would take the GIL per event)
    watched.clear()
    w.caseload.repaint()
    w.workspace.repaint()
    assert set(watched) <= {"QWindow"}, set(watched)
    # and with no input it locks
    with qtbot.waitSignal(w.locked, timeout=5000):
        pass
