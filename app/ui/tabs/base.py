"""What every case-workspace tab is: a widget that shows one case (``load``), forgets it
(``clear``), follows privacy mode (it subscribes to ``ctx.events.privacy_changed`` itself), and
names the editors it holds so the workspace can save, discard and count unsaved forms without
knowing the tab's insides."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Sequence

from PySide6.QtWidgets import QTabWidget, QWidget

from app.models.rules import disclosure
from app.models.rules.deadlines import DueItem
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.editors import ListEditor, ObjectEditor
from app.ui.table_models import STATUS_TEXT, Column, RowsModel, due_label, fmt_date

Editor = ListEditor | ObjectEditor


class CaseTab(QWidget):
    """Base of every tab.  Subclasses build their widgets in ``__init__(ctx, parent)``, list
    their editors in ``editors()`` and show a case in ``show_case``.  After any store operation
    the workspace reloads its case (from the change-set, ``ctx.events.changed``) and calls
    ``load`` again, so a tab never asks for a reload itself."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ref: str | None = None
        self.data: ops.CaseData | None = None
        self.privacy = ctx.privacy
        self.inner: QTabWidget | None = None  # a tab with sub-tabs (Learning, Flags) sets it
        self.read_only = False  # the case is handed over (pending or transferred)
        ctx.events.privacy_changed.connect(self.set_privacy)

    def editors(self) -> list[Editor]:
        return []

    def current_editor(self) -> Editor | None:
        """The editor Ctrl+S saves while this tab is shown."""
        eds = self.editors()
        if not eds:
            return None
        if self.inner is not None and 0 <= self.inner.currentIndex() < len(eds):
            return eds[self.inner.currentIndex()]
        return eds[0]

    def load(self, ref: str, data: ops.CaseData) -> None:
        self.ref = ref
        self.data = data
        self.show_case(ref, data)

    def show_case(self, ref: str, data: ops.CaseData) -> None:
        """Fill the tab's widgets from ``data``."""

    def clear(self) -> None:
        self.ref = None
        self.data = None
        for ed in self.editors():
            ed.clear()

    def set_privacy(self, on: bool) -> None:
        """Privacy mode switched (the editors follow it on their own)."""
        self.privacy = on

    def set_read_only(self, on: bool) -> None:
        """The case is handed over (the store refuses every change): the tab offers none.  Its
        editors go read-only; a tab with its own buttons or shortcuts extends this."""
        self.read_only = on
        for ed in self.editors():
            ed.set_read_only(on)

    def close_dialogs(self) -> None:
        """Close any dialog this tab opened (on lock or when another case opens)."""


# ------------------------------------------------------------------ small helpers shared by tabs
def badge(text: str, colour: str) -> str:
    return (f'<span style="background:{colour}; color:white; font-weight:bold;">&nbsp;{html.escape(text)}&nbsp;'
            "</span>")


def preview(text: str | None, n: int = 90) -> str:
    one = " ".join((text or "").split())
    return one if len(one) <= n else one[: n - 1] + "…"


def words(code: str | None) -> str:
    """A stored code as shown in a list, like the forms show it: "in_progress" -> "In progress"."""
    return (code or "").replace("_", " ").capitalize()


def sensitivity_column(list_key: str, width: int | None = None) -> Column:
    """A list's Sensitivity column, from the one disclosure rule: "NOT FOR DISCLOSURE", "Not for
    disclosure (victim information)" for a victim item whatever its field says, '' for ordinary."""
    return Column("Sensitivity", lambda item: disclosure.sensitivity_text(list_key, item),
                  status=lambda item: "nfd" if disclosure.restricted(list_key, item) else None, width=width)


def shown_due(items: Sequence[DueItem], privacy: bool) -> list[DueItem]:
    """Due items as shown: in privacy mode a victim item keeps its date under a neutral label."""
    return [dataclasses.replace(d, label=due_label(d.kind, d.label, privacy)) for d in items]


def due_model() -> RowsModel:
    return RowsModel([
        Column("Due on", lambda d: fmt_date(d.due_on), lambda d: d.due_on, width=95),
        Column("Status", lambda d: STATUS_TEXT.get(d.status, d.status), status=lambda d: d.status, width=80),
        Column("Done on", lambda d: fmt_date(d.done_on), width=95),
        Column("What", lambda d: d.label),
    ])
