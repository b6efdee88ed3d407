"""The case workspace: a title bar with the export menu over the case's tabs.  The tabs are
listed in ``app.ui.tabs.TABS`` (key, title, class, shortcut), one module each; the workspace
loads them, saves their editors and follows privacy mode, without knowing their insides."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.models.rules import disclosure
from app.models.store import Changes
from app.ui import errors, handover_ops
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.export_flow import start_export
from app.ui.forms import FormError
from app.ui.handover_ui import CustodyBanner
from app.ui.tabs import TABS, CaseTab
from app.ui.tabs.base import Editor
from app.ui.tabs.contract import ContractTab
from app.ui.tabs.details import DetailsTab
from app.ui.tabs.flags import FlagsTab
from app.ui.tabs.learning import LearningTab
from app.ui.tabs.notes import NotesTab
from app.ui.tabs.plan import PlanTab
from app.ui.tabs.reviews import ReviewsTab
from app.ui.tabs.summary import SummaryTab
from app.ui.tabs.unpaid_work import UnpaidWorkTab

TAB_NAMES = [t.title for t in TABS]
TAB_KEYS = [t.key for t in TABS]


class CaseWorkspace(QWidget):
    loaded = Signal(str)
    case_changed = Signal()
    back_requested = Signal()
    read_only_changed = Signal(bool)  # the open case is handed over (nothing on any tab edits it)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ref: str | None = None
        self.data: ops.CaseData | None = None
        self.read_only = False
        self.custody_banner = CustodyBanner(self)
        self.custody_banner.cancel_requested.connect(self.cancel_handover)

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
                act.triggered.connect(partial(self._export, doc, copy))
            if doc != "review":
                menu.addSeparator()
        self.export.setMenu(menu)
        self.export_dialog: Any = None
        self._nfd_logged = True  # set False by open_case: one audit event per case opening
        head = QHBoxLayout()
        head.addWidget(back)
        head.addWidget(self.title, 1)
        head.addWidget(self.export)

        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Case sections")
        self.sections: dict[str, CaseTab] = {}
        for spec in TABS:
            tab = spec.cls(ctx, self)
            self.sections[spec.key] = tab
            i = self.tabs.addTab(tab, spec.title)
            self.tabs.setTabToolTip(i, f"{spec.title} ({spec.shortcut})")
            QShortcut(QKeySequence(spec.shortcut), self, partial(self.show_tab, spec.key))
        self.editors: list[Editor] = [ed for tab in self.sections.values() for ed in tab.editors()]
        ctx.events.changed.connect(self.apply_changes)
        ctx.events.privacy_changed.connect(self._privacy_changed)
        self.inner_tabs = {key: tab.inner for key, tab in self.sections.items() if tab.inner is not None}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.custody_banner)
        lay.addLayout(head)
        lay.addWidget(self.tabs, 1)

    # ------------------------------------------------------------------ the tabs by name
    def tab(self, key: str) -> CaseTab:
        return self.sections[key]

    def show_tab(self, key: str) -> None:
        self.tabs.setCurrentWidget(self.sections[key])

    def _section(self, key: str, cls: type[Any]) -> Any:
        tab = self.sections[key]
        assert isinstance(tab, cls)
        return tab

    @property
    def summary(self) -> SummaryTab:
        return self._section("summary", SummaryTab)

    @property
    def details(self) -> Any:
        return self._section("details", DetailsTab).editor

    @property
    def plan(self) -> PlanTab:
        return self._section("plan", PlanTab)

    @property
    def reviews(self) -> Any:
        return self._section("reviews", ReviewsTab).editor

    @property
    def review_due(self) -> QLabel:
        return self._section("reviews", ReviewsTab).review_due

    @property
    def notes(self) -> Any:
        return self._section("notes", NotesTab).editor

    @property
    def upw(self) -> Any:
        return self._section("unpaid_work", UnpaidWorkTab).editor

    @property
    def upw_pace(self) -> QLabel:
        return self._section("unpaid_work", UnpaidWorkTab).pace

    @property
    def contract(self) -> Any:
        return self._section("contract", ContractTab).editor

    @property
    def signature_state(self) -> QLabel:
        return self._section("contract", ContractTab).signature_state

    @property
    def sign_button(self) -> QPushButton:
        return self._section("contract", ContractTab).sign_button

    @property
    def signature_dialog(self) -> Any:
        return self._section("contract", ContractTab).signature_dialog

    @property
    def learning(self) -> Any:
        return self._section("learning", LearningTab).learning

    @property
    def referrals(self) -> Any:
        return self._section("learning", LearningTab).referrals

    @property
    def assessments(self) -> Any:
        return self._section("learning", LearningTab).assessments

    @property
    def flags(self) -> Any:
        return self._section("flags", FlagsTab).flags

    @property
    def consents(self) -> Any:
        return self._section("flags", FlagsTab).consents

    # ------------------------------------------------------------------ data
    def open_case(self, ref: str, tab: int | None = None) -> None:
        if ref != self.ref:
            self._close_dialogs()
            for section in self.sections.values():
                section.clear()
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
        errors.show(self.ctx.prompts, exc, None if errors.expected(exc) else "Could not open the case")
        self.back_requested.emit()

    def apply_changes(self, changes: Changes) -> None:
        """After any store operation: reload this case only if the change-set names it (or moved
        every case's due dates); other cases' changes are the caseload's business."""
        if self.ref is not None and (self.ref in changes.cases or changes.all_due_dates):
            self.refresh()
            self.case_changed.emit()

    def _render(self, ref: str, data: ops.CaseData) -> None:
        if ref != self.ref:
            return
        self.data = data
        ind = data.case["individual"]
        self.title.setText(f"{ind['given_names']} {ind['family_name']}  ·  {ref}")
        whose = f"{ind['given_names']} {ind['family_name']} ({ref})"
        for ed in self.editors:
            ed.case_label = whose  # every form's heading names whose case it is
        self.set_read_only(data.custody)
        for section in self.sections.values():
            section.load(ref, data)
        self._log_nfd_view()
        self.loaded.emit(ref)

    # ------------------------------------------------------------------ a case handed over
    def set_read_only(self, state: Any) -> None:
        """``state``: the case's custody (None: never travelled).  While it is handed over the
        banner says to whom and every tab offers no change (the store refuses them anyway)."""
        on = bool(state is not None and state.read_only)
        self.custody_banner.show_state(state)
        changed = on != self.read_only
        self.read_only = on
        for section in self.sections.values():
            section.set_read_only(on)
        if changed:
            self.read_only_changed.emit(on)

    def cancel_handover(self) -> None:
        ref = self.ref
        if ref is None or not self.ctx.prompts.confirm(
                f"Cancel the handover of {ref}? If your colleague's acceptance reached the shared drive first, "
                "the cancel loses and the case stays with them."):
            return
        self.custody_banner.cancel.setEnabled(False)

        def done(line: Any) -> None:
            window = self.window()
            bar = getattr(window, "statusBar", None)
            if callable(bar):
                bar().showMessage(errors.one_line(str(line)), 10000)

        def failed(exc: BaseException) -> None:
            self.custody_banner.cancel.setEnabled(True)
            errors.show(self.ctx.prompts, exc, "Not cancelled")

        handover_ops.cancel(self.ctx, ref, done, failed)

    def capture_signatures(self) -> None:
        self._section("contract", ContractTab).capture_signatures()

    # ------------------------------------------------------------------ not-for-disclosure viewing audit
    def nfd_sections(self) -> list[str]:
        """Where the open case holds information that privacy mode would hide."""
        if self.data is None:
            return []
        c = self.data.case
        out = []
        if any(disclosure.restricted("notes", n) for n in c.get("notes", [])):
            out.append("notes")
        if any(disclosure.marked_nfd(p) for g in c.get("goals", []) for p in g.get("progress", [])):
            out.append("plan")
        if any(r.get("restricted_notes") or any(disclosure.marked_nfd(gp) for gp in r.get("goal_progress", []))
               for r in c.get("reviews", [])):
            out.append("reviews")
        if any(disclosure.restricted("flags", f) for f in c.get("flags", [])):
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

    def _close_dialogs(self) -> None:
        if self.export_dialog is not None:
            self.export_dialog.reject()
            self.export_dialog.deleteLater()
            self.export_dialog = None
        for section in self.sections.values():
            section.close_dialogs()

    def clear(self) -> None:
        """Forget every case detail (used on lock), closing any preview or signature dialog."""
        self._close_dialogs()
        self.ref = None
        self.data = None
        self.title.clear()
        self.set_read_only(None)
        for section in self.sections.values():
            section.clear()
        for ed in self.editors:  # no heading keeps the person's name after a lock
            ed.case_label = ""
            show = getattr(ed, "_show_heading", None)
            if show is not None:
                show()

    # ------------------------------------------------------------------ privacy, dirty forms
    def _privacy_changed(self, on: bool) -> None:
        """The tabs and editors follow ``ctx.events.privacy_changed`` themselves."""
        self._log_nfd_view()
        if on and self.export_dialog is not None and not self.export_dialog.for_individual:
            self.export_dialog.reject()  # the officer's copy shows not-for-disclosure information
            self.export_dialog.deleteLater()
            self.export_dialog = None

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
        left = len(dirty)
        failed = False

        def one_done() -> None:
            nonlocal left
            left -= 1
            if left == 0 and not failed:
                then(True)

        def one_failed(_: BaseException) -> None:
            nonlocal failed
            if not failed:
                failed = True
                then(False)

        for ed in dirty:
            ed.save(on_saved=one_done, on_failed=one_failed)

    # ------------------------------------------------------------------ actions
    def new_note(self) -> None:
        self.show_tab("notes")
        self._section("notes", NotesTab).new_note()

    def show_note(self, index: int) -> None:
        """The Notes tab with note ``index`` selected (a search hit); unsaved edits of another
        note are asked about first, as when the officer picks the row."""
        self.show_tab("notes")
        ed = self.notes
        for row, (i, _) in enumerate(ed.model.rows):
            if i == index:
                ed.view.setCurrentIndex(ed.model.index(row, 0))
                ed.view.setFocus()
                return

    def save_current(self) -> None:
        tab = self.tabs.currentWidget()
        ed = tab.current_editor() if isinstance(tab, CaseTab) else None
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

