"""Unlock or create a store: recent stores, passphrase strength on create, a clear message
and a growing lockout after wrong passphrases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.errors import DamagedStoreError, UnlockError
from app.models.rules.passphrase import Strength
from app.models.rules.passphrase import problem as passphrase_problem
from app.models.rules.passphrase import strength as passphrase_strength
from app.models.store.security import newest_backup, unlock_failure_message
from app.ui import errors
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.table_models import STATUS_COLOURS

LOCKOUT_SECONDS = [0, 1, 2, 4, 8, 16, 30]


def strength_label(s: Strength) -> tuple[str, str]:
    """The meter's words and colour for a zxcvbn estimate."""
    colour = (STATUS_COLOURS["overdue"] if s.score <= 1 else STATUS_COLOURS["due_soon"] if not s.acceptable
              else STATUS_COLOURS["done"])
    return s.label, colour


def meter_text(s: Strength) -> str:
    return f"{s.label} (about {s.bits:.0f} bits)"


WRONG_PASSPHRASE = "Wrong passphrase. Check Caps Lock and the keyboard layout, then try again."
BACKUP_HINT_AFTER = 3  # refusals before the newest backup is mentioned


RESTORE_WITH_PASSPHRASE = "My passphrase"
RESTORE_WITH_RECOVERY = "The team recovery identity (team manager), setting a new passphrase"


class UnlockPage(QWidget):
    unlocked = Signal(object)  # the open Store
    failed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path: Path | None = None
        self.creating = False
        self.just_created = False
        self.failures = 0
        self.lockout_seconds = list(LOCKOUT_SECONDS)
        self._wait = 0
        self.busy = False

        title = QLabel("Casebook", self)
        title.setStyleSheet("font-size: 22pt; font-weight: bold;")
        subtitle = QLabel("Encrypted case records for Community Payback Order supervision.", self)
        self.recent = QListWidget(self)
        self.recent.setAccessibleName("Recent stores")
        self.recent.setMaximumHeight(130)
        self.recent.currentItemChanged.connect(self._recent_chosen)
        self.recent.itemActivated.connect(self._focus_passphrase)
        open_other = QPushButton("&Open another store…", self)
        open_other.clicked.connect(self.choose_store)
        create = QPushButton("Create a &new store…", self)
        create.clicked.connect(self.choose_new_store)
        self.restore_button = QPushButton("Restore from the &shared drive…", self)
        self.restore_button.setToolTip("A new laptop, or a lost passphrase: restore the newest copy of your "
                                       "record from the team's shared drive folder to a new store file")
        self.restore_button.clicked.connect(self.restore_from_shared)
        self.store_label = QLabel(self)
        self.store_label.setWordWrap(True)
        self.store_label.setAccessibleName("Store")
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.passphrase.textChanged.connect(self._update_strength)
        self.passphrase.returnPressed.connect(self.submit)
        self.confirm = QLineEdit(self)
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm.setAccessibleName("Confirm passphrase")
        self.confirm.returnPressed.connect(self.submit)
        self.confirm.textChanged.connect(self._update_strength)
        self.strength = QProgressBar(self)
        self.strength.setRange(0, 100)
        self.strength.setTextVisible(True)
        self.strength.setAccessibleName("Passphrase strength")
        self.strength_text = QLabel(self)
        self.strength_text.setWordWrap(True)
        self.button = QPushButton("&Unlock", self)
        self.button.setDefault(True)
        self.button.clicked.connect(self.submit)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        self.message.setStyleSheet(f"color: white; background: {STATUS_COLOURS['overdue']}; padding: 6px;"
                                   " border-radius: 3px;")
        self.message.hide()
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)

        self.form = QFormLayout()
        self.form.addRow("Store:", self.store_label)
        pl = QLabel("&Passphrase:", self)
        pl.setBuddy(self.passphrase)
        self.form.addRow(pl, self.passphrase)
        self.confirm_label = QLabel("&Confirm:", self)
        self.confirm_label.setBuddy(self.confirm)
        self.form.addRow(self.confirm_label, self.confirm)
        self.strength_label = QLabel("Strength:", self)
        self.form.addRow(self.strength_label, self.strength)
        self.form.addRow("", self.strength_text)

        card = QFrame(self)
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMaximumWidth(620)
        cl = QVBoxLayout(card)
        cl.setContentsMargins(24, 20, 24, 20)
        cl.addWidget(title)
        cl.addWidget(subtitle)
        rl = QLabel("&Recent stores:", self)
        rl.setBuddy(self.recent)
        cl.addWidget(rl)
        cl.addWidget(self.recent)
        bl = QHBoxLayout()
        bl.addWidget(open_other)
        bl.addWidget(create)
        bl.addWidget(self.restore_button)
        bl.addStretch(1)
        cl.addLayout(bl)
        cl.addSpacing(8)
        cl.addLayout(self.form)
        cl.addWidget(self.message)
        cl.addWidget(self.info)
        al = QHBoxLayout()
        al.addStretch(1)
        al.addWidget(self.button)
        cl.addLayout(al)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 3)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.set_mode(False)
        self.refresh_recent()

    # ------------------------------------------------------------------ choosing a store
    def refresh_recent(self) -> None:
        self.recent.blockSignals(True)
        self.recent.clear()
        for p in self.ctx.settings.get("recent_stores"):
            item = QListWidgetItem(Path(p).name + "   —   " + str(Path(p).parent))
            item.setData(Qt.ItemDataRole.UserRole, p)
            self.recent.addItem(item)
        self.recent.blockSignals(False)

    def _recent_chosen(self, item: QListWidgetItem | None, _: Any = None) -> None:
        if item is not None:
            self.set_store(Path(item.data(Qt.ItemDataRole.UserRole)), creating=False)

    def _focus_passphrase(self, *_: Any) -> None:
        self.passphrase.setFocus()

    def choose_store(self) -> None:
        path = self.ctx.prompts.open_file("Open a Casebook store")
        if path:
            self.set_store(Path(path), creating=False)

    def choose_new_store(self) -> None:
        path = self.ctx.prompts.save_file("Create a new Casebook store")
        if path:
            p = Path(path)
            if p.suffix == "":
                p = p.with_suffix(".cbk")
            if p.exists():
                self.ctx.prompts.warn(f"{p.name} already exists: open it, or choose another name.")
                return
            self.set_store(p, creating=True)

    def set_store(self, path: Path, creating: bool = False) -> None:
        self.path = path
        self.store_label.setText(f"{path.name}  ({path.parent})" + ("  — new" if creating else ""))
        self.set_mode(creating)
        self.message.hide()
        self.passphrase.setFocus()

    def set_mode(self, creating: bool) -> None:
        self.creating = creating
        for w in (self.confirm, self.confirm_label, self.strength, self.strength_label, self.strength_text):
            w.setVisible(creating)
        self.button.setText("&Create store" if creating else "&Unlock")
        self.info.setText("Choose a long passphrase: several unrelated words work well. It cannot be recovered."
                          if creating else "")
        self._update_strength()

    def _update_strength(self) -> None:
        if not self.creating:
            return
        s = passphrase_strength(self.passphrase.text())
        text, colour = strength_label(s)
        self.strength.setValue(min(100, int(s.bits)))
        self.strength.setFormat(meter_text(s))
        self.strength.setStyleSheet(f"QProgressBar::chunk {{ background: {colour}; }}")
        hint = ""
        refused = passphrase_problem(self.passphrase.text()) if self.passphrase.text() else None
        if refused:
            hint = f"Not yet strong enough: {refused}."
        elif self.confirm.text() and self.confirm.text() != self.passphrase.text():
            hint = "The two passphrases differ."
        self.strength_text.setText(hint)

    # ------------------------------------------------------------------ unlocking
    def reset(self) -> None:
        """Back to a blank passphrase (after lock)."""
        self.passphrase.clear()
        self.confirm.clear()
        self.message.hide()
        self.busy = False
        self._enable()
        self.refresh_recent()

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def submit(self) -> None:
        if self.busy or self._wait > 0:
            return
        if self.path is None:
            self.show_message("Choose a store first: a recent one, or Open / Create.")
            return
        phrase = self.passphrase.text()
        if not phrase:
            self.show_message("Enter the passphrase.")
            return
        if self.creating:
            refused = passphrase_problem(phrase)
            if refused:
                self.show_message(f"This passphrase is {refused}.")
                return
            if phrase != self.confirm.text():
                self.show_message("The two passphrases differ.")
                return
        self.officer_name = None
        if self.creating:
            name = self.ctx.prompts.ask_text(
                "Your name as the responsible officer (shown on documents and in the audit trail; "
                "you can change it later in Settings):")
            if name is None:
                return
            self.officer_name = " ".join(name.split()) or None
        self.unlock_with(phrase)

    def unlock_with(self, phrase: str) -> None:
        assert self.path is not None
        self.busy = True
        self.button.setEnabled(False)
        self.message.hide()
        self.info.setText("Creating…" if self.creating else "Unlocking…")
        path = self.path
        if self.creating:
            ops.create_store(self.ctx, path, phrase, self._done, self._error,
                             officer=getattr(self, "officer_name", None))
        else:
            ops.open_store(self.ctx, path, phrase, self._done, self._error)

    def _done(self, store: Any) -> None:
        self.busy = False
        self.failures = 0
        self.passphrase.clear()
        self.confirm.clear()
        self.info.clear()
        self.just_created = self.creating  # the main window opens a new store on the caseload
        self.set_mode(False)
        self._enable()
        self.unlocked.emit(store)

    def _error(self, exc: BaseException) -> None:
        self.busy = False
        self.info.clear()
        self.passphrase.clear()
        errors.report(exc)
        message = errors.message_for(exc, None if errors.expected(exc) else "Could not open the store")
        if isinstance(exc, DamagedStoreError) and self.path is not None:
            message = unlock_failure_message(self.path, exc)  # really damaged: names the newest backup
        elif isinstance(exc, UnlockError):
            # a wrong passphrase first: a damaged first page reads the same, so the backup is
            # mentioned only after several refusals of a passphrase the officer is sure of
            message = WRONG_PASSPHRASE
            newest = newest_backup(self.path) if self.path is not None else None
            if self.failures + 1 >= BACKUP_HINT_AFTER and newest is not None:
                message += (f" If you are sure it is right, the file may be damaged: the newest backup is "
                            f"{newest.path.name}, in {newest.path.parent}.")
        if isinstance(exc, UnlockError):
            self.failures += 1
            wait = self.lockout_seconds[min(self.failures, len(self.lockout_seconds) - 1)]
            if wait > 0:
                self._wait = wait
                self.timer.start()
        self.show_message(message[:1].upper() + message[1:])
        self._enable()
        self.failed.emit(message)
        self.passphrase.setFocus()

    def _tick(self) -> None:
        self._wait -= 1
        if self._wait <= 0:
            self._wait = 0
            self.timer.stop()
        self._enable()

    def _enable(self) -> None:
        waiting = self._wait > 0
        self.button.setEnabled(not waiting and not self.busy)
        if waiting:
            self.info.setText(f"Too many wrong attempts: try again in {self._wait} s.")
        elif not self.busy:
            self.info.setText("" if not self.creating else self.info.text())

    # ------------------------------------------------------------------ restore from the shared drive
    def restore_from_shared(self) -> None:
        """The same steps as ``casebook restore --from-shared``: the folder, whose copy, the new
        file, then the passphrase (or the team recovery identity and a new passphrase)."""
        if self.busy:
            return
        folder = self.ctx.prompts.choose_folder("The team's shared drive folder")
        if not folder:
            return
        self.busy = True
        self._enable()
        self.info.setText("Looking for copies on the shared drive…")
        ops.officers_on_drive(self.ctx, Path(folder), lambda found: self._restore_officer(Path(folder), found),
                              self._restore_failed)

    def _restore_officer(self, folder: Path, found: list[str]) -> None:
        self.busy = False
        self.info.clear()
        self._enable()
        if not found:
            self.show_message(f"No off-laptop copies in {folder} (Casebook keeps them in casebook/backups there).")
            return
        officer = found[0]
        if len(found) > 1:
            index = self.ctx.prompts.choose("Whose record? (officer ids, as Settings and `casebook identity` "
                                            "show them)", found)
            if index is None:
                return
            officer = found[index]
        how = self.ctx.prompts.choose("Open the copy with:", [RESTORE_WITH_PASSPHRASE, RESTORE_WITH_RECOVERY])
        if how is None:
            return
        target = self.ctx.prompts.save_file("Save the restored store as (a new file)")
        if not target:
            return
        new = Path(target)
        if new.suffix == "":
            new = new.with_suffix(".cbk")
        if new.exists():
            self.show_message(f"{new.name} already exists: choose a new file (nothing is ever replaced).")
            return
        if how == 0:
            phrase = self.ctx.prompts.ask_password("The passphrase of the record on the shared drive:",
                                                   confirm=False)
            if not phrase:
                return
            kwargs: dict[str, Any] = {"passphrase": phrase}
        else:
            key = self.ctx.prompts.open_file("The team recovery identity (age key file)", "All files (*)")
            if not key:
                return
            phrase = self.ctx.prompts.ask_password("A new passphrase for the restored store:", confirm=True)
            if not phrase:
                return
            weak = passphrase_problem(phrase)
            if weak:
                self.show_message(f"The new passphrase is {weak}.")
                return
            kwargs = {"identity_file": Path(key), "new_passphrase": phrase}
        self.busy = True
        self._enable()
        self.message.hide()
        self.info.setText("Restoring from the shared drive (checking the copy)…")
        ops.restore_from_shared(self.ctx, new, folder, officer, self._restored, self._restore_failed, **kwargs)

    def _restored(self, result: Any) -> None:
        self.busy = False
        self.info.clear()
        self._enable()
        skipped = "".join(f"\nSkipped {name}: {why}." for name, why in result.skipped)
        self.ctx.prompts.info(f"Restored {result.path.name} from the shared drive copy {result.copy}; its "
                              f"integrity check passed.{skipped}\nUnlock it with "
                              + ("the new passphrase." if result.recovered else "your passphrase."))
        self.set_store(result.path, creating=False)

    def _restore_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.info.clear()
        self._enable()
        errors.report(exc)
        message = errors.message_for(exc, None if errors.expected(exc) else "Restore failed")
        self.show_message(message[:1].upper() + message[1:])
