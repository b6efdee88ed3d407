"""Details tab: the person and the order, one form."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.ui import fields as FL
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.editors import ObjectEditor

from .base import CaseTab, Editor

DETAIL_KEYS = ("individual", "order", "supervision_intensity")


class DetailsTab(CaseTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.editor = ObjectEditor(ctx, "Person and order", FL.CASE_FIELDS[1:], self._changes,
                                   lambda c: {k: c.get(k) for k in DETAIL_KEYS}, parent=self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.editor)

    @staticmethod
    def _changes(v: dict[str, Any]) -> dict[str, Any]:
        return {k: v.get(k) for k in DETAIL_KEYS}

    def editors(self) -> list[Editor]:
        return [self.editor]

    def show_case(self, ref: str, data: ops.CaseData) -> None:
        self.editor.load(ref, data.case)
