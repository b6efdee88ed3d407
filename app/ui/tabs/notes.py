"""Notes tab: contact and case notes."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.ui import fields as FL
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.editors import ListEditor
from app.ui.forms import show_date
from app.ui.table_models import Column

from .base import CaseTab, Editor, preview, sensitivity_column


class NotesTab(CaseTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        today = ctx.clock.today
        self.editor = ListEditor(ctx, "Note", "notes", [
            Column("Date", lambda n: show_date(n["date"]), lambda n: n["date"], width=90),
            Column("Kind", lambda n: FL.label_of(FL.NOTE_KINDS, n["kind"]), width=95),
            sensitivity_column("notes", width=145),
            Column("Note", lambda n: preview(n["text"])),
        ], FL.NOTE_FIELDS, private_item=FL.note_private,
            new_defaults=lambda: {"date": today().isoformat(), "kind": "office", "sensitivity": "ordinary"},
            form_columns=2, parent=self)
        self.editor.split.setSizes([640, 680])  # room for the note text in the list at 1366x768
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.editor)

    def editors(self) -> list[Editor]:
        return [self.editor]

    def show_case(self, ref: str, data: ops.CaseData) -> None:
        self.editor.load(ref, data.case.get("notes", []))

    def new_note(self) -> None:
        self.editor.new_item()
        self.editor.form.widgets["text"].setFocus()
