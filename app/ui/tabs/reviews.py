"""Reviews tab: the review schedule and the reviews held (a review also snapshots the plan)."""

from __future__ import annotations

import copy
import datetime as dt
import html
from typing import Any

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.models.rules import vocabulary as V
from app.models.rules.deadlines import (
    DueItem,
    default_departmental_months,
    departmental_choices,
    facts_from_case,
)
from app.models.rules.vocabulary import label
from app.ui import fields as FL
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.editors import ListEditor
from app.ui.forms import TableField, show_date
from app.ui.table_models import STATUS_COLOURS, STATUS_TEXT, Column, fmt_date

from .base import CaseTab, Editor, badge, shown_due

REVIEW_KINDS = {"plan_review", "departmental_review", "progress_review_report", "victim_safety_plan_review"}


def due_text(items: list[DueItem]) -> str:
    parts = []
    for d in sorted(items, key=lambda d: d.due_on):
        colour = STATUS_COLOURS.get(d.status, "#455a64")
        parts.append(f'{badge(STATUS_TEXT.get(d.status, d.status), colour)} {html.escape(d.label)} '
                     f"due {fmt_date(d.due_on)}")
    return "Review schedule: " + " &nbsp; ".join(parts)


class ReviewsTab(CaseTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.review_due = QLabel(self)
        self.review_due.setWordWrap(True)
        self.editor = ListEditor(ctx, "Review", "reviews", [
            Column("Held on", lambda r: show_date(r["held_on"]), width=90),
            Column("Kind", lambda r: label(V.REVIEW_KINDS, r.get("kind")), width=120),
            Column("Next review", lambda r: show_date(r.get("next_review_on")), width=90),
            Column("Counts as", lambda r: f"{r['scheduled_review_months']} months"
                   if r.get("scheduled_review_months") else ""),
        ], FL.REVIEW_FIELDS, new_defaults=self._new_review, form_columns=2, parent=self)
        self.editor.custom_add = lambda ref, item, done, failed: ops.record_review(ctx, ref, item, done, failed)
        self.editor.prepare = self._prepare_review
        lay = QVBoxLayout(self)
        lay.addWidget(self.review_due)
        lay.addWidget(self.editor, 1)

    def _new_review(self) -> dict[str, Any]:
        goals = self.data.case.get("goals", []) if self.data else []
        return {"held_on": self.ctx.clock.today().isoformat(), "kind": "scheduled",
                "goal_progress": [{"goal_id": g["id"], "sensitivity": "ordinary"} for g in goals
                                  if g.get("status") not in ("achieved", "discontinued", "revised")]}

    def _prepare_review(self, item: dict[str, Any], index: int | None) -> dict[str, Any]:
        """A departmental review stores which scheduled review it is: when the officer said
        nothing, the default (the oldest not yet met) is stored; other kinds store none."""
        if item.get("kind") != "departmental":
            item.pop("scheduled_review_months", None)
            return item
        if item.get("scheduled_review_months") is None and self.data is not None and item.get("held_on"):
            case = copy.deepcopy(self.data.case)
            if index is not None and index < len(case.get("reviews", [])):
                del case["reviews"][index]  # the review being edited does not count against itself
            try:
                months = default_departmental_months(facts_from_case(case), dt.date.fromisoformat(item["held_on"]))
            except ValueError:
                return item
            if months is not None:
                item["scheduled_review_months"] = months
        return item

    def editors(self) -> list[Editor]:
        return [self.editor]

    def show_case(self, ref: str, data: ops.CaseData) -> None:
        c = data.case
        goal_choices = tuple((g["id"], g["id"]) for g in c.get("goals", []))
        gp = self.editor.form.widgets["goal_progress"]
        if isinstance(gp, TableField):
            gp.set_choices("goal_id", goal_choices)
        counts_as = tuple((months, f"{months} months (due {fmt_date(due)})")
                          for months, due, _label in departmental_choices(facts_from_case(c)))
        # the choice values are month numbers (the form stores them as they are)
        self.editor.form.set_choices("scheduled_review_months", counts_as,  # type: ignore[arg-type]
                                     blank="Oldest not yet met (default)")
        self.editor.load(ref, c.get("reviews", []))
        self._show_schedule()

    def set_privacy(self, on: bool) -> None:
        super().set_privacy(on)
        self._show_schedule()

    def _show_schedule(self) -> None:
        if self.data is not None:
            due = shown_due([d for d in self.data.due if d.kind in REVIEW_KINDS], self.privacy)
            self.review_due.setText(due_text(due) if due else "No reviews scheduled yet.")

    def clear(self) -> None:
        super().clear()
        self.review_due.clear()
