"""Editors used by the case workspace: a list of items with a form (ListEditor) and a single
form over one part of the case (ObjectEditor).  Both save through app.ui.operations (one
transaction each), show ValidationError inline, and keep unsaved edits across reloads."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.models.errors import StoreError, ValidationError
from app.models.rules import disclosure
from app.models.rules import vocabulary as V
from app.ui import errors
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.forms import F, Form, FormError
from app.ui.table_models import STATUS_COLOURS, Column, RowsModel, configure_table

NFD_BADGE_STYLE = (f"color: white; background: {STATUS_COLOURS['nfd']}; font-weight: bold; padding: 3px 8px;"
                   " border-radius: 3px;")


def nfd_badge(parent: QWidget) -> QLabel:
    label = QLabel(disclosure.NFD_TEXT, parent)
    label.setStyleSheet(NFD_BADGE_STYLE)
    label.setAccessibleName("Not for disclosure")
    label.hide()
    return label


def scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    return area


def _added_index(result: Any, appended: int) -> int:
    """Where an added item landed: the store's index (an int, the first of a tuple, or a result's
    ``.index``); otherwise at the end of the list, where the store appends."""
    if isinstance(result, tuple) and result and isinstance(result[0], int):
        return result[0]
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    index = getattr(result, "index", None)
    return index if isinstance(index, int) else appended


class _Saver:
    """Common save plumbing: local parse errors and store validation errors go inline."""

    form: Form
    ctx: AppContext
    save_button: QPushButton
    read_only: bool

    def _failed(self, exc: BaseException, then: Callable[[BaseException], None] | None = None) -> None:
        self.save_button.setEnabled(not self.read_only)
        if isinstance(exc, ValidationError):
            self.form.show_error(exc.args[0] if exc.args else str(exc), exc.path)
        elif isinstance(exc, StoreError):
            self.form.show_error(str(exc))
        else:
            self.form.show_error(errors.message_for(exc, "Could not save"))
        errors.report(exc)
        if then is not None:
            then(exc)

    def _failure(self, then: Callable[[BaseException], None] | None) -> Callable[[BaseException], None]:
        return lambda exc: self._failed(exc, then)


class ListEditor(QWidget, _Saver):
    saved = Signal()
    selection_changed = Signal()

    def __init__(self, ctx: AppContext, title: str, list_key: str, columns: Sequence[Column], fields: Sequence[F],
                 private_item: Callable[[dict[str, Any]], bool] | None = None,
                 new_defaults: Callable[[], dict[str, Any]] | None = None,
                 form_columns: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.title = title
        self.list_key = list_key
        self.private_item = private_item
        self.new_defaults = new_defaults or dict
        self.custom_add: Callable[[str, dict[str, Any], Any, Any], None] | None = None
        # Completes an item before it is saved (index None for a new one), e.g. a default choice.
        self.prepare: Callable[[dict[str, Any], int | None], dict[str, Any]] | None = None
        self.ref: str | None = None
        self.case_label = ""  # "Given Family (REF)", set by the workspace
        self.items: list[dict[str, Any]] = []
        self.index: int | None = None  # item in the form; None = a new item
        self.privacy = False
        self.read_only = False  # the case is handed over: nothing can be added, changed or deleted
        self._selecting = False
        ctx.events.privacy_changed.connect(self.set_privacy)

        self.model = RowsModel([Column(c.header, (lambda fn: lambda r: fn(r[1]))(c.value), None, (
            (lambda fn: lambda r: fn(r[1]))(c.status) if c.status else None), c.width) for c in columns], self)
        self.view = QTableView(self)
        configure_table(self.view, self.model)
        self.view.setAccessibleName(f"{title} list")
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)
        self.new_button = new = QPushButton(f"&New {title.lower()}", self)
        new.setAccessibleName(f"New {title.lower()}")
        new.clicked.connect(self.new_item)
        self.delete_button = QPushButton("Delete", self)
        self.delete_button.setAccessibleName(f"Delete the selected {title.lower()}")
        self.delete_button.clicked.connect(self.delete_current)
        left = QWidget(self)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        lb = QHBoxLayout()
        lb.addWidget(new)
        lb.addWidget(self.delete_button)
        lb.addStretch(1)
        ll.addLayout(lb)
        ll.addWidget(self.view, 1)

        self.form = Form(fields, form_columns, self)
        self.form.changed.connect(self._form_changed)
        self.heading = QLabel(self)
        self.heading.setStyleSheet("font-weight: bold;")
        self.badge = nfd_badge(self)
        self.save_button = QPushButton("&Save", self)
        self.save_button.setAccessibleName(f"Save {title.lower()}")
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Revert", self)
        self.revert_button.setAccessibleName(f"Discard changes to {title.lower()}")
        self.revert_button.clicked.connect(self.revert)
        self.extra = QVBoxLayout()  # room for tab-specific widgets (SMART check)
        form_box = QWidget(self)
        fl = QVBoxLayout(form_box)
        hl = QHBoxLayout()
        hl.addWidget(self.heading)
        hl.addWidget(self.badge)
        hl.addStretch(1)
        fl.addLayout(hl)
        fl.addWidget(self.form)
        fl.addLayout(self.extra)
        bl = QHBoxLayout()
        bl.addStretch(1)
        bl.addWidget(self.revert_button)
        bl.addWidget(self.save_button)
        fl.addLayout(bl)
        fl.addStretch(1)
        self.hidden_note = QLabel("This item is hidden in privacy mode.", self)
        self.hidden_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.right = QStackedWidget(self)
        self.right.addWidget(scrolled(form_box))
        self.right.addWidget(self.hidden_note)

        self.split = split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(self.right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([440, 880])
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        self.setTabOrder(self.view, self.form)
        self._show_heading()
        if ctx.privacy:
            self.set_privacy(True)

    # -- data
    @property
    def dirty(self) -> bool:
        return self.form.dirty

    def load(self, ref: str, items: Sequence[dict[str, Any]]) -> None:
        """New data from the store.  Unsaved edits of the same case are kept."""
        same = ref == self.ref
        self.ref = ref
        self.items = list(items)
        self._fill_model()
        if same and self.form.dirty:
            return
        if self.index is not None and same and self.index < len(self.items):
            self._load_form(self.index)
        elif self.read_only and self._shown():
            self._load_form(self._shown()[0])  # nothing new can be written: show the first item
            self._select_row_for(self.index)
        else:
            self.new_item(force=True)

    def clear(self) -> None:
        self.ref = None
        self.case_label = ""
        self.items = []
        self.index = None
        self.model.clear()
        self.form.set_value({})

    def _visible(self, item: dict[str, Any]) -> bool:
        return not (self.privacy and self.private_item is not None and self.private_item(item))

    def _shown(self) -> list[int]:
        """Indexes of the items listed (in privacy mode, not the hidden ones)."""
        return [i for i, it in enumerate(self.items) if self._visible(it)]

    def _fill_model(self) -> None:
        self.model.set_rows([(i, self.items[i]) for i in self._shown()])
        self._select_row_for(self.index)

    def _select_row_for(self, index: int | None) -> None:
        self._selecting = True
        try:
            sel = self.view.selectionModel()
            sel.clearSelection()
            for r, (i, _) in enumerate(self.model.rows):
                if i == index:
                    sel.setCurrentIndex(self.model.index(r, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                                        | QItemSelectionModel.SelectionFlag.Rows)
                    break
        finally:
            self._selecting = False

    def _row_changed(self, current: Any, previous: Any) -> None:
        if self._selecting or not current.isValid():
            return
        index = self.model.rows[current.row()][0]
        if index == self.index:
            return
        if not self.confirm_leave(lambda: self._go_to(index)):
            self._select_row_for(self.index)
            return
        self._go_to(index)

    def _go_to(self, index: int) -> None:
        if index < len(self.items):
            self._load_form(index)
            self._select_row_for(index)
        self.selection_changed.emit()

    def confirm_leave(self, then: Callable[[], None] | None = None) -> bool:
        """Ask save/discard/cancel when the form has unsaved changes.  True: go on now.
        On "save" the form is saved and ``then`` runs once the save succeeded."""
        if not self.form.dirty:
            return True
        answer = self.ctx.prompts.ask_save_discard(f"The {self.title.lower()} has unsaved changes.")
        if answer == "save":
            self.save(on_saved=then)
            return False
        return answer == "discard"

    def _load_form(self, index: int) -> None:
        self.index = index
        self.form.set_value(self.items[index])
        self._show_heading()

    def new_item(self, force: bool = False) -> None:
        if self.read_only and not force:
            return
        if not force and not self.confirm_leave(lambda: self.new_item(force=True)):
            return
        self.index = None
        self.form.set_value(self.new_defaults())
        self.form.dirty = False
        self._select_row_for(None)
        self._show_heading()

    def revert(self) -> None:
        if self.index is not None and self.index < len(self.items):
            self._load_form(self.index)
        else:
            self.new_item(force=True)

    def _show_heading(self) -> None:
        self.heading.setText(self.heading_text())
        self.delete_button.setEnabled(self.index is not None and not self.read_only)
        self._form_changed()
        self._apply_privacy()

    def set_read_only(self, on: bool) -> None:
        """A case handed over: the list and the form stay readable, nothing offers a change."""
        self.read_only = on
        self.form.set_read_only(on)
        for button in (self.new_button, self.save_button, self.revert_button):
            button.setEnabled(not on)
        self._show_heading()

    def heading_text(self) -> str:
        """"Note 3 of 12 — for Ann Example (CPO-…)".  In privacy mode hidden items are not
        counted, so the numbers never reveal that restricted entries exist."""
        whose = f" — for {self.case_label}" if self.case_label and self.ref else ""
        if self.index is None:
            return f"New {self.title.lower()}{whose}"
        shown = self._shown()
        if self.index not in shown:
            return self.title + whose
        return f"{self.title} {shown.index(self.index) + 1} of {len(shown)}{whose}"

    def _form_changed(self) -> None:
        """The badge and the sensitivity field's words follow the one disclosure rule: a victim
        item marked "ordinary" shows NOT FOR DISCLOSURE (victim information), never "Ordinary"."""
        value = self.form.value(lenient=True)
        text = disclosure.badge_text(self.list_key, value)
        if text is not None:
            self.badge.setText(text)
            self.badge.setAccessibleName(text.capitalize())
        self.badge.setVisible(text is not None)
        box = self.form.widgets.get("sensitivity")
        if isinstance(box, QComboBox):
            i = box.findData(V.ORDINARY)
            if i >= 0:
                box.setItemText(i, disclosure.ordinary_reads(self.list_key, value))

    # -- drafts (kept encrypted in the store when Casebook locks itself)
    def draft(self) -> tuple[int | None, dict[str, Any]]:
        return self.index, self.form.value(lenient=True)

    def restore_draft(self, index: int | None, data: dict[str, Any]) -> None:
        if index is not None and index < len(self.items):
            self._load_form(index)
        else:
            self.new_item(force=True)
        self.form.set_value(data)
        self.form.dirty = True
        self._show_heading()

    # -- privacy
    def set_privacy(self, on: bool) -> None:
        self.privacy = on
        self.form.set_privacy(on)
        self._fill_model()
        self._show_heading()

    def _apply_privacy(self) -> None:
        hide = (self.privacy and self.private_item is not None and self.index is not None
                and self.index < len(self.items) and self.private_item(self.items[self.index]))
        if not hide and self.privacy and self.private_item is not None:
            hide = self.private_item(self.form.value(lenient=True))
        self.right.setCurrentIndex(1 if hide else 0)
        page = self.right.widget(0)
        if page is not None:
            page.setVisible(not hide)
        # never delete an item the officer cannot see (the person may be looking at the screen)
        self.delete_button.setEnabled(self.index is not None and not hide and not self.read_only)

    # -- saving
    def save(self, on_saved: Callable[[], None] | None = None,
             on_failed: Callable[[BaseException], None] | None = None) -> None:
        """Store the form (one transaction); ``on_saved()`` after, or ``on_failed(exc)`` once the
        error is shown inline."""
        if self.ref is None or self.read_only:
            return
        try:
            item = self.form.value()
        except FormError as exc:
            self.form.show_error(str(exc), exc.key)
            return
        if self.prepare is not None:
            item = self.prepare(item, self.index)
        self.form.clear_error()
        self.save_button.setEnabled(False)
        ref = self.ref

        def done(result: Any) -> None:
            self.save_button.setEnabled(not self.read_only)
            if self.index is None:
                self.index = _added_index(result, len(self.items))
            self.form.mark_saved()
            self.saved.emit()
            if on_saved is not None:
                on_saved()

        failed = self._failure(on_failed)
        if self.index is None:
            if self.custom_add is not None:
                self.custom_add(ref, item, done, failed)
            else:
                ops.add_item(self.ctx, ref, self.list_key, item, done, failed)
        else:
            ops.update_item(self.ctx, ref, self.list_key, self.index, item, done, failed)

    def delete_current(self) -> None:
        if self.ref is None or self.index is None or self.read_only:
            return
        if not self.ctx.prompts.confirm(f"Delete this {self.title.lower()}? This cannot be undone."):
            return

        def done(_: Any) -> None:
            self.index = None
            self.form.mark_saved()
            self.saved.emit()

        ops.delete_item(self.ctx, self.ref, self.list_key, self.index, done, self._failed)


class ObjectEditor(QWidget, _Saver):
    """One form over part of a case (person and order, learning, contract)."""

    saved = Signal()

    def __init__(self, ctx: AppContext, title: str, fields: Sequence[F],
                 to_changes: Callable[[dict[str, Any]], dict[str, Any]],
                 from_case: Callable[[dict[str, Any]], dict[str, Any]], form_columns: int = 2,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.title = title
        self.to_changes = to_changes
        self.from_case = from_case
        self.case_label = ""
        self.ref: str | None = None
        self.read_only = False  # the case is handed over
        self.form = Form(fields, form_columns, self)
        self.save_button = QPushButton("&Save", self)
        self.save_button.setAccessibleName(f"Save {title.lower()}")
        self.save_button.clicked.connect(lambda: self.save())
        self.revert_button = revert = QPushButton("Revert", self)
        revert.setAccessibleName(f"Discard changes to {title.lower()}")
        revert.clicked.connect(self.revert)
        self._case: dict[str, Any] = {}
        inner = QWidget(self)
        il = QVBoxLayout(inner)
        il.addWidget(self.form)
        bl = QHBoxLayout()
        bl.addStretch(1)
        bl.addWidget(revert)
        bl.addWidget(self.save_button)
        il.addLayout(bl)
        il.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(scrolled(inner))
        ctx.events.privacy_changed.connect(self.set_privacy)
        self.form.set_privacy(ctx.privacy)

    @property
    def dirty(self) -> bool:
        return self.form.dirty

    def load(self, ref: str, case: dict[str, Any]) -> None:
        same = ref == self.ref
        self.ref = ref
        self._case = case
        if same and self.form.dirty:
            return
        self.form.set_value(self.from_case(case))

    def clear(self) -> None:
        self.ref = None
        self.case_label = ""
        self._case = {}
        self.form.set_value({})

    def revert(self) -> None:
        self.form.set_value(self.from_case(self._case))

    def draft(self) -> tuple[int | None, dict[str, Any]]:
        return None, self.form.value(lenient=True)

    def restore_draft(self, index: int | None, data: dict[str, Any]) -> None:
        self.form.set_value(data)
        self.form.dirty = True

    def set_privacy(self, on: bool) -> None:
        self.form.set_privacy(on)

    def set_read_only(self, on: bool) -> None:
        self.read_only = on
        self.form.set_read_only(on)
        self.save_button.setEnabled(not on)
        self.revert_button.setEnabled(not on)

    def save(self, on_saved: Callable[[], None] | None = None,
             on_failed: Callable[[BaseException], None] | None = None) -> None:
        """Store the form (one transaction); ``on_saved()`` after, or ``on_failed(exc)`` once the
        error is shown inline."""
        if self.ref is None or self.read_only:
            return
        try:
            value = self.form.value()
        except FormError as exc:
            self.form.show_error(str(exc), exc.key)
            return
        self.form.clear_error()
        self.save_button.setEnabled(False)

        def done(_: Any) -> None:
            self.save_button.setEnabled(not self.read_only)
            self.form.mark_saved()
            self.saved.emit()
            if on_saved is not None:
                on_saved()

        ops.update_case(self.ctx, self.ref, self.to_changes(value), done, self._failure(on_failed))
