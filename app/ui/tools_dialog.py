"""Tools → Shared drive outbox, Backups (and restore), Audit trail, Integrity check: what the CLI
offered (``casebook outbox``, ``sync``, ``backup``, ``restore``, ``audit verify``, ``check``), in the
app.  Every look-up runs on the store worker; nothing here shows case content (file names carry
references only).  Sync now and Restore are the main window's (``on_sync``, ``on_restore``): they
need its status bar, and a restore locks and reopens the store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.models.store import outbox, security
from app.ui import errors
from app.ui.context import AppContext
from app.ui.table_models import Column, RowsModel, configure_table


def _when(value: Any) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value is not None else ""


def _state(r: outbox.OutboxRow) -> str:
    if r.delivered_at is not None:
        return "Delivered"
    return "Waiting" + (f" ({r.attempts} tries)" if r.attempts else "")


class ToolsDialog(QDialog):
    PAGES = ("Shared drive outbox", "Backups", "Audit trail", "Integrity check")
    # the Tools menu's entries, one per page (with their Alt letters), and Restore (Backups page)
    MENU = ("Shared drive &outbox…", "&Backups…", "&Audit trail…", "&Integrity check…")
    RESTORE_MENU = "&Restore from a backup…"
    BACKUPS = 1

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, page: int = 0, *,
                 on_sync: Callable[[], None] | None = None,
                 on_restore: Callable[[Any], None] | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.on_sync = on_sync
        self.on_restore = on_restore  # given the BackupInfo chosen; it confirms, locks, restores
        self.backups: list[Any] = []
        self._restore_asked = False
        self.setWindowTitle("Casebook tools")
        self.tabs = QTabWidget(self)
        # outbox
        self.outbox_model = RowsModel([
            Column("Queued", lambda r: _when(r.created_at), width=130),
            Column("File", lambda r: r.filename, width=330),
            Column("State", _state, status=lambda r: "done" if r.delivered_at else "due_soon", width=110),
            Column("Why it waits / delivered", lambda r: _when(r.delivered_at) if r.delivered_at
                   else (r.last_error or "the next sync pass")),
        ], self)
        self.outbox_view = QTableView(self)
        configure_table(self.outbox_view, self.outbox_model)
        self.outbox_view.setAccessibleName("Shared drive outbox")
        self.outbox_status = QLabel(self)
        self.outbox_status.setWordWrap(True)
        self.outbox_status.setAccessibleName("Outbox status")
        self.sync_button = QPushButton("&Sync now", self)
        self.sync_button.setAccessibleName("Send queued exports to the shared drive now")
        self.sync_button.clicked.connect(self.sync_now)
        if ctx.sync is not None:  # the result of every pass, while the dialog is open
            ctx.sync.status_changed.connect(self._synced)
        self.tabs.addTab(self._page(self.outbox_status, self.outbox_view, self.sync_button), self.PAGES[0])
        # backups
        self.backup_model = RowsModel([
            Column("Taken", lambda b: _when(b.taken), width=130),
            Column("Kind", lambda b: b.kind + (f" ({b.reason})" if b.reason else ""), width=220),
            Column("Size", lambda b: f"{b.size / 1_048_576:.1f} MB", width=80),
            Column("File", lambda b: b.path.name),
        ], self)
        self.backup_view = QTableView(self)
        configure_table(self.backup_view, self.backup_model)
        self.backup_view.setAccessibleName("Backups")
        self.backup_status = QLabel(self)
        self.backup_status.setWordWrap(True)
        self.backup_status.setAccessibleName("Backups status")
        self.backup_button = QPushButton("Take a &backup now", self)
        self.backup_button.setAccessibleName("Take a verified encrypted backup now")
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = QPushButton("&Restore the selected backup…", self)
        self.restore_button.setAccessibleName("Restore the store from the selected backup (the store as it is now "
                                              "is kept first)")
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_button.setEnabled(False)
        self.tabs.addTab(self._page(self.backup_status, self.backup_view, self.restore_button, self.backup_button),
                         self.PAGES[1])
        self.backup_view.selectionModel().selectionChanged.connect(
            lambda *_: self.restore_button.setEnabled(self.selected_backup() is not None))
        # audit verify and integrity check
        self.audit_status = QLabel(self)
        self.audit_status.setWordWrap(True)
        self.audit_status.setAccessibleName("Audit trail check")
        self.audit_button = QPushButton("&Verify the audit trail", self)
        self.audit_button.clicked.connect(self.verify_audit)
        self.tabs.addTab(self._page(self.audit_status, None, self.audit_button), self.PAGES[2])
        self.check_status = QLabel(self)
        self.check_status.setWordWrap(True)
        self.check_status.setAccessibleName("Integrity check result")
        self.check_button = QPushButton("&Check the store", self)
        self.check_button.setAccessibleName("Check the store's encryption and integrity")
        self.check_button.clicked.connect(self.check_store)
        self.tabs.addTab(self._page(self.check_status, None, self.check_button), self.PAGES[3])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(buttons)
        self.tabs.setCurrentIndex(page)
        self.resize(980, 520)
        self.refresh()

    def _page(self, status: QLabel, view: QTableView | None, *buttons: QPushButton) -> QWidget:
        page = QWidget(self)
        pl = QVBoxLayout(page)
        pl.addWidget(status)
        if view is not None:
            pl.addWidget(view, 1)
        else:
            pl.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        for button in buttons:
            row.addWidget(button)
        pl.addLayout(row)
        return page

    # ------------------------------------------------------------------ look-ups (worker)
    def refresh(self) -> None:
        store = self.ctx.store
        if store is None:
            return
        self.ctx.tasks.run(lambda: outbox.list_items(store, recent=50), self._outbox_rows, self._failed)
        self.ctx.tasks.run(lambda: security.list_backups(store.path), self._backup_rows, self._failed)

    def _failed(self, exc: BaseException) -> None:
        errors.show(self.ctx.prompts, exc, "Casebook tools")

    def _outbox_rows(self, rows: Any) -> None:
        self.outbox_model.set_rows(list(rows))
        waiting = [r for r in rows if r.delivered_at is None]
        last = self.ctx.sync.last_message if self.ctx.sync is not None else ""
        self.outbox_status.setText(
            (f"{len(waiting)} export{'' if len(waiting) == 1 else 's'} waiting for the shared drive."
             if waiting else "Every queued export has been delivered.")
            + (f" Last sync: {last}." if last else "")
            + " Each waits, encrypted inside the store, until the shared drive folder (Settings) is reachable.")

    def _synced(self, waiting: int, message: str) -> None:
        self.refresh()

    def _backup_rows(self, rows: Any) -> None:
        self.backups = list(rows)
        self.backup_model.set_rows(self.backups)
        if self._restore_asked and self.backups:
            self.backup_view.selectRow(0)
        self.restore_button.setEnabled(self.selected_backup() is not None)
        self.backup_status.setText(
            f"{len(rows)} backup(s) beside the store (newest first). Each is encrypted with the passphrase it was "
            "taken under. To go back to one, select it and choose Restore: the store as it is now is kept "
            "first, then Casebook locks, puts the backup in its place and opens it.")

    def selected_backup(self) -> Any:
        rows = self.backup_view.selectionModel().selectedRows()
        index = rows[0] if rows else None
        if index is None or not index.isValid() or index.row() >= len(self.backups):
            return None
        return self.backups[index.row()]

    def show_restore(self) -> None:
        """The Backups page, ready to restore: the newest backup selected (once the list is
        read), the list focused."""
        self.tabs.setCurrentIndex(self.BACKUPS)
        self._restore_asked = True
        if self.backups and self.selected_backup() is None:
            self.backup_view.selectRow(0)
        self.backup_view.setFocus()

    # ------------------------------------------------------------------ actions
    def sync_now(self) -> None:
        if self.ctx.sync is None:
            self.outbox_status.setText("Unlock a store first.")
            return
        self.outbox_status.setText("Syncing: sending queued exports to the shared drive…")
        if self.on_sync is not None:
            self.on_sync()  # the main window's Sync now (status bar feedback)
        else:
            self.ctx.sync.sync_now()

    def restore_selected(self) -> None:
        backup = self.selected_backup()
        if backup is not None and self.on_restore is not None:
            self.on_restore(backup)

    def backup_now(self) -> None:
        store = self.ctx.store
        if store is None:
            return
        self.backup_button.setEnabled(False)
        self.backup_status.setText("Taking a verified backup…")

        def done(path: Any) -> None:
            self.backup_button.setEnabled(True)
            self.refresh()
            self.backup_status.setText(f"Backup taken and verified: {path.name}")

        def failed(exc: BaseException) -> None:
            self.backup_button.setEnabled(True)
            self.backup_status.setText(f"The backup failed: {exc}")

        self.ctx.tasks.run(lambda: security.rolling_backup(store, "by-hand"), done, failed)

    def verify_audit(self) -> None:
        store = self.ctx.store
        if store is None:
            return
        self.audit_status.setText("Checking every audit event's hash chain…")

        def done(result: Any) -> None:
            problems, count = result
            self.audit_status.setText(
                f"The audit trail is intact: {count} events, each hash-chained to the one before."
                if not problems else f"The audit trail has {len(problems)} problem(s): " + "; ".join(problems[:5]))

        self.ctx.tasks.run(lambda: (store.verify_audit(), len(store.audit_events())), done, self._failed)

    def check_store(self) -> None:
        store = self.ctx.store
        if store is None:
            return
        self.check_button.setEnabled(False)
        self.check_status.setText("Checking encryption, integrity and links…")

        def done(problems: Any) -> None:
            self.check_button.setEnabled(True)
            self.check_status.setText("The store is healthy: encrypted, every page intact, every link sound."
                                      if not problems else
                                      f"{len(problems)} problem(s) found: " + "; ".join(problems[:5])
                                      + " Restore the newest backup (Backups page).")

        self.ctx.tasks.run(store.check, done, self._failed)
