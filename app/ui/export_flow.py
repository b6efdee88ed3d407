"""Export PDF: render on the store worker, preview, then Print, Save as… or queue for the
team's shared drive.  The audit event (``record_export``) is written when the document
leaves the app (saved, printed or queued), never for a mere preview."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.reports.render import suggested_filename
from app.ui import errors
from app.ui import operations as ops
from app.ui.context import AppContext
from app.ui.forms import show_date
from app.ui.pdf_preview import PdfPreviewDialog
from app.ui.table_models import STATUS_COLOURS

DOCUMENT_TITLES = {"contract": "Engagement contract", "plan": "Case management plan",
                   "review": "Review summary", "appointment_letter": "Appointment letter",
                   "warning_letter": "Warning letter", "compliance": "Compliance summary"}
PERSONS_COPY = "Person's copy — third-party information withheld"
OFFICERS_COPY = "Officer's copy — may include not-for-disclosure information: do not give it to the person"
PERSON_COLOUR = "#2e7d32"


def copy_label(for_individual: bool) -> str:
    return PERSONS_COPY if for_individual else OFFICERS_COPY


def one_line(exc: BaseException) -> str:
    return errors.message_for(exc)


class ExportDialog(PdfPreviewDialog):
    """The preview with the export choices.  ``exported(how)`` fires after each audited
    export: "saved", "printed" or "queued"."""

    exported = Signal(str)

    def __init__(self, ctx: AppContext, ref: str, document: str, for_individual: bool,
                 review_date: dt.date | None, pdf: bytes, parent: QWidget | None = None,
                 options: dict[str, Any] | None = None) -> None:
        title = f"{DOCUMENT_TITLES[document]}" + (f" {review_date.strftime('%d/%m/%Y')}" if review_date else "")
        title += f" — {'person' if for_individual else 'officer'}'s copy — {ref}"
        super().__init__(pdf, title, parent, ask_print=ctx.prompts.ask_print,
                         printer_names=ctx.prompts.printer_names)
        self.ctx = ctx
        self.ref = ref
        self.document = document
        self.for_individual = for_individual
        self.review_date = review_date
        self.options = dict(options or {})  # letters: appointment id, large type
        self._pdf = pdf

        self.copy_banner = QLabel(copy_label(for_individual), self)
        self.copy_banner.setWordWrap(True)
        self.copy_banner.setAccessibleName("Which copy")
        colour = PERSON_COLOUR if for_individual else STATUS_COLOURS["nfd"]
        self.copy_banner.setStyleSheet(f"color: white; background: {colour}; font-weight: bold; padding: 6px;")
        self.password_box = QCheckBox("Protect with a &password (AES-256)", self)
        self.password_box.setAccessibleName("Protect the PDF with a password")
        self.save_button = QPushButton("&Save as…", self)
        self.save_button.setAccessibleName("Save the PDF to a file")
        self.queue_button = QPushButton("&Queue for the team's shared drive", self)
        self.queue_button.setAccessibleName("Queue the PDF for the team's shared drive")
        self.status = QLabel(self)
        self.status.setAccessibleName("Export status")
        self.status.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(self.password_box)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.save_button)
        bar.addWidget(self.queue_button)
        lay = self.layout()
        assert isinstance(lay, QVBoxLayout)
        lay.insertWidget(0, self.copy_banner)
        lay.addLayout(bar)
        self.save_button.clicked.connect(self.save_as)
        self.queue_button.clicked.connect(self.queue)
        self.printed.connect(self._printed)
        self.problem.connect(ctx.prompts.warn)
        screen = (parent or self).screen()
        if screen is not None:  # fit a 1366x768 laptop screen
            area = screen.availableGeometry()
            self.resize(min(900, area.width() - 40), min(1000, area.height() - 60))

    # ------------------------------------------------------------------ helpers
    def _password(self) -> str | None:
        """'' for no password; None when the officer cancelled."""
        if not self.password_box.isChecked():
            return ""
        return self.ctx.prompts.ask_password(
            "Password needed to open the PDF (AES-256). Give it to the reader separately, never with the file.",
            True)

    def _busy(self, on: bool) -> None:
        self.save_button.setEnabled(not on)
        self.queue_button.setEnabled(not on)

    def _failed(self, what: str) -> Callable[[BaseException], None]:
        def fail(exc: BaseException) -> None:
            self._busy(False)
            self.status.setText("")
            errors.show(self.ctx.prompts, exc, what)
        return fail

    # ------------------------------------------------------------------ actions
    def save_as(self) -> None:
        name = suggested_filename(self.document, self.ref, for_individual=self.for_individual,
                                      review_date=self.review_date)
        chosen = self.ctx.prompts.save_file("Save PDF as", "PDF documents (*.pdf)", name)
        if not chosen:
            return
        self._save_to(Path(chosen))

    def print_to_file(self, path: Path) -> None:
        """"Print to File" in the print dialog: the real document through Save (audited,
        owner-only, password protected when ticked), never an image of the pages."""
        self._save_to(path)

    def _save_to(self, path: Path) -> None:
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        if path.is_dir():
            self.ctx.prompts.error(f"{path} is a folder: choose a file name.")
            return
        password = self._password()
        if password is None:
            return
        self._busy(True)
        self.status.setText("Saving…")

        def done(_: Any) -> None:
            self._busy(False)
            self.status.setText(f"Saved as {path.name}" + (" (password protected)" if password else ""))
            self.exported.emit("saved")

        ops.save_pdf(self.ctx, self.ref, self.document, self.for_individual, self._pdf, path, password or None,
                     done, self._failed("Could not save the PDF"), appointment=self.options.get("appointment"))

    def queue(self) -> None:
        password = self._password()
        if password is None:
            return
        self._busy(True)
        self.status.setText("Queueing…")

        def done(name: Any) -> None:
            self._busy(False)
            self.status.setText(f"Queued for the shared drive as {name}")
            self.exported.emit("queued")
            if self.ctx.sync is not None:
                self.ctx.sync.start()  # a pass now: delivers at once when the drive is reachable

        ops.queue_pdf(self.ctx, self.ref, self.document, self.for_individual, self.review_date, self._pdf,
                      password or None, done, self._failed("Could not queue the PDF"),
                      appointment=self.options.get("appointment"))

    def _printed(self, printer: str) -> None:
        ops.record_printed(self.ctx, self.ref, self.document, self.for_individual,
                           lambda _: self.exported.emit("printed"), self._failed("Printed, but not recorded"),
                           appointment=self.options.get("appointment"))
        self.status.setText(f"Sent to {printer}")

    def _release(self) -> None:
        self._pdf = b""
        super()._release()


def review_choice(ctx: AppContext, held_on: list[str]) -> tuple[bool, dt.date | None]:
    """(go on?, review date): the latest by default; the officer chooses when there are several."""
    dates = sorted({d for d in held_on if d}, reverse=True)
    if len(dates) < 2:
        return True, None
    labels = [show_date(d) + (" (latest)" if i == 0 else "") for i, d in enumerate(dates)]
    index = ctx.prompts.choose("Which review summary?", labels, 0)
    if index is None:
        return False, None
    return True, dt.date.fromisoformat(dates[index])


def start_export(ctx: AppContext, ref: str, document: str, copy: str, *, review_dates: list[str] | None = None,
                 parent: QWidget | None = None, on_shown: Callable[[ExportDialog], None] | None = None,
                 options: dict[str, Any] | None = None, on_exported: Callable[[str], None] | None = None) -> None:
    """Render off the GUI thread, then open the preview (window-modal, not blocking).
    ``options``: the letters' appointment id and large type (app/reports/render.py)."""
    if document not in DOCUMENT_TITLES or copy not in ("officer", "individual"):
        ctx.prompts.error(f"Unknown export {document}/{copy}.")
        return
    for_individual = copy == "individual"
    if ctx.privacy and not for_individual and not ctx.prompts.confirm(
            "Privacy mode is on. The officer's copy shows not-for-disclosure information on screen. Show it?"):
        return
    review_date: dt.date | None = None
    if document == "review" and review_dates:
        go, review_date = review_choice(ctx, review_dates)
        if not go:
            return

    def shown(pdf: Any) -> None:
        dialog = ExportDialog(ctx, ref, document, for_individual, review_date, pdf, parent, options)
        if on_exported is not None:
            dialog.exported.connect(on_exported)
        if on_shown is not None:
            on_shown(dialog)
        dialog.open()

    def failed(exc: BaseException) -> None:
        errors.report(exc, "PDF not made")
        message = one_line(exc)
        ctx.prompts.info(message + ("" if message.endswith(".") else "."))

    ops.render_pdf(ctx, ref, document, for_individual, review_date, shown, failed, **(options or {}))
