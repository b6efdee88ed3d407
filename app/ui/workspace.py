"""The case workspace: summary, details, plan, reviews, notes, unpaid work, contract,
learning (with referrals and assessments) and flags (with consents), Alt+1..9."""

from __future__ import annotations

import copy as copy_module
import dataclasses
import datetime as dt
import html
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.models.errors import StoreError, ValidationError
from app.models.rules.deadlines import (
    DueItem,
    default_departmental_months,
    departmental_choices,
    facts_from_case,
    other_activity_text,
    smart_check,
)
from app.ui import fields as FL
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.editors import ListEditor, ObjectEditor, scrolled
from app.ui.export_flow import start_export
from app.ui.forms import NFD, Form, FormError, TableField, show_date
from app.ui.table_models import (
    FLAG_BADGES,
    STATUS_COLOURS,
    STATUS_TEXT,
    Column,
    RowsModel,
    configure_table,
    due_label,
    fmt_date,
)

TAB_NAMES = ["Summary", "Details", "Plan", "Reviews", "Notes", "Unpaid work", "Contract", "Learning", "Flags"]
REVIEW_KINDS = {"plan_review", "departmental_review", "progress_review_report", "victim_safety_plan_review"}


def _badge(text: str, colour: str) -> str:
    return (f'<span style="background:{colour}; color:white; font-weight:bold;">&nbsp;{html.escape(text)}&nbsp;'
            "</span>")


def _preview(text: str | None, n: int = 90) -> str:
    one = " ".join((text or "").split())
    return one if len(one) <= n else one[: n - 1] + "…"


def _words(code: str | None) -> str:
    """A stored code as shown in a list, like the forms show it: "in_progress" -> "In progress"."""
    return (code or "").replace("_", " ").capitalize()


def _sens(item: dict[str, Any]) -> str:
    return "NOT FOR DISCLOSURE" if item.get("sensitivity") == NFD else ""


def _nfd_status(item: dict[str, Any]) -> str | None:
    return "nfd" if item.get("sensitivity") == NFD else None


def _shown_due(items: Sequence[DueItem], privacy: bool) -> list[DueItem]:
    """Due items as shown: in privacy mode a victim item keeps its date under a neutral label."""
    return [dataclasses.replace(d, label=due_label(d.kind, d.label, privacy)) for d in items]


def _due_model() -> RowsModel:
    return RowsModel([
        Column("Due on", lambda d: fmt_date(d.due_on), lambda d: d.due_on, width=95),
        Column("Status", lambda d: STATUS_TEXT.get(d.status, d.status), status=lambda d: d.status, width=80),
        Column("Done on", lambda d: fmt_date(d.done_on), width=95),
        Column("What", lambda d: d.label),
    ])


class SummaryTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.person = QLabel(self)
        self.order = QLabel(self)
        self.flags = QLabel(self)
        self.upw = QLabel(self)
        self.warnings = QLabel(self)
        for lab in (self.person, self.order, self.flags, self.upw, self.warnings):
            lab.setWordWrap(lab in (self.flags, self.warnings))
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            lab.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.due_model = _due_model()
        self.due_view = QTableView(self)
        configure_table(self.due_view, self.due_model)
        self.due_view.setAccessibleName("Due dates")
        grid = QGridLayout(self)
        person_box = QGroupBox("Person", self)
        QVBoxLayout(person_box).addWidget(self.person)
        order_box = QGroupBox("Order", self)
        QVBoxLayout(order_box).addWidget(self.order)
        flags_box = QGroupBox("Protection flags and warnings", self)
        fl = QVBoxLayout(flags_box)
        fl.addWidget(self.flags)
        fl.addWidget(self.warnings)
        upw_box = QGroupBox("Unpaid work pace", self)
        QVBoxLayout(upw_box).addWidget(self.upw)
        due_box = QGroupBox("Due dates", self)
        QVBoxLayout(due_box).addWidget(self.due_view)
        grid.addWidget(person_box, 0, 0)
        grid.addWidget(order_box, 0, 1)
        grid.addWidget(flags_box, 1, 0)
        grid.addWidget(upw_box, 1, 1)
        grid.addWidget(due_box, 2, 0, 1, 2)
        grid.setRowStretch(2, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

    def clear(self) -> None:
        for lab in (self.person, self.order, self.flags, self.upw, self.warnings):
            lab.clear()
        self.due_model.clear()

    def show_case(self, data: ops.CaseData, privacy: bool, today: dt.date) -> None:
        c = data.case
        ind = c["individual"]
        order = c["order"]
        e = html.escape
        dob = dt.date.fromisoformat(ind["date_of_birth"])
        age = today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
        lines = [f"<b>{e(ind['given_names'])} {e(ind['family_name'])}</b>"
                 + (f" (prefers {e(ind['preferred_name'])})" if ind.get("preferred_name") else ""),
                 f"Born {show_date(ind['date_of_birth'])}, age {age}"
                 + (f" · {e(ind['pronouns'])}" if ind.get("pronouns") else "")]
        if ind.get("communication_needs"):
            needs = ", ".join(n.replace("_", " ") for n in ind["communication_needs"])
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
            f"Status: {e((order.get('status') or 'active').replace('_', ' '))}"
            + (f" · Intensity: {e(c['supervision_intensity'])}" if c.get("supervision_intensity") else ""),
            f"Responsible officer: {e(order.get('responsible_officer') or '—')}",
            "Requirements: " + "; ".join(reqs),
        ]))
        badges = []
        for f in c.get("flags", []):
            if f.get("closed_on") or (privacy and FL.flag_private(f)):
                continue
            text = FL.label_of(FL.FLAG_KINDS, f["kind"])
            short = FLAG_BADGES.get(f["kind"])
            restricted = FL.flag_private(f)
            colour = STATUS_COLOURS["nfd"] if restricted else "#455a64"
            badges.append(_badge(short or text, colour) + f" {e(text)}, raised {show_date(f['raised_on'])}"
                          + (f", review {show_date(f['review_on'])}" if f.get("review_on") else "")
                          + (" — NOT FOR DISCLOSURE" if restricted else ""))
        if age < 18:
            badges.append(_badge("U18", "#455a64") + " Under 18: FRAME guidance applies")
        self.flags.setText("<br>".join(badges) or "No open protection flags.")
        self.warnings.setText("<br>".join(_badge("!", STATUS_COLOURS["due_soon"]) + " " + e(w.message)
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
        self.due_model.set_rows(sorted(_shown_due(data.due, privacy), key=lambda d: d.due_on))


class PlanTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.versions: list[dict[str, Any]] = []
        self.editor = ListEditor(ctx, "Goal", "goals", [
            Column("Id", lambda g: g["id"], width=50),
            Column("Need area", lambda g: FL.label_of(FL.NEED_AREAS, g["need_area"]), width=150),
            Column("Target", lambda g: show_date(g.get("target_date")), width=90),
            Column("SMART", lambda g: "✓" if not smart_check(g) else "missing " + "".join(
                p.letter for p in smart_check(g)), status=lambda g: None if not smart_check(g) else "due_soon",
                width=90),
            Column("Status", lambda g: _words(g.get("status"))),
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
        lab = QLabel("Plan &version:", self)
        lab.setBuddy(self.version_box)
        top.addWidget(lab)
        top.addWidget(self.version_box, 1)
        top.addWidget(self.snapshot)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.stack, 1)
        self.privacy = False
        self.saved_version: Callable[[], None] | None = None

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

    def load(self, ref: str, data: ops.CaseData) -> None:
        self.editor.load(ref, data.case.get("goals", []))
        self.versions = data.plan_versions
        keep = self.version_box.currentIndex()
        self.version_box.blockSignals(True)
        self.version_box.clear()
        self.version_box.addItem("Current plan (editable)")
        for v in reversed(self.versions):
            saved = v["saved_at"]
            when = saved.strftime("%d/%m/%Y") if hasattr(saved, "strftime") else show_date(str(saved))
            self.version_box.addItem(f"Version {v['version']} saved {when}"
                                     + (f" — {v['reason']}" if v.get("reason") else ""))
        self.version_box.setCurrentIndex(keep if 0 <= keep < self.version_box.count() else 0)
        self.version_box.blockSignals(False)
        self._show_version()

    def clear(self) -> None:
        self.editor.clear()
        self.versions = []
        self.version_box.clear()
        self.old.clear()

    def set_privacy(self, on: bool) -> None:
        self.privacy = on
        self.editor.set_privacy(on)
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
            for key, label in (("measure", "Measure"), ("target_date", "Target date"), ("status", "Status")):
                if g.get(key):
                    val = show_date(g[key]) if key == "target_date" else str(g[key]).replace("_", " ")
                    parts.append(f"<p><i>{label}:</i> {e(val)}</p>")
            for a in g.get("actions", []):
                parts.append(f"<p>• {e(a['description'])} ({e(a['owner'])})</p>")
            for p in g.get("progress", []):
                if p.get("sensitivity") == NFD:
                    if self.privacy:
                        continue
                    parts.append(f"<p>{_badge('NOT FOR DISCLOSURE', STATUS_COLOURS['nfd'])} "
                                 f"{show_date(p['date'])}: {e(p['text'])}</p>")
                else:
                    parts.append(f"<p>{show_date(p['date'])}: {e(p['text'])}</p>")
        self.old.setHtml("".join(parts))
        self.stack.setCurrentIndex(1)

    def _save_version(self) -> None:
        ref = self.editor.ref
        if ref is None:
            return
        reason = self.ctx.prompts.ask_text("Why is this version being saved? (optional)")
        if reason is None:
            return
        ops.save_plan_version(self.ctx, ref, reason.strip() or None,
                              lambda _: self.saved_version() if self.saved_version else None,
                              lambda exc: self.ctx.prompts.error(str(exc)))


class CaseWorkspace(QWidget):
    loaded = Signal(str)
    case_changed = Signal()
    back_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ref: str | None = None
        self.data: ops.CaseData | None = None
        today = ctx.clock.today

        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.title.setAccessibleName("Case")
        back = QPushButton("← Caseload", self)
        back.setAccessibleName("Back to the caseload")
        back.setToolTip("Back to the caseload (Alt+Left)")
        back.clicked.connect(self.back_requested.emit)
        QShortcut(QKeySequence("Alt+Left"), self, self.back_requested.emit)
        self.export = QToolButton(self)
        self.export.setText("Export PDF…")
        self.export.setAccessibleName("Export a PDF document")
        self.export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export)
        for doc, doc_label in (("contract", "Engagement contract"), ("plan", "Case management plan"),
                               ("review", "Review summary")):
            for copy, copy_label in (("officer", "officer's copy"),
                                     ("individual", "person's copy (third-party information withheld)")):
                act = menu.addAction(f"{doc_label} — {copy_label}…")
                act.triggered.connect((lambda d, c: lambda: self._export(d, c))(doc, copy))
            if doc != "review":
                menu.addSeparator()
        self.export.setMenu(menu)
        self.export_dialog: Any = None
        self.signature_dialog: Any = None
        self._nfd_logged = True  # set False by open_case: one audit event per case opening
        head = QHBoxLayout()
        head.addWidget(back)
        head.addWidget(self.title, 1)
        head.addWidget(self.export)

        self.summary = SummaryTab(self)
        self.details = ObjectEditor(ctx, "Person and order", FL.CASE_FIELDS[1:], self._details_changes,
                                    lambda c: {k: c.get(k) for k in ("individual", "order", "supervision_intensity")},
                                    parent=self)
        self.plan = PlanTab(ctx, self)
        self.plan.saved_version = self.refresh
        self.review_due = QLabel(self)
        self.review_due.setWordWrap(True)
        self.reviews = ListEditor(ctx, "Review", "reviews", [
            Column("Held on", lambda r: show_date(r["held_on"]), width=90),
            Column("Kind", lambda r: _words(r.get("kind")), width=120),
            Column("Next review", lambda r: show_date(r.get("next_review_on")), width=90),
            Column("Counts as", lambda r: f"{r['scheduled_review_months']} months"
                   if r.get("scheduled_review_months") else ""),
        ], FL.REVIEW_FIELDS, new_defaults=self._new_review, form_columns=2, parent=self)
        self.reviews.custom_add = lambda ref, item, done, failed: ops.record_review(ctx, ref, item, done, failed)
        self.reviews.prepare = self._prepare_review
        self.notes = ListEditor(ctx, "Note", "notes", [
            Column("Date", lambda n: show_date(n["date"]), lambda n: n["date"], width=90),
            Column("Kind", lambda n: FL.label_of(FL.NOTE_KINDS, n["kind"]), width=95),
            Column("Sensitivity", _sens, status=_nfd_status, width=145),
            Column("Note", lambda n: _preview(n["text"])),
        ], FL.NOTE_FIELDS, private_item=FL.note_private,
            new_defaults=lambda: {"date": today().isoformat(), "kind": "office", "sensitivity": "ordinary"},
            form_columns=2, parent=self)
        self.notes.split.setSizes([640, 680])  # room for the note text in the list at 1366x768
        self.upw_pace = QLabel(self)
        self.upw = ListEditor(ctx, "Session", "unpaid_work_sessions", [
            Column("Date", lambda s: show_date(s["date"]), width=90),
            Column("Hours", lambda s: f"{s['hours']:g}", width=60),
            Column("Kind", lambda s: _words(s.get("kind"))),
        ], FL.UPW_FIELDS, new_defaults=lambda: {"date": today().isoformat(), "kind": "unpaid_work"}, parent=self)
        self.contract = ObjectEditor(ctx, "Engagement contract", FL.CONTRACT_FIELDS,
                                     lambda v: {"contract": v.get("contract") or None},
                                     lambda c: {"contract": c.get("contract") or {}}, form_columns=3, parent=self)
        self.signature_state = QLabel(self)
        self.signature_state.setAccessibleName("Contract signatures")
        self.signature_state.setWordWrap(True)
        self.sign_button = QPushButton("Capture &signatures…", self)
        self.sign_button.setAccessibleName("Capture the contract signatures")
        self.sign_button.clicked.connect(self.capture_signatures)
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
        self.flags = ListEditor(ctx, "Flag", "flags", [
            Column("Flag", lambda f: FL.label_of(FL.FLAG_KINDS, f["kind"]), width=170),
            Column("Raised", lambda f: show_date(f["raised_on"]), width=90),
            Column("Review", lambda f: show_date(f.get("review_on")), width=90),
            Column("Closed", lambda f: show_date(f.get("closed_on")), width=90),
            Column("Sensitivity", _sens, status=_nfd_status),
        ], FL.FLAG_FIELDS, private_item=FL.flag_private,
            new_defaults=lambda: {"raised_on": today().isoformat(), "sensitivity": "ordinary"}, parent=self)
        self.consents = ListEditor(ctx, "Consent", "consents", [
            Column("Purpose", lambda c: _words(c["purpose"]), width=150),
            Column("Agency", lambda c: c.get("agency") or "", width=180),
            Column("Given", lambda c: show_date(c["given_on"]), width=90),
            Column("Withdrawn", lambda c: show_date(c.get("withdrawn_on"))),
        ], FL.CONSENT_FIELDS, new_defaults=lambda: {"given_on": today().isoformat()}, parent=self)

        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Case sections")
        reviews_page = QWidget(self)
        rl = QVBoxLayout(reviews_page)
        rl.addWidget(self.review_due)
        rl.addWidget(self.reviews, 1)
        upw_page = QWidget(self)
        ul = QVBoxLayout(upw_page)
        ul.addWidget(self.upw_pace)
        ul.addWidget(self.upw, 1)
        contract_page = QWidget(self)
        cpl = QVBoxLayout(contract_page)
        cpl.setContentsMargins(0, 0, 0, 0)
        sig_row = QHBoxLayout()
        sig_row.setContentsMargins(10, 6, 6, 2)
        sig_row.addWidget(self.signature_state, 1)
        sig_row.addWidget(self.sign_button)
        cpl.addLayout(sig_row)
        cpl.addWidget(self.contract, 1)
        learning_page = QTabWidget(self)
        learning_page.addTab(self.learning, "Learning")
        learning_page.addTab(self.referrals, "Referrals")
        learning_page.addTab(self.assessments, "Assessments")
        flags_page = QTabWidget(self)
        flags_page.addTab(self.flags, "Protection flags")
        flags_page.addTab(self.consents, "Consents")
        self.inner_tabs = {"learning": learning_page, "flags": flags_page}
        pages = [scrolled(self.summary), self.details, self.plan, reviews_page, self.notes, upw_page,
                 contract_page, learning_page, flags_page]
        for i, (page, name) in enumerate(zip(pages, TAB_NAMES, strict=True)):
            self.tabs.addTab(page, f"{name}")
            self.tabs.setTabToolTip(i, f"{name} (Alt+{i + 1})")
            QShortcut(QKeySequence(f"Alt+{i + 1}"), self, (lambda n: lambda: self.tabs.setCurrentIndex(n))(i))
        self.editors: list[ListEditor | ObjectEditor] = [
            self.details, self.plan.editor, self.reviews, self.notes, self.upw, self.contract, self.learning,
            self.referrals, self.assessments, self.flags, self.consents]
        for ed in self.editors:
            ed.saved.connect(self._saved)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(head)
        lay.addWidget(self.tabs, 1)

    # ------------------------------------------------------------------ data
    def _details_changes(self, v: dict[str, Any]) -> dict[str, Any]:
        return {"individual": v.get("individual"), "order": v.get("order"),
                "supervision_intensity": v.get("supervision_intensity")}

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
            case = copy_module.deepcopy(self.data.case)
            if index is not None and index < len(case.get("reviews", [])):
                del case["reviews"][index]  # the review being edited does not count against itself
            try:
                months = default_departmental_months(facts_from_case(case), dt.date.fromisoformat(item["held_on"]))
            except ValueError:
                return item
            if months is not None:
                item["scheduled_review_months"] = months
        return item

    def open_case(self, ref: str, tab: int | None = None) -> None:
        if ref != self.ref:
            self._close_dialogs()
            for ed in self.editors:
                ed.clear()
            self.summary.clear()
        self.ref = ref
        self._nfd_logged = False
        if tab is not None:
            self.tabs.setCurrentIndex(max(0, min(tab, self.tabs.count() - 1)))
        self.refresh()

    def refresh(self) -> None:
        if self.ref is None or self.ctx.store is None:
            return
        ref = self.ref
        ops.load_case(self.ctx, ref, lambda data: self._render(ref, data), self._load_failed)

    def _load_failed(self, exc: BaseException) -> None:
        self.ctx.prompts.error(str(exc) if isinstance(exc, StoreError) else f"Could not open the case: {exc}")
        self.back_requested.emit()

    def _saved(self) -> None:
        self.refresh()
        self.case_changed.emit()

    def _render(self, ref: str, data: ops.CaseData) -> None:
        if ref != self.ref:
            return
        self.data = data
        c = data.case
        ind = c["individual"]
        self.title.setText(f"{ind['given_names']} {ind['family_name']}  ·  {ref}")
        self.summary.show_case(data, self.ctx.privacy, self.ctx.clock.today())
        self.details.load(ref, c)
        self.plan.load(ref, data)
        goal_choices = tuple((g["id"], g["id"]) for g in c.get("goals", []))
        gp = self.reviews.form.widgets["goal_progress"]
        if isinstance(gp, TableField):
            gp.set_choices("goal_id", goal_choices)
        self.reviews.form.set_choices("scheduled_review_months", tuple(
            (months, f"{months} months (due {fmt_date(due)})") for months, due, _label in
            departmental_choices(facts_from_case(c))), blank="Oldest not yet met (default)")
        self.reviews.load(ref, c.get("reviews", []))
        self.notes.load(ref, c.get("notes", []))
        self.upw.load(ref, c.get("unpaid_work_sessions", []))
        u = data.upw
        self.upw_pace.setText("No unpaid work requirement." if u is None else
                              f"{u.hours_done:g} of {u.required_hours} hours done; complete by "
                              f"{fmt_date(u.complete_by)}"
                              + (f"; about {u.hours_per_week_needed:g} hours a week needed."
                                 if u.hours_per_week_needed is not None else ".")
                              + (f" {other_activity_text(u)}" if u.other_activity_hours else ""))
        self.contract.load(ref, c)
        self._show_signatures(c, data.signed_on)
        self.learning.load(ref, c)
        self.referrals.load(ref, c.get("referrals", []))
        self.assessments.load(ref, c.get("assessments", []))
        self.flags.load(ref, c.get("flags", []))
        self.consents.load(ref, c.get("consents", []))
        self.set_privacy(self.ctx.privacy)
        self.loaded.emit(ref)

    def _show_signatures(self, case: dict[str, Any], signed_on: dict[str, dt.date | None]) -> None:
        if case.get("contract") is None:
            self.signature_state.setText("Signatures: save the contract first, then capture them.")
            self.sign_button.setEnabled(False)
            return
        parts = []
        for role, label in (("individual", "person"), ("officer", "officer")):
            day = signed_on.get(role)
            parts.append(f"{label} signed {day.strftime('%d/%m/%Y')} ✓" if day else f"{label} not captured")
        self.signature_state.setText("Signatures: " + "; ".join(parts) + ".")
        self.sign_button.setEnabled(True)

    def capture_signatures(self) -> None:
        if self.ref is None or self.data is None or self.data.case.get("contract") is None:
            return
        from app.ui.signature_dialog import SignatureDialog

        if self.signature_dialog is not None:
            self.signature_dialog.deleteLater()
        self.signature_dialog = SignatureDialog(self.ctx, self.ref, self.data.signed_on, self.refresh,
                                                self.window())
        self.signature_dialog.open()

    # ------------------------------------------------------------------ not-for-disclosure viewing audit
    def nfd_sections(self) -> list[str]:
        """Where the open case holds information that privacy mode would hide."""
        if self.data is None:
            return []
        c = self.data.case
        out = []
        if any(FL.note_private(n) for n in c.get("notes", [])):
            out.append("notes")
        if any(p.get("sensitivity") == NFD for g in c.get("goals", []) for p in g.get("progress", [])):
            out.append("plan")
        if any(r.get("restricted_notes") or any(gp.get("sensitivity") == NFD for gp in r.get("goal_progress", []))
               for r in c.get("reviews", [])):
            out.append("reviews")
        if any(FL.flag_private(f) for f in c.get("flags", [])):
            out.append("flags")
        return out

    def _log_nfd_view(self) -> None:
        """Once per case opening, when not-for-disclosure items are on screen (privacy mode off)."""
        if self._nfd_logged or self.ref is None or self.data is None or self.ctx.privacy:
            return
        self._nfd_logged = True
        sections = self.nfd_sections()
        if sections:
            ops.record_nfd_view(self.ctx, self.ref, ",".join(sections))

    @staticmethod
    def _due_text(items: list[DueItem]) -> str:
        parts = []
        for d in sorted(items, key=lambda d: d.due_on):
            colour = STATUS_COLOURS.get(d.status, "#455a64")
            parts.append(f'{_badge(STATUS_TEXT.get(d.status, d.status), colour)} {html.escape(d.label)} '
                         f"due {fmt_date(d.due_on)}")
        return "Review schedule: " + " &nbsp; ".join(parts)

    def _close_dialogs(self) -> None:
        for name in ("export_dialog", "signature_dialog"):
            dialog = getattr(self, name)
            if dialog is not None:
                dialog.reject()
                dialog.deleteLater()
                setattr(self, name, None)

    def clear(self) -> None:
        """Forget every case detail (used on lock), closing any preview or signature dialog."""
        self._close_dialogs()
        self.ref = None
        self.data = None
        self.title.clear()
        self.summary.clear()
        self.plan.clear()
        for ed in self.editors:
            ed.clear()
        self.review_due.clear()
        self.upw_pace.clear()
        self.signature_state.clear()

    # ------------------------------------------------------------------ privacy, dirty forms
    def set_privacy(self, on: bool) -> None:
        self._log_nfd_view()
        if on and self.export_dialog is not None and not self.export_dialog.for_individual:
            self.export_dialog.reject()  # the officer's copy shows not-for-disclosure information
            self.export_dialog.deleteLater()
            self.export_dialog = None
        if self.data is not None:
            self.summary.show_case(self.data, on, self.ctx.clock.today())
            due = _shown_due([d for d in self.data.due if d.kind in REVIEW_KINDS], on)
            self.review_due.setText(self._due_text(due) if due else "No reviews scheduled yet.")
        self.plan.set_privacy(on)
        for ed in self.editors:
            if ed is not self.plan.editor:
                ed.set_privacy(on)

    def dirty_forms(self) -> list[str]:
        return [ed.title for ed in self.editors if ed.dirty]

    def discard_all(self) -> None:
        for ed in self.editors:
            ed.form.mark_saved()

    def save_all(self, then: Callable[[bool], None]) -> None:
        """Save every form with unsaved changes; ``then(True)`` once all saved, ``then(False)`` if
        any could not be saved (its error is shown inline)."""
        dirty = [ed for ed in self.editors if ed.dirty]
        if not dirty:
            then(True)
            return
        for ed in dirty:
            try:
                ed.form.value()
            except FormError as exc:
                ed.form.show_error(str(exc), exc.key)
                then(False)
                return
        left = [len(dirty)]
        failed = [False]

        def one_done() -> None:
            left[0] -= 1
            if left[0] == 0 and not failed[0]:
                then(True)

        for ed in dirty:
            original = ed._failed

            def fail(exc: BaseException, ed: Any = ed, original: Any = original) -> None:
                original(exc)
                if not failed[0]:
                    failed[0] = True
                    then(False)

            ed._failed = fail  # type: ignore[method-assign]
            ed.save(on_saved=one_done)
            ed._failed = original  # type: ignore[method-assign]

    # ------------------------------------------------------------------ actions
    def new_note(self) -> None:
        self.tabs.setCurrentIndex(TAB_NAMES.index("Notes"))
        self.notes.new_item()
        self.notes.form.widgets["text"].setFocus()

    def save_current(self) -> None:
        page = self.tabs.currentIndex()
        ed: Any = {1: self.details, 2: self.plan.editor, 3: self.reviews, 4: self.notes, 5: self.upw,
                   6: self.contract}.get(page)
        if page == 7:
            ed = [self.learning, self.referrals, self.assessments][self.inner_tabs["learning"].currentIndex()]
        elif page == 8:
            ed = [self.flags, self.consents][self.inner_tabs["flags"].currentIndex()]
        if ed is not None:
            ed.save()

    def _export(self, document: str, copy: str) -> None:
        if self.ref is None:
            return
        reviews = [r["held_on"] for r in self.data.case.get("reviews", [])] if self.data else []
        # export_flow is imported with this module, not here: loading the preview (pypdfium2,
        # print support) takes ~70 ms, which stalled the GUI thread on the first export.
        start_export(self.ctx, self.ref, document, copy, review_dates=reviews, parent=self.window(),
                     on_shown=self._export_shown)

    def _export_shown(self, dialog: Any) -> None:
        if self.export_dialog is not None:
            self.export_dialog.reject()
            self.export_dialog.deleteLater()
        self.export_dialog = dialog


class NewCasePage(QWidget):
    created = Signal(str)
    cancelled = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.officer: str | None = None  # store setting officer_name, set by the main window
        self.form = Form(FL.CASE_FIELDS, 2, self)
        title = QLabel("New case", self)
        title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.create_button = QPushButton("&Create case", self)
        self.create_button.clicked.connect(lambda: self.create_case())
        cancel = QPushButton("Cancel", self)
        cancel.clicked.connect(self._cancel)
        inner = QWidget(self)
        il = QVBoxLayout(inner)
        il.addWidget(title)
        il.addWidget(self.form)
        bl = QHBoxLayout()
        bl.addStretch(1)
        bl.addWidget(cancel)
        bl.addWidget(self.create_button)
        il.addLayout(bl)
        il.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(scrolled(inner))

    @property
    def dirty(self) -> bool:
        return self.form.dirty

    def reset(self) -> None:
        self.form.set_value({"order": {"status": "active", "requirements": [{"kind": "offender_supervision"}],
                                       **({"responsible_officer": self.officer} if self.officer else {})}})
        self.form.widgets["reference"].setFocus()

    def _cancel(self) -> None:
        if self.form.dirty and not self.ctx.prompts.confirm("Discard this new case?"):
            return
        self.form.mark_saved()
        self.cancelled.emit()

    def create_case(self, then: Callable[[bool], None] | None = None) -> None:
        try:
            data = self.form.value()
        except FormError as exc:
            self.form.show_error(str(exc), exc.key)
            if then is not None:
                then(False)
            return
        self.form.clear_error()
        self.create_button.setEnabled(False)

        def done(ref: Any) -> None:
            self.create_button.setEnabled(True)
            self.form.mark_saved()
            if then is not None:
                then(True)
            else:
                self.created.emit(str(ref))

        def failed(exc: BaseException) -> None:
            self.create_button.setEnabled(True)
            if isinstance(exc, ValidationError):
                self.form.show_error(exc.args[0], exc.path)
            else:
                self.form.show_error(str(exc))
            if then is not None:
                then(False)

        ops.create_case(self.ctx, data, done, failed)

