"""Unpaid work tab: sessions worked and the pace needed to finish on time."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.models.rules import vocabulary as V
from app.models.rules.deadlines import other_activity_text
from app.models.rules.vocabulary import label
from app.ui import fields as FL
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.editors import ListEditor
from app.ui.forms import show_date
from app.ui.table_models import Column, fmt_date

from .base import CaseTab, Editor


class UnpaidWorkTab(CaseTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        today = ctx.clock.today
        self.pace = QLabel(self)
        self.editor = ListEditor(ctx, "Session", "unpaid_work_sessions", [
            Column("Date", lambda s: show_date(s["date"]), width=90),
            Column("Hours", lambda s: f"{s['hours']:g}", width=60),
            Column("Kind", lambda s: label(V.UPW_SESSION_KINDS, s.get("kind"))),
        ], FL.UPW_FIELDS, new_defaults=lambda: {"date": today().isoformat(), "kind": "unpaid_work"}, parent=self)
        lay = QVBoxLayout(self)
        lay.addWidget(self.pace)
        lay.addWidget(self.editor, 1)

    def editors(self) -> list[Editor]:
        return [self.editor]

    def show_case(self, ref: str, data: ops.CaseData) -> None:
        self.editor.load(ref, data.case.get("unpaid_work_sessions", []))
        u = data.upw
        self.pace.setText("No unpaid work requirement." if u is None else
                          f"{u.hours_done:g} of {u.required_hours} hours done; complete by "
                          f"{fmt_date(u.complete_by)}"
                          + (f"; about {u.hours_per_week_needed:g} hours a week needed."
                             if u.hours_per_week_needed is not None else ".")
                          + (f" {other_activity_text(u)}" if u.other_activity_hours else ""))

    def clear(self) -> None:
        super().clear()
        self.pace.clear()
