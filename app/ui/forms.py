"""A form built from field declarations: parse and validate locally (dates dd/mm/yyyy,
numbers), return a bundle-shaped dict, show the store's ValidationError inline, track
unsaved changes, and hide private parts in privacy mode without losing them."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.models.rules import dates
from app.models.rules import vocabulary as V
from app.ui.table_models import STATUS_COLOURS

NFD = V.NOT_FOR_DISCLOSURE
today_source: Callable[[], dt.date] = dt.date.today  # the app sets its clock (relative dates)
Choices = tuple[tuple[str, str], ...]
SENSITIVITY: Choices = V.choices(V.SENSITIVITY)
VALUE_ROLE = Qt.ItemDataRole.UserRole
ERROR_STYLE = f"color: white; background: {STATUS_COLOURS['overdue']}; padding: 4px; border-radius: 3px;"
EXTRA_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class F:
    """One field.  ``key`` may be dotted ("individual.given_names") for nested dicts."""

    key: str
    label: str
    kind: str = "text"  # text multiline date choice bool int float multichoice checklist lines table
    choices: Choices = ()
    required: bool = False
    columns: tuple[F, ...] = ()
    private: bool = False
    private_row: Callable[[dict[str, Any]], bool] | None = None
    placeholder: str = ""
    width: int = 0
    tall: bool = False  # a long text (a note): more room


class FormError(Exception):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


TWO_DIGIT_YEARS_AHEAD = dates.TWO_DIGIT_YEARS_AHEAD


def _today() -> dt.date:
    return today_source()


def parse_date(text: str, today: dt.date | None = None) -> str | None:
    """A typed date -> ISO (app/models/rules/dates.py ``parse``: dd/mm/yyyy, "2/12/26", "today",
    "+7", "+2w", ISO); '' -> None; ValueError (one line) if it is not a date."""
    return dates.parse(text, today or _today())


def show_date(value: Any) -> str:
    return dates.show(value) if value else ""


def _get(d: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        if not isinstance(d, dict) or part not in d:
            return None
        d = d[part]
    return d


def _set(d: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    for part in parts[:-1]:
        d = d.setdefault(part, {})
    if value is None:
        d.pop(parts[-1], None)
    else:
        d[parts[-1]] = value


def _pop(d: dict[str, Any], key: str) -> None:
    parts = key.split(".")
    for part in parts[:-1]:
        if not isinstance(d.get(part), dict):
            return
        d = d[part]
    d.pop(parts[-1], None)


def _number(kind: str, text: str, label: str) -> int | float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{label}: {text!r} is not a number") from None
    if kind == "int":
        if value != int(value):
            raise ValueError(f"{label}: a whole number is needed")
        return int(value)
    return value


# ---------------------------------------------------------------------------- layout
LABEL_WRAP_CHARS = 24  # a form label longer than this wraps (its column stays narrow)
COMBO_MIN_CHARS = 18  # a choice field asks this many characters' width, not its longest choice's


def fit_choices(box: QComboBox) -> None:
    """A choice field wide enough for its longest choice when there is room, narrower (the
    shown choice elided) when there is not, so one long label ("Face to face elsewhere (cafe,
    agency office)") never pushes a form past its pane at 1366x768.  The list that drops down
    stays wide enough to read every choice whole."""
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    texts = [box.itemText(i) for i in range(box.count())]
    box.setMinimumContentsLength(min(COMBO_MIN_CHARS, max(map(len, texts), default=1)))
    view = box.view()
    widest = max(map(box.fontMetrics().horizontalAdvance, texts), default=0)
    view.setMinimumWidth(widest + 2 * box.fontMetrics().averageCharWidth() + view.verticalScrollBar().sizeHint().width())


class FieldLabel(QLabel):
    """A field's label: on one line when there is room; a long one ("Source (who gave the
    information)") takes two lines rather than widen its column of a two-column form past a
    1366-wide screen's pane."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(len(text) > LABEL_WRAP_CHARS)

    def sizeHint(self) -> QSize:
        if not self.wordWrap():
            return super().sizeHint()
        m = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self.text()) + 2 * self.margin() + m.left() + m.right() + 1
        return QSize(width, self.heightForWidth(width))


# ---------------------------------------------------------------------------- date entry
def normalise_date(edit: QLineEdit) -> None:
    """Show what was understood ("+7" -> "30/11/2026") once the officer leaves the field; a
    text that is not a date is left for the form to name on Save."""
    try:
        iso = parse_date(edit.text())
    except ValueError:
        return
    shown = show_date(iso) if iso else ""
    if shown != edit.text():
        edit.setText(shown)


def date_button(edit: QLineEdit, label: str, parent: QWidget) -> QToolButton:
    """A calendar popup for a date field (also Alt+Down in the field)."""
    button = QToolButton(parent)
    button.setText("▾")
    button.setAccessibleName(f"Choose {label.lower()} from a calendar")
    button.setToolTip(f"Choose {label.lower()} from a calendar (Alt+Down)")
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes field to field; Alt+Down opens it

    def open_calendar() -> None:
        if edit.isReadOnly():  # a case handed over: nothing to choose
            return
        popup = QCalendarWidget(edit.window())
        popup.setWindowFlags(Qt.WindowType.Popup)
        popup.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        popup.setAccessibleName(f"Calendar for {label.lower()}")
        popup.setGridVisible(True)
        popup.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        try:
            iso = parse_date(edit.text())
        except ValueError:
            iso = None
        day = dt.date.fromisoformat(iso) if iso else _today()
        popup.setSelectedDate(QDate(day.year, day.month, day.day))

        def chosen(d: QDate) -> None:
            edit.setText(f"{d.day():02d}/{d.month():02d}/{d.year():04d}")
            popup.close()
            edit.setFocus()

        popup.clicked.connect(chosen)
        popup.activated.connect(chosen)
        popup.move(edit.mapToGlobal(edit.rect().bottomLeft()))
        popup.show()
        popup.setFocus()
        edit.setProperty("calendar", popup)

    button.clicked.connect(open_calendar)
    shortcut = QShortcut(QKeySequence("Alt+Down"), edit, open_calendar)
    shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
    return button


# ---------------------------------------------------------------------------- table field
class _ChoiceDelegate(QStyledItemDelegate):
    def __init__(self, choices: Choices, parent: QWidget) -> None:
        super().__init__(parent)
        self.choices = choices

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        box = QComboBox(parent)
        box.addItem("", None)
        for value, label in self.choices:
            box.addItem(label, value)
        return box

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QComboBox)
        i = editor.findData(index.data(VALUE_ROLE))
        editor.setCurrentIndex(max(i, 0))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel,
                     index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), VALUE_ROLE)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.DisplayRole)


class TableField(QWidget):
    """A small editable list (actions, progress, requirements...) inside a form."""

    changed = Signal()

    def __init__(self, spec: F, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.privacy = False
        self._hidden: list[tuple[int, dict[str, Any]]] = []
        self.delegates: dict[int, _ChoiceDelegate] = {}
        self.table = QTableWidget(0, len(spec.columns), self)
        self.table.setHorizontalHeaderLabels([c.label for c in spec.columns])
        self.table.setAccessibleName(spec.label)
        self.table.verticalHeader().setVisible(False)
        # long text wraps onto up to three lines (and the tooltip holds all of it)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        self.table.verticalHeader().setMaximumSectionSize(self.fontMetrics().height() * 3 + 12)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.setMinimumHeight(96)
        self.table.setMaximumHeight(170)
        hh = self.table.horizontalHeader()
        hh.setStretchLastSection(True)
        for i, col in enumerate(spec.columns):
            if col.width:
                self.table.setColumnWidth(i, col.width)
            if col.kind == "choice":
                self.delegates[i] = _ChoiceDelegate(col.choices, self.table)
                self.table.setItemDelegateForColumn(i, self.delegates[i])
        self.table.itemChanged.connect(self._item_changed)
        add = QPushButton("Add row", self)
        add.setAccessibleName(f"Add a row to {spec.label}")
        remove = QPushButton("Remove row", self)
        remove.setAccessibleName(f"Remove the selected row from {spec.label}")
        add.clicked.connect(lambda: self.add_row({}))
        remove.clicked.connect(self.remove_selected)
        buttons = QVBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)

    def set_choices(self, col_key: str, choices: Choices) -> None:
        for i, col in enumerate(self.spec.columns):
            if col.key == col_key and i in self.delegates:
                self.delegates[i].choices = choices

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if item.toolTip() != item.text():
            self.table.blockSignals(True)
            item.setToolTip(item.text())
            self.table.blockSignals(False)
        self.table.resizeRowToContents(item.row())
        self._colour_row(item.row())
        self.changed.emit()

    def _colour_row(self, row: int) -> None:
        for c, col in enumerate(self.spec.columns):
            item = self.table.item(row, c)
            if item is None or col.key != "sensitivity":
                continue
            nfd = item.data(VALUE_ROLE) == NFD
            self.table.blockSignals(True)
            item.setBackground(QColor(STATUS_COLOURS["nfd"]) if nfd else QColor(0, 0, 0, 0))
            item.setForeground(QColor("white") if nfd else self.palette().text().color())
            self.table.blockSignals(False)

    def add_row(self, row: dict[str, Any]) -> None:
        self.table.blockSignals(True)
        r = self.table.rowCount()
        self.table.insertRow(r)
        extra = {k: v for k, v in row.items() if k not in {c.key for c in self.spec.columns}}
        for c, col in enumerate(self.spec.columns):
            value = row.get(col.key)
            item = QTableWidgetItem()
            if col.kind == "bool":
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if value else Qt.CheckState.Unchecked)
            elif col.kind == "choice":
                item.setData(VALUE_ROLE, value)
                labels: dict[Any, str] = dict(col.choices)
                item.setText(labels.get(value, str(value or "")))
            elif col.kind == "date":
                item.setText(show_date(value))
            else:
                item.setText("" if value is None else str(value))
                item.setToolTip(item.text())  # the whole text, however narrow the column
            if c == 0:
                item.setData(EXTRA_ROLE, extra)
            self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        self.table.resizeRowToContents(r)
        self._colour_row(r)
        self.changed.emit()

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for r in rows:
            self.table.removeRow(r)
        if rows:
            self.changed.emit()

    def set_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        self.table.setRowCount(0)
        self._hidden = []
        for i, row in enumerate(rows):
            if self.privacy and self.spec.private_row and self.spec.private_row(row):
                self._hidden.append((i, copy.deepcopy(dict(row))))
            else:
                self.add_row(row)

    def set_privacy(self, on: bool) -> None:
        if on == self.privacy:
            return
        current = self.rows(lenient=True)
        self.privacy = on
        self.table.blockSignals(True)
        self.set_rows(current)
        self.table.blockSignals(False)

    def rows(self, lenient: bool = False) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for r in range(self.table.rowCount()):
            first = self.table.item(r, 0)
            row: dict[str, Any] = dict(first.data(EXTRA_ROLE) or {}) if first is not None else {}
            for c, col in enumerate(self.spec.columns):
                item = self.table.item(r, c)
                if item is None:
                    continue
                try:
                    value: Any
                    if col.kind == "bool":
                        value = item.checkState() == Qt.CheckState.Checked
                    elif col.kind == "choice":
                        value = item.data(VALUE_ROLE)
                    elif col.kind == "date":
                        value = parse_date(item.text())
                    elif col.kind in ("int", "float"):
                        value = _number(col.kind, item.text(), col.label)
                    else:
                        value = item.text().strip() or None
                except ValueError as exc:
                    if lenient:
                        continue
                    raise FormError(self.spec.key, f"{self.spec.label}, row {r + 1}: {exc}") from None
                if value is not None:
                    row[col.key] = value
            if any(v not in (None, False, "") for v in row.values()):
                out.append(row)
        for index, row in sorted(self._hidden):
            out.insert(min(index, len(out)), row)
        return out


# ---------------------------------------------------------------------------- form
class Form(QWidget):
    changed = Signal()

    def __init__(self, fields: Sequence[F], columns: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields = list(fields)
        self.widgets: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self.cells: dict[str, QWidget] = {}
        self.field_errors: dict[str, QLabel] = {}
        self.dirty = False
        self.privacy = False
        self.read_only = False  # the case is handed over (set_read_only)
        self._loading = False
        self._original: dict[str, Any] = {}
        self._hidden_values: dict[str, Any] = {}
        self.error_key: str | None = None  # the field whose problem is shown beside it
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setAccessibleName("Form error")
        self.error.hide()
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        row = col = 0
        for f in self.fields:
            w = self._make(f)
            self.widgets[f.key] = w
            label = FieldLabel(f.label + (" *" if f.required else ""), self)
            label.setBuddy(w)
            self.labels[f.key] = label
            w.setAccessibleName(f.label)
            # the field and, beneath it, its own error line (shown beside the field, not only at
            # the top of a long form, out of view)
            cell = QWidget(self)
            cl = QVBoxLayout(cell)
            cl.setContentsMargins(0, 0, 0, 0)
            cl.setSpacing(2)
            if f.kind == "date" and isinstance(w, QLineEdit):
                row_box = QHBoxLayout()
                row_box.setContentsMargins(0, 0, 0, 0)
                row_box.addWidget(w)
                row_box.addWidget(date_button(w, f.label, cell))
                row_box.addStretch(1)
                cl.addLayout(row_box)
            else:
                cl.addWidget(w)
            problem = QLabel(cell)
            problem.setWordWrap(True)
            problem.setStyleSheet(ERROR_STYLE)
            problem.setAccessibleName(f"Problem with {f.label}")
            problem.hide()
            cl.addWidget(problem)
            self.cells[f.key] = cell
            self.field_errors[f.key] = problem
            wide = f.kind in ("multiline", "table", "lines", "datelines", "multichoice") or columns == 1
            if wide:
                if col:
                    row, col = row + 1, 0
                align = Qt.AlignmentFlag.AlignTop if f.kind in ("multiline", "table", "lines", "datelines") else Qt.AlignmentFlag(0)
                grid.addWidget(label, row, 0, align)
                grid.addWidget(cell, row, 1, 1, 2 * columns - 1)
                row += 1
            else:
                grid.addWidget(label, row, 2 * col, Qt.AlignmentFlag.AlignTop)
                grid.addWidget(cell, row, 2 * col + 1)
                col += 1
                if col >= columns:
                    row, col = row + 1, 0
        for c in range(columns):
            grid.setColumnStretch(2 * c + 1, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.error)
        lay.addLayout(grid)

    # -- building
    def _make(self, f: F) -> QWidget:
        w: QWidget
        if f.kind in ("multiline", "lines", "datelines"):
            pt = QPlainTextEdit(self)
            pt.setTabChangesFocus(True)
            pt.setMinimumHeight(54)
            pt.setMaximumHeight(200 if f.tall else (84 if f.kind == "multiline" else 70))
            if f.tall:
                pt.setMinimumHeight(140)
            pt.setPlaceholderText(f.placeholder or ("" if f.kind == "multiline" else "One per line"))
            pt.textChanged.connect(self._changed)
            w = pt
        elif f.kind == "choice":
            box = QComboBox(self)
            if not f.required:
                box.addItem("", None)
            for value, label in f.choices:
                box.addItem(label, value)
            fit_choices(box)
            box.currentIndexChanged.connect(self._changed)
            w = box
        elif f.kind == "bool":
            cb = QCheckBox(self)
            cb.toggled.connect(self._changed)
            w = cb
        elif f.kind == "multichoice":
            w = QWidget(self)
            hl = QHBoxLayout(w)
            hl.setContentsMargins(0, 0, 0, 0)
            for value, label in f.choices:
                cb = QCheckBox(label, w)
                cb.setObjectName(value)
                cb.setAccessibleName(f"{f.label}: {label}")
                cb.toggled.connect(self._changed)
                hl.addWidget(cb)
            hl.addStretch(1)
        elif f.kind == "checklist":
            # one Tab stop however many choices: arrows move, Space ticks (a list of check boxes)
            lw = QListWidget(self)
            for value, label in f.choices:
                item = QListWidgetItem(label, lw)
                item.setData(VALUE_ROLE, value)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
            rows = min(len(f.choices), 10)
            lw.setFixedHeight(max(1, rows) * (lw.fontMetrics().height() + 6) + 8)
            lw.itemChanged.connect(self._changed)
            w = lw
        elif f.kind == "table":
            tf = TableField(f, self)
            tf.changed.connect(self._changed)
            w = tf
        else:
            le = QLineEdit(self)
            if f.kind == "date":
                le.setPlaceholderText("dd/mm/yyyy")
                le.setToolTip("dd/mm/yyyy; also 2/12/26, today, +7 (days) or +2w (weeks); Alt+Down: calendar")
                le.setMaximumWidth(130)
                le.editingFinished.connect(lambda le=le: normalise_date(le))
            elif f.kind in ("int", "float"):
                le.setMaximumWidth(100)
            elif f.placeholder:
                le.setPlaceholderText(f.placeholder)
            le.textChanged.connect(self._changed)
            w = le
        return w

    def _changed(self, *args: Any) -> None:
        if not self._loading:
            self.dirty = True
            self.changed.emit()

    def spec(self, key: str) -> F:
        return next(f for f in self.fields if f.key == key)

    # -- values
    def set_value(self, data: dict[str, Any] | None) -> None:
        self._loading = True
        self._original = copy.deepcopy(data or {})
        self._hidden_values = {}
        try:
            for f in self.fields:
                self._put(f, _get(self._original, f.key))
        finally:
            self._loading = False
        self.dirty = False
        self.clear_error()
        self._apply_privacy()
        self.changed.emit()

    def _put(self, f: F, value: Any) -> None:
        w = self.widgets[f.key]
        if isinstance(w, QPlainTextEdit):
            if f.kind == "datelines":
                w.setPlainText("\n".join(show_date(v) for v in value or []))
            else:
                w.setPlainText("\n".join(value or []) if f.kind == "lines" else (value or ""))
        elif isinstance(w, QComboBox):
            i = w.findData(value)
            w.setCurrentIndex(i if i >= 0 else 0)
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, TableField):
            w.set_rows(value or [])
        elif isinstance(w, QLineEdit):
            w.setText(show_date(value) if f.kind == "date" else ("" if value is None else str(value)))
        elif isinstance(w, QListWidget):
            for i in range(w.count()):
                item = w.item(i)
                item.setCheckState(Qt.CheckState.Checked if item.data(VALUE_ROLE) in (value or [])
                                   else Qt.CheckState.Unchecked)
        elif f.kind == "multichoice":
            for cb in w.findChildren(QCheckBox):
                cb.setChecked(cb.objectName() in (value or []))

    def set_choices(self, key: str, choices: Choices, blank: str = "") -> None:
        """Replace the choices of a choice field (keeping its value when still offered);
        ``blank`` labels the empty choice of an optional field."""
        box = self.widgets[key]
        assert isinstance(box, QComboBox)
        current = box.currentData()
        was = self._loading
        self._loading = True
        try:
            box.clear()
            if not self.spec(key).required:
                box.addItem(blank, None)
            for value, label in choices:
                box.addItem(label, value)
            fit_choices(box)
            i = box.findData(current)
            box.setCurrentIndex(i if i >= 0 else 0)
        finally:
            self._loading = was

    def set_field(self, key: str, value: Any) -> None:
        self._put(self.spec(key), value)

    def value(self, lenient: bool = False) -> dict[str, Any]:
        """The form as a bundle-shaped dict; FormError on a field that cannot be read."""
        out = copy.deepcopy(self._original)
        for f in self.fields:
            _pop(out, f.key)
            if f.key in self._hidden_values:
                _set(out, f.key, self._hidden_values[f.key])
                continue
            try:
                value = self._take(f)
            except ValueError as exc:
                if lenient:
                    continue
                raise FormError(f.key, str(exc)) from None
            except FormError:
                if lenient:
                    continue
                raise
            if value is None and f.required and not lenient:
                raise FormError(f.key, f"{f.label} is required")
            _set(out, f.key, value)
        return out

    def _take(self, f: F) -> Any:
        w = self.widgets[f.key]
        if isinstance(w, QPlainTextEdit):
            text = w.toPlainText()
            if f.kind == "lines":
                return [line.strip() for line in text.splitlines() if line.strip()] or None
            if f.kind == "datelines":
                return [parse_date(line) for line in text.splitlines() if line.strip()] or None
            return text if text.strip() else None
        if isinstance(w, QComboBox):
            return w.currentData()
        if isinstance(w, QCheckBox):
            present = _get(self._original, f.key) is not None
            return True if w.isChecked() else (False if present else None)
        if isinstance(w, TableField):
            rows = w.rows()
            return rows if rows or _get(self._original, f.key) is not None else None
        if isinstance(w, QLineEdit):
            if f.kind == "date":
                return parse_date(w.text())
            if f.kind in ("int", "float"):
                return _number(f.kind, w.text(), f.label)
            return w.text().strip() or None
        if isinstance(w, QListWidget):
            ticked = [w.item(i).data(VALUE_ROLE) for i in range(w.count())
                      if w.item(i).checkState() == Qt.CheckState.Checked]
            return ticked or (None if _get(self._original, f.key) is None else [])
        if f.kind == "multichoice":
            chosen = [cb.objectName() for cb in w.findChildren(QCheckBox) if cb.isChecked()]
            return chosen or (None if _get(self._original, f.key) is None else [])
        return None

    def mark_saved(self) -> None:
        self.dirty = False

    # -- errors
    def show_error(self, message: str, path: str | None = None) -> None:
        """The message at the top and, for a field, beside it: the field is scrolled into
        view and given the focus, so Save never seems to do nothing on a long form."""
        self.clear_error()
        key = self._key_for_path(path) if path else None
        if key is not None:
            label = self.spec(key).label
            row = re.search(re.escape(key.split(".")[-1]) + r"\[(\d+)\]", path or "")
            if row and self.spec(key).kind == "table":
                label = f"{label}, row {int(row[1]) + 1}"
            message = message[:1].upper() + message[1:]
            if not message.lower().startswith(label.lower()):
                message = f"{label}: {message}"
            problem = self.field_errors[key]
            problem.setText(message)
            problem.show()
            self.error_key = key
            self._reveal(key)
        self.error.setText(message)
        self.error.show()

    def _reveal(self, key: str) -> None:
        w = self.widgets[key]
        if not w.isVisible():
            return
        target = w.table if isinstance(w, TableField) else w
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        area = self._scroll_area()
        if area is not None:
            cell = self.cells[key]
            area.ensureWidgetVisible(cell, 40, 60)
            # once more after the error line beneath the field has been laid out
            QTimer.singleShot(0, lambda: area.ensureWidgetVisible(cell, 40, 60) if self.error_key == key else None)

    def _scroll_area(self) -> QScrollArea | None:
        parent = self.parentWidget()
        while parent is not None:
            if isinstance(parent, QScrollArea):
                return parent
            parent = parent.parentWidget()
        return None

    def clear_error(self) -> None:
        self.error.clear()
        self.error.hide()
        self.error_key = None
        for problem in self.field_errors.values():
            problem.clear()
            problem.hide()

    def _key_for_path(self, path: str) -> str | None:
        clean = re.sub(r"\[\d+\]", "", path.removeprefix("$").lstrip("."))
        best = None
        for f in self.fields:
            if clean == f.key or clean.startswith(f.key + "."):
                if best is None or len(f.key) > len(best):
                    best = f.key
        return best

    # -- read-only (a case handed over: the store refuses edits, the form offers none)
    def set_read_only(self, on: bool) -> None:
        """Text fields stay readable (and selectable) but cannot be typed in; every other
        input, and the buttons beside fields (calendars, table rows), is disabled."""
        self.read_only = on
        for w in self.widgets.values():
            if isinstance(w, QLineEdit | QPlainTextEdit):
                w.setReadOnly(on)
            else:
                w.setEnabled(not on)
        for cell in self.cells.values():
            for button in cell.findChildren(QAbstractButton):
                button.setEnabled(not on)
            for shortcut in cell.findChildren(QShortcut):  # Alt+Down: the calendar
                shortcut.setEnabled(not on)

    # -- privacy
    def set_privacy(self, on: bool) -> None:
        if on == self.privacy:
            return
        self.privacy = on
        self._apply_privacy()

    def _apply_privacy(self) -> None:
        for f in self.fields:
            w = self.widgets[f.key]
            if f.private:
                if self.privacy and f.key not in self._hidden_values:
                    self._hidden_values[f.key] = self._take(f)
                    was = self._loading
                    self._loading = True
                    self._put(f, None)
                    self._loading = was
                elif not self.privacy and f.key in self._hidden_values:
                    was = self._loading
                    self._loading = True
                    self._put(f, self._hidden_values.pop(f.key))
                    self._loading = was
                w.setVisible(not self.privacy)
                self.labels[f.key].setVisible(not self.privacy)
            if isinstance(w, TableField):
                was = self._loading
                self._loading = True
                w.set_privacy(self.privacy)
                self._loading = was
