"""New case by keyboard alone (issue 19, item 11): a short form in reading order, requirements and
flags ticked with Space, Enter creates, and the case with its flags is one store call."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from tests.ui.conftest import TODAY, unlock, wait_idle

NO = Qt.KeyboardModifier.NoModifier


class Keys:
    """Presses keys where the focus is, counting every key that is not typed text."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot
        self.count = 0

    def focus(self) -> QWidget:
        w = QApplication.focusWidget()
        assert w is not None
        return w

    def press(self, key: Qt.Key, mod: Qt.KeyboardModifier = NO, times: int = 1) -> None:
        for _ in range(times):
            self.count += 1
            QTest.keyClick(self.focus(), key, mod)

    def type(self, text: str) -> None:
        QTest.keyClicks(self.focus(), text)


def _spy_writes(store: Any) -> list[str]:
    """The public store method behind every transaction that changed something."""
    writes: list[str] = []
    current: list[str] = []
    real_tx = store._tx

    @contextlib.contextmanager
    def tx() -> Iterator[Any]:
        before = store._conn.total_changes
        with real_tx() as s:
            yield s
        if store._conn.total_changes != before:
            writes.append(current[-1] if current else "?")

    def wrap(name: str, fn: Any) -> Any:
        def call(*a: Any, **k: Any) -> Any:
            current.append(name)
            try:
                return fn(*a, **k)
            finally:
                current.pop()
        return call

    for name in dir(type(store)):
        if not name.startswith("_") and callable(getattr(type(store), name, None)):
            setattr(store, name, wrap(name, getattr(store, name)))
    store._tx = tx
    return writes


def _start(qtbot: Any, make_window: Any, ui_store: Path, passphrase: str) -> tuple[Any, Keys, list[str]]:
    w = make_window()
    unlock(qtbot, w, ui_store, passphrase)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)
    writes = _spy_writes(w.ctx.store)
    keys = Keys(qtbot)
    keys.press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert w.pages.currentWidget() is w.new_case_page
    return w, keys, writes


def _person_and_order(keys: Keys) -> None:
    keys.type("Ciaran")  # QTest types ASCII only
    keys.press(Qt.Key.Key_Tab)
    keys.type("O'Neill")
    keys.press(Qt.Key.Key_Tab)
    keys.type("1/2/90")
    keys.press(Qt.Key.Key_Tab)
    keys.type("CPO-2026-0100")
    keys.press(Qt.Key.Key_Tab)
    keys.type("Paisley Sheriff Court")
    keys.press(Qt.Key.Key_Tab)
    keys.type("today")
    keys.press(Qt.Key.Key_Tab)  # order ends on: left empty
    keys.press(Qt.Key.Key_Tab)  # supervision intensity
    keys.type("m")  # Medium
    keys.press(Qt.Key.Key_Tab)  # the requirements (supervision is ticked already)


def test_typical_case_by_keyboard_in_few_keys_and_one_store_call(qtbot: Any, make_window: Any, ui_store: Path,
                                                               passphrase: str) -> None:
    w, keys, writes = _start(qtbot, make_window, ui_store, passphrase)
    page = w.new_case_page
    assert keys.focus() is page.form.widgets["individual.given_names"]
    _person_and_order(keys)
    assert keys.focus() is page.form.widgets["requirement_kinds"]
    keys.press(Qt.Key.Key_Tab)
    assert keys.focus() is page.form.widgets["supervision_months"]
    keys.type("12")
    keys.press(Qt.Key.Key_Tab)  # unpaid work hours are closed (not ticked): straight to the flags
    assert keys.focus() is page.form.widgets["flag_kinds"]
    keys.press(Qt.Key.Key_Space)  # the first flag: domestic abuse
    seen: list[list[str]] = []
    page.created.connect(lambda ref: seen.append(list(writes)))
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        keys.press(Qt.Key.Key_Return)
    assert keys.count <= 25, keys.count
    assert seen == [["create_case"]]  # the case and its flag: one store call, one transaction
    wait_idle(qtbot, w)
    case = w.ctx.store.get_case("CPO-2026-0100")
    assert case["individual"]["given_names"] == "Ciaran" and case["individual"]["date_of_birth"] == "1990-02-01"
    assert case["order"]["imposed_on"] == TODAY.isoformat()
    assert case["order"]["requirements"] == [{"kind": "offender_supervision", "months": 12}]
    assert case["supervision_intensity"] == "medium"
    assert [(f["kind"], f["raised_on"]) for f in case["flags"]] == [("domestic_abuse", TODAY.isoformat())]
    assert w.workspace.ref == "CPO-2026-0100"


def test_unpaid_work_only_and_enter_on_the_button(qtbot: Any, make_window: Any, ui_store: Path,
                                                 passphrase: str) -> None:
    w, keys, _ = _start(qtbot, make_window, ui_store, passphrase)
    page = w.new_case_page
    _person_and_order(keys)
    keys.press(Qt.Key.Key_Space)  # untick supervision
    keys.press(Qt.Key.Key_Down)
    keys.press(Qt.Key.Key_Space)  # tick unpaid work
    keys.press(Qt.Key.Key_Tab)
    assert keys.focus() is page.form.widgets["unpaid_hours"]
    keys.type("120")
    keys.press(Qt.Key.Key_Tab)  # the flags: none
    keys.press(Qt.Key.Key_Tab)
    assert keys.focus() is page.create_button
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        keys.press(Qt.Key.Key_Return)
    wait_idle(qtbot, w)
    case = w.ctx.store.get_case("CPO-2026-0100")
    assert case["order"]["requirements"] == [{"kind": "unpaid_work_or_other_activity", "hours": 120}]
    assert not case.get("flags")


def test_missing_months_is_named_at_its_field(qtbot: Any, make_window: Any, ui_store: Path,
                                            passphrase: str) -> None:
    w, keys, writes = _start(qtbot, make_window, ui_store, passphrase)
    page = w.new_case_page
    _person_and_order(keys)
    keys.press(Qt.Key.Key_Return)  # supervision ticked, no months
    problem = page.form.field_errors["supervision_months"]
    qtbot.waitUntil(lambda: not problem.isHidden(), timeout=10000)
    assert "months" in problem.text().lower()
    assert keys.focus() is page.form.widgets["supervision_months"]
    assert writes == []
    keys.type("6")
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        keys.press(Qt.Key.Key_Return)
