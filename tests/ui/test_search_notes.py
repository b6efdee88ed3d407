"""Search shows which notes matched (issue 19, item 14): a few words around the match, never the
text of a not-for-disclosure or victim contact note, nothing in privacy mode; Enter on a note
opens its case on the Notes tab with that note selected; "darcy" finds D'Arcy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.models.rules.clock import Clock
from app.models.store import Store
from app.ui.caseload import WITHHELD_NFD, hit_text
from tests.ui.conftest import ORDINARY_NOTE, SECRET_NOTE, TODAY, VICTIM_NOTE, unlock, wait_idle

RESTRICTED = "CPO-2026-0777"


def _key(w: Any, key: Qt.Key) -> None:
    """A key as the window system delivers it (to the focus widget, shortcuts first)."""
    QTest.keyClick(w.windowHandle(), key)


def _search(qtbot: Any, w: Any, text: str) -> Any:
    page = w.caseload
    w.activateWindow()
    page.focus_search()
    page.search.clear()
    qtbot.keyClicks(page.search, text)
    _key(w, Qt.Key.Key_Return)  # runs the search now, focus to the results
    wait_idle(qtbot, w)
    return page


def _shown(page: Any) -> list[str]:
    m = page.notes_model
    return [" | ".join(str(m.data(m.index(r, c))) for c in range(m.columnCount())) for r in range(m.rowCount())]


def test_snippets_and_the_disclosure_rule(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    w.show_caseload()
    page = _search(qtbot, w, "arrears")
    assert page.notes_view.isVisible() and page.notes_model.rowCount() == 1
    (row,) = _shown(page)
    assert RESTRICTED in row and "rent arrears plan" in row and "Office" in row
    assert "Matching" in page.notes_label.text()

    page = _search(qtbot, w, "zebracode")  # a not-for-disclosure note: found, its text not shown
    (row,) = _shown(page)
    assert WITHHELD_NFD in row and SECRET_NOTE.split()[0] not in row
    page = _search(qtbot, w, "quokkaword")  # victim contact, whatever its sensitivity says
    (row,) = _shown(page)
    assert "victim contact: the text is not shown" in row and "quokkaword" not in row
    assert VICTIM_NOTE.split(" ", 1)[1] not in row

    page = _search(qtbot, w, "macaskill")  # a name: the case, and no note list
    assert page.model.rowCount() == 1 and not page.notes_view.isVisible()
    page.search.clear()
    assert not page.notes_view.isVisible()


def test_privacy_mode_shows_no_note_text(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    w.show_caseload()
    page = _search(qtbot, w, "arrears")
    assert page.notes_model.rowCount() == 1
    w.act_privacy.trigger()
    wait_idle(qtbot, w)
    assert not page.notes_view.isVisibleTo(w)  # the whole caseload, search included, is hidden
    assert all(h.snippet is None for h in page.notes_model.rows)
    assert all(ORDINARY_NOTE.split()[0] not in hit_text(h) for h in page.notes_model.rows)


def test_enter_on_a_note_opens_it(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    w.show_caseload()
    page = _search(qtbot, w, "arrears")
    assert page.view.hasFocus()
    _key(w, Qt.Key.Key_Tab)  # from the cases to the notes that matched
    assert page.notes_view.hasFocus()
    page.notes_view.setCurrentIndex(page.notes_model.index(0, 0))
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        _key(w, Qt.Key.Key_Return)
    wait_idle(qtbot, w)
    qtbot.waitUntil(lambda: w.workspace.notes.index == 0, timeout=10000)
    assert w.workspace.ref == RESTRICTED
    assert w.workspace.tabs.currentWidget() is w.workspace.tab("notes")
    assert w.workspace.notes.form.widgets["text"].toPlainText() == ORDINARY_NOTE


def test_darcy_finds_d_arcy(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> None:
    with Store.open(ui_store, passphrase, clock=Clock.fixed(TODAY)) as s:
        person = s.get_case(RESTRICTED)["individual"]
        s.update_case(RESTRICTED, {"individual": {**person, "family_name": "D'Arcy-Smith"}})
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    w.show_caseload()
    for query in ("darcy", "DArcy smith", "d'arcy"):
        page = _search(qtbot, w, query)
        assert [r.reference for r in page.model.rows] == [RESTRICTED], query
