"""UI test fixtures: a scripted Prompts fake (no real modal dialog ever opens) and a real
encrypted temp store holding the example case plus cases with restricted information."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.models.rules.clock import Clock
from app.models.store import Store

TODAY = dt.date(2026, 11, 23)
SECRET_NOTE = "Partner disclosed weekend threats zebracode"
VICTIM_NOTE = "Victim contact arranged through Caledonian worker quokkaword"
SECRET_PROGRESS = "Sister reported relapse pangolinword"
SECRET_REVIEW = "Restricted discussion narwhalword"
SECRET_FLAG = "Victim address held narwhalflag"
SECRET_GP = "Third party says axolotlword"
ORDINARY_NOTE = "Discussed budgeting and the rent arrears plan"


class FakePrompts:
    """Records every prompt; answers from scripted queues (or defaults)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.save_discard: list[str] = []
        self.confirm_answers: list[bool] = []
        self.files: list[str | None] = []
        self.texts: list[str | None] = []
        self.choices: list[int | None] = []
        self.passwords: list[str | None] = []
        self.print_to: str | None = None  # "Print to File" into this; None = cancel the print dialog
        self.printers: list[str] = ["Team printer"]  # printers set up on the computer
        self.native_print = False  # the print dialog answers with a real printer

    def _log(self, kind: str, message: str) -> None:
        self.calls.append((kind, message))

    def info(self, message: str) -> None:
        self._log("info", message)

    def warn(self, message: str) -> None:
        self._log("warn", message)

    def error(self, message: str) -> None:
        self._log("error", message)

    def confirm(self, message: str) -> bool:
        self._log("confirm", message)
        return self.confirm_answers.pop(0) if self.confirm_answers else True

    def ask_save_discard(self, message: str) -> str:
        self._log("ask_save_discard", message)
        return self.save_discard.pop(0) if self.save_discard else "discard"

    def ask_text(self, message: str, text: str = "") -> str | None:
        self._log("ask_text", message)
        return self.texts.pop(0) if self.texts else ""

    def open_file(self, caption: str, filter: str = "") -> str | None:
        self._log("open_file", caption)
        return self.files.pop(0) if self.files else None

    def save_file(self, caption: str, filter: str = "", name: str = "") -> str | None:
        self._log("save_file", caption)
        return self.files.pop(0) if self.files else None

    def choose_folder(self, caption: str) -> str | None:
        self._log("choose_folder", caption)
        return self.files.pop(0) if self.files else None

    def choose(self, message: str, options: list[str], current: int = 0) -> int | None:
        self._log("choose", message + " | " + " / ".join(options))
        return self.choices.pop(0) if self.choices else current

    def ask_password(self, message: str, confirm: bool = True) -> str | None:
        self._log("ask_password", message)
        return self.passwords.pop(0) if self.passwords else None

    def printer_names(self) -> list[str]:
        return list(self.printers)

    def ask_print(self, printer: Any, parent: Any) -> bool:
        self._log("ask_print", "")
        if self.native_print:
            printer.setPrinterName(self.printers[0])
            return True
        if self.print_to is None:
            return False
        from PySide6.QtPrintSupport import QPrinter

        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(self.print_to)
        printer.setResolution(72)
        return True

    def kinds(self) -> list[str]:
        return [k for k, _ in self.calls]


def restricted_case(example: dict[str, Any]) -> dict[str, Any]:
    case = copy.deepcopy(example)
    case["reference"] = "CPO-2026-0777"
    case["individual"]["given_names"] = "Màiri"
    case["individual"]["family_name"] = "Nic a' Phearsain"
    case["notes"] = [
        {"date": "2026-11-10", "kind": "office", "text": ORDINARY_NOTE, "sensitivity": "ordinary"},
        {"date": "2026-11-12", "kind": "phone", "text": SECRET_NOTE, "sensitivity": "not_for_disclosure",
         "source": "Partner"},
        {"date": "2026-11-13", "kind": "victim_contact", "text": VICTIM_NOTE, "sensitivity": "ordinary"},
    ]
    case["goals"][0]["progress"].append({"date": "2026-11-20", "text": SECRET_PROGRESS,
                                         "sensitivity": "not_for_disclosure"})
    case["reviews"] = [{"held_on": "2026-11-20", "kind": "scheduled", "attendees": ["Officer"],
                        "restricted_notes": SECRET_REVIEW,
                        "goal_progress": [{"goal_id": "G1", "rating": "some_progress", "comment": SECRET_GP,
                                           "sensitivity": "not_for_disclosure"}]}]
    case["flags"] = [
        {"kind": "domestic_abuse", "raised_on": "2026-11-02", "details": SECRET_FLAG,
         "sensitivity": "not_for_disclosure"},
        {"kind": "mappa", "raised_on": "2026-11-02", "sensitivity": "ordinary"},
    ]
    return case


@pytest.fixture
def ui_store(tmp_path: Path, passphrase: str, example_bundle: dict[str, Any]) -> Path:
    path = tmp_path / "ui.cbk"
    store = Store.create(path, passphrase, clock=Clock.fixed(TODAY), actor="test")
    bundle = copy.deepcopy(example_bundle)
    bundle["cases"].append(restricted_case(example_bundle["cases"][0]))
    store.import_bundle(bundle)
    store.close()
    return path


@pytest.fixture
def make_window(qtbot: Any) -> Iterator[Any]:
    from app.settings import Settings
    from app.ui.context import AppContext
    from app.ui.main_window import MainWindow
    from app.ui.tasks import Tasks

    made: list[Any] = []

    def make(idle_ms: int = 60 * 60 * 1000, privacy_passphrase: bool = False, **kw: Any) -> Any:
        ctx = AppContext(tasks=Tasks(), prompts=FakePrompts(), settings=Settings(), clock=Clock.fixed(TODAY))
        # leaving privacy mode asks the passphrase by default; the older tests toggle it freely
        ctx.settings.set("privacy_exit_passphrase", privacy_passphrase)
        w = MainWindow(ctx, idle_ms=idle_ms, **kw)
        qtbot.addWidget(w)
        w.resize(1366, 728)
        w.show()
        made.append(w)
        return w

    yield make
    for w in made:
        w.ctx.prompts.save_discard = []
        w.close()


def unlock(qtbot: Any, w: Any, path: Path, passphrase: str) -> None:
    w.start_with(path, passphrase)
    qtbot.waitUntil(lambda: w.ctx.store is not None and w.caseload.model.rowCount() > 0
                    and not w.caseload.due_pending, timeout=10000)


def open_case(qtbot: Any, w: Any, ref: str, tab: int | None = None) -> None:
    with qtbot.waitSignal(w.case_opened, timeout=10000):
        w.open_case(ref, tab)
    qtbot.waitUntil(lambda: w.ctx.tasks.pending == 0, timeout=10000)


def wait_idle(qtbot: Any, w: Any) -> None:
    qtbot.waitUntil(lambda: w.ctx.tasks.pending == 0, timeout=10000)


def all_texts(root: Any, visible_only: bool) -> str:
    """Every piece of text the widgets under ``root`` hold (or show, with visible_only)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import (
        QAbstractItemView,
        QComboBox,
        QLabel,
        QLineEdit,
        QListWidget,
        QPlainTextEdit,
        QTextEdit,
        QWidget,
    )

    out: list[str] = []
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        if visible_only and not w.isVisible():
            continue
        if isinstance(w, QLabel):
            out.append(w.text())
        elif isinstance(w, QLineEdit):
            out.append(w.text())
        elif isinstance(w, QPlainTextEdit):
            out.append(w.toPlainText())
        elif isinstance(w, QTextEdit):
            out.append(w.toPlainText())
        elif isinstance(w, QComboBox):
            out.extend(w.itemText(i) for i in range(w.count()))
        elif isinstance(w, QListWidget):
            out.extend(w.item(i).text() for i in range(w.count()))
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            m = w.model()
            from PySide6.QtCore import QAbstractListModel, QModelIndex

            cols = 1 if isinstance(m, QAbstractListModel) else m.columnCount(QModelIndex())
            for r in range(m.rowCount(QModelIndex())):
                for c in range(cols):
                    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                        v = m.data(m.index(r, c), role)
                        if v is not None:
                            out.append(str(v))
    return "\n".join(out)
