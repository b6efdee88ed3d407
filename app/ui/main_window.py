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
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.models.store import security
from app.models.store.security import rolling_backup
from app.settings import Settings
from app.ui import errors, forms, handover_ops
from app.ui import operations as ops
from app.ui.caseload import CaseloadPage
from app.ui.context import AppContext
from app.ui.handover_ui import HandoverDialog, IncomingBanner
from app.ui.new_case import NewCasePage
from app.ui.passphrase_dialog import ChangePassphraseDialog
from app.ui.prompts import Prompts
from app.ui.safety_keys import SafetyKeys
from app.ui.settings_dialog import SettingsDialog
from app.ui.sync_service import DEFAULT_POLL_MS, SyncService
from app.ui.table_models import STATUS_COLOURS
from app.ui.tasks import Tasks
from app.ui.team_page import TeamPage
from app.ui.today import TodayPage
from app.ui.unlock import UnlockPage
from app.ui.workspace import TAB_NAMES, CaseWorkspace

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
    ("Ctrl+Shift+H", "Hand the case over to a colleague"),
    ("Alt+1 … Alt+9, Alt+0", "Case tabs (Alt+0: Appointments)"),
    ("Alt+Left", "Back to the caseload"),
    ("Ctrl+P", "Print (in the PDF preview)"),
    ("Ctrl+Q", "Quit"),
)
FIRST_RUN = ("Welcome to Casebook. This store is new: first give your name (it goes on documents as the "
             "responsible officer), the team's shared drive folder (where queued PDFs are delivered; leave it "
             "empty if you have none yet) and how long the laptop may sit idle before Casebook locks itself. "
             "Then create the first case with New case (Ctrl+Shift+N).")
COUNTDOWN_MS = 30_000  # the idle lock is announced this long before it happens
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
    countdown = Signal(int)  # seconds left before the lock (0: the countdown was cancelled)

    def __init__(self, ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ms = ms
        self.timer = QTimer(self)  # until the countdown starts
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._begin_countdown)
        self.tick = QTimer(self)
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self._tick)
        self.left_ms = 0
        self._set_intervals()
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self.watch_windows)

    def watch_windows(self, *_: Any) -> None:
        """Filter every top-level window (installing twice is harmless: Qt keeps one)."""
        for window in QGuiApplication.topLevelWindows():
            window.installEventFilter(self)

    @property
    def warn_ms(self) -> int:
        """The countdown shown before locking: the last 30 s (half the time when shorter)."""
        return min(COUNTDOWN_MS, self.ms // 2)

    def _set_intervals(self) -> None:
        self.timer.setInterval(max(1, self.ms - self.warn_ms))
        self.tick.setInterval(max(1, min(1000, self.warn_ms)))

    def set_ms(self, ms: int) -> None:
        self.ms = ms
        self._set_intervals()
        if self.active:
            self.restart()

    @property
    def active(self) -> bool:
        return self.timer.isActive() or self.tick.isActive()

    @property
    def counting_down(self) -> bool:
        return self.tick.isActive()

    def start(self) -> None:
        self.watch_windows()
        self.restart()

    def restart(self) -> None:
        was_counting = self.tick.isActive()
        self.tick.stop()
        self.timer.start()
        if was_counting:
            self.countdown.emit(0)

    def stop(self) -> None:
        was_counting = self.tick.isActive()
        self.timer.stop()
        self.tick.stop()
        if was_counting:
            self.countdown.emit(0)

    def _begin_countdown(self) -> None:
        self.left_ms = self.warn_ms
        self.tick.start()
        self.countdown.emit(max(1, round(self.left_ms / 1000)))

    def _tick(self) -> None:
        self.left_ms -= self.tick.interval()
        if self.left_ms <= 0:
            self.tick.stop()
            self.countdown.emit(0)
            self.idle.emit()
            return
        self.countdown.emit(max(1, round(self.left_ms / 1000)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in INPUT_EVENTS and self.active:
            self.restart()  # any input cancels the countdown
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
        forms.today_source = ctx.clock.today  # "today" and "+7" in date fields follow the app's clock
        ctx.tasks.default_error = errors.shower(ctx.prompts)  # the one error policy (app/ui/errors.py)
        self.fixed_idle_ms = idle_ms
        self._resume: tuple[Path, str | None, int] | None = None  # (store, case, tab) when locked
        self.settings_dialog: SettingsDialog | None = None
        self.passphrase_dialog: ChangePassphraseDialog | None = None
        self._privacy_asking = False
        self.tools_dialog: Any = None
        self.sync_poll_ms = sync_poll_ms
        self.sync_delay_ms = sync_delay_ms  # the first pass waits until the caseload has loaded
        self.close_backup: Path | None = None  # the rolling backup taken when the window last closed
        self._after_unlock: str | None = None  # said in the status bar after the next unlock (a restore)
        self._sync_feedback = 0  # passes still to finish before Sync now's result is said
        self.setWindowTitle("Casebook")

        self.banner = QLabel("PRIVACY MODE — only the open case is shown; not-for-disclosure and victim information "
                             "is hidden. Ctrl+Shift+P (with the store's passphrase) shows it again.", self)
        self.banner.setStyleSheet(f"color: white; background: {STATUS_COLOURS['nfd']}; font-weight: bold;"
                                  " padding: 6px;")
        self.banner.setAccessibleName("Privacy mode is on")
        self.banner.hide()
        self.lock_warning = QLabel(self)
        self.lock_warning.setStyleSheet(f"color: white; background: {STATUS_COLOURS['overdue']}; font-weight: bold;"
                                        " padding: 6px;")
        self.lock_warning.setAccessibleName("Casebook is about to lock")
        self.lock_warning.hide()
        self.incoming = IncomingBanner(self)
        self.incoming.accept_requested.connect(self.accept_packet)
        self.incoming.decline_requested.connect(self.decline_packet)
        self.handover_dialog: HandoverDialog | None = None
        self._custody_seen: dict[str, tuple[Any, ...]] | None = None  # custody at the last look (sync)
        self.unlock_page = UnlockPage(ctx, self)
        self.unlock_page.unlocked.connect(self.on_unlocked)
        self.caseload = CaseloadPage(ctx, self)
        self.caseload.open_requested.connect(lambda ref: self.open_case(ref))
        self.caseload.note_requested.connect(self.open_note)
        self.today = TodayPage(ctx, self)
        self.today.open_requested.connect(self._open_from_today)
        self.today.caseload_requested.connect(self.show_caseload)
        self.today.export_calendar_requested.connect(self.export_calendar)
        self.workspace = CaseWorkspace(ctx, self)
        self.workspace.back_requested.connect(self.show_caseload)
        self.workspace.loaded.connect(self.case_opened.emit)
        self.workspace.tabs.currentChanged.connect(self._remember_case)
        self.workspace.read_only_changed.connect(self._update_case_actions)
        self.workspace.loaded.connect(self._update_case_actions)
        self.new_case_page = NewCasePage(ctx, self)
        self.new_case_page.created.connect(self._case_created)
        self.new_case_page.cancelled.connect(self.show_caseload)
        self.team = TeamPage(ctx, self)
        self.pages = QStackedWidget(self)
        for w in (self.caseload, self.workspace, self.new_case_page, self.today, self.team):
            self.pages.addWidget(w)
        self.pages.currentChanged.connect(self._update_case_actions)
        self.caseload.view.selectionModel().currentRowChanged.connect(self._update_case_actions)
        self.caseload.view.selectionModel().selectionChanged.connect(self._update_case_actions)
        self.caseload.filtered.connect(self._update_case_actions)
        ctx.events.changed.connect(self._custody_changed)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.unlock_page)
        self.stack.addWidget(self.pages)
        central = QWidget(self)
        cl = QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        cl.addWidget(self.banner)
        cl.addWidget(self.lock_warning)
        cl.addWidget(self.incoming)
        cl.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.idle = IdleWatcher(self._idle_ms(), self)
        self.idle.idle.connect(lambda: self.lock(idle=True))
        self.idle.countdown.connect(self._show_countdown)
        self._build_actions()
        # Ctrl+Shift+P and Ctrl+L from every window and dialog (the preview, signature pads, boxes)
        self.safety_keys = SafetyKeys({"Ctrl+Shift+P": self._privacy_key, "Ctrl+L": self._lock_key}, self)
        ctx.events.privacy_changed.connect(self._privacy_changed)
        self.busy = QLabel(self)
        self.sync_label = QLabel(self)
        self.sync_label.setAccessibleName("Shared drive sync")
        self.copy_label = QLabel(self)
        self.copy_label.setAccessibleName("Last off-laptop copy")
        self.copy_warned = False  # the overdue-copy warning is shown once per unlock
        self._copy_asked = False  # closing has asked about (or made) an off-laptop copy
        self.statusBar().addPermanentWidget(self.copy_label)
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
        self.act_team = a("Tea&m", None, self.show_team,
                          tip="The team manager's view: every officer's caseload and deadlines from the shared drive")
        self.act_calendar = a("Export &calendar…", None, self.export_calendar,
                              tip="Write this and the next weeks' appointments as an iCalendar file "
                                  "(case references, kinds, times and places only)")
        self.act_new_case = a("&New case…", "Ctrl+Shift+N", self.new_case)
        self.act_search = a("&Search", "Ctrl+F", self.focus_search)
        self.act_new_note = a("New &note", "Ctrl+N", self.new_note)
        self.act_save = a("Sa&ve", "Ctrl+S", self.save_current)
        self.act_privacy = a("&Privacy mode", "Ctrl+Shift+P", self.set_privacy, checkable=True,
                             tip="Hide not-for-disclosure and victim information")
        self.act_lock = a("&Lock", "Ctrl+L", lambda: self.lock())
        self.act_sync = a("S&ync now", None, self.sync_now, tip="Send queued exports to the shared drive now")
        self.act_export = a("&Export PDF…", None, self.export_pdf)
        self.act_settings = a("Se&ttings…", None, self.open_settings)
        self.act_passphrase = a("Change &passphrase…", None, self.change_passphrase,
                                tip="Change the passphrase of this store")
        self.act_archive = a("&Archive case…", None, self.archive_case,
                             tip="Close the selected case: off the caseload and its due dates, kept whole")
        self.act_unarchive = a("Re&open an archived case…", None, self.unarchive_case)
        self.act_rename = a("Correct the &reference…", None, self.rename_case,
                            tip="Correct the case reference (the old one still finds the case)")
        self.act_delete = a("&Delete case…", None, self.delete_case,
                            tip="Delete a case entered by mistake (a backup is taken first)")
        self.act_handover = a("&Hand over…", "Ctrl+Shift+H", self.hand_over,
                              tip="Hand the case to a colleague through the shared drive (read-only here after)")
        self.act_quit = a("&Quit", "Ctrl+Q", self.close)
        self.unlocked_actions = [self.act_caseload, self.act_today, self.act_team, self.act_calendar, self.act_new_case, self.act_search, self.act_new_note,
                                 self.act_save, self.act_lock, self.act_sync, self.act_export, self.act_settings,
                                 self.act_passphrase, self.act_archive, self.act_unarchive, self.act_rename,
                                 self.act_delete, self.act_handover]
        menu = self.menuBar()
        f = menu.addMenu("&File")
        for act in (self.act_new_case, self.act_calendar, self.act_settings, self.act_passphrase, self.act_lock,
                    self.act_quit):
            f.addAction(act)
        c = menu.addMenu("&Case")
        for act in (self.act_today, self.act_caseload, self.act_team, self.act_search, self.act_new_note,
                    self.act_save, self.act_export):
            c.addAction(act)
        c.addSeparator()
        for act in (self.act_archive, self.act_unarchive, self.act_rename, self.act_delete):
            c.addAction(act)
        c.addSeparator()
        c.addAction(self.act_handover)
        v = menu.addMenu("&View")
        v.addAction(self.act_privacy)
        t = menu.addMenu("&Tools")
        t.addAction(self.act_sync)
        t.addSeparator()
        self.tool_actions = []
        from app.ui.tools_dialog import ToolsDialog

        for i, name in enumerate(ToolsDialog.MENU):
            act = a(name, None, (lambda n: lambda: self.open_tools(n))(i))
            t.addAction(act)
            self.tool_actions.append(act)
        self.act_restore = a(ToolsDialog.RESTORE_MENU, None, lambda: self.open_tools(ToolsDialog.BACKUPS, restore=True),
                             tip="Put a backup in place of this store (the store as it is now is kept first)")
        t.addAction(self.act_restore)
        self.tool_actions.append(self.act_restore)
        self.unlocked_actions.extend(self.tool_actions)
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
        self.act_search.setEnabled(unlocked and not self.ctx.privacy)
        self._update_case_actions()
        if not unlocked:
            self.incoming.set_items([])
            self._custody_seen = None
        self.toolbar.setVisible(unlocked)
        self.stack.setCurrentIndex(1 if unlocked else 0)
        if unlocked:
            self.idle.set_ms(self._idle_ms())
            self.idle.start()
        else:
            self.idle.stop()

    def _show_countdown(self, seconds: int) -> None:
        if seconds <= 0:
            self.lock_warning.hide()
            return
        kept = " Unsaved changes will be kept, encrypted in the store." if self.dirty_forms() else ""
        self.lock_warning.setText(f"No activity: Casebook locks in {seconds} s. Press any key or move the mouse "
                                  f"to stay unlocked.{kept}")
        self.lock_warning.show()

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
        self.copy_warned = False
        self._copy_asked = False
        self.ctx.store_path = Path(store.path)
        self.ctx.settings.add_recent_store(store.path)
        self.setWindowTitle(f"Casebook — {self.ctx.store_path.name}")
        after, self._after_unlock = self._after_unlock, None
        self.statusBar().showMessage(after or f"Unlocked {self.ctx.store_path.name}", 15000 if after else 5000)
        created = self.unlock_page.just_created
        self._set_unlocked_ui(True)
        # Today is the first page of an existing store (a new, empty one opens on the caseload).
        self.pages.setCurrentWidget(self.caseload if created else self.today)
        self.caseload.reload()
        self.today.reload()
        ops.load_store_settings(self.ctx, self._store_settings_loaded)
        self._start_sync(store)
        ref, tab = self._resume_for(self.ctx.store_path)
        if ref:
            self.open_case(ref, tab)
        self.refresh_incoming()
        ops.take_drafts(self.ctx, self._offer_drafts, lambda exc: None)
        ops.first_run_facts(self.ctx, self._first_run, lambda exc: None)

    def _first_run(self, facts: Any) -> None:
        """A new, empty store: say what to do next and ask the officer's name, the shared drive
        folder and the idle time (the settings dialog, with a welcome)."""
        count, officer = facts
        self.caseload.set_empty_hint(count == 0)
        if count == 0 and not officer and self.ctx.store is not None and self.settings_dialog is None:
            self.open_settings(welcome=FIRST_RUN)

    def _offer_drafts(self, kept: Any) -> None:
        """Unsaved forms kept (encrypted) at an automatic lock: put back, or discard."""
        if not kept or self.ctx.store is None:
            return
        names = ", ".join(d.form + (f" ({d.case_reference})" if d.case_reference else "") for d in kept)
        if not self.ctx.prompts.confirm(
                f"Casebook locked while these forms had unsaved changes: {names}. They were kept, encrypted "
                "in this store. Put them back in the forms now? (No discards them.)"):
            return
        for d in kept:
            if d.case_reference is None:
                self.new_case_page.form.set_value(d.data)
                self.new_case_page.form.dirty = True
        by_case: dict[str, list[Any]] = {}
        for d in kept:
            if d.case_reference is not None:
                by_case.setdefault(d.case_reference, []).append(d)
        if by_case:  # one case is open at a time: the latest
            ref, items = list(by_case.items())[-1]
            self._on_case(ref, lambda: self._restore_drafts(items))

    def _restore_drafts(self, items: list[Any]) -> None:
        editors = {ed.title: ed for ed in self.workspace.editors}
        for d in items:
            ed = editors.get(d.form)
            if ed is not None:
                ed.restore_draft(d.item_index, d.data)
        self.statusBar().showMessage("Unsaved changes put back: save them when ready.", 8000)

    def _collect_drafts(self) -> list[Any]:
        from app.models.store.drafts import Draft

        out = []
        if self.workspace.ref:
            for ed in self.workspace.editors:
                if ed.dirty:
                    index, data = ed.draft()
                    out.append(Draft(self.workspace.ref, ed.title, index, data))
        if self.new_case_page.dirty:
            out.append(Draft(None, "New case", None, self.new_case_page.form.value(lenient=True)))
        return out

    def _resume_for(self, path: Path) -> tuple[str | None, int]:
        """The case and tab to return to: the one on screen at the lock when this is the same
        store, else the last one remembered for this store (never another store's case)."""
        resume, self._resume = self._resume, None
        if resume is not None and _same_file(resume[0], path):
            return resume[1], resume[2]
        return self.ctx.settings.last_case(path)

    def _store_settings_loaded(self, values: dict[str, Any]) -> None:
        self.new_case_page.officer = values.get("officer_name")

    # ------------------------------------------------------------------ shared drive sync
    def _start_sync(self, store: Any) -> None:
        self._stop_sync()
        service = SyncService(store, self, poll_ms=self.sync_poll_ms, tasks=self.ctx.tasks)
        service.status_changed.connect(self._sync_status)
        service.copy_status.connect(self._copy_status)
        service.copy_status.connect(self._after_sync_pass)  # the handover pass ran just before
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
            service.copy_status.disconnect(self._copy_status)
            service.copy_status.disconnect(self._after_sync_pass)
            service.stop()
            service.deleteLater()
        self._sync_feedback = 0
        self.sync_label.clear()
        self.sync_label.setToolTip("")
        self.copy_label.clear()
        self.copy_label.setToolTip("")
        self.copy_label.setStyleSheet("")

    def _sync_status(self, waiting: int, message: str) -> None:
        """The status bar says what is waiting and why (not only in a tooltip); after Sync now,
        the result of the pass it asked for."""
        if waiting > 0:
            text = f"{waiting} export{'' if waiting == 1 else 's'} waiting for the shared drive"
            reason = message.split(" waiting: ", 1)[1] if " waiting: " in message else ""
            if reason:
                text += f": {reason}"
        elif waiting == 0:
            text = "All exports delivered"
        else:
            text = message
        self.sync_label.setText(text)
        self.sync_label.setToolTip(message)
        if self._sync_feedback > 0:
            self._sync_feedback -= 1
            if self._sync_feedback == 0:
                self.statusBar().showMessage(f"Sync finished: {message}", 20000)

    def _copy_status(self, text: str, detail: str, warn: bool) -> None:
        """The status bar says when the last off-laptop copy was delivered; red, and one warning
        per unlock, when it is older than the store's threshold (offsite_warn_days) and the
        record has changed since."""
        self.copy_label.setText(("⚠ " if warn else "") + text)
        self.copy_label.setToolTip(detail)
        self.copy_label.setStyleSheet(
            f"color: white; background: {STATUS_COLOURS['overdue']}; padding: 0 4px;" if warn else "")
        if warn and not self.copy_warned:
            self.copy_warned = True
            self.ctx.prompts.warn(
                "The record on this laptop has no recent copy on the shared drive: " + detail
                + ". If the laptop is lost or broken, what changed since would be lost. Connect to the "
                "office network and choose Sync now.")

    def sync_now(self) -> None:
        service = self.ctx.sync
        if service is not None:
            # a pass already running reports first; the one asked for follows it
            self._sync_feedback = 2 if service.busy else 1
            self.sync_label.setText("Syncing…")
            self.statusBar().showMessage("Syncing…")
        ops.sync_now(self.ctx)

    # ------------------------------------------------------------------ passphrase
    def change_passphrase(self) -> None:
        if self.ctx.store is None:
            return
        if self.ctx.sync is not None and self.ctx.sync.reachable:
            self._offer_copy("Before the passphrase changes, deliver an off-laptop copy of the changed record "
                             "now? Copies already on the shared drive keep opening with the current passphrase.",
                             self._open_passphrase_dialog)
            return
        self._open_passphrase_dialog()

    def _offer_copy(self, question: str, then: Callable[[], None]) -> None:
        """If the record changed since the last off-laptop copy and the drive is reachable, ask
        (``question``) and deliver one on the worker; then ``then()`` whatever happened."""
        def checked(result: tuple[bool, str | None]) -> None:
            due, _problem = result
            if not due or self.ctx.store is None or not self.ctx.prompts.confirm(question):
                then()
                return
            self.copy_label.setText("Delivering an off-laptop copy…")

            def failed(exc: BaseException) -> None:
                errors.show(self.ctx.prompts, exc, "The off-laptop copy could not be delivered")
                then()

            def done(outcome: Any) -> None:
                if outcome.status == "failed":
                    self.ctx.prompts.error(f"The off-laptop copy could not be delivered: {outcome.error}")
                else:
                    self.copy_label.setText("Off-laptop copy delivered just now")
                then()

            ops.take_copy(self.ctx, done, failed)

        ops.copy_due(self.ctx, checked)

    def _open_passphrase_dialog(self) -> None:
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

    def show_team(self) -> None:
        if self.ctx.store is None:
            return
        self.pages.setCurrentWidget(self.team)
        self.team.reload()
        self.team.officers_view.setFocus()
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
            errors.shower(self.ctx.prompts, "Could not write the calendar file"))

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
        if self.ctx.store is None or self.ctx.privacy:
            return
        self.pages.setCurrentWidget(self.caseload)
        self.caseload.focus_search()

    def target_case(self) -> str | None:
        """The case an action from the toolbar or a shortcut is for: on the caseload the
        selected row (never the case opened earlier), else the open case."""
        if self.pages.currentWidget() is self.caseload:
            return self.caseload.selected_reference()
        if self.pages.currentWidget() is self.workspace:
            return self.workspace.ref
        return None

    def _on_case(self, ref: str, then: Callable[[], None], tab: int | None = None) -> None:
        """Run ``then`` with case ``ref`` open in the workspace (opening it first if needed)."""
        if self.workspace.ref == ref and self.workspace.data is not None:
            self.pages.setCurrentWidget(self.workspace)
            then()
            return

        def loaded(opened: str) -> None:
            self.case_opened.disconnect(loaded)
            if opened == ref and self.workspace.ref == ref:
                then()

        self.case_opened.connect(loaded)
        self.open_case(ref, tab)
        if self.workspace.ref != ref:  # the officer cancelled leaving unsaved edits
            self.case_opened.disconnect(loaded)

    def open_note(self, ref: str, index: int) -> None:
        """A note found by search: its case, on the Notes tab, with the note selected."""
        self._on_case(ref, lambda: self.workspace.show_note(index), TAB_NAMES.index("Notes"))

    def new_note(self) -> None:
        ref = self.target_case()
        if ref is None:
            self.ctx.prompts.info("Select a case in the caseload (or open one) first: a note belongs to a case.")
            return
        self._on_case(ref, self.workspace.new_note, TAB_NAMES.index("Notes"))

    def save_current(self) -> None:
        if self.pages.currentWidget() is self.workspace:
            self.workspace.save_current()
        elif self.pages.currentWidget() is self.new_case_page:
            self.new_case_page.create_case()

    def export_pdf(self) -> None:
        ref = self.target_case()
        if ref is None:
            self.ctx.prompts.info("Select a case in the caseload (or open one) first, then choose Export PDF.")
            return
        self._on_case(ref, self.workspace.export.showMenu)

    # ------------------------------------------------------------------ handover (issue 15)
    def _target_read_only(self) -> bool:
        """Is the case an action would be for handed over (so nothing may change it)?"""
        page = self.pages.currentWidget()
        if page is self.workspace:
            return self.workspace.read_only
        if page is self.caseload:
            ref = self.caseload.selected_reference()
            row = next((r for r in self.caseload.model.rows if r.reference == ref), None) if ref else None
            return bool(row is not None and row.handover)
        return False

    def _update_case_actions(self, *_: Any) -> None:
        """The actions that change a case are off while that case is handed over (Ctrl+N,
        Ctrl+S, Ctrl+Shift+H, archive, correct the reference, delete)."""
        unlocked = self.ctx.store is not None
        ro = unlocked and self._target_read_only()
        for act in (self.act_new_note, self.act_archive, self.act_rename, self.act_delete, self.act_handover):
            act.setEnabled(unlocked and not ro)
        self.act_save.setEnabled(unlocked and not (ro and self.pages.currentWidget() is self.workspace))

    def hand_over(self) -> None:
        ref = self._lifecycle_target("Hand over")
        if ref is None or self._target_read_only():
            return
        if self.workspace.ref == ref and self.workspace.dirty_forms():
            self.ctx.prompts.info("Save or revert the changes in " + ", ".join(self.workspace.dirty_forms())
                                  + " first, then hand the case over.")
            return
        name = ref
        row = next((r for r in self.caseload.all_rows if r.reference == ref), None)
        if self.workspace.ref == ref and self.workspace.data is not None:
            ind = self.workspace.data.case["individual"]
            name = f"{ind['given_names']} {ind['family_name']}"
        elif row is not None:
            name = row.name

        def listed(officers: Any) -> None:
            if self.ctx.store is None:
                return
            if not officers:
                self.ctx.prompts.info("No colleague's officer card is on the shared drive yet. Each officer's "
                                      "sync publishes theirs: ask your colleague to sync, then try again.")
                return
            if self.handover_dialog is not None:
                self.handover_dialog.deleteLater()
            self.handover_dialog = HandoverDialog(ref, name, officers, lambda d: self._send_handover(ref, d), self)
            self.handover_dialog.open()

        handover_ops.colleagues(self.ctx, listed, errors.shower(self.ctx.prompts, "Cannot hand over"))

    def _send_handover(self, ref: str, dialog: HandoverDialog) -> None:
        to, note, fingerprint = dialog.value()
        who = dialog.chosen()

        def done(sent: Any) -> None:
            dialog.finish()
            label = who.card.name or to if who is not None else to
            self.statusBar().showMessage(f"{ref}: handover to {label} queued; the next sync delivers it. "
                                         "The case is read-only here.", 12000)

        def failed(exc: BaseException) -> None:
            errors.report(exc)
            dialog.show_problem(errors.message_for(exc, "Not handed over"))

        handover_ops.hand_over(self.ctx, ref, to, note, fingerprint, done, failed)

    def refresh_incoming(self, announce: bool = False) -> None:
        """Read the packets waiting and every case's custody (on the worker).  ``announce`` (after
        a sync pass): a case whose custody moved since the last look (the sync settled it) is
        redrawn through a change-set naming it."""
        if self.ctx.store is None:
            return
        store = self.ctx.store

        def got(result: Any) -> None:
            if self.ctx.store is not store:
                return
            states, waiting = result
            seen = {ref: (st.state, st.cancel_requested, st.custody_version, st.counterpart_name)
                    for ref, st in states.items()}
            before, self._custody_seen = self._custody_seen, seen
            self.incoming.set_items(waiting)
            if before is not None and announce:
                moved = {ref for ref in set(before) | set(seen) if before.get(ref) != seen.get(ref)}
                if moved:
                    from app.models.store import Changes

                    self.ctx.events.changed.emit(Changes(cases=moved, custody=True))

        handover_ops.custody_and_incoming(self.ctx, got, lambda exc: errors.report(exc, "handover state"))

    def _after_sync_pass(self, *_: Any) -> None:
        self.refresh_incoming(announce=True)

    def _custody_changed(self, changes: Any) -> None:
        if changes.custody and self.ctx.store is not None:
            self.refresh_incoming()

    def accept_packet(self, packet_id: str) -> None:
        if self.ctx.store is None:
            return
        self.incoming.set_busy(packet_id, True)

        def done(result: Any) -> None:
            accepted, state = result
            line = f"Case {accepted.reference} accepted" + (f": {state.label()}" if state is not None else "")
            if accepted.replaced:
                line += ". Since you held it: " + "; ".join(accepted.summary)
            self.statusBar().showMessage(errors.one_line(line), 15000)

        def failed(exc: BaseException) -> None:
            self.incoming.set_busy(packet_id, False)
            errors.show(self.ctx.prompts, exc)  # the core's one-line reason; nothing was imported
            self.refresh_incoming()

        handover_ops.accept(self.ctx, packet_id, done, failed)

    def decline_packet(self, packet_id: str) -> None:
        if self.ctx.store is None:
            return
        item = next((i for i in self.incoming.items if i.packet_id == packet_id), None)
        what = f"case {item.reference}" if item is not None and item.reference else f"packet {packet_id}"
        reason = self.ctx.prompts.ask_text(f"Decline {what}: why? (the reason travels encrypted to the sender; "
                                           "nothing is imported)")
        if reason is None:
            return
        if not reason.strip():
            self.ctx.prompts.info(f"Not declined: give the reason for declining {what} (the sender reads it).")
            return
        self.incoming.set_busy(packet_id, True)

        def done(line: Any) -> None:
            self.statusBar().showMessage(errors.one_line(str(line)), 12000)

        def failed(exc: BaseException) -> None:
            self.incoming.set_busy(packet_id, False)
            errors.show(self.ctx.prompts, exc, "Not declined")

        handover_ops.decline(self.ctx, packet_id, reason, done, failed)

    # ------------------------------------------------------------------ case lifecycle
    def _lifecycle_target(self, verb: str) -> str | None:
        ref = self.target_case()
        if ref is None:
            self.ctx.prompts.info(f"Select a case in the caseload (or open one) first, then choose {verb}.")
        return ref

    def _leave_case(self, ref: str) -> None:
        """The case is gone from the caseload (deleted or archived): off the screen too."""
        if self.workspace.ref == ref:
            self.workspace.discard_all()
            self.workspace.clear()
            self.pages.setCurrentWidget(self.caseload)
        self.caseload.reload()
        self._remember_case()

    def _lifecycle_failed(self, what: str) -> Callable[[BaseException], None]:
        return errors.shower(self.ctx.prompts, what)

    def delete_case(self) -> None:
        ref = self._lifecycle_target("Delete case")
        if ref is None:
            return
        typed = self.ctx.prompts.ask_text(
            f"Delete {ref} and everything recorded in it? This cannot be undone in Casebook: only the backup "
            "taken first can bring it back. Use Archive case for a case that has ended.\n\n"
            "Type the reference to delete it:")
        if typed is None:
            return
        if typed.strip() != ref:
            self.ctx.prompts.info(f"Not deleted: the reference typed is not {ref}.")
            return

        def done(backup: Any) -> None:
            self._leave_case(ref)
            self.statusBar().showMessage(f"Deleted {ref}. The backup taken first is {Path(backup).name}.", 10000)

        ops.delete_case(self.ctx, ref, done, self._lifecycle_failed("Not deleted"))

    def archive_case(self) -> None:
        ref = self._lifecycle_target("Archive case")
        if ref is None or not self.ctx.prompts.confirm(
                f"Archive {ref}? It leaves the caseload and its due dates; everything in it is kept, and "
                "Case → Reopen an archived case brings it back."):
            return

        def done(_: Any) -> None:
            self._leave_case(ref)
            self.statusBar().showMessage(f"Archived {ref}.", 8000)

        ops.archive_case(self.ctx, ref, True, done, self._lifecycle_failed("Not archived"))

    def unarchive_case(self) -> None:
        if self.ctx.store is None:
            return

        def listed(refs: Any) -> None:
            if not refs:
                self.ctx.prompts.info("No case is archived.")
                return
            index = self.ctx.prompts.choose("Reopen which archived case?", list(refs), 0)
            if index is None:
                return
            ref = refs[index]

            def done(_: Any) -> None:
                self.caseload.reload()
                self.statusBar().showMessage(f"Reopened {ref}.", 8000)

            ops.archive_case(self.ctx, ref, False, done, self._lifecycle_failed("Not reopened"))

        ops.archived_cases(self.ctx, listed)

    def rename_case(self) -> None:
        old = self._lifecycle_target("Correct the reference")
        if old is None:
            return
        if self.workspace.ref == old and self.workspace.dirty_forms():
            self.ctx.prompts.info("Save or revert the changes in " + ", ".join(self.workspace.dirty_forms())
                                  + " first, then correct the reference.")
            return
        new = self.ctx.prompts.ask_text(f"The correct reference for {old} (the old one will still find the "
                                        "case in search and bundle imports):", old)
        if new is None or new.strip() == old:
            return

        def done(changes: Any) -> None:
            now = next((r for r in changes.cases if r != old), new.strip())
            self.caseload.reload()
            if self.workspace.ref == old:
                self.workspace.open_case(now)
            self.statusBar().showMessage(f"{old} is now {now}.", 8000)
            self._remember_case()

        ops.rename_case(self.ctx, old, new, done, self._lifecycle_failed("Reference not changed"))

    def open_tools(self, page: int = 0, restore: bool = False) -> None:
        if self.ctx.store is None:
            return
        from app.ui.tools_dialog import ToolsDialog

        if self.tools_dialog is not None:
            self.tools_dialog.deleteLater()
        self.tools_dialog = ToolsDialog(self.ctx, self, page, on_sync=self.sync_now, on_restore=self.restore_backup)
        self.tools_dialog.open()
        if restore:
            self.tools_dialog.show_restore()

    def restore_backup(self, backup: Any) -> None:
        """Put ``backup`` in place of the open store: confirmed; the backup is checked with its
        passphrase first (a wrong one changes nothing); then the store locks, the current file
        is kept beside it (``<store>.before-restore-<stamp>``, by security.restore_backup) and
        the backup, checked again, replaces it; the store reopens with that passphrase."""
        if self.ctx.store is None or self.ctx.store_path is None:
            return
        dirty = self.dirty_forms()
        if dirty:
            self.ctx.prompts.warn("Save or discard the unsaved changes first: " + ", ".join(dirty) + ".")
            return
        when = backup.taken.strftime("%d/%m/%Y %H:%M")
        if not self.ctx.prompts.confirm(
                f"Restore the backup taken {when} ({backup.path.name})? Anything recorded since then will not be "
                "in the restored store. The store as it is now is kept first, beside it (its name ends "
                "'.before-restore-' and the date). Casebook locks, restores the backup and opens it again."):
            return
        phrase = self.ctx.prompts.ask_password(
            f"The passphrase of the backup taken {when} (the store's passphrase at that time):", confirm=False)
        if not phrase:
            return
        path, clock = self.ctx.store_path, self.ctx.clock

        def checked(good: Any) -> None:
            if not good:
                self.ctx.prompts.error("That passphrase does not open the backup, or the backup is damaged: "
                                       "nothing was changed.")
                return
            if self.ctx.store is None:
                return
            self._do_lock()
            self._resume = (path, None, 0)  # the case on screen may not be in the backup
            self.unlock_page.show_message("Restoring the backup…")
            self.unlock_page.busy = True  # no unlocking while the file is being replaced
            self.unlock_page.button.setEnabled(False)
            self.ctx.tasks.run(lambda: security.restore_backup(path, backup.path, phrase, clock=clock),
                               restored, failed)

        def restored(aside: Any) -> None:
            kept = f" The store as it was is kept as {aside.name}." if aside is not None else ""
            self._after_unlock = f"Restored the backup taken {when}.{kept}"
            self.unlock_page.reset()
            self.unlock_page.set_store(path)
            self.unlock_page.unlock_with(phrase)

        def failed(exc: BaseException) -> None:
            self.unlock_page.reset()
            self.unlock_page.set_store(path)
            errors.report(exc)
            self.ctx.prompts.error(errors.message_for(exc, "The backup was not restored")
                                   + " The store is unchanged: unlock it as usual.")

        self.statusBar().showMessage("Checking the backup…")
        self.ctx.tasks.run(lambda: security.backup_is_good(backup.path, phrase), checked)

    def open_settings(self, welcome: str | None = None) -> None:
        if self.ctx.store is None:
            return
        self.settings_dialog = SettingsDialog(self.ctx, self._settings_saved, self, welcome=welcome)
        self.settings_dialog.open()

    def _settings_saved(self) -> None:
        # the store settings' change-set has the caseload recompute due dates and the case reload
        self.idle.set_ms(self._idle_ms())

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{html.escape(keys)}</b>&nbsp;&nbsp;</td><td>{html.escape(what)}</td></tr>"
                       for keys, what in SHORTCUTS)
        self.ctx.prompts.info(f"<p><b>Keyboard shortcuts</b></p><table>{rows}</table>")

    # ------------------------------------------------------------------ privacy
    def _privacy_key(self) -> None:
        """Ctrl+Shift+P pressed in a dialog or another window (see SafetyKeys)."""
        self.set_privacy(not self.ctx.privacy)

    def set_privacy(self, on: bool) -> None:
        """Privacy mode on at once; off only with the store's passphrase (a setting, on by
        default), so the person cannot turn it off while the laptop faces them."""
        on = bool(on)
        if (not on and self.ctx.privacy and self.ctx.store is not None
                and self.ctx.settings.get("privacy_exit_passphrase")):
            self.act_privacy.setChecked(True)  # stays on until the passphrase is checked
            if self._privacy_asking:
                return
            self._privacy_asking = True
            try:
                given = self.ctx.prompts.ask_password(
                    "Privacy mode is on. Enter the passphrase of this store to show everything again.", False)
            finally:
                self._privacy_asking = False
            if given and self.ctx.store is not None:
                ops.check_passphrase(self.ctx, given, self._privacy_passphrase_checked)
            return
        self._apply_privacy(on)

    def _privacy_passphrase_checked(self, ok: Any) -> None:
        if ok:
            self._apply_privacy(False)
        else:
            self.ctx.prompts.error("Wrong passphrase: privacy mode stays on.")

    def _apply_privacy(self, on: bool) -> None:
        self.ctx.set_privacy(on)  # every widget that shows restricted information subscribes

    def _privacy_changed(self, on: bool) -> None:
        self.act_privacy.setChecked(on)
        self.banner.setVisible(on)
        self.incoming.set_privacy(on)  # it names cases
        # only the open case is on screen: the caseload, search (and any other list of cases) hide
        self.act_search.setEnabled(self.ctx.store is not None and not on)

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

    def _lock_key(self) -> None:
        """Ctrl+L pressed in a dialog or another window (see SafetyKeys): lock now, without a
        question on top of the dialog (unsaved edits are kept as encrypted drafts, as on idle)."""
        self.lock(idle=True, by_hand=True)

    def lock(self, idle: bool = False, by_hand: bool = False) -> None:
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
            # an automatic lock (or Ctrl+L over a dialog) asks nothing: the edits are kept
            # encrypted in the store, offered back after the next unlock
            ops.save_drafts(self.ctx, self._collect_drafts(), None,
                            errors.shower(self.ctx.prompts, "Unsaved changes could not be kept"))
        self._do_lock()

    def _do_lock(self) -> None:
        if self.ctx.store is None:
            return
        on_case = self.pages.currentWidget() is self.workspace and self.workspace.ref is not None
        if self.ctx.store_path is not None:
            self._resume = (self.ctx.store_path, self.workspace.ref if on_case else None,
                            self.workspace.tabs.currentIndex())
        self._remember_case()
        self._close_dialogs()
        self.workspace.discard_all()
        self.workspace.clear()
        self.new_case_page.form.set_value({})
        self.caseload.clear()
        self.today.clear()
        self.team.clear()
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
        # every dialog and message box on top of the window goes (the preview, the signature
        # pads, a question): nothing of the case stays on screen behind the unlock page
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                widget.reject()
        for name in ("settings_dialog", "passphrase_dialog", "tools_dialog", "handover_dialog"):
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
        if (self.ctx.store is not None and not self._copy_asked and self.ctx.sync is not None
                and self.ctx.sync.reachable):
            # ask about an off-laptop copy first (the check runs on the worker), then close again
            event.ignore()
            self._copy_asked = True
            self._offer_copy("The record has changed since the last off-laptop copy and the shared drive "
                             "is reachable. Deliver a copy now, before closing?", lambda: None if self.close() else None)
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
            self._quitting = True
            self._shutdown()

    def _shutdown(self) -> None:
        """Stop sync, take the rolling backup (on the worker), close the store, stop the worker.
        A failed backup is reported but never stops the window closing; waiting is bounded."""
        self._shut_down = True
        self._copy_was_reachable = self.ctx.sync is not None and self.ctx.sync.reachable
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
                    errors.report(exc, "backup on closing")
                    outcome["error"] = errors.message_for(exc)

            if getattr(self, "_quitting", False) and self._copy_was_reachable:
                # log-off / quit without the window closing: nobody to ask, so a changed record
                # gets its off-laptop copy on the way out (bounded by the same wait)
                from app.team import copies

                self.ctx.tasks.run(lambda: copies.take_copy(store), None, lambda exc: None)
            self.ctx.tasks.run(backup)
        ops.close_store(self.ctx)
        finished = self.ctx.tasks.stop(CLOSE_BACKUP_WAIT_S)
        self.ctx.settings.flush()  # the last case and tab reach the disk before the app exits
        self.close_backup = outcome.get("path")
        if "error" in outcome:
            self.ctx.prompts.error(f"Casebook closed, but the backup taken on closing failed: {outcome['error']}")
        elif store is not None and not finished:
            self.ctx.prompts.warn("Casebook closed before the backup taken on closing had finished.")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b


__all__ = ["MainWindow", "TAB_NAMES"]
