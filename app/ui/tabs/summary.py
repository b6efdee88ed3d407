"""Summary tab: the person, the order, protection flags and warnings, unpaid work pace and
every due date, read-only."""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QTableView, QVBoxLayout, QWidget

from app.models.rules import dates, disclosure
from app.models.rules import vocabulary as V
from app.models.rules.deadlines import other_activity_text
from app.models.rules.vocabulary import label
from app.ui import fields as FL
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.editors import scrolled
from app.ui.forms import show_date
from app.ui.table_models import FLAG_BADGES, STATUS_COLOURS, configure_table, fmt_date

from .base import CaseTab, badge, due_model, shown_due


class SummaryTab(CaseTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        inner = QWidget(self)
        self.person = QLabel(inner)
        self.order = QLabel(inner)
        self.flags = QLabel(inner)
        self.upw = QLabel(inner)
        self.warnings = QLabel(inner)
        self.enforcement = QLabel(inner)
        self.enforcement.setAccessibleName("Warning and breach process")
        for lab in (self.person, self.order, self.flags, self.upw, self.warnings, self.enforcement):
            lab.setWordWrap(lab in (self.flags, self.warnings, self.enforcement))
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            lab.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.due_model = due_model()
        self.due_view = QTableView(inner)
        configure_table(self.due_view, self.due_model)
        self.due_view.setAccessibleName("Due dates")
        grid = QGridLayout(inner)
        person_box = QGroupBox("Person", inner)
        QVBoxLayout(person_box).addWidget(self.person)
        order_box = QGroupBox("Order", inner)
        order_lay = QVBoxLayout(order_box)
        order_lay.addWidget(self.order)
        order_lay.addWidget(self.enforcement)
        flags_box = QGroupBox("Protection flags and warnings", inner)
        fl = QVBoxLayout(flags_box)
        fl.addWidget(self.flags)
        fl.addWidget(self.warnings)
        upw_box = QGroupBox("Unpaid work pace", inner)
        QVBoxLayout(upw_box).addWidget(self.upw)
        due_box = QGroupBox("Due dates", inner)
        QVBoxLayout(due_box).addWidget(self.due_view)
        grid.addWidget(person_box, 0, 0)
        grid.addWidget(order_box, 0, 1)
        grid.addWidget(flags_box, 1, 0)
        grid.addWidget(upw_box, 1, 1)
        grid.addWidget(due_box, 2, 0, 1, 2)
        grid.setRowStretch(2, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(scrolled(inner))

    def clear(self) -> None:
        super().clear()
        for lab in (self.person, self.order, self.flags, self.upw, self.warnings, self.enforcement):
            lab.clear()
        self.due_model.clear()

    def show_case(self, ref: str, data: ops.CaseData) -> None:
        self.show_summary(data, self.privacy, self.ctx.clock.today())

    def set_privacy(self, on: bool) -> None:
        super().set_privacy(on)
        if self.data is not None:
            self.show_summary(self.data, on, self.ctx.clock.today())

    def show_summary(self, data: ops.CaseData, privacy: bool, today: dt.date) -> None:
        c = data.case
        ind = c["individual"]
        order = c["order"]
        e = html.escape
        dob = dt.date.fromisoformat(ind["date_of_birth"])
        age = dates.age_on(dob, today)
        lines = [f"<b>{e(ind['given_names'])} {e(ind['family_name'])}</b>"
                 + (f" (prefers {e(ind['preferred_name'])})" if ind.get("preferred_name") else ""),
                 f"Born {show_date(ind['date_of_birth'])}, age {age}"
                 + (f" · {e(ind['pronouns'])}" if ind.get("pronouns") else "")]
        if ind.get("communication_needs"):
            needs = ", ".join(label(V.COMMUNICATION_NEEDS, n) for n in ind["communication_needs"])
            lines.append("Communication needs: " + e(needs)
                         + (f" ({e(ind['interpreter_language'])})" if ind.get("interpreter_language") else ""))
        if ind.get("phone"):
            lines.append("Phone: " + e(ind["phone"]))
        self.person.setText("<br>".join(lines))
        reqs = []
        for r in order["requirements"]:
            text = FL.label_of(FL.REQUIREMENTS, r["kind"])
            if r.get("hours"):
                text += f" — {r['hours']} hours"
            if r.get("months"):
                text += f" — {r['months']} months"
            reqs.append(e(text))
        self.order.setText("<br>".join([
            f"{e(order['court'])}, imposed {show_date(order['imposed_on'])}"
            + (f", ends {show_date(order['ends_on'])}" if order.get("ends_on") else ""),
            f"Status: {e(label(V.ORDER_STATUSES, order.get('status') or 'active'))}"
            + (f" · Intensity: {e(label(V.SUPERVISION_INTENSITY, c['supervision_intensity']))}" if c.get("supervision_intensity") else ""),
            f"Responsible officer: {e(order.get('responsible_officer') or '—')}",
            "Requirements: " + "; ".join(reqs),
        ]))
        badges = []
        for f in c.get("flags", []):
            if f.get("closed_on") or (privacy and FL.flag_private(f)):
                continue
            text = FL.label_of(FL.FLAG_KINDS, f["kind"])
            short = FLAG_BADGES.get(f["kind"])
            restricted = disclosure.sensitivity_text("flags", f)
            colour = STATUS_COLOURS["nfd"] if restricted else "#455a64"
            badges.append(badge(short or text, colour) + f" {e(text)}, raised {show_date(f['raised_on'])}"
                          + (f", review {show_date(f['review_on'])}" if f.get("review_on") else "")
                          + (f" — {e(restricted)}" if restricted else ""))
        if age < 18:
            badges.append(badge("U18", "#455a64") + " Under 18: FRAME guidance applies")
        self.flags.setText("<br>".join(badges) or "No open protection flags.")
        self.warnings.setText("<br>".join(badge("!", STATUS_COLOURS["due_soon"]) + " " + e(w.message)
                                          for w in data.warnings))
        u = data.upw
        if u is None:
            self.upw.setText("No unpaid work requirement.")
        else:
            pace = (f"about <b>{u.hours_per_week_needed:g} hours a week</b> needed to finish on time"
                    if u.hours_per_week_needed is not None else
                    ("complete" if u.hours_remaining <= 0 else "<b>past the completion date</b>"))
            self.upw.setText(f"{u.hours_done:g} of {u.required_hours} hours done, {u.hours_remaining:g} to go.<br>"
                             f"Complete by {fmt_date(u.complete_by)}: {pace}."
                             + (f"<br>{e(other_activity_text(u))}" if u.other_activity_hours else ""))
        self.due_model.set_rows(sorted(shown_due(data.due, privacy), key=lambda d: d.due_on))
        from .appointments import position_html

        self.enforcement.setText(position_html(data.enforcement, today))
