"""Issue 19 item 18: every control of every page and dialog has an accessible name (a screen
reader says what it is), and long-form fields are plain QPlainTextEdits (voice typing works)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QCalendarWidget,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QWidget,
)

from tests.ui.conftest import open_case, unlock

CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit, QAbstractItemView)


def _name(w: QWidget) -> str:
    if w.accessibleName().strip():
        return w.accessibleName()
    if isinstance(w, QAbstractButton) and w.text().replace("&", "").strip():
        return w.text()
    return ""


def _inside_qt_part(w: QWidget) -> bool:
    """A piece Qt builds inside a named control: a combo box's popup list, a line edit's clear
    button, a spin box's editor, a calendar's cells."""
    parent = w.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox | QLineEdit | QAbstractSpinBox | QCalendarWidget):
            return True
        parent = parent.parentWidget()
    return False


def unnamed(root: QWidget) -> list[str]:
    out = []
    for w in [root, *root.findChildren(QWidget)]:
        if not isinstance(w, CONTROLS) or isinstance(w, QTabBar):
            continue
        if isinstance(w, QHeaderView) or _inside_qt_part(w):
            continue  # Qt's own parts of a named control (headers read their column titles)
        if w.objectName().startswith("qt_"):
            continue
        if not _name(w):
            out.append(f"{type(w).__name__} in {type(w.parentWidget()).__name__} ({w.objectName()})")
    return out


def test_every_page_and_dialog_names_its_controls(qtbot: Any, make_window: Any, ui_store: Path,
                                                  passphrase: str) -> None:
    w = make_window()
    assert unnamed(w.unlock_page) == []
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, "CPO-2026-0001")
    problems = unnamed(w)
    w.new_case()
    problems += unnamed(w.new_case_page)
    w.open_settings()
    problems += unnamed(w.settings_dialog)
    w.settings_dialog.reject()
    w.change_passphrase()
    problems += unnamed(w.passphrase_dialog)
    w.passphrase_dialog.reject()
    w.open_case("CPO-2026-0001")
    qtbot.waitUntil(lambda: w.workspace.data is not None, timeout=10000)
    w.workspace.capture_signatures()
    problems += unnamed(w.workspace.signature_dialog)
    w.workspace.signature_dialog.reject()
    w.workspace._export("plan", "individual")
    qtbot.waitUntil(lambda: w.workspace.export_dialog is not None, timeout=15000)
    problems += unnamed(w.workspace.export_dialog)
    assert problems == [], "\n".join(sorted(set(problems)))


def test_long_text_fields_are_plain_text_edits_with_no_custom_key_handling(qtbot: Any, make_window: Any,
                                                                            ui_store: Path, passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    open_case(qtbot, w, "CPO-2026-0001")
    edits = w.workspace.findChildren(QPlainTextEdit)
    assert edits
    for e in edits:
        # dictation (Windows voice typing) talks to the input method: a plain QPlainTextEdit, no
        # keyPressEvent/inputMethodEvent overrides
        assert type(e).keyPressEvent is QPlainTextEdit.keyPressEvent
        assert type(e).inputMethodEvent is QPlainTextEdit.inputMethodEvent
        assert e.testAttribute(__import__("PySide6.QtCore", fromlist=["Qt"]).Qt.WidgetAttribute.WA_InputMethodEnabled)
