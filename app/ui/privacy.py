"""The note a page shows in place of its body while privacy mode is on (Ctrl+Shift+P)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def privacy_note(parent: QWidget, text: str, accessible_name: str) -> QLabel:
    """A centred, word-wrapped line saying what is hidden and how to show it; hidden until
    the page's ``set_privacy(True)`` shows it."""
    note = QLabel(text, parent)
    note.setWordWrap(True)
    note.setAlignment(Qt.AlignmentFlag.AlignCenter)
    note.setAccessibleName(accessible_name)
    note.hide()
    return note
