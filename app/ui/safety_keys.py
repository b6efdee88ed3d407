"""Ctrl+Shift+P (privacy mode) and Ctrl+L (lock) from every window and dialog.

The main window's actions cannot fire while a window-modal dialog (the PDF preview, the
signature pads) or an application-modal message box is up: Qt blocks the shortcuts of a
window shadowed by a modal one.  These two keys must work at the visit whatever has the
focus, so this object filters every top-level ``QWindow`` (where a key press arrives before
Qt hands it to a widget) and runs the action itself.  When the main window has the focus its
own shortcut fires first and the key press never reaches a window, so nothing runs twice.
Only top-level windows are filtered (never the whole application: see IdleWatcher).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence

SAFETY_KEYS = ("Ctrl+Shift+P", "Ctrl+L")


def _combination(sequence: str) -> QKeyCombination:
    combination: QKeyCombination = QKeySequence(sequence)[0]  # type: ignore[index]
    return combination


class SafetyKeys(QObject):
    """Runs ``actions[key]()`` for a safety key pressed in any of the application's windows."""

    def __init__(self, actions: dict[str, Callable[[], None]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.actions = {_combination(k).toCombined(): fn for k, fn in actions.items()}
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self.watch_windows)
        self.watch_windows()

    def watch_windows(self, *_: Any) -> None:
        for window in QGuiApplication.topLevelWindows():
            window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        mods = event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
                                    | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier)
        action = self.actions.get(QKeyCombination(mods, Qt.Key(event.key())).toCombined())
        if action is None:
            return False
        action()
        return True
