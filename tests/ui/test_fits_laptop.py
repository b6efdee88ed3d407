"""Readable on a 1366x768 laptop: no form needs horizontal scrolling and no field, label or button
runs past the right edge of the pane it is in, on any page, case tab (and sub-tab) or dialog, at
the window maximised on a 1366x768 screen (with and without a taskbar) and at the app's default
size.  (The Notes form once asked 777 px of a 693 px pane: its Kind list and its long "Source"
label; the Save button was off screen.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QAbstractButton, QLabel, QScrollArea, QWidget

from app.ui.fields import NOTE_FIELDS
from app.ui.forms import Form
from app.ui.workspace import TAB_NAMES
from tests.ui.conftest import open_case, unlock, wait_idle

RESTRICTED = "CPO-2026-0777"
SIZES = [(1366, 728), (1366, 768), (1280, 720)]  # maximised (taskbar), maximised, MainWindow's default


def overflow(root: QWidget) -> list[str]:
    """What under ``root`` would need horizontal scrolling or is cut at the right edge."""
    problems: list[str] = []

    def name(w: QWidget) -> str:
        text = w.text() if isinstance(w, QLabel | QAbstractButton) else ""
        return f"{type(w).__name__} {w.accessibleName() or text or w.objectName()!r}"

    for area in root.findChildren(QScrollArea):
        inner, port = area.widget(), area.viewport()
        if not area.isVisible() or inner is None or (isinstance(inner, QLabel) and not inner.pixmap().isNull()):
            continue  # (a zoomed page image is panned: not a form)
        if area.horizontalScrollBar().isVisible() or inner.width() > port.width():
            problems.append(f"{name(inner)} is {inner.width()} px wide in a {port.width()} px pane")
        for w in inner.findChildren(QWidget):
            if w.isVisible() and not w.isWindow() and w.mapTo(port, QPoint(w.width(), 0)).x() > port.width():
                problems.append(f"{name(w)} runs past its pane")
    for w in root.findChildren(QWidget):
        parent = w.parentWidget()
        if not w.isVisible() or w.isWindow() or parent is None:
            continue
        if isinstance(parent.parentWidget(), QScrollArea):
            continue  # the scroll area's own content (checked above)
        if w.geometry().right() > parent.width() or w.x() < 0:
            problems.append(f"{name(w)} is cut by {name(parent)}")
        if isinstance(w, QLabel) and not w.wordWrap() and w.text() and w.width() < w.sizeHint().width():
            problems.append(f"{name(w)} shows {w.width()} of {w.sizeHint().width()} px")
        if isinstance(w, QAbstractButton) and w.width() < w.minimumSizeHint().width():
            problems.append(f"{name(w)} shows {w.width()} of {w.minimumSizeHint().width()} px")
    return sorted(set(problems))


def test_the_notes_form_fits_half_a_laptop_screen(qtbot: Any) -> None:
    form = Form(NOTE_FIELDS, 2)
    qtbot.addWidget(form)
    assert form.minimumSizeHint().width() <= 600  # the Notes pane is 649-693 px wide
    kind = form.widgets["kind"]
    # the long kind ("Face to face elsewhere (cafe, agency office)") is still read whole in the list
    assert kind.view().minimumWidth() >= max(kind.fontMetrics().horizontalAdvance(kind.itemText(i))
                                             for i in range(kind.count()))
    # a long label takes two lines only when there is no room for one
    form.resize(1000, 400)
    form.show()
    source = form.labels["source"]
    assert source.height() < 2 * source.fontMetrics().height()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_page_tab_and_dialog_fits(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str,
                                        size: tuple[int, int]) -> None:
    w = make_window()
    w.resize(*size)
    unlock(qtbot, w, ui_store, passphrase)
    found: dict[str, list[str]] = {}

    def check(root: QWidget, where: str) -> None:
        qtbot.wait(1)
        wait_idle(qtbot, w)
        if problems := overflow(root):
            found[where] = problems

    w.show_today()
    check(w, "Today")
    w.show_caseload()
    check(w, "Caseload")
    w.show_team()
    check(w, "Team")
    if size[0] >= 1366:  # the officers' columns whole beside the two charts
        assert not w.team.officers_view.horizontalScrollBar().isVisible()
    w.new_case()
    check(w, "New case")
    w.new_case_page.form.mark_saved()
    open_case(qtbot, w, RESTRICTED)
    for i, title in enumerate(TAB_NAMES):
        w.workspace.tabs.setCurrentIndex(i)
        tab = w.workspace.tabs.widget(i)
        inner = getattr(tab, "inner", None)
        for j in range(inner.count() if inner is not None else 1):
            if inner is not None:
                inner.setCurrentIndex(j)
            check(w, title + (f" / {inner.tabText(j)}" if inner is not None else ""))
    w.workspace.tabs.setCurrentIndex(TAB_NAMES.index("Notes"))
    w.workspace.notes._go_to(1)  # a not-for-disclosure note: the badge in the heading
    check(w, "Notes, a restricted note")
    w.open_settings()
    check(w.settings_dialog, "Settings")
    w.settings_dialog.reject()
    w.open_tools(0)
    for j in range(w.tools_dialog.tabs.count()):
        w.tools_dialog.tabs.setCurrentIndex(j)
        check(w.tools_dialog, f"Tools / {w.tools_dialog.tabs.tabText(j)}")
    w.tools_dialog.reject()
    w.workspace._export("plan", "individual")
    qtbot.waitUntil(lambda: w.workspace.export_dialog is not None, timeout=10000)
    check(w.workspace.export_dialog, "Export preview")
    w.workspace.export_dialog.reject()
    assert not found, found
