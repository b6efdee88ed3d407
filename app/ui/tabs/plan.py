"""Plan tab: the goals (SMART-checked as they are typed) and the saved plan versions."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.models.rules import vocabulary as V
from app.models.rules.smart import smart_check, smart_missing
from app.models.rules.vocabulary import label
from app.ui import errors
from app.ui import fields as FL
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.editors import ListEditor
from app.ui.forms import NFD, show_date
from app.ui.table_models import STATUS_COLOURS, Column

from .base import CaseTab, Editor, badge


class PlanTab(CaseTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.versions: list[dict[str, Any]] = []
        self.editor = ListEditor(ctx, "Goal", "goals", [
            Column("Id", lambda g: g["id"], width=50),
            Column("Need area", lambda g: FL.label_of(FL.NEED_AREAS, g["need_area"]), width=150),
            Column("Target", lambda g: show_date(g.get("target_date")), width=90),
            Column("SMART", lambda g: "missing " + smart_missing(g) if smart_missing(g) else "✓",
                   status=lambda g: "due_soon" if smart_missing(g) else None, width=90),
            Column("Status", lambda g: label(V.GOAL_STATUSES, g.get("status"))),
        ], FL.GOAL_FIELDS, new_defaults=self._new_goal, parent=self)
        self.editor.split.setSizes([540, 780])  # every goal column readable at 1366x768
        self.smart = QLabel(self)
        self.smart.setWordWrap(True)
        self.smart.setAccessibleName("SMART check")
        self.editor.extra.addWidget(self.smart)
        self.editor.form.changed.connect(self._check)
        self.version_box = QComboBox(self)
        self.version_box.setAccessibleName("Plan version")
        self.version_box.currentIndexChanged.connect(self._show_version)
        self.snapshot = QPushButton("Save plan version", self)
        self.snapshot.setAccessibleName("Save a version of the plan as it stands")
        self.snapshot.clicked.connect(self._save_version)
        self.old = QTextBrowser(self)
        self.old.setAccessibleName("Earlier plan version")
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.editor)
        self.stack.addWidget(self.old)
        top = QHBoxLayout()
        lab = QLabel("Plan ve&rsion:", self)
        lab.setBuddy(self.version_box)
        top.addWidget(lab)
        top.addWidget(self.version_box, 1)
        top.addWidget(self.snapshot)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.stack, 1)

    def _new_goal(self) -> dict[str, Any]:
        used = {g["id"] for g in self.editor.items}
        n = 1
        while f"G{n}" in used:
            n += 1
        return {"id": f"G{n}", "status": "not_started"}

    def _check(self) -> None:
        problems = smart_check(self.editor.form.value(lenient=True))
        if problems:
            self.smart.setText("<b>Not yet SMART:</b> " + "; ".join(
                f"<b>{p.letter}</b> – {html.escape(p.reason)}" for p in problems))
            self.smart.setStyleSheet(f"color: white; background: {STATUS_COLOURS['due_soon']}; padding: 4px;")
        else:
            self.smart.setText("SMART ✓")
            self.smart.setStyleSheet(f"color: white; background: {STATUS_COLOURS['done']}; padding: 4px;")

    def editors(self) -> list[Editor]:
        return [self.editor]

    def show_case(self, ref: str, data: ops.CaseData) -> None:
        self.editor.load(ref, data.case.get("goals", []))
        self.versions = data.plan_versions
        keep = self.version_box.currentIndex()
        self.version_box.blockSignals(True)
        self.version_box.clear()
        self.version_box.addItem("Current plan (read-only: handed over)" if self.read_only else "Current plan (editable)")
        for v in reversed(self.versions):
            saved = v["saved_at"]
            when = show_date(saved)
            self.version_box.addItem(f"Version {v['version']} saved {when}"
                                     + (f" — {v['reason']}" if v.get("reason") else ""))
        self.version_box.setCurrentIndex(keep if 0 <= keep < self.version_box.count() else 0)
        self.version_box.blockSignals(False)
        self._show_version()

    def clear(self) -> None:
        super().clear()
        self.versions = []
        self.version_box.clear()
        self.old.clear()

    def set_privacy(self, on: bool) -> None:
        super().set_privacy(on)
        self._show_version()

    def _show_version(self) -> None:
        i = self.version_box.currentIndex()
        if i <= 0 or i > len(self.versions):
            self.stack.setCurrentIndex(0)
            self.old.clear()
            return
        v = list(reversed(self.versions))[i - 1]
        e = html.escape
        parts = [f"<h3>Plan version {v['version']}</h3>"]
        for g in v["goals"]:
            parts.append(f"<h4>{e(g['id'])}: {e(FL.label_of(FL.NEED_AREAS, g['need_area']))}</h4>"
                         f"<p>{e(g['description'])}</p>")
            for key, title in (("measure", "Measure"), ("target_date", "Target date"), ("status", "Status")):
                if g.get(key):
                    val = (show_date(g[key]) if key == "target_date" else
                           label(V.GOAL_STATUSES, g[key]) if key == "status" else str(g[key]))
                    parts.append(f"<p><i>{title}:</i> {e(val)}</p>")
            for a in g.get("actions", []):
                parts.append(f"<p>• {e(a['description'])} ({e(label(V.ACTION_OWNERS, a['owner']))})</p>")
            for p in g.get("progress", []):
                if p.get("sensitivity") == NFD:
                    if self.privacy:
                        continue
                    parts.append(f"<p>{badge('NOT FOR DISCLOSURE', STATUS_COLOURS['nfd'])} "
                                 f"{show_date(p['date'])}: {e(p['text'])}</p>")
                else:
                    parts.append(f"<p>{show_date(p['date'])}: {e(p['text'])}</p>")
        self.old.setHtml("".join(parts))
        self.stack.setCurrentIndex(1)

    def set_read_only(self, on: bool) -> None:
        super().set_read_only(on)
        self.snapshot.setEnabled(not on)
        self.version_box.setItemText(0, "Current plan (read-only: handed over)" if on else "Current plan (editable)")

    def _save_version(self) -> None:
        ref = self.editor.ref
        if ref is None or self.read_only:
            return
        reason = self.ctx.prompts.ask_text("Why is this version being saved? (optional)")
        if reason is None:
            return
        ops.save_plan_version(self.ctx, ref, reason.strip() or None,
                              None,
                              errors.shower(self.ctx.prompts))
