"""The Team page (issue 16): the team manager's view of every officer's status packet.

One row per officer (cases, overdue, due this week, plans past review, last heard from, and a
warning when a laptop has not synced for 7 days), two small charts drawn with QPainter
(overdue items per officer; the team's open items due in each of the next 8 weeks), and one
table of every case across the team: a ``QSortFilterProxyModel`` over a table model of plain
rows, filterable (overdue, due this week, under 18, domestic abuse, officer) and sortable,
with a read-only summary of the selected case from its packet.

Reading the folder never blocks the window: the manager's keys come from the store worker
(``ctx.tasks``, a few milliseconds), then the listing, decryption and checks run on this
page's own thread pool (a slow network folder only delays the page), and the result comes
back by signal.  Cards pinned on first use are recorded through the store worker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    QRunnable,
    QSortFilterProxyModel,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.team import requests, status
from app.team.delivery import FileOps
from app.ui import errors
from app.ui.context import AppContext
from app.ui.privacy import privacy_note
from app.ui.table_models import STATUS_COLOURS, Column, RowsModel, configure_table, fmt_date

Index = QModelIndex | QPersistentModelIndex
PRIVACY_NOTE = ("Privacy mode is on: the Team page is hidden, so no one's name, reference or due dates can be "
                "seen. Press Ctrl+Shift+P to leave privacy mode.")
NO_TEAM = ("No status packets yet. Officers send theirs on every sync once they name you as their team manager "
           "(Settings, or casebook team --store PATH --manager {me}).")


def _when(value: dt.datetime | None) -> str:
    return "never" if value is None else value.astimezone().strftime("%d/%m/%Y %H:%M")


def _warning(o: status.OfficerRow) -> str:
    if o.not_synced_days is None:
        return "No sync recorded"
    if o.stale:
        return f"Not synced for {o.not_synced_days} days"
    return ""


def officer_columns() -> list[Column]:
    return [
        Column("Officer", lambda o: o.name, lambda o: o.name.casefold(), width=200),
        Column("Cases", lambda o: str(o.cases), lambda o: o.cases, width=60),
        Column("Overdue", lambda o: str(o.overdue) if o.overdue else "", lambda o: o.overdue,
               status=lambda o: "overdue" if o.overdue else None, width=70),
        Column("Due this week", lambda o: str(o.due_this_week) if o.due_this_week else "", lambda o: o.due_this_week,
               width=100),
        Column("Plans past review", lambda o: str(o.plans_past_review) if o.plans_past_review else "",
               lambda o: o.plans_past_review, status=lambda o: "overdue" if o.plans_past_review else None, width=120),
        Column("Last heard from", lambda o: _when(o.last_heard), lambda o: o.last_heard or dt.datetime.min.replace(
            tzinfo=dt.UTC), width=130),
        Column("Warning", _warning, status=lambda o: "due_soon" if o.stale else None),
    ]


def case_columns() -> list[Column]:
    far = dt.date.max
    return [
        Column("Officer", lambda r: r.officer_name, lambda r: r.officer_name.casefold(), width=160),
        Column("Reference", lambda r: r.reference, lambda r: r.reference, width=130),
        Column("Name", lambda r: r.name, lambda r: r.name.casefold(), width=190),
        Column("Requirements", lambda r: r.requirements, lambda r: r.requirements, width=170),
        Column("Intensity", lambda r: r.intensity, lambda r: r.intensity, width=70),
        Column("Overdue", lambda r: str(r.overdue) if r.overdue else "", lambda r: -r.overdue,
               status=lambda r: "overdue" if r.overdue else None, width=65),
        Column("Next due", lambda r: f"{fmt_date(r.next_due_on)}  {r.next_due_label}" if r.next_due_on else "",
               lambda r: r.next_due_on or far, width=260),
        Column("Last contact", lambda r: fmt_date(r.last_contact), lambda r: r.last_contact or dt.date.min, width=95),
        Column("Flags", lambda r: "  ".join(([] if not r.domestic_abuse else ["DA"]) + (["U18"] if r.under_18 else [])
                                            + (["Closed"] if r.archived else [])), lambda r: (not r.domestic_abuse,
                                                                                               not r.under_18)),
    ]


class TeamCasesProxy(QSortFilterProxyModel):
    """Filters by a predicate over the source's plain rows; sorting is the source's own (a key
    sort of plain rows in Python, far cheaper than per-comparison ``lessThan`` calls)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.predicate: Callable[[status.CaseRow], bool] | None = None
        self._rows_model: Any = None
        self.setDynamicSortFilter(False)

    def source(self) -> RowsModel:
        model = self.sourceModel()
        assert isinstance(model, RowsModel)
        return model

    def setSourceModel(self, model: Any) -> None:  # noqa: N802
        self._rows_model = model
        super().setSourceModel(model)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802
        pred = self.predicate
        return pred is None or pred(self._rows_model.rows[source_row])

    def set_predicate(self, predicate: Callable[[status.CaseRow], bool] | None) -> None:
        self.predicate = predicate
        self.invalidate()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if column < 0:
            return
        self.source().sort(column, order)

    def row_at(self, proxy_row: int) -> status.CaseRow:
        src = self.mapToSource(self.index(proxy_row, 0))
        row = self.source().rows[src.row()]
        assert isinstance(row, status.CaseRow)
        return row


class BarChart(QWidget):
    """A small bar chart drawn with QPainter: (label, value) pairs, one colour."""

    def __init__(self, title: str, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.colour = QColor(colour)
        self.bars: list[tuple[str, int]] = []
        self.setMinimumSize(260, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName(title)

    def set_bars(self, bars: Sequence[tuple[str, int]]) -> None:
        self.bars = list(bars)
        text = "; ".join(f"{label}: {value}" for label, value in self.bars) or "nothing to show"
        self.setAccessibleDescription(text)
        self.setToolTip(f"{self.title}\n{text}")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text_colour = pal.color(QPalette.ColorRole.WindowText)
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        fm = p.fontMetrics()
        line = fm.height()
        p.setPen(text_colour)
        p.drawText(QRectF(4, 2, self.width() - 8, line), Qt.AlignmentFlag.AlignLeft, self.title)
        if not self.bars:
            p.drawText(QRectF(0, 0, self.width(), self.height()), Qt.AlignmentFlag.AlignCenter, "Nothing to show")
            p.end()
            return
        top, bottom = line + 8, self.height() - line - 6
        height = max(1, bottom - top - line)
        peak = max(1, max(v for _, v in self.bars))
        slot = (self.width() - 8) / len(self.bars)
        width = max(2.0, slot * 0.7)
        for i, (label, value) in enumerate(self.bars):
            x = 4 + i * slot + (slot - width) / 2
            h = height * value / peak
            p.fillRect(QRectF(x, bottom - h, width, h), self.colour)
            p.setPen(text_colour)
            p.drawText(QRectF(x - 4, bottom - h - line, width + 8, line), Qt.AlignmentFlag.AlignCenter, str(value))
            shown = fm.elidedText(label, Qt.TextElideMode.ElideRight, int(slot))
            p.drawText(QRectF(4 + i * slot, bottom + 2, slot, line), Qt.AlignmentFlag.AlignCenter, shown)
        p.end()


class _Relay(QObject):
    done = Signal(int, object)


class _Read(QRunnable):
    def __init__(self, token: int, job: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.token, self.job, self.relay = token, job, relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result: Any = self.job()
        except Exception as exc:  # reported on the page, never escapes into Qt
            result = exc
        self.relay.done.emit(self.token, result)


def case_summary_text(row: status.CaseRow, today: dt.date) -> str:
    """The read-only case summary from the packet (plain text)."""
    c = row.case
    lines = [f"{row.reference}  {row.name}", f"Officer: {row.officer_name} ({row.officer_id})"]
    if row.age is not None:
        lines.append(f"Age: {row.age}" + ("  (under 18)" if row.under_18 else ""))
    lines.append(f"Order: {c.get('order_status') or 'active'}" + (f", ends {fmt_date(c.get('ends_on'))}"
                                                                  if c.get("ends_on") else "")
                 + ("  (closed case)" if row.archived else ""))
    lines.append(f"Supervision intensity: {row.intensity or 'not set'}")
    for r in c.get("requirements") or []:
        if not isinstance(r, dict):
            continue
        extra = f", {r['hours']} hours" if r.get("hours") else (f", {r['months']} months" if r.get("months") else "")
        lines.append(f"  Requirement: {status.REQ_SHORT.get(str(r.get('kind')), r.get('kind'))}{extra}")
    if c.get("flags"):
        lines.append("Flags: " + ", ".join(str(f).replace("_", " ") for f in c["flags"]))
    lines.append(f"Last contact: {fmt_date(row.last_contact) or 'none recorded'}")
    upw = c.get("upw")
    if upw:
        pace = f"; {upw['per_week_needed']:g} hours a week needed" if upw.get("per_week_needed") else ""
        lines.append(f"Unpaid work: {upw['done']:g} of {upw['required']} hours done, {upw['remaining']:g} to do by "
                     f"{fmt_date(upw['complete_by'])}{pace}")
    for h in c.get("pending_handovers") or []:
        lines.append(f"Handover pending to {h.get('to_name') or h.get('to')}")
    lines.append("")
    lines.append("Due items")
    for item in c.get("due") or []:
        if not isinstance(item, dict):
            continue
        st = status.item_status(item, today)
        lines.append(f"  {fmt_date(item.get('due_on'))}  {st.replace('_', ' '):<9} {item.get('label') or item.get('kind')}")
    return "\n".join(lines)


class TeamPage(QWidget):
    """``loaded(TeamView)`` after each read (tests wait on it)."""

    loaded = Signal(object)
    request_handover = Signal(object)  # status.CaseRow: a handover request for this case is being sent

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, folder: Path | None = None,
                 ops: FileOps | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.folder = folder
        self.ops = ops
        self.view_data: status.TeamView | None = None
        self.current_folder: Path | None = folder
        self._token = 0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.done.connect(self._read_done)
        self.reading = False

        self.heading = QLabel("Team", self)
        self.heading.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.heading.setAccessibleName("Team")
        self.state = QLabel(self)
        self.state.setWordWrap(True)
        self.state.setAccessibleName("Team status")
        self.refresh_button = QPushButton("&Refresh", self)
        self.refresh_button.setAccessibleName("Read the team's status packets again")
        self.refresh_button.clicked.connect(self.reload)
        head = QHBoxLayout()
        head.addWidget(self.heading)
        head.addWidget(self.state, 1)
        head.addWidget(self.refresh_button)
        self.problems = QLabel(self)
        self.problems.setWordWrap(True)
        self.problems.setTextFormat(Qt.TextFormat.PlainText)
        self.problems.setStyleSheet(f"color: white; background: {STATUS_COLOURS['overdue']}; padding: 4px;")
        self.problems.setAccessibleName("Problems with status packets")
        self.problems.hide()
        self.requests_label = QLabel(self)
        self.requests_label.setWordWrap(True)
        self.requests_label.setTextFormat(Qt.TextFormat.PlainText)
        self.requests_label.setStyleSheet(f"color: white; background: {STATUS_COLOURS['open']}; padding: 4px;")
        self.requests_label.setAccessibleName("Handover requests from your team manager")
        self.requests_label.hide()
        self.request_count = 0
        self.skipped = QLabel(self)
        self.skipped.setWordWrap(True)
        self.skipped.setTextFormat(Qt.TextFormat.PlainText)
        self.skipped.setAccessibleName("Status packets skipped")
        self.skipped.hide()

        self.officer_model = RowsModel(officer_columns(), self)
        self.officers_view = QTableView(self)
        configure_table(self.officers_view, self.officer_model, sortable=True)
        self.officers_view.setAccessibleName("Officers")
        self.officers_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.overdue_chart = BarChart("Overdue items per officer", STATUS_COLOURS["overdue"], self)
        self.weeks_chart = BarChart("Team items due, next 8 weeks", STATUS_COLOURS["open"], self)
        charts = QWidget(self)
        cl = QHBoxLayout(charts)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.overdue_chart)
        cl.addWidget(self.weeks_chart)

        self.filters: dict[str, QCheckBox] = {}
        bar = QHBoxLayout()
        for key, text in (("overdue", "&Overdue"), ("week", "Due this &week"), ("u18", "&Under 18"),
                          ("da", "&Domestic abuse")):
            cb = QCheckBox(text, self)
            cb.setAccessibleName(f"Show only: {text.replace('&', '')}")
            cb.toggled.connect(self.apply_filters)
            self.filters[key] = cb
            bar.addWidget(cb)
        officer_label = QLabel("O&fficer:", self)
        self.officer_filter = QComboBox(self)
        self.officer_filter.setAccessibleName("Show only this officer's cases")
        self.officer_filter.addItem("All officers", None)
        self.officer_filter.currentIndexChanged.connect(self.apply_filters)
        officer_label.setBuddy(self.officer_filter)
        bar.addWidget(officer_label)
        bar.addWidget(self.officer_filter)
        bar.addStretch(1)
        self.request_button = QPushButton("Request &handover…", self)
        self.request_button.setAccessibleName("Ask the officer to hand the selected case over")
        self.request_button.clicked.connect(self._request_selected)
        self.request_button.setEnabled(False)
        bar.addWidget(self.request_button)
        self.count = QLabel(self)

        self.case_model = RowsModel(case_columns(), self)
        self.proxy = TeamCasesProxy(self)
        self.proxy.setSourceModel(self.case_model)
        self.cases_view = QTableView(self)
        configure_table(self.cases_view, self.case_model)
        self.cases_view.setModel(self.proxy)
        self.cases_view.setSortingEnabled(True)
        self.cases_view.sortByColumn(5, Qt.SortOrder.AscendingOrder)
        self.cases_view.setAccessibleName("Every case across the team")
        self.cases_view.selectionModel().currentRowChanged.connect(self._show_summary)
        self.summary = QPlainTextEdit(self)
        self.summary.setReadOnly(True)
        self.summary.setAccessibleName("Case summary from the officer's status packet (read-only)")
        self.summary.setPlaceholderText("Select a case to see its summary")

        top = QSplitter(Qt.Orientation.Horizontal, self)
        top.addWidget(self.officers_view)
        top.addWidget(charts)
        # the officers' seven columns whole at 1366 wide; the two charts keep their minimum
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        top.setSizes([810, 540])
        bottom = QSplitter(Qt.Orientation.Horizontal, self)
        bottom.addWidget(self.cases_view)
        bottom.addWidget(self.summary)
        bottom.setStretchFactor(0, 3)
        bottom.setStretchFactor(1, 1)
        self.body = QWidget(self)
        bl = QVBoxLayout(self.body)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.requests_label)
        bl.addWidget(self.problems)
        bl.addWidget(self.skipped)
        bl.addWidget(top, 2)
        bl.addLayout(bar)
        bl.addWidget(bottom, 3)
        bl.addWidget(self.count)
        self.privacy_note = privacy_note(self, PRIVACY_NOTE, "The Team page is hidden in privacy mode")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(head)
        lay.addWidget(self.body, 1)
        lay.addWidget(self.privacy_note, 1)
        ctx.events.privacy_changed.connect(self.set_privacy)

    # ------------------------------------------------------------------ reading
    def reload(self) -> None:
        """Read the team folder again (keys on the store worker, the folder on this page's thread)."""
        if self.ctx.store is None:
            return
        self._token += 1
        token = self._token
        self.reading = True
        self.state.setText("Reading the team's status packets…")
        store = self.ctx.store
        given = self.folder
        today = self.ctx.clock.today()

        def keys() -> tuple[status.ManagerKeys, requests.OfficerKeys, Path | None]:
            from app.team.delivery import NoFolderError, configured_folder

            try:
                folder = given or configured_folder(store)
            except NoFolderError:
                folder = None
            return status.manager_keys(store), requests.officer_keys(store), folder

        def got_keys(result: tuple[status.ManagerKeys, requests.OfficerKeys, Path | None]) -> None:
            if token != self._token:
                return
            mgr, mine, folder = result
            self.current_folder = folder
            if folder is None:
                self._show_error("No shared drive folder is set (Settings): the team's packets are read from it.")
                return
            ops = self.ops
            self._pool.start(_Read(token, lambda: self._read(folder, mgr, mine, today, ops), self._relay))

        self.ctx.tasks.run(keys, got_keys, self._failed)

    @staticmethod
    def _read(folder: Path, keys: status.ManagerKeys, mine: requests.OfficerKeys, today: dt.date,
              ops: FileOps | None) -> tuple[status.TeamRead, status.TeamView, str, requests.Found]:
        read = status.read_team(folder, keys, ops)
        return read, status.team_view(read, today), keys.officer_id, requests.read_requests(folder, mine, ops)

    def _read_done(self, token: int, result: Any) -> None:
        if token != self._token:
            return  # a newer read, or the store was locked meanwhile
        self.reading = False
        if isinstance(result, BaseException):
            self._failed(result, "The team folder could not be read")
            return
        read, view, me, asked = result
        self.show_requests(asked)
        if read.new_pins and self.ctx.store is not None:
            store = self.ctx.store
            pins = list(read.new_pins)
            self.ctx.tasks.run(lambda: status.record_pins(store, pins))
        self.show_view(view, me)

    def show_requests(self, found: requests.Found) -> None:
        """Handover requests addressed to this officer (from its team manager), above the team."""
        lines = [f"Your team manager {r.from_name or r.from_officer} asks you to hand {r.case} over to "
                 f"{r.to_name or r.to_officer} ({r.to_officer}), {_when(r.at)}" + (f": {r.note}" if r.note else "")
                 for r in found.requests]
        lines += [f"Request not shown: {p.file}: {p.reason}" for p in found.problems]
        if found.requests:
            lines.append("Hand a case over from its Case menu, or: casebook handover --store PATH --case REF "
                         "--to OFFICER-ID")
        self.requests_label.setText("\n".join(lines))
        self.requests_label.setVisible(bool(lines))
        self.request_count = len(found.requests)

    def _failed(self, exc: BaseException, what: str | None = None) -> None:
        errors.report(exc)
        self._show_error(errors.message_for(exc, what))

    def _show_error(self, text: str) -> None:
        self.reading = False
        self.state.setText(text)
        self.loaded.emit(None)

    def show_view(self, view: status.TeamView, me: str = "") -> None:
        self.view_data = view
        self.officer_model.set_rows(view.officers)
        header = self.officers_view.horizontalHeader()
        self.officer_model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        current = self.officer_filter.currentData()
        self.officer_filter.blockSignals(True)
        self.officer_filter.clear()
        self.officer_filter.addItem("All officers", None)
        for o in view.officers:
            self.officer_filter.addItem(o.name, o.officer_id)
        found = self.officer_filter.findData(current) if current else 0
        self.officer_filter.setCurrentIndex(max(0, found))
        self.officer_filter.blockSignals(False)
        self.case_model.set_rows(view.cases)
        ch = self.cases_view.horizontalHeader()
        self.case_model.sort(ch.sortIndicatorSection(), ch.sortIndicatorOrder())
        self.apply_filters()
        self.overdue_chart.set_bars([(o.name, o.overdue) for o in view.officers])
        self.weeks_chart.set_bars([(f"{w:%d/%m}", n) for w, n in view.weekly_due])
        stale = sum(1 for o in view.officers if o.stale)
        if view.unreachable:
            self.state.setText(f"Team folder not reachable: {view.unreachable}")
        elif not view.officers:
            self.state.setText(NO_TEAM.format(me=me or "YOUR-OFFICER-ID"))
        else:
            self.state.setText(f"{len(view.officers)} officer(s), {len(view.cases)} case(s) on {view.today:%d/%m/%Y}"
                               + (f"; {stale} laptop(s) not synced for {status.STALE_DAYS} days or more" if stale else ""))
        self.problems.setText("\n".join(
            f"Not shown: {p.officer_id} {p.file}: {p.reason}" for p in view.problems))
        self.problems.setVisible(bool(view.problems))
        self.skipped.setText("\n".join(f"Skipped {p.file}: {p.reason}" for p in view.skipped))
        self.skipped.setVisible(bool(view.skipped))
        self.loaded.emit(view)

    def clear(self) -> None:
        """On lock: nothing of the team stays on screen, and a read under way is dropped."""
        self._token += 1
        self.reading = False
        self.view_data = None
        self.officer_model.clear()
        self.case_model.clear()
        self.proxy.invalidate()
        self.summary.clear()
        self.overdue_chart.set_bars([])
        self.weeks_chart.set_bars([])
        self.problems.hide()
        self.skipped.hide()
        self.requests_label.clear()
        self.requests_label.hide()
        self.request_count = 0
        self.state.clear()
        self.count.clear()

    def stop(self, timeout_ms: int = 10_000) -> bool:
        self._token += 1
        return bool(self._pool.waitForDone(timeout_ms))

    # ------------------------------------------------------------------ filters
    def predicate(self) -> Callable[[status.CaseRow], bool] | None:
        f = {k: cb.isChecked() and cb.isEnabled() for k, cb in self.filters.items()}
        officer = self.officer_filter.currentData()
        if not any(f.values()) and officer is None:
            return None
        overdue, week, u18, da = f["overdue"], f["week"], f["u18"], f["da"]

        def keep(r: status.CaseRow) -> bool:
            return ((not overdue or r.overdue > 0) and (not week or r.due_this_week > 0)
                    and (not u18 or r.under_18) and (not da or r.domestic_abuse)
                    and (officer is None or r.officer_id == officer))

        return keep

    def apply_filters(self) -> None:
        self.proxy.set_predicate(self.predicate())
        self.count.setText(f"Showing {self.proxy.rowCount()} of {self.case_model.rowCount()} cases")
        self._show_summary()

    def shown_rows(self) -> list[status.CaseRow]:
        return [self.proxy.row_at(i) for i in range(self.proxy.rowCount())]

    def _selected(self) -> status.CaseRow | None:
        index = self.cases_view.currentIndex()
        if not index.isValid() or index.row() >= self.proxy.rowCount():
            return None
        return self.proxy.row_at(index.row())

    def _show_summary(self, *_: Any) -> None:
        row = self._selected()
        self.request_button.setEnabled(row is not None and not row.archived)
        if row is None or self.view_data is None:
            self.summary.clear()
            return
        self.summary.setPlainText(case_summary_text(row, self.view_data.today))

    def _request_selected(self) -> None:
        """Request handover…: choose the colleague, add a note, send (a signed, encrypted request)."""
        row = self._selected()
        if row is None or self.view_data is None:
            return
        others = [o for o in self.view_data.officers if o.officer_id != row.officer_id]
        if not others:
            self.ctx.prompts.info("There is no other officer on the team to hand this case to.")
            return
        loads = [f"{o.name} ({o.cases} cases, {o.overdue} overdue)" for o in others]
        pick = self.ctx.prompts.choose(f"Ask {row.officer_name} to hand {row.reference} over to:", loads)
        if pick is None:
            return
        note = self.ctx.prompts.ask_text("A note for the officer (optional):")
        if note is None:
            return
        self.request_handover.emit(row)
        self.send_request(row, others[pick].officer_id, others[pick].name, note)

    def send_request(self, row: status.CaseRow, to_officer: str, to_name: str, note: str,
                     on_done: Callable[[Any], None] | None = None) -> None:
        store, folder = self.ctx.store, self.current_folder
        if store is None or folder is None:
            return

        def done(sent: Any) -> None:
            self.state.setText(f"Handover of {row.reference} to {to_name} requested from {row.officer_name}; "
                               "the officer sees it after their next sync")
            if on_done is not None:
                on_done(sent)

        self.ctx.tasks.run(lambda: requests.send_request(store, folder, row.officer_id, row.reference, to_officer,
                                                         to_name, note, self.ops),
                           done, errors.shower(self.ctx.prompts, "The request was not sent"))

    # ------------------------------------------------------------------ privacy
    def set_privacy(self, on: bool) -> None:
        self.body.setVisible(not on)
        self.privacy_note.setVisible(on)
