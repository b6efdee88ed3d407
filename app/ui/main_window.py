"""The main window: unlock screen, caseload, case workspace; privacy mode; lock (Ctrl+L and
after idle time); navigation and refresh after changes.

Lock rule for unsaved edits: locking by hand (Ctrl+L) asks save / discard / cancel.  Locking
after idle time never keeps plaintext drafts: unsaved edits are discarded, and after the next
unlock the officer is told which forms had unsaved changes.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.models.store.security import rolling_backup
from app.settings import Settings
from app.ui import operations as ops
from app.ui.caseload import CaseloadPage
from app.ui.context import AppContext
from app.ui.passphrase_dialog import ChangePassphraseDialog
from app.ui.prompts import Prompts
from app.ui.settings_dialog import SettingsDialog
from app.ui.sync_service import DEFAULT_POLL_MS, SyncService
from app.ui.table_models import STATUS_COLOURS
from app.ui.tasks import Tasks
from app.ui.today import TodayPage
from app.ui.unlock import UnlockPage
from app.ui.workspace import TAB_NAMES, CaseWorkspace, NewCasePage

SHORTCUTS = (
    ("Ctrl+F", "Search the caseload (Enter moves to the results)"),
    ("Enter", "Open the selected case"),
    ("Ctrl+N", "New note in the open case"),
    ("Ctrl+S", "Save the form on screen"),
    ("Ctrl+L", "Lock"),
    ("Ctrl+Shift+P", "Privacy mode on/off"),
    ("Ctrl+Shift+N", "New case"),
    ("Ctrl+Shift+C", "Caseload"),
    ("Ctrl+Shift+T", "Today and this week (appointments and due items)"),
    ("Ctrl+B", "Book an appointment (Appointments tab)"),
    ("Alt+1 … Alt+9, Alt+0", "Case tabs (Alt+0: Appointments)"),
    ("Alt+Left", "Back to the caseload"),
    ("Ctrl+P", "Print (in the PDF preview)"),
    ("Ctrl+Q", "Quit"),
)
CLOSE_BACKUP_WAIT_S = 120.0  # closing never waits longer than this for the backup taken on close
INPUT_EVENTS = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
                QEvent.Type.TouchBegin, QEvent.Type.ShortcutOverride}


class IdleWatcher(QObject):
    """Fires ``idle`` after ``ms`` without keyboard, mouse or touch input in any of the app's
    windows.

    It filters the top-level ``QWindow``s, where every input event arrives before Qt hands
    it to a widget, and never the whole application: an application-wide Python filter runs
    (and must take the GIL) for every paint, layout and timer event of every widget, which
    stalled the GUI thread for 100 ms and more whenever the store worker was busy (found by
    ``make bench``).  Windows that appear later (dialogs, the preview) are picked up when they
    get the focus."""

    idle = Signal()

    def __init__(self, ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(ms)
        self.timer.timeout.connect(self.idle.emit)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self.watch_windows)

    def watch_windows(self, *_: Any) -> None:
        """Filter every top-level window (installing twice is harmless: Qt keeps one)."""
        for window in QGuiApplication.topLevelWindows():
            window.installEventFilter(self)

    def set_ms(self, ms: int) -> None:
        self.timer.setInterval(ms)
        if self.timer.isActive():
            self.timer.start()

    def start(self) -> None:
        self.watch_windows()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in INPUT_EVENTS and self.timer.isActive():
            self.timer.start()
        return False


class MainWindow(QMainWindow):
    locked = Signal()
    case_opened = Signal(str)

    def __init__(self, ctx: AppContext | None = None, idle_ms: int | None = None,
                 sync_poll_ms: int = DEFAULT_POLL_MS, sync_delay_ms: int = 1500) -> None:
        super().__init__()
        if ctx is None:
            ctx = AppContext(tasks=Tasks(self), prompts=Prompts(self), settings=Settings(write_behind=True))
        self.ctx = ctx
        ctx.tasks.default_error = lambda exc: ctx.prompts.error(str(exc))
        self.fixed_idle_ms = idle_ms
        self._resume: tuple[str | None, int] | None = None
        self._discarded: list[str] = []
        self.settings_dialog: SettingsDialog | None = None
        self.passphrase_dialog: ChangePassphraseDialog | None = None
        self.sync_poll_ms = sync_poll_ms
        self.sync_delay_ms = sync_delay_ms  # the first pass waits until the caseload has loaded
        self.close_backup: Path | None = None  # the rolling backup taken when the window last closed
        self.setWindowTitle("Casebook")

        self.banner = QLabel("PRIVACY MODE — not-for-disclosure and victim information is hidden. "
                             "Press Ctrl+Shift+P to show it again.", self)
        self.banner.setStyleSheet(f"color: white; background: {STATUS_COLOURS['nfd']}; font-weight: bold;"
                                  " padding: 6px;")
        self.banner.setAccessibleName("Privacy mode is on")
        self.banner.hide()
        self.unlock_page = UnlockPage(ctx, self)
        self.unlock_page.unlocked.connect(self.on_unlocked)
        self.caseload = CaseloadPage(ctx, self)
        self.caseload.open_requested.connect(lambda ref: self.open_case(ref))
        self.today = TodayPage(ctx, self)
        self.today.open_requested.connect(self._open_from_today)
        self.today.caseload_requested.connect(self.show_caseload)
        self.today.export_calendar_requested.connect(self.export_calendar)
        self.workspace = CaseWorkspace(ctx, self)
        self.workspace.back_requested.connect(self.show_caseload)
        self.workspace.loaded.connect(self.case_opened.emit)
        self.workspace.tabs.currentChanged.connect(self._remember_case)
        self.new_case_page = NewCasePage(ctx, self)
        self.new_case_page.created.connect(self._case_created)
        self.new_case_page.cancelled.connect(self.show_caseload)
        self.pages = QStackedWidget(self)
        for w in (self.caseload, self.workspace, self.new_case_page, self.today):
            self.pages.addWidget(w)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.unlock_page)
        self.stack.addWidget(self.pages)
        central = QWidget(self)
        cl = QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        cl.addWidget(self.banner)
        cl.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.idle = IdleWatcher(self._idle_ms(), self)
        self.idle.idle.connect(lambda: self.lock(idle=True))
        self._build_actions()
        ctx.events.privacy_changed.connect(self._privacy_changed)
        self.busy = QLabel(self)
        self.sync_label = QLabel(self)
        self.sync_label.setAccessibleName("Shared drive sync")
        self.statusBar().addPermanentWidget(self.sync_label)
        self.statusBar().addPermanentWidget(self.busy)
        ctx.tasks.busy_changed.connect(lambda b: self.busy.setText("Working…" if b else ""))
        self._set_unlocked_ui(False)
        self.resize(1280, 720)

    # ------------------------------------------------------------------ actions
    def _action(self, text: str, shortcut: str | None, slot: Callable[..., Any], checkable: bool = False,
                tip: str | None = None) -> QAction:
        act = QAction(text, self)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.setCheckable(checkable)
        act.setToolTip(f"{tip or text.replace('&', '').rstrip('…')}" + (f" ({shortcut})" if shortcut else ""))
        act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        a = self._action
        self.act_caseload = a("&Caseload", "Ctrl+Shift+C", self.show_caseload)
        self.act_today = a("&Today", "Ctrl+Shift+T", self.show_today,
                           tip="Today's and this week's appointments and due items")
        self.act_calendar = a("Export &calendar…", None, self.export_calendar,
                              tip="Write this and the next weeks' appointments as an iCalendar file "
                                  "(case references, kinds, times and places only)")
        self.act_new_case = a("New &case…", "Ctrl+Shift+N", self.new_case)
        self.act_search = a("&Search", "Ctrl+F", self.focus_search)
        self.act_new_note = a("New &note", "Ctrl+N", self.new_note)
        self.act_save = a("&Save", "Ctrl+S", self.save_current)
        self.act_privacy = a("&Privacy mode", "Ctrl+Shift+P", self.set_privacy, checkable=True,
                             tip="Hide not-for-disclosure and victim information")
        self.act_lock = a("&Lock", "Ctrl+L", lambda: self.lock())
        self.act_sync = a("S&ync now", None, self.sync_now, tip="Send queued exports to the shared drive now")
        self.act_export = a("&Export PDF…", None, self.export_pdf)
        self.act_settings = a("Se&ttings…", None, self.open_settings)
        self.act_passphrase = a("Change &passphrase…", None, self.change_passphrase,
                                tip="Change the passphrase of this store")
        self.act_quit = a("&Quit", "Ctrl+Q", self.close)
        self.unlocked_actions = [self.act_caseload, self.act_today, self.act_calendar, self.act_new_case, self.act_search, self.act_new_note,
                                 self.act_save, self.act_lock, self.act_sync, self.act_export, self.act_settings,
                                 self.act_passphrase]
        menu = self.menuBar()
        f = menu.addMenu("&File")
        for act in (self.act_new_case, self.act_calendar, self.act_settings, self.act_passphrase, self.act_lock,
                    self.act_quit):
            f.addAction(act)
        c = menu.addMenu("&Case")
        for act in (self.act_today, self.act_caseload, self.act_search, self.act_new_note, self.act_save,
                    self.act_export):
            c.addAction(act)
        v = menu.addMenu("&View")
        v.addAction(self.act_privacy)
        t = menu.addMenu("&Tools")
        t.addAction(self.act_sync)
        h = menu.addMenu("&Help")
        self.act_keys = a("&Keyboard shortcuts", "F1", self.show_shortcuts)
        h.addAction(self.act_keys)
        self.toolbar = QToolBar("Main", self)
        self.toolbar.setObjectName("main-toolbar")
        self.toolbar.setMovable(False)
        for act in (self.act_today, self.act_caseload, self.act_new_case, self.act_new_note, self.act_save):
            self.toolbar.addAction(act)
        self.toolbar.addSeparator()
        for act in (self.act_privacy, self.act_lock):
            self.toolbar.addAction(act)
        self.toolbar.addSeparator()
        for act in (self.act_export, self.act_sync, self.act_settings):
            self.toolbar.addAction(act)
        self.addToolBar(self.toolbar)

    def _set_unlocked_ui(self, unlocked: bool) -> None:
        for act in self.unlocked_actions:
            act.setEnabled(unlocked)
        self.toolbar.setVisible(unlocked)
        self.stack.setCurrentIndex(1 if unlocked else 0)
        if unlocked:
            self.idle.set_ms(self._idle_ms())
            self.idle.start()
        else:
            self.idle.stop()

    def _idle_ms(self) -> int:
        if self.fixed_idle_ms is not None:
            return self.fixed_idle_ms
        return max(1, int(self.ctx.settings.get("idle_lock_minutes"))) * 60_000

    # ------------------------------------------------------------------ unlock
    def start_with(self, path: Path | None, passphrase: str | None = None) -> None:
        if path is not None:
            self.unlock_page.set_store(path, creating=False)
            if passphrase:
                self.unlock_page.unlock_with(passphrase)
        elif self.unlock_page.recent.count():
            self.unlock_page.recent.setCurrentRow(0)

    def on_unlocked(self, store: Any) -> None:
        self.ctx.store = store
        self.ctx.store_path = Path(store.path)
        self.ctx.settings.add_recent_store(store.path)
        self.setWindowTitle(f"Casebook — {self.ctx.store_path.name}")
        self.statusBar().showMessage(f"Unlocked {self.ctx.store_path.name}", 5000)
        created = self.unlock_page.just_created
        self._set_unlocked_ui(True)
        # Today is the first page of an existing store (a new, empty one opens on the caseload).
        self.pages.setCurrentWidget(self.caseload if created else self.today)
        self.caseload.reload()
        self.today.reload()
        ops.load_store_settings(self.ctx, self._store_settings_loaded)
        self._start_sync(store)
        resume = self._resume or self.ctx.settings.last_case(self.ctx.store_path)
        self._resume = None
        ref, tab = resume
        if ref:
            self.open_case(ref, tab)
        if self._discarded:
            lost, self._discarded = self._discarded, []
            QTimer.singleShot(0, lambda: self.ctx.prompts.info(
                "Casebook locked itself after a period of inactivity. Unsaved changes in these forms were "
                "discarded: " + ", ".join(lost) + "."))

    def _store_settings_loaded(self, values: dict[str, Any]) -> None:
        self.new_case_page.officer = values.get("officer_name")

    # ------------------------------------------------------------------ shared drive sync
    def _start_sync(self, store: Any) -> None:
        self._stop_sync()
        service = SyncService(store, self, poll_ms=self.sync_poll_ms)
        service.status_changed.connect(self._sync_status)
        self.ctx.sync = service
        QTimer.singleShot(self.sync_delay_ms, lambda: self._begin_sync(service))

    def _begin_sync(self, service: SyncService) -> None:
        if self.ctx.sync is service:  # not locked (or relocked) meanwhile
            service.start()

    def _stop_sync(self) -> None:
        """Stop polling and wait for a running pass: always before the store is closed.
        Unsent exports stay queued inside the store."""
        service, self.ctx.sync = self.ctx.sync, None
        if service is not None:
            service.status_changed.disconnect(self._sync_status)
            service.stop()
            service.deleteLater()
        self.sync_label.clear()
        self.sync_label.setToolTip("")

    def _sync_status(self, waiting: int, message: str) -> None:
        if waiting > 0:
            text = f"{waiting} export{'' if waiting == 1 else 's'} waiting for the shared drive"
        elif waiting == 0:
            text = "All exports delivered"
        else:
            text = message
        self.sync_label.setText(text)
        self.sync_label.setToolTip(message)

    def sync_now(self) -> None:
        if self.ctx.sync is not None:
            self.sync_label.setText("Sending queued exports to the shared drive…")
        ops.sync_now(self.ctx)

    # ------------------------------------------------------------------ passphrase
    def change_passphrase(self) -> None:
        if self.ctx.store is None:
            return
        if self.passphrase_dialog is not None:
            self.passphrase_dialog.deleteLater()
        self.passphrase_dialog = ChangePassphraseDialog(self.ctx, self._passphrase_changed, self)
        self.passphrase_dialog.open()

    def _passphrase_changed(self, backup: Path) -> None:
        self.ctx.prompts.info("Passphrase changed: use the new one from now on. The backup taken first, "
                              f"{backup.name}, still opens with the old passphrase.")

    # ------------------------------------------------------------------ navigation
    def show_caseload(self) -> None:
        if self.ctx.store is None:
            return
        self.pages.setCurrentWidget(self.caseload)
        if self.workspace.ref:
            self.caseload.select_reference(self.workspace.ref)
        self.caseload.view.setFocus()
        self._remember_case()

    def show_today(self) -> None:
        if self.ctx.store is None:
            return
        self.pages.setCurrentWidget(self.today)
        self.today.reload()
        self.today.focus_first()
        self._remember_case()

    def _open_from_today(self, ref: str, tab_key: str) -> None:
        from app.ui.workspace import TAB_KEYS

        self.open_case(ref, TAB_KEYS.index(tab_key) if tab_key in TAB_KEYS else None)

    def export_calendar(self) -> None:
        if self.ctx.store is None:
            return
        import datetime as dt

        from app.ui import appointment_ops as aops

        first, _ = aops.week_of(self.ctx.clock.today())
        last = first + dt.timedelta(weeks=6, days=-1)
        chosen = self.ctx.prompts.save_file("Export calendar (no names or notes)", "iCalendar files (*.ics)",
                                            "casebook-appointments.ics")
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != ".ics":
            path = path.with_name(path.name + ".ics")
        if path.is_dir() or not path.parent.exists():
            self.ctx.prompts.error(f"Cannot write {path}: choose a file in an existing folder.")
            return
        aops.export_calendar(
            self.ctx, path, first, last,
            lambda n: self.statusBar().showMessage(
                f"Wrote {n} appointment(s) from {first:%d/%m/%Y} to {last:%d/%m/%Y} to {path.name} "
                "(case references, kinds, times and places only)", 8000),
            lambda exc: self.ctx.prompts.error(f"Could not write the calendar file: {' '.join(str(exc).split())}"))

    def open_case(self, ref: str, tab: int | None = None) -> None:
        if self.workspace.ref not in (None, ref) and self.workspace.dirty_forms():
            answer = self.ctx.prompts.ask_save_discard(
                "Unsaved changes in: " + ", ".join(self.workspace.dirty_forms()) + ". Save them first?")
            if answer == "cancel":
                return
            if answer == "save":
                self.workspace.save_all(lambda ok: self.open_case(ref, tab) if ok else None)
                return
            self.workspace.discard_all()
        self.workspace.open_case(ref, tab)
        self.pages.setCurrentWidget(self.workspace)
        self._remember_case()

    def _remember_case(self, *_: Any) -> None:
        if self.ctx.store_path is None or self.ctx.store is None:
            return
        on_case = self.pages.currentWidget() is self.workspace
        self.ctx.settings.set_last_case(self.ctx.store_path, self.workspace.ref if on_case else None,
                                        self.workspace.tabs.currentIndex())

    def new_case(self) -> None:
        if self.ctx.store is None:
            return
        if not self.new_case_page.dirty:
            self.new_case_page.reset()
        self.pages.setCurrentWidget(self.new_case_page)

    def _case_created(self, ref: str) -> None:
        self.open_case(ref, 0)  # the caseload reloads from the change-set (a case was added)

    def focus_search(self) -> None:
        if self.ctx.store is None:
            return
        self.pages.setCurrentWidget(self.caseload)
        self.caseload.focus_search()

    def new_note(self) -> None:
        if self.workspace.ref is None:
            self.ctx.prompts.info("Open a case first: a note belongs to a case.")
            return
        self.pages.setCurrentWidget(self.workspace)
        self.workspace.new_note()

    def save_current(self) -> None:
        if self.pages.currentWidget() is self.workspace:
            self.workspace.save_current()
        elif self.pages.currentWidget() is self.new_case_page:
            self.new_case_page.create_case()

    def export_pdf(self) -> None:
        if self.workspace.ref is None or self.pages.currentWidget() is not self.workspace:
            self.ctx.prompts.info("Open a case first, then choose Export PDF.")
            return
        self.workspace.export.showMenu()

    def open_settings(self) -> None:
        if self.ctx.store is None:
            return
        self.settings_dialog = SettingsDialog(self.ctx, self._settings_saved, self)
        self.settings_dialog.open()

    def _settings_saved(self) -> None:
        # the store settings' change-set has the caseload recompute due dates and the case reload
        self.idle.set_ms(self._idle_ms())

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{html.escape(keys)}</b>&nbsp;&nbsp;</td><td>{html.escape(what)}</td></tr>"
                       for keys, what in SHORTCUTS)
        self.ctx.prompts.info(f"<p><b>Keyboard shortcuts</b></p><table>{rows}</table>")

    # ------------------------------------------------------------------ privacy
    def set_privacy(self, on: bool) -> None:
        self.ctx.set_privacy(on)  # every widget that shows restricted information subscribes

    def _privacy_changed(self, on: bool) -> None:
        self.act_privacy.setChecked(on)
        self.banner.setVisible(on)

    # ------------------------------------------------------------------ lock
    def dirty_forms(self) -> list[str]:
        out = self.workspace.dirty_forms() if self.workspace.ref else []
        if self.new_case_page.dirty:
            out.append("New case")
        return out

    def save_all(self, then: Callable[[bool], None]) -> None:
        def after_workspace(ok: bool) -> None:
            if ok and self.new_case_page.dirty:
                self.new_case_page.create_case(then)
            else:
                then(ok)

        if self.workspace.ref:
            self.workspace.save_all(after_workspace)
        else:
            after_workspace(True)

    def lock(self, idle: bool = False) -> None:
        if self.ctx.store is None:
            return
        dirty = self.dirty_forms()
        if dirty and not idle:
            answer = self.ctx.prompts.ask_save_discard(
                "Unsaved changes in: " + ", ".join(dirty) + ". Save them before locking?")
            if answer == "cancel":
                return
            if answer == "save":
                self.save_all(lambda ok: self._do_lock() if ok else None)
                return
        elif dirty:
            self._discarded = dirty
        self._do_lock()

    def _do_lock(self) -> None:
        if self.ctx.store is None:
            return
        on_case = self.pages.currentWidget() is self.workspace and self.workspace.ref is not None
        self._resume = (self.workspace.ref if on_case else None, self.workspace.tabs.currentIndex())
        self._remember_case()
        self._close_dialogs()
        self.workspace.discard_all()
        self.workspace.clear()
        self.new_case_page.form.set_value({})
        self.caseload.clear()
        self.today.clear()
        path = self.ctx.store_path
        self._stop_sync()
        ops.close_store(self.ctx)
        self._set_unlocked_ui(False)
        self.unlock_page.reset()
        if path is not None:
            self.unlock_page.set_store(path)
        self.setWindowTitle("Casebook — locked")
        self.locked.emit()

    def _close_dialogs(self) -> None:
        for name in ("settings_dialog", "passphrase_dialog"):
            dialog = getattr(self, name)
            if dialog is not None:
                dialog.reject()
                dialog.deleteLater()
                setattr(self, name, None)

    # ------------------------------------------------------------------ closing
    def closeEvent(self, event: QCloseEvent) -> None:
        dirty = self.dirty_forms() if self.ctx.store is not None else []
        if dirty:
            answer = self.ctx.prompts.ask_save_discard(
                "Unsaved changes in: " + ", ".join(dirty) + ". Save them before closing?")
            if answer == "cancel":
                event.ignore()
                return
            if answer == "save":
                event.ignore()
                self.save_all(lambda ok: self._close_now() if ok else None)
                return
        self._shutdown()
        event.accept()

    def _close_now(self) -> None:
        self.workspace.discard_all()
        self.new_case_page.form.mark_saved()
        self.close()

    def shutdown_on_quit(self) -> None:
        """The application is quitting without the window having closed (log-off, a quit
        request): close the store cleanly all the same (unsaved form edits cannot be asked about)."""
        if not getattr(self, "_shut_down", False):
            self._shutdown()

    def _shutdown(self) -> None:
        """Stop sync, take the rolling backup (on the worker), close the store, stop the worker.
        A failed backup is reported but never stops the window closing; waiting is bounded."""
        self._shut_down = True
        self.idle.stop()
        self._remember_case()
        self._close_dialogs()
        self.workspace.clear()
        self.caseload.clear()
        self.today.clear()
        self._stop_sync()
        # The window goes at once; the backup on close (seconds on a large store) finishes
        # behind it instead of leaving a frozen window on screen.
        self.hide()
        store = self.ctx.store
        outcome: dict[str, Any] = {}
        if store is not None:
            def backup() -> None:
                try:
                    outcome["path"] = rolling_backup(store)
                except Exception as exc:  # reported below; closing goes on
                    outcome["error"] = " ".join(str(exc).split()) or type(exc).__name__

            self.ctx.tasks.run(backup)
        ops.close_store(self.ctx)
        finished = self.ctx.tasks.stop(CLOSE_BACKUP_WAIT_S)
        self.ctx.settings.flush()  # the last case and tab reach the disk before the app exits
        self.close_backup = outcome.get("path")
        if "error" in outcome:
            self.ctx.prompts.error(f"Casebook closed, but the backup taken on closing failed: {outcome['error']}")
        elif store is not None and not finished:
            self.ctx.prompts.warn("Casebook closed before the backup taken on closing had finished.")


__all__ = ["MainWindow", "TAB_NAMES"]
