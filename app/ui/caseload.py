"""The caseload: one table over plain rows, search (names and references in Python, note
text through FTS5 on the worker) with a short debounce, and quick filters.

A search also lists the notes that matched, under the table: date, case, kind and a few words
around the match (never the text of a not-for-disclosure or victim contact note; in privacy mode
the whole caseload, search included, is hidden).  Enter on a note opens the case on its Notes
tab with that note selected (``note_requested``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget

from app.models.store import Changes
from app.models.store.search import NoteHit, SearchResult
from app.ui import errors
from app.ui import fields as FL
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.privacy import privacy_note
from app.ui.table_models import (
    FIRST_SCREEN,
    CaseloadModel,
    CaseloadRow,
    Column,
    RowsModel,
    configure_table,
    fmt_date,
)

SEARCH_DELAY_MS = 250
EMPTY_HINT = ("<b>No cases yet.</b> Create the first with <b>New case</b> (Ctrl+Shift+N), or import a case "
              "bundle from the command line (<code>casebook import</code>). <b>Settings</b> holds your name, the "
              "team's shared drive folder and the idle lock; F1 lists the keyboard shortcuts.")
WITHHELD = {"victim_contact": "(victim contact: the text is not shown here)"}
WITHHELD_NFD = "(NOT FOR DISCLOSURE: the text is not shown here)"
NOTE_HITS_SHOWN = 6  # rows of matching notes on screen before the list scrolls (1366x768)


def hit_text(hit: NoteHit) -> str:
    """What the list of matching notes shows of a note: the snippet, or why there is none."""
    if hit.snippet is not None:
        return hit.snippet
    if hit.restricted:
        return WITHHELD.get(hit.kind, WITHHELD_NFD)
    return ""


PRIVACY_NOTE = ("Privacy mode is on: the caseload and search are hidden, so no one else's name, reference or "
                "due dates can be seen. Only the open case is shown. Press Ctrl+Shift+P to leave privacy mode.")


class CaseloadPage(QWidget):
    open_requested = Signal(str)
    note_requested = Signal(str, int)  # case reference, note index: open the case on that note
    filtered = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.all_rows: list[CaseloadRow] = []
        self.due_pending = False  # rows shown, due dates still being worked out
        self.total_pending = 0  # how many cases the first step of a load counted
        self.matches: set[str] | None = None
        self._search_token = 0

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search names, references and note text (Ctrl+F)")
        self.search.setAccessibleName("Search the caseload")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_changed)
        self.search.returnPressed.connect(self._to_results)
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(SEARCH_DELAY_MS)
        self.debounce.timeout.connect(self._run_search)
        self.filters: dict[str, QCheckBox] = {}
        bar = QHBoxLayout()
        label = QLabel("&Search:", self)
        label.setBuddy(self.search)
        bar.addWidget(label)
        bar.addWidget(self.search, 1)
        for key, text in (("overdue", "&Overdue"), ("week", "Due this &week"), ("u18", "&Under 18"),
                          ("da", "&Domestic abuse")):
            cb = QCheckBox(text, self)
            cb.setAccessibleName(f"Show only: {text.replace('&', '')}")
            cb.toggled.connect(self.apply_filters)
            self.filters[key] = cb
            bar.addWidget(cb)
        self.count = QLabel(self)
        self.model = CaseloadModel(self)
        self.view = QTableView(self)
        configure_table(self.view, self.model, sortable=True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.setAccessibleName("Caseload")
        self.view.doubleClicked.connect(self._activated)
        for enter_key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            # setContext, not the constructor's context= (PySide6 ignores it there): only while the
            # table has focus, or Enter in the search box would open whichever case is current
            shortcut = QShortcut(QKeySequence(enter_key), self.view, self._open_current)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        # the notes that matched a search, under the table
        names: dict[str, str] = {}  # reference -> name, from the rows on screen
        self._names = names
        self.notes_model = RowsModel([
            Column("Note of", lambda h: fmt_date(h.date), lambda h: h.date, width=90),
            Column("Case", lambda h: h.reference + (f" · {names[h.reference]}" if h.reference in names else ""),
                   width=260),
            Column("Kind", lambda h: FL.label_of(FL.NOTE_KINDS, h.kind), width=110),
            Column("Where the words are", hit_text, status=lambda h: "nfd" if h.restricted else None),
        ], self)
        self.notes_view = QTableView(self)
        configure_table(self.notes_view, self.notes_model)
        self.notes_view.setAccessibleName("Notes that match the search")
        self.notes_view.setMaximumHeight(self.notes_view.verticalHeader().defaultSectionSize() * NOTE_HITS_SHOWN
                                         + self.notes_view.horizontalHeader().sizeHint().height() + 4)
        self.notes_view.activated.connect(self._note_activated)
        for enter_key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(enter_key), self.notes_view, self._open_current_note)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        self.notes_label = QLabel(self)
        self.notes_label.setBuddy(self.notes_view)
        self.notes_label.setAccessibleName("Matching notes")
        self.notes_label.hide()
        self.notes_view.hide()
        self.empty_hint = QLabel(EMPTY_HINT, self)
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAccessibleName("This store has no cases yet")
        self.empty_hint.setStyleSheet("padding: 12px; font-size: 11pt;")
        self.empty_hint.hide()
        # everything that names other people sits in one body, hidden as a whole in privacy mode
        self.body = QWidget(self)
        bl = QVBoxLayout(self.body)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addLayout(bar)
        bl.addWidget(self.empty_hint)
        bl.addWidget(self.view, 1)
        bl.addWidget(self.count)
        bl.addWidget(self.notes_label)
        bl.addWidget(self.notes_view)
        self.privacy_note = privacy_note(self, PRIVACY_NOTE, "The caseload is hidden in privacy mode")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.body, 1)
        lay.addWidget(self.privacy_note, 1)
        # reading order: search, the quick filters, then the table
        chain = [self.search, *self.filters.values(), self.view, self.notes_view]
        for a, b in zip(chain, chain[1:], strict=False):
            self.setTabOrder(a, b)
        ctx.events.changed.connect(self.apply_changes)
        ctx.events.privacy_changed.connect(self.set_privacy)

    # ------------------------------------------------------------------ rows
    def set_rows(self, rows: Sequence[CaseloadRow]) -> None:
        if rows:
            self.empty_hint.hide()
        self.due_pending = False
        self.all_rows = list(rows)
        self.apply_filters()

    def set_rows_before_due(self, result: tuple[Sequence[CaseloadRow], int]) -> None:
        """The first step of a load: show the people at once (perhaps only the first screen of
        them, of ``total``), due dates and the rest follow."""
        rows, total = result
        self.due_pending = True
        self.total_pending = total
        self.all_rows = list(rows)
        self.apply_filters()

    def clear(self) -> None:
        self.empty_hint.hide()
        self.all_rows = []
        self.matches = None
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.model.clear()
        self.count.clear()
        self.show_note_hits(None)

    def reload(self) -> None:
        if self.ctx.store is not None:
            header = self.view.horizontalHeader()
            by_name = header.sortIndicatorSection() == 0 and header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
            ops.load_caseload(self.ctx, self.set_rows, errors.shower(self.ctx.prompts),
                              on_rows=self.set_rows_before_due, first_screen=FIRST_SCREEN if by_name else None)

    def apply_changes(self, changes: Changes) -> None:
        """Redraw what a store operation changed: the whole caseload only when cases were added
        or removed, every due date when settings or the calendar moved them, otherwise just the
        rows of the cases named (their due dates worked out for those cases alone)."""
        if self.ctx.store is None:
            return
        if changes.caseload:
            self.reload()
        elif changes.all_due_dates:
            ops.load_caseload_due(self.ctx, self.set_rows, errors.shower(self.ctx.prompts))
        elif changes.cases:
            ops.load_caseload_rows(self.ctx, set(changes.cases), self.patch_rows,
                                   errors.shower(self.ctx.prompts))
            if self.search.text().strip():
                self._run_search()  # note text may now match, or no longer

    def patch_rows(self, result: tuple[Sequence[CaseloadRow], set[str]]) -> None:
        """Replace (or add) the given rows and drop the ``gone`` ones, without a model reset
        when the rows shown stay the same ones."""
        rows, gone = result
        fresh = {r.reference: r for r in rows}
        known = {r.reference for r in self.all_rows}
        self.all_rows = [fresh.get(r.reference, r) for r in self.all_rows if r.reference not in gone]
        self.all_rows.extend(r for ref, r in fresh.items() if ref not in known)
        shown = self._filtered()
        if {r.reference for r in shown} != {r.reference for r in self.model.rows}:
            self.apply_filters()  # a row joins or leaves the filtered list
            return
        self.model.replace_rows(fresh)
        header = self.view.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self._show_count()
        self.filtered.emit()

    def _filtered(self) -> list[CaseloadRow]:
        today = self.ctx.clock.today()
        week = today + dt.timedelta(days=7)
        f = {k: cb.isChecked() and cb.isEnabled() for k, cb in self.filters.items()}
        return [
            r for r in self.all_rows
            if (self.matches is None or r.reference in self.matches)
            and (not f["overdue"] or r.overdue > 0)
            and (not f["week"] or (r.next_due_on is not None and r.next_due_on <= week))
            and (not f["u18"] or r.age < 18)
            and (not f["da"] or r.domestic_abuse)
        ]

    def apply_filters(self) -> None:
        rows = self._filtered()
        self.model.set_rows(rows)
        header = self.view.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self._select_first()  # search results arriving after Enter moved to the table
        self._show_count()
        self.filtered.emit()

    def set_empty_hint(self, on: bool) -> None:
        self.empty_hint.setVisible(on)

    def _show_count(self) -> None:
        pending = " · working out due dates…" if self.due_pending else ""
        total = max(len(self.all_rows), self.total_pending) if self.due_pending else len(self.all_rows)
        self.count.setText(f"Showing {self.model.rowCount()} of {total} cases{pending}")

    def set_privacy(self, on: bool) -> None:
        self.body.setVisible(not on)
        self.privacy_note.setVisible(on)
        self.model.set_privacy(on)
        # the domestic abuse filter would reveal a flag the screen is hiding
        self.filters["da"].setEnabled(not on)
        self.apply_filters()
        if self.search.text().strip():
            self._run_search()

    # ------------------------------------------------------------------ search
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _to_results(self) -> None:
        """Enter in the search box moves to the results (Enter again opens the case)."""
        if self.debounce.isActive():
            self.debounce.stop()
            self._run_search()
        self.view.setFocus()
        self._select_first()

    def _select_first(self) -> None:
        if self.view.hasFocus() and self.model.rowCount() and not self.view.selectionModel().hasSelection():
            self.view.selectRow(0)

    def _search_changed(self, text: str) -> None:
        self._search_token += 1
        if not text.strip():
            self.debounce.stop()
            self.matches = None
            self.show_note_hits(None)
            self.apply_filters()
            return
        self.debounce.start()

    def _run_search(self) -> None:
        text = self.search.text()
        if not text.strip() or self.ctx.store is None:
            return
        self._search_token += 1
        token = self._search_token

        def done(result: SearchResult) -> None:
            if token == self._search_token:
                self.matches = set(result.references)
                self.apply_filters()
                self.show_note_hits(result)

        ops.search_caseload(self.ctx, text, done, errors.shower(self.ctx.prompts))

    def show_note_hits(self, result: SearchResult | None) -> None:
        """The notes that matched (none: the list is hidden).  Only notes of cases listed."""
        self._names.clear()
        self._names.update({r.reference: r.name for r in self.all_rows})
        hits = [h for h in (result.notes if result is not None else []) if h.reference in self._names]
        self.notes_model.set_rows(hits)
        more = " (the newest shown; add a word to narrow it)" if result is not None and result.more_notes else ""
        self.notes_label.setText(f"Matching &notes: {len(hits)}{more}. Enter opens the case on that note.")
        self.notes_label.setVisible(bool(hits))
        self.notes_view.setVisible(bool(hits))

    # ------------------------------------------------------------------ opening
    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(self.model.row_at(index.row()).reference)

    def _open_current(self) -> None:
        self._activated(self.view.currentIndex())

    def _note_activated(self, index: QModelIndex) -> None:
        if index.isValid() and index.row() < self.notes_model.rowCount():
            hit = self.notes_model.row_at(index.row())
            self.note_requested.emit(hit.reference, hit.index)

    def _open_current_note(self) -> None:
        self._note_activated(self.notes_view.currentIndex())

    def selected_reference(self) -> str | None:
        """The reference of the selected (current) row, or None (hidden in privacy mode)."""
        if not self.body.isVisible() and self.isVisible():
            return None
        rows = self.view.selectionModel().selectedRows() if self.view.selectionModel() else []
        index = rows[0] if rows else self.view.currentIndex()
        if not index.isValid() or index.row() >= self.model.rowCount():
            return None
        return str(self.model.row_at(index.row()).reference)

    def select_reference(self, ref: str) -> None:
        for i, r in enumerate(self.model.rows):
            if r.reference == ref:
                self.view.selectRow(i)
                return
