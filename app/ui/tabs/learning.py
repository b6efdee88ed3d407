"""Learning tab: learning and employment, with referrals and assessments as sub-tabs."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from app.ui import fields as FL
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.editors import ListEditor, ObjectEditor
from app.ui.forms import show_date
from app.ui.table_models import Column

from .base import CaseTab, Editor


class LearningTab(CaseTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        today = ctx.clock.today
        self.learning = ObjectEditor(ctx, "Learning", FL.LEARNING_FIELDS,
                                     lambda v: {"learning": v.get("learning") or None},
                                     lambda c: {"learning": c.get("learning") or {}}, form_columns=1, parent=self)
        self.referrals = ListEditor(ctx, "Referral", "referrals", [
            Column("Made on", lambda r: show_date(r["made_on"]), width=90),
            Column("Agency", lambda r: r["agency"], width=220),
            Column("Consent", lambda r: "yes" if r.get("with_consent") else "no"),
        ], FL.REFERRAL_FIELDS, new_defaults=lambda: {"made_on": today().isoformat()}, parent=self)
        self.assessments = ListEditor(ctx, "Assessment", "assessments", [
            Column("Completed", lambda a: show_date(a["completed_on"]), width=90),
            Column("Tool", lambda a: a["tool"], width=120),
            Column("Risk level", lambda a: a.get("risk_level") or ""),
        ], FL.ASSESSMENT_FIELDS, parent=self)
        self.inner = QTabWidget(self)
        self.inner.addTab(self.learning, "Learning")
        self.inner.addTab(self.referrals, "Referrals")
        self.inner.addTab(self.assessments, "Assessments")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.inner)

    def editors(self) -> list[Editor]:
        return [self.learning, self.referrals, self.assessments]  # in sub-tab order

    def show_case(self, ref: str, data: ops.CaseData) -> None:
        c = data.case
        self.learning.load(ref, c)
        self.referrals.load(ref, c.get("referrals", []))
        self.assessments.load(ref, c.get("assessments", []))
