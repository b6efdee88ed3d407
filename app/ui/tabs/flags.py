"""Flags tab: protection flags, with consents as a sub-tab."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from app.models.rules import vocabulary as V
from app.models.rules.vocabulary import label
from app.ui import fields as FL
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.editors import ListEditor
from app.ui.forms import show_date
from app.ui.table_models import Column

from .base import CaseTab, Editor, sensitivity_column


class FlagsTab(CaseTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        today = ctx.clock.today
        self.flags = ListEditor(ctx, "Flag", "flags", [
            Column("Flag", lambda f: FL.label_of(FL.FLAG_KINDS, f["kind"]), width=170),
            Column("Raised", lambda f: show_date(f["raised_on"]), width=90),
            Column("Review", lambda f: show_date(f.get("review_on")), width=90),
            Column("Closed", lambda f: show_date(f.get("closed_on")), width=90),
            sensitivity_column("flags"),
        ], FL.FLAG_FIELDS, private_item=FL.flag_private,
            new_defaults=lambda: {"raised_on": today().isoformat(), "sensitivity": "ordinary"}, parent=self)
        self.consents = ListEditor(ctx, "Consent", "consents", [
            Column("Purpose", lambda c: label(V.CONSENT_PURPOSES, c["purpose"]), width=150),
            Column("Agency", lambda c: c.get("agency") or "", width=180),
            Column("Given", lambda c: show_date(c["given_on"]), width=90),
            Column("Withdrawn", lambda c: show_date(c.get("withdrawn_on"))),
        ], FL.CONSENT_FIELDS, new_defaults=lambda: {"given_on": today().isoformat()}, parent=self)
        self.inner = QTabWidget(self)
        self.inner.addTab(self.flags, "Protection flags")
        self.inner.addTab(self.consents, "Consents")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.inner)

    def editors(self) -> list[Editor]:
        return [self.flags, self.consents]  # in sub-tab order

    def show_case(self, ref: str, data: ops.CaseData) -> None:
        c = data.case
        self.flags.load(ref, c.get("flags", []))
        self.consents.load(ref, c.get("consents", []))
