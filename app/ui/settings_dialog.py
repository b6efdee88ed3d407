"""Settings: per-user (idle lock) and per-store (officer name, review intervals, report days,
shared drive folder, local holidays).  Store settings and holidays are saved in one
transaction on the worker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.models.errors import StoreError
from app.ui import errors
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.forms import parse_date
from app.ui.table_models import STATUS_COLOURS

DEFAULT_WEEKS = {"high": 4, "medium": 8, "low": 12}


def _spin(lo: int, hi: int, name: str, suffix: str = "") -> QSpinBox:
    s = QSpinBox()
    s.setRange(lo, hi)
    s.setAccessibleName(name)
    if suffix:
        s.setSuffix(suffix)
    return s


class SettingsDialog(QDialog):
    def __init__(self, ctx: AppContext, on_saved: Callable[[], None], parent: QWidget | None = None,
                 welcome: str | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.on_saved = on_saved
        self.setWindowTitle("Settings")
        self.idle = _spin(1, 240, "Lock after minutes idle", " min")
        self.idle.setValue(ctx.settings.get("idle_lock_minutes"))
        user = QGroupBox("On this computer (your own settings)", self)
        ul = QFormLayout(user)
        ul.addRow("&Lock when idle for:", self.idle)
        self.privacy_passphrase = QCheckBox("Ask for the store's passphrase to leave privacy &mode", self)
        self.privacy_passphrase.setAccessibleName("Ask for the passphrase to leave privacy mode")
        self.privacy_passphrase.setChecked(bool(ctx.settings.get("privacy_exit_passphrase")))
        ul.addRow(self.privacy_passphrase)
        self.officer = QLineEdit(self)
        self.officer.setAccessibleName("Officer name")
        self.weeks = {k: _spin(1, 52, f"Review interval for {k} intensity", " weeks") for k in DEFAULT_WEEKS}
        self.report_days = _spin(0, 60, "Report due working days before a progress review", " working days")
        self.folder = QLineEdit(self)
        self.folder.setAccessibleName("Shared drive folder")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        store = QGroupBox("For this store (shared by everyone who opens it)", self)
        sl = QFormLayout(store)
        sl.addRow("&Officer name:", self.officer)
        for k, spin in self.weeks.items():
            sl.addRow(f"Review interval, {k} intensity:", spin)
        sl.addRow("Progress review &report due:", self.report_days)
        fl = QHBoxLayout()
        fl.addWidget(self.folder, 1)
        fl.addWidget(browse)
        sl.addRow(self._label("Shared &drive folder:", self.folder), fl)
        self.recovery = QLineEdit(self)
        self.recovery.setAccessibleName("Team recovery recipient")
        self.recovery.setPlaceholderText("age1… from the team manager (casebook recovery-key); empty: none")
        self.recovery.setToolTip("With a recovery recipient, each off-laptop copy also goes in a form the team "
                                 "manager's recovery identity can restore if your passphrase is lost")
        sl.addRow(self._label("Team &recovery recipient:", self.recovery), self.recovery)
        self.manager = QLineEdit(self)
        self.manager.setAccessibleName("Team manager's officer id")
        self.manager.setPlaceholderText("off-… (the manager's officer id); empty: no team status is sent")
        self.manager.setToolTip("Each sync sends your caseload's deadlines (no notes, nothing not for disclosure) "
                                "to this team manager, signed and encrypted to them; their card is pinned")
        sl.addRow(self._label("Team &manager:", self.manager), self.manager)
        self.identity = QLabel(self)
        self.identity.setAccessibleName("Officer identity")
        self.identity.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.identity.setWordWrap(True)
        sl.addRow("Officer id and key:", self.identity)
        self.holidays = QListWidget(self)
        self.holidays.setAccessibleName("Local holidays")
        self.holidays.setToolTip("Council holidays: not working days, on top of the Scottish public holidays")
        self.holidays.setMaximumHeight(110)
        self.holiday_date = QLineEdit(self)
        self.holiday_date.setPlaceholderText("dd/mm/yyyy")
        self.holiday_date.setAccessibleName("Local holiday date")
        self.holiday_date.setMaximumWidth(110)
        self.holiday_name = QLineEdit(self)
        self.holiday_name.setPlaceholderText("e.g. Autumn holiday")
        self.holiday_name.setAccessibleName("Local holiday name")
        add = QPushButton("&Add", self)
        add.setAccessibleName("Add the local holiday")
        add.clicked.connect(self.add_holiday)
        # Enter in the holiday fields adds the holiday; it must not press Save and close the dialog
        self.holiday_date.installEventFilter(self)
        self.holiday_name.installEventFilter(self)
        remove = QPushButton("Remove", self)
        remove.setAccessibleName("Remove the selected local holiday")
        remove.clicked.connect(self.remove_holiday)
        hl = QHBoxLayout()
        hl.addWidget(self.holiday_date)
        hl.addWidget(self.holiday_name, 1)
        hl.addWidget(add)
        hl.addWidget(remove)
        hv = QVBoxLayout()
        hv.addWidget(self.holidays)
        hv.addLayout(hl)
        sl.addRow(self._label("Local &holidays:", self.holidays), hv)
        self.error = QLabel(self)
        self.error.setStyleSheet(f"color: white; background: {STATUS_COLOURS['overdue']}; padding: 4px;")
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        if welcome:
            intro = QLabel(welcome, self)
            intro.setWordWrap(True)
            intro.setAccessibleName("Getting started")
            lay.addWidget(intro)
        lay.addWidget(user)
        lay.addWidget(store)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self.loaded = False
        self._fill({})
        ops.load_store_settings(ctx, self._fill, self._failed)

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)
        return label

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched in (self.holiday_date, self.holiday_name) and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self.add_holiday()
            return True
        return super().eventFilter(watched, event)

    def _fill(self, values: dict[str, Any]) -> None:
        self.officer.setText(values.get("officer_name") or "")
        weeks = {**DEFAULT_WEEKS, **(values.get("intensity_weeks") or {})}
        for k, spin in self.weeks.items():
            spin.setValue(int(weeks[k]))
        self.report_days.setValue(int(values.get("report_days_before", 5)))
        self.folder.setText(values.get("shared_drive_folder") or "")
        self.recovery.setText(values.get("recovery_recipient") or "")
        self.manager.setText(values.get("team_manager") or "")
        self._manager_was = values.get("team_manager") or ""
        ident = values.get("identity")
        self.identity.setText(f"{ident['officer_id']}   fingerprint {ident['fingerprint']}" if ident else "")
        self.holidays.clear()
        for day, name in values.get("local_holidays") or []:
            self._add_holiday_row(day, name)
        self.loaded = bool(values) or self.loaded

    def _add_holiday_row(self, day: dt.date, name: str) -> None:
        item = QListWidgetItem(f"{day.strftime('%d/%m/%Y')}  {name}")
        item.setData(256, (day, name))
        rows = [self.holidays.item(i).data(256)[0] for i in range(self.holidays.count())]
        self.holidays.insertItem(sum(1 for d in rows if d < day), item)

    def holiday_list(self) -> list[tuple[dt.date, str]]:
        return [self.holidays.item(i).data(256) for i in range(self.holidays.count())]

    def add_holiday(self) -> None:
        try:
            iso = parse_date(self.holiday_date.text())
        except ValueError as exc:
            self._show_error(f"Local holiday: {exc}")
            return
        name = " ".join(self.holiday_name.text().split())
        if iso is None or not name:
            self._show_error("Local holiday: enter its date (dd/mm/yyyy) and its name.")
            return
        day = dt.date.fromisoformat(iso)
        if any(d == day for d, _ in self.holiday_list()):
            self._show_error(f"Local holiday: {day.strftime('%d/%m/%Y')} is already in the list.")
            return
        self._add_holiday_row(day, name)
        self.holiday_date.clear()
        self.holiday_name.clear()
        self.error.hide()

    def remove_holiday(self) -> None:
        row = self.holidays.currentRow()
        if row >= 0:
            self.holidays.takeItem(row)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _browse(self) -> None:
        folder = self.ctx.prompts.choose_folder("Shared drive folder")
        if folder:
            self.folder.setText(folder)

    def _failed(self, exc: BaseException) -> None:
        errors.report(exc)
        self.error.setText(errors.message_for(exc, None if errors.expected(exc) else "Could not save"))
        self.error.show()
        self.buttons.setEnabled(True)

    def values(self) -> dict[str, Any]:
        return {
            "officer_name": self.officer.text().strip() or None,
            "intensity_weeks": {k: s.value() for k, s in self.weeks.items()},
            "report_days_before": self.report_days.value(),
            "shared_drive_folder": self.folder.text().strip() or None,
            "recovery_recipient": self.recovery.text().strip() or None,
        }

    def save(self) -> None:
        self.ctx.settings.set("idle_lock_minutes", self.idle.value())
        self.ctx.settings.set("privacy_exit_passphrase", self.privacy_passphrase.isChecked())
        recipient = self.recovery.text().strip()
        if recipient:
            from app.team.copies import check_recipient

            try:
                check_recipient(recipient)
            except StoreError as exc:
                self._show_error(f"Team recovery recipient: {exc}")
                return
        self.buttons.setEnabled(False)

        manager = self.manager.text().strip()
        if manager:
            from app.team.identity import check_officer_id

            try:
                check_officer_id(manager)
            except StoreError as exc:
                self._show_error(f"Team manager: {exc}")
                self.buttons.setEnabled(True)
                return

        def saved(_: Any) -> None:
            if manager == getattr(self, "_manager_was", ""):
                finished(None)
                return
            from app.team import status
            from app.team.delivery import configured_folder

            store = self.ctx.require_store()

            def work() -> Any:
                if not manager:
                    return status.set_manager(store, None, None)
                return status.set_manager(store, configured_folder(store), manager)

            self.ctx.tasks.run(work, finished, lambda exc: self._failed(StoreError(f"Team manager: {exc}")))

        def finished(_: Any) -> None:
            self.on_saved()
            self.accept()

        done = saved

        ops.save_store_settings(self.ctx, self.values(), done, self._failed, holidays=self.holiday_list() if self.loaded else None)  # never wipe holidays not yet shown
