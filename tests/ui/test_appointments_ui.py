"""Issue 17 through the real widgets over an encrypted store: book, attend (note created,
first meeting met), fail (unacceptable), the warning letter due and then met by the generated
letter, the Today page, the calendar export."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from icalendar import Calendar
from PySide6.QtCore import QDate, QTime

from app.models.rules.clock import Clock
from app.models.store import Store
from tests.ui.conftest import TODAY, open_case, unlock, wait_idle

REF = "CPO-2026-0001"


def _imposed_last_week(path: Path, passphrase: str) -> None:
    """The example case, imposed on Monday 16/11/2026 with no contact yet."""
    with Store.open(path, passphrase, clock=Clock.fixed(TODAY)) as s:
        case = s.get_case(REF)
        order = dict(case["order"], imposed_on="2026-11-16")
        s.update_case(REF, {"order": order})
        for i in reversed(range(len(case.get("notes", [])))):
            s.delete_item(REF, "notes", i)


def _due(w: Any, kind: str) -> list[Any]:
    data = w.workspace.data
    assert data is not None
    return [d for d in data.due if d.kind == kind]


def _tab(w: Any) -> Any:
    w.workspace.show_tab("appointments")
    return w.workspace.tab("appointments")


def _book(qtbot: Any, w: Any, day: dt.date, start: str, kind: str, place: str = "") -> None:
    tab = _tab(w)
    tab.book()
    d = tab.dialog
    assert d is not None
    d.date.setDate(QDate(day.year, day.month, day.day))
    hh, mm = (int(x) for x in start.split(":"))
    d.start.setTime(QTime(hh, mm))
    d.kind.setCurrentIndex(d.kind.findData(kind))
    d.place.setText(place)
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        d.accept()
    wait_idle(qtbot, w)


def _outcome(qtbot: Any, w: Any, appt_id: str, outcome: str, note: str = "", reason: str = "") -> Any:
    tab = _tab(w)
    tab.select(appt_id)
    tab.record_outcome()
    d = tab.dialog
    d.outcome.setCurrentIndex(d.outcome.findData(outcome))
    if note:
        d.make_note.setChecked(True)
        d.note.setPlainText(note)
    if reason:
        d.reason.setText(reason)
    return d


def test_book_attend_fail_warning_letter_met(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str,
                                            tmp_path: Path) -> None:
    _imposed_last_week(ui_store, passphrase)
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    assert w.pages.currentWidget() is w.today  # the first page after unlock
    open_case(qtbot, w, REF)
    assert [d.status for d in _due(w, "first_meeting")] == ["open"]

    _book(qtbot, w, dt.date(2026, 11, 18), "10:00", "office", "Leith office")
    tab = _tab(w)
    assert [a["id"] for a in tab.model.rows] == ["A1"]
    d = _outcome(qtbot, w, "A1", "attended", note="Went through the order; agreed the first goals.")
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        d.accept()
    wait_idle(qtbot, w)
    case = w.workspace.data.case
    assert case["notes"][-1]["text"] == "Went through the order; agreed the first goals."
    assert case["notes"][-1]["kind"] == "office"
    first = _due(w, "first_meeting")[0]
    assert (first.status, first.done_on) == ("done", dt.date(2026, 11, 18))

    # An outcome for a future day is refused in the dialog, nothing saved.
    _book(qtbot, w, dt.date(2026, 11, 26), "14:00", "office", "Leith office")
    d = _outcome(qtbot, w, "A2", "attended")
    d.accept()
    qtbot.waitUntil(lambda: "has not happened yet" in d.message.text(), timeout=10000)
    d.reject()
    assert "outcome" not in next(a for a in tab.rows if a["id"] == "A2")

    # Failed to attend today without a reason: a warning letter is due in working days.
    _book(qtbot, w, TODAY, "09:30", "home_visit")
    d = _outcome(qtbot, w, "A3", "unacceptable_absence")
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        d.accept()
    wait_idle(qtbot, w)
    letter = _due(w, "warning_letter")
    # Mon 23/11 + 5 working days, St Andrew's Day (Monday 30/11) is a holiday: Tuesday 01/12.
    assert [(i.due_on, i.status) for i in letter] == [(dt.date(2026, 12, 1), "open")]
    assert "next: first warning letter by 01/12/2026" in tab.position.text()
    assert "first warning" in w.workspace.summary.enforcement.text().lower()

    # The generated warning letter, saved as the person's copy, meets it.
    out = tmp_path / "warning.pdf"
    w.ctx.prompts.files = [str(out)]
    tab.select("A3")
    tab.export_letter("warning_letter")
    qtbot.waitUntil(lambda: getattr(tab, "export_dialog", None) is not None or _export_dialog(w) is not None,
                    timeout=10000)
    dialog = _export_dialog(w)
    assert dialog.for_individual and dialog.document == "warning_letter"
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        dialog.save_as()
    wait_idle(qtbot, w)
    assert out.exists()
    letter = _due(w, "warning_letter")
    assert [(i.status, i.done_on) for i in letter] == [("done", TODAY)]
    assert "1 of 2 warnings issued" in tab.position.text()
    dialog.reject()

    # Today page: today's appointment (with its outcome) and the week's.
    w.show_today()
    wait_idle(qtbot, w)
    rows = w.today.rows_text()
    assert f"2026-11-23 09:30 {REF} home_visit" in rows and f"2026-11-26 14:00 {REF} office" in rows


def _export_dialog(w: Any) -> Any:
    from app.ui.export_flow import ExportDialog

    found = [d for d in w.findChildren(ExportDialog) if d.isVisible()]
    return found[-1] if found else None


def test_booking_warnings_ask_and_calendar_export(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str,
                                                  tmp_path: Path) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, REF)
    _book(qtbot, w, dt.date(2026, 11, 25), "10:00", "office", "Leith office")
    # Overlapping: asked, the officer says no, nothing saved and the dialog says why.
    tab = _tab(w)
    tab.book()
    d = tab.dialog
    d.date.setDate(QDate(2026, 11, 25))
    d.start.setTime(QTime(10, 30))
    d.notes.setPlainText("Partner says zebracode")
    d.nfd.setChecked(True)
    w.ctx.prompts.confirm_answers = [False]
    d.accept()
    qtbot.waitUntil(lambda: "overlaps" in d.message.text(), timeout=10000)
    assert [a["id"] for a in tab.model.rows] == ["A1"]
    # Saying yes books it.
    w.ctx.prompts.confirm_answers = [True]
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        d.accept()
    wait_idle(qtbot, w)
    assert sorted(a["id"] for a in tab.model.rows) == ["A1", "A2"]

    assert any("zebracode" in (a.get("notes") or "") for a in tab.model.rows)
    w.set_privacy(True)  # privacy mode hides not-for-disclosure appointment notes
    assert not any("zebracode" in (a.get("notes") or "") for a in tab.model.rows)
    w.set_privacy(False)

    # Today: Enter on this week's appointment opens the case on its Appointments tab.
    w.show_today()
    wait_idle(qtbot, w)
    view = w.today.views["week"]
    assert w.today.week_model.rowCount() == 2
    view.setCurrentIndex(w.today.week_model.index(0, 0))
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        view.activated.emit(w.today.week_model.index(0, 0))
    assert w.workspace.tabs.currentWidget() is w.workspace.tab("appointments")

    ics = tmp_path / "week.ics"
    w.ctx.prompts.files = [str(ics)]
    w.export_calendar()
    qtbot.waitUntil(ics.exists, timeout=10000)
    wait_idle(qtbot, w)
    cal = Calendar.from_ical(ics.read_bytes())
    summaries = sorted(str(e["summary"]) for e in cal.walk("VEVENT"))
    assert summaries == [f"{REF}: Office appointment"] * 2
    text = ics.read_text(encoding="utf-8")
    case = w.workspace.data.case
    for private in (case["individual"]["given_names"], case["individual"]["family_name"], "zebracode"):
        assert private not in text
    json.dumps(summaries)
