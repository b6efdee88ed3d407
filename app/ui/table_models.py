"""Table models over plain rows (no per-row widgets, no per-row queries)."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from app.models.rules import dates
from app.models.rules import vocabulary as V
from app.models.store.search import fold

Index: TypeAlias = QModelIndex | QPersistentModelIndex

# Status colours: a saturated background with white text reads on light and dark themes.
STATUS_COLOURS = {"overdue": "#c62828", "open": "#1565c0", "met_late": "#8e24aa", "done": "#2e7d32",
                  "due_soon": "#b34700", "nfd": "#b71c1c"}
STATUS_TEXT = V.DUE_STATUSES
NFD_COLOUR = "#b71c1c"
# Due items that would reveal victim information: privacy mode shows their date under a neutral label.
PRIVATE_DUE_KINDS = frozenset({"victim_safety_plan_review"})
PRIVATE_DUE_LABEL = "Review (hidden in privacy mode)"


def due_label(kind: str, label: str, privacy: bool) -> str:
    """The label of a due item as shown on screen (neutral in privacy mode for victim items)."""
    return PRIVATE_DUE_LABEL if privacy and kind in PRIVATE_DUE_KINDS else label

FLAG_BADGES = V.FLAG_BADGES
REQ_SHORT = V.REQUIREMENTS_SHORT
fmt_date = dates.show  # dd/mm/yyyy
age_on = dates.age_on


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], str]
    sort_key: Callable[[Any], Any] | None = None
    status: Callable[[Any], str | None] | None = None  # a STATUS_COLOURS key, coloured cell
    width: int | None = None


class RowsModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def row_at(self, i: int) -> Any:
        return self.rows[i]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return col.value(row)
        if col.status is not None and role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            status = col.status(row)
            if status is None:
                return None
            if role == Qt.ItemDataRole.BackgroundRole:
                return QColor(STATUS_COLOURS[status])
            return QColor("white")
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        col = self.columns[column]
        key = col.sort_key or (lambda r: fold(col.value(r)))
        self.layoutAboutToBeChanged.emit()
        self.rows.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()


def configure_table(view: QTableView, model: RowsModel, sortable: bool = False) -> None:
    """Fixed row height, whole-row selection, last column stretches."""
    view.setModel(model)
    vh = view.verticalHeader()
    vh.setVisible(False)
    vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vh.setDefaultSectionSize(view.fontMetrics().height() + 10)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)  # Tab leaves the list (arrow keys move within it): no keyboard trap
    view.setAlternatingRowColors(True)
    hh = view.horizontalHeader()
    hh.setStretchLastSection(True)
    hh.setHighlightSections(False)
    for i, col in enumerate(model.columns):
        if col.width:
            view.setColumnWidth(i, col.width)
    view.setSortingEnabled(sortable)


# ---------------------------------------------------------------------------- caseload
@dataclass(slots=True)
class CaseloadRow:
    """One caseload line (read-only by convention: not frozen, because a frozen dataclass
    costs several times more to build and 5,000 are built on every load)."""

    reference: str
    name: str
    date_of_birth: dt.date
    age: int
    requirements: str
    next_due_label: str
    next_due_on: dt.date | None
    next_due_status: str | None
    overdue: int
    badges: tuple[str, ...]
    domestic_abuse: bool
    status: str
    warnings: tuple[str, ...] = field(default=())
    next_due_kind: str = ""
    sort_name: str = ""  # fold(name), worked out on the worker so sorting by name costs the GUI no folds
    handover: str = ""  # "Pending to NAME" while the case is handed over (read-only here)


def caseload_name(given: str, family: str, preferred: str | None) -> str:
    """A person's name as the caseload shows it (and sorts it, folded): "Given Family", with a
    different preferred name after it in brackets."""
    name = f"{given} {family}"
    return f"{name} ({preferred})" if preferred and preferred != given else name


FIRST_SCREEN = 60  # rows: more than a maximised window shows at 1366x768 (or at 1920x1080)


def first_screen_refs(names: Iterable[tuple[str, str, str, str | None]], n: int = FIRST_SCREEN) -> list[str]:
    """The references of the first ``n`` cases in the caseload's default order (Name, A-Z, as
    the Name column sorts: folded name, then reference), from ``Store.case_names()``."""
    keyed = ((fold(caseload_name(given, family, preferred)), ref) for ref, given, family, preferred in names)
    return [ref for _, ref in heapq.nsmallest(n, keyed)]


def build_caseload_rows(summaries: Sequence[Any], due: Sequence[Any], warnings: Sequence[Any],
                        today: dt.date) -> list[CaseloadRow]:
    """Plain rows from Store.list_cases() and deadlines.caseload_due() (pure Python, no queries)."""
    overdue: dict[str, int] = {}
    nxt: dict[str, Any] = {}
    for item in due:
        if item.status == "overdue":
            overdue[item.case] = overdue.get(item.case, 0) + 1
        if item.status in ("open", "overdue") and item.kind != "order_end":
            cur = nxt.get(item.case)
            if cur is None or item.due_on < cur.due_on:
                nxt[item.case] = item
    warns: dict[str, list[str]] = {}
    for w in warnings:
        warns.setdefault(w.case, []).append(w.message)
    # A caseload has a handful of distinct requirement and flag combinations: their labels are
    # worked out once per combination, not once per row.
    req_labels: dict[tuple[str, ...], str] = {}
    flag_badges: dict[tuple[str, ...], tuple[str, ...]] = {}
    rows: list[CaseloadRow] = []
    append = rows.append
    no_warnings: tuple[str, ...] = ()
    for s in summaries:
        ref = s.reference
        born = s.date_of_birth
        age = age_on(born, today)
        flags = s.open_flags
        badges = flag_badges.get(flags)
        if badges is None:
            badges = flag_badges[flags] = tuple(FLAG_BADGES[f] for f in dict.fromkeys(flags) if f in FLAG_BADGES)
        if age < 18:
            badges += ("U18",)
        reqs = s.requirements
        label = req_labels.get(reqs)
        if label is None:
            label = req_labels[reqs] = ", ".join(REQ_SHORT.get(r, r) for r in reqs)
        n = nxt.get(ref)
        status = None
        if n is not None:
            status = "overdue" if n.status == "overdue" else ("due_soon" if (n.due_on - today).days <= 7 else "open")
        name = caseload_name(s.given_names, s.family_name, s.preferred_name)
        w = warns.get(ref)
        append(CaseloadRow(
            ref, name, born, age, label,
            n.label if n else "", n.due_on if n else None, status,
            overdue.get(ref, 0), badges, "domestic_abuse" in flags, s.status or "active",
            tuple(w) if w else no_warnings, n.kind if n else "", fold(name),
        ))
    return rows


class CaseloadModel(RowsModel):
    def __init__(self, parent: Any = None) -> None:
        self.privacy = False
        far = dt.date.max
        super().__init__([
            Column("Name", lambda r: r.name, lambda r: r.sort_name or fold(r.name), width=220),
            Column("Reference", lambda r: r.reference, lambda r: r.reference, width=130),
            Column("Requirements", lambda r: r.requirements, width=200),
            Column("Next due", self._next_due, lambda r: r.next_due_on or far,
                   status=lambda r: r.next_due_status, width=300),
            Column("Overdue", lambda r: str(r.overdue) if r.overdue else "", lambda r: -r.overdue,
                   status=lambda r: "overdue" if r.overdue else None, width=70),
            Column("Flags", self._badges, lambda r: self._badges(r), width=170),
            Column("Handover", lambda r: r.handover, lambda r: r.handover,
                   status=lambda r: "due_soon" if r.handover else None),
        ], parent)

    def _next_due(self, r: CaseloadRow) -> str:
        if r.next_due_on is None:
            return ""
        return f"{fmt_date(r.next_due_on)}  {due_label(r.next_due_kind, r.next_due_label, self.privacy)}"

    def _badges(self, r: CaseloadRow) -> str:
        badges = r.badges if not self.privacy else tuple(b for b in r.badges if b == "U18")
        return "  ".join(badges)

    def replace_rows(self, fresh: dict[str, CaseloadRow]) -> None:
        """Swap in new versions of rows (by reference) in place: one ``dataChanged`` per row, no reset."""
        last = len(self.columns) - 1
        for i, r in enumerate(self.rows):
            new = fresh.get(r.reference)
            if new is not None:
                self.rows[i] = new
                self.dataChanged.emit(self.index(i, 0), self.index(i, last))

    def set_privacy(self, on: bool) -> None:
        self.privacy = on
        if self.rows:
            self.dataChanged.emit(self.index(0, 3), self.index(len(self.rows) - 1, 5))
