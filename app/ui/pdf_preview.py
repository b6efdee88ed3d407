"""Preview PDF bytes page by page (pypdfium2 -> QImage, all in memory) and print them.

Standalone: give it the bytes from ``app.reports.render.render_document``.  Nothing is
written to disk: pages are rendered straight from the bytes into QImages.  Printing goes
through ``ask_print`` (a seam: tests pass a function instead of opening a real dialog);
the ``printed`` signal tells the caller to record the export in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QImage, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.atomic import write_bytes_atomic
from app.ui import errors

ZOOMS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)
SCREEN_DPI = 96.0
PRINT_DPI_CAP = 300.0

PrintAsker = Callable[[QPrinter, QWidget], bool]


def ask_with_print_dialog(printer: QPrinter, parent: QWidget) -> bool:
    """The real print dialog (the default ``ask_print``)."""
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print document")
    return dialog.exec() == QDialog.DialogCode.Accepted


def page_image(page: pdfium.PdfPage, scale: float) -> QImage:
    """One page at ``scale`` (1.0 = 72 dpi) as a QImage owned by Qt (a deep copy)."""
    bitmap = page.render(scale=scale, rev_byteorder=True, prefer_bgrx=True)
    try:
        image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride,
                       QImage.Format.Format_RGBX8888)
        return image.copy()
    finally:
        bitmap.close()


class PdfPreviewDialog(QDialog):
    """Page-by-page preview with zoom, navigation and Print."""

    printed = Signal(str)  # the printer's name: the document went to a real printer
    saved_to_file = Signal(str)  # "Print to File" chosen: the real PDF was written to this path
    problem = Signal(str)  # a one-line message for the officer (no printer set up ...)

    def __init__(self, pdf: bytes, title: str = "Preview", parent: QWidget | None = None, *,
                 password: str | None = None, ask_print: PrintAsker | None = None,
                 printer_names: Callable[[], list[str]] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self._doc: pdfium.PdfDocument | None = pdfium.PdfDocument(pdf, password=password)
        self._page_count = len(self._doc)
        self._index = 0
        self._zoom = 1.0
        self._image = QImage()
        self.ask_print: PrintAsker = ask_print or ask_with_print_dialog
        self.printer_names: Callable[[], list[str]] = printer_names or QPrinterInfo.availablePrinterNames
        self._bytes = pdf  # the document itself, for "Print to File"

        self.image_label = QLabel()
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_label.setAccessibleName("Page image")
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.image_label)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.prev_button = QPushButton("◀ Previous")
        self.next_button = QPushButton("Next ▶")
        self.page_label = QLabel()
        self.zoom_out_button = QPushButton("−")
        self.zoom_out_button.setAccessibleName("Zoom out")
        self.zoom_in_button = QPushButton("+")
        self.zoom_in_button.setAccessibleName("Zoom in")
        self.zoom_box = QComboBox()
        self.zoom_box.setAccessibleName("Zoom")
        for z in ZOOMS:
            self.zoom_box.addItem(f"{round(z * 100)}%", z)
        self.zoom_box.setCurrentIndex(ZOOMS.index(1.0))
        self.print_button = QPushButton("Print…")
        self.close_button = QPushButton("Close")

        bar = QHBoxLayout()
        nav: tuple[QWidget, ...] = (self.prev_button, self.page_label, self.next_button)
        for w in nav:
            bar.addWidget(w)
        bar.addStretch(1)
        zoom: tuple[QWidget, ...] = (self.zoom_out_button, self.zoom_box, self.zoom_in_button)
        for w in zoom:
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.print_button)
        bar.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.scroll_area, 1)

        self.prev_button.clicked.connect(self.previous_page)
        self.next_button.clicked.connect(self.next_page)
        self.zoom_in_button.clicked.connect(self.zoom_in)
        self.zoom_out_button.clicked.connect(self.zoom_out)
        self.zoom_box.currentIndexChanged.connect(lambda i: self.set_zoom(ZOOMS[i]))
        self.print_button.clicked.connect(self.print_)
        self.close_button.clicked.connect(self.accept)
        QShortcut(QKeySequence(QKeySequence.StandardKey.MoveToNextPage), self, self.next_page)
        QShortcut(QKeySequence(QKeySequence.StandardKey.MoveToPreviousPage), self, self.previous_page)
        QShortcut(QKeySequence(QKeySequence.StandardKey.ZoomIn), self, self.zoom_in)
        QShortcut(QKeySequence(QKeySequence.StandardKey.ZoomOut), self, self.zoom_out)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self, self.print_)
        self.resize(860, 1000)
        self._show()

    # ------------------------------------------------------------------ state
    @property
    def page_count(self) -> int:
        return self._page_count

    @property
    def current_page(self) -> int:
        """0-based index of the page shown."""
        return self._index

    @property
    def zoom(self) -> float:
        return self._zoom

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(860, 1000)

    # ------------------------------------------------------------------ navigation and zoom
    def go_to(self, index: int) -> None:
        self._index = max(0, min(self._page_count - 1, index))
        self._show()

    def next_page(self) -> None:
        self.go_to(self._index + 1)

    def previous_page(self) -> None:
        self.go_to(self._index - 1)

    def set_zoom(self, zoom: float) -> None:
        self._zoom = max(ZOOMS[0], min(ZOOMS[-1], zoom))
        nearest = min(range(len(ZOOMS)), key=lambda i: abs(ZOOMS[i] - self._zoom))
        if self.zoom_box.currentIndex() != nearest:
            self.zoom_box.blockSignals(True)
            self.zoom_box.setCurrentIndex(nearest)
            self.zoom_box.blockSignals(False)
        self._show()

    def zoom_in(self) -> None:
        bigger = [z for z in ZOOMS if z > self._zoom + 1e-9]
        if bigger:
            self.set_zoom(bigger[0])

    def zoom_out(self) -> None:
        smaller = [z for z in ZOOMS if z < self._zoom - 1e-9]
        if smaller:
            self.set_zoom(smaller[-1])

    def current_image(self) -> QImage:
        return self._image

    def _show(self) -> None:
        if self._doc is None:
            return
        if self._page_count == 0:
            self._image = QImage()
            self.image_label.setText("This document has no pages.")
        else:
            page = self._doc[self._index]
            try:
                ratio = self.devicePixelRatioF() or 1.0
                self._image = page_image(page, self._zoom * SCREEN_DPI / 72.0 * ratio)
            finally:
                page.close()
            self._image.setDevicePixelRatio(ratio)
            self.image_label.setPixmap(QPixmap.fromImage(self._image))
        self.page_label.setText(f"Page {self._index + 1} of {self._page_count}")
        self.prev_button.setEnabled(self._index > 0)
        self.next_button.setEnabled(self._index < self._page_count - 1)
        self.zoom_in_button.setEnabled(self._zoom < ZOOMS[-1])
        self.zoom_out_button.setEnabled(self._zoom > ZOOMS[0])

    # ------------------------------------------------------------------ printing
    def print_(self) -> bool:
        """Ask (through the seam), then print every page; True when printed.

        With no printer set up nothing is asked (the dialog would offer only "Print to File",
        an image of the pages).  When "Print to File" is chosen all the same, the file written
        is the real document (text, owner-only), never a print image."""
        if not self.printer_names():
            self.problem.emit("No printer is set up on this computer, so nothing was printed. To keep the "
                              "document as a file, use Save as….")
            return False
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.windowTitle())
        printer.setFromTo(1, self._page_count)
        if not self.ask_print(printer, self):
            return False
        if printer.outputFileName():  # "Print to File"
            self.print_to_file(Path(printer.outputFileName()))
            return False
        self.print_to(printer)
        self.printed.emit(printer.printerName() or "the printer")
        return True

    def print_to_file(self, path: Path) -> None:
        """"Print to File": write the document itself, readable only by this user."""
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        try:
            write_bytes_atomic(path, self._bytes)
        except OSError as exc:
            errors.report(exc, "PDF not written")
            self.problem.emit(errors.message_for(exc, f"Could not write {path.name}"))
            return
        self.saved_to_file.emit(str(path))

    def print_to(self, printer: QPrinter) -> None:
        """Render each chosen page at the printer's resolution (capped) and paint it."""
        if self._doc is None:
            raise OSError("the preview has been closed")
        first, last = printer.fromPage(), printer.toPage()
        if first <= 0 or last <= 0:
            first, last = 1, self._page_count
        painter = QPainter()
        if not painter.begin(printer):
            raise OSError("the printer could not be started")
        try:
            dpi = min(float(printer.resolution()), PRINT_DPI_CAP)
            for n in range(first - 1, min(last, self._page_count)):
                if n > first - 1:
                    printer.newPage()
                page = self._doc[n]
                try:
                    image = page_image(page, dpi / 72.0)
                finally:
                    page.close()
                area = painter.viewport()
                size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
                target = QRect(area.x() + (area.width() - size.width()) // 2, area.y(), size.width(),
                               size.height())
                painter.drawImage(target, image)
        finally:
            painter.end()

    # ------------------------------------------------------------------ cleanup
    def done(self, result: int) -> None:
        self._release()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._release()
        super().closeEvent(event)

    def _release(self) -> None:
        self._bytes = b""
        if self._doc is not None:
            self._doc.close()
            self._doc = None
