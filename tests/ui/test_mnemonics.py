"""Alt+letter mnemonics on the main window (issue 19, item 11: Alt+C both created a case and
opened the Case menu).  On every page and case tab, the menu bar's letters and the letters of
the buttons, boxes and labelled fields shown are all different; within each menu too."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QAbstractButton, QLabel, QMenu, QTabBar, QWidget

from tests.ui.conftest import open_case, unlock, wait_idle

_MNEMONIC = re.compile(r"&([^&\s])")


def letter(text: str) -> str | None:
    m = _MNEMONIC.search(text.replace("&&", ""))
    return m[1].lower() if m else None


def _shown(root: QWidget) -> list[tuple[str, str]]:
    """(letter, text) of every mnemonic a visible widget under ``root`` answers to."""
    out: list[tuple[str, str]] = []
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible():
            continue
        texts: list[str] = []
        if isinstance(w, QAbstractButton):
            texts.append(w.text())
        elif isinstance(w, QLabel) and w.buddy() is not None:
            texts.append(w.text())
        elif isinstance(w, QTabBar):
            texts.extend(w.tabText(i) for i in range(w.count()))
        for t in texts:
            if (ch := letter(t)) is not None:
                out.append((ch, t))
    return out


def _clashes(w: Any, where: str) -> list[str]:
    bar = [(letter(m.title()), m.title()) for m in w.menuBar().findChildren(QMenu) if m.parent() is w.menuBar()]
    found = [(ch, t) for ch, t in bar if ch] + _shown(w.pages.currentWidget())
    counts = Counter(ch for ch, _ in found)
    return [f"{where}: Alt+{ch.upper()} is " + " / ".join(t for c, t in found if c == ch)
            for ch, n in counts.items() if n > 1]


def test_menus_have_distinct_letters(qtbot: Any, make_window: Any) -> None:
    w = make_window()
    problems = []
    for menu in w.menuBar().findChildren(QMenu):
        letters = [(letter(a.text()), a.text()) for a in menu.actions() if not a.isSeparator()]
        counts = Counter(ch for ch, _ in letters if ch)
        problems += [f"{menu.title()}: {ch} is " + " / ".join(t for c, t in letters if c == ch)
                     for ch, n in counts.items() if n > 1]
    assert problems == [], "\n".join(problems)


def test_every_page_and_tab_has_distinct_letters(qtbot: Any, make_window: Any, ui_store: Path,
                                                passphrase: str) -> None:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    problems: list[str] = []
    w.show_today()
    wait_idle(qtbot, w)
    problems += _clashes(w, "Today")
    w.show_caseload()
    problems += _clashes(w, "Caseload")
    w.new_case()
    problems += _clashes(w, "New case")
    w.new_case_page.form.mark_saved()
    open_case(qtbot, w, "CPO-2026-0001")
    for i in range(w.workspace.tabs.count()):
        w.workspace.tabs.setCurrentIndex(i)
        wait_idle(qtbot, w)
        problems += _clashes(w, f"Case tab {w.workspace.tabs.tabText(i)}")
    assert problems == [], "\n".join(problems)
