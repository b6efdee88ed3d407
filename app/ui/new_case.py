"""New case: a short, keyboard-first form (issue 19, item 11).

Only what a case needs on the first day: the person, the order, its requirements (a list
ticked with Space, with the supervision months and unpaid work hours beside it) and its
flags (raised today).  Tab goes field to field in reading order, Enter anywhere creates the
case, Esc cancels.  The case and its flags are created by one store call (one transaction);
everything else (address, pronouns, progress reviews...) is on the Details tab afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

from app.models.errors import ValidationError
from app.ui import errors, forms
from app.ui import fields as FL
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.editors import scrolled
from app.ui.forms import F, Form, FormError

SUPERVISION = "offender_supervision"
UNPAID_WORK = "unpaid_work_or_other_activity"
# the fields of the full case form shown here, in reading (and Tab) order
PERSON_AND_ORDER = ("individual.given_names", "individual.family_name", "individual.date_of_birth", "reference",
                    "order.court", "order.imposed_on", "order.ends_on", "supervision_intensity")
HINT = ("Tab moves on, Space ticks a requirement or flag, Enter creates the case, Esc cancels. "
        "Address, pronouns, phone and the rest go on the Details tab afterwards.")


def new_case_fields() -> list[F]:
    """The short form: labels and choices from app/ui/fields.py (one place)."""
    by_key = {f.key: f for f in FL.CASE_FIELDS}
    flag_label = next(f.label for f in FL.FLAG_FIELDS if f.key == "kind")
    return [
        *(by_key[k] for k in PERSON_AND_ORDER),
        F("requirement_kinds", by_key["order.requirements"].label, "checklist", FL.REQUIREMENTS),
        F("flag_kinds", f"{flag_label}s (raised today)", "checklist", FL.FLAG_KINDS),
        F("supervision_months", "Supervision (months)", "int"),
        F("unpaid_hours", "Unpaid work (hours)", "int"),
    ]


def case_from_form(value: dict[str, Any], today: str) -> dict[str, Any]:
    """The form's value as a bundle-shaped case: requirements with their months or hours,
    flags raised ``today`` (an ISO date)."""
    data = dict(value)
    kinds = data.pop("requirement_kinds", None) or []
    flags = data.pop("flag_kinds", None) or []
    months = data.pop("supervision_months", None)
    hours = data.pop("unpaid_hours", None)
    requirements: list[dict[str, Any]] = []
    for kind in kinds:
        req: dict[str, Any] = {"kind": kind}
        if kind == SUPERVISION and months is not None:
            req["months"] = months
        if kind == UNPAID_WORK and hours is not None:
            req["hours"] = hours
        requirements.append(req)
    order = dict(data.get("order") or {})
    order["requirements"] = requirements
    data["order"] = order
    if flags:
        data["flags"] = [{"kind": k, "raised_on": today, "sensitivity": "ordinary"} for k in flags]
    return data


def field_for(path: str | None, data: dict[str, Any]) -> str | None:
    """The short form's field for a store error's path ("$.order.requirements[0].months")."""
    if not path:
        return None
    m = re.search(r"order\.requirements(?:\[(\d+)\])?(?:\.(\w+))?", path)
    if m:
        reqs = data.get("order", {}).get("requirements") or []
        kind = reqs[int(m[1])].get("kind") if m[1] is not None and int(m[1]) < len(reqs) else None
        if m[2] == "months" and kind == SUPERVISION:
            return "supervision_months"
        if m[2] in ("hours", "complete_by") and kind == UNPAID_WORK:
            return "unpaid_hours"
        return "requirement_kinds"
    if re.search(r"^\$?\.?flags\b", path):
        return "flag_kinds"
    return path


class NewCasePage(QWidget):
    created = Signal(str)
    cancelled = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.officer: str | None = None  # store setting officer_name, set by the main window
        self.form = Form(new_case_fields(), 2, self)
        w = self.form.widgets
        title = QLabel("New case", self)
        title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        hint = QLabel(HINT, self)
        hint.setWordWrap(True)
        hint.setAccessibleName("How to fill in the new case form")
        # not Alt+C: that opens the Case menu
        self.create_button = QPushButton("C&reate case", self)
        self.create_button.setAccessibleName("Create the case (Enter)")
        self.create_button.setToolTip("Create the case (Enter)")
        self.create_button.clicked.connect(lambda: self.create_case())
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel the new case (Esc)")
        self.cancel_button.clicked.connect(self._cancel)
        inner = QWidget(self)
        il = QVBoxLayout(inner)
        il.addWidget(title)
        il.addWidget(hint)
        il.addWidget(self.form)
        bl = QHBoxLayout()
        bl.addStretch(1)
        bl.addWidget(self.cancel_button)
        bl.addWidget(self.create_button)
        il.addLayout(bl)
        il.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(scrolled(inner))
        # Tab order: the person, the order, each requirement's amount right after the list
        # (the amount of a requirement not ticked is disabled, so Tab passes it), the flags
        chain = [w[k] for k in PERSON_AND_ORDER] + [w["requirement_kinds"], w["supervision_months"],
                                                    w["unpaid_hours"], w["flag_kinds"], self.create_button,
                                                    self.cancel_button]
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            enter = QShortcut(QKeySequence(key), self, lambda: self.create_case())
            enter.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self._cancel)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.form.changed.connect(self._follow_requirements)
        self._follow_requirements()

    @property
    def dirty(self) -> bool:
        return self.form.dirty

    def _ticked(self, key: str) -> set[str]:
        lw = self.form.widgets[key]
        assert isinstance(lw, QListWidget)
        return {lw.item(i).data(forms.VALUE_ROLE) for i in range(lw.count())
                if lw.item(i).checkState() == Qt.CheckState.Checked}

    def _follow_requirements(self) -> None:
        """The months and hours fields are open only for a ticked requirement."""
        ticked = self._ticked("requirement_kinds")
        for key, kind in (("supervision_months", SUPERVISION), ("unpaid_hours", UNPAID_WORK)):
            self.form.widgets[key].setEnabled(kind in ticked)
            self.form.labels[key].setEnabled(kind in ticked)

    def reset(self) -> None:
        self.form.set_value({"requirement_kinds": [SUPERVISION],
                             "order": {"status": "active",
                                       **({"responsible_officer": self.officer} if self.officer else {})}})
        self.form.widgets[PERSON_AND_ORDER[0]].setFocus()

    def _cancel(self) -> None:
        if self.form.dirty and not self.ctx.prompts.confirm("Discard this new case?"):
            return
        self.form.mark_saved()
        self.cancelled.emit()

    def _value(self) -> dict[str, Any]:
        """The form's value; the amount of a requirement not ticked is left out."""
        value = self.form.value()
        for key in ("supervision_months", "unpaid_hours"):
            if not self.form.widgets[key].isEnabled():
                value.pop(key, None)
        return value

    def create_case(self, then: Callable[[bool], None] | None = None) -> None:
        if not self.create_button.isEnabled():
            return  # already on its way (Enter pressed twice)
        try:
            data = case_from_form(self._value(), self.ctx.clock.today().isoformat())
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
                self.form.show_error(exc.args[0], field_for(exc.path, data))
            else:
                errors.report(exc)
                self.form.show_error(errors.message_for(exc, "Not created"))
            if then is not None:
                then(False)

        ops.create_case(self.ctx, data, done, failed)
