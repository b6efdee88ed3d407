"""PdfPreviewDialog: in-memory page rendering, navigation, zoom, printing through the seam."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QWidget

from app.reports.data import contract_data, plan_data
from app.reports.pdf import encrypt_pdf, render_pdf
from app.ui.pdf_preview import PdfPreviewDialog
from tests.reports.sample import long_case, sample_case

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def long_pdf() -> bytes:
    return render_pdf(plan_data(long_case(12), for_individual=False, today=TODAY))


def test_navigation_and_zoom(qtbot, long_pdf: bytes, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("tempfile.mkstemp", lambda *a, **k: pytest.fail("preview wrote a temp file"))
    dialog = PdfPreviewDialog(long_pdf, "Plan", ask_print=lambda p, w: pytest.fail("no print asked"))
    qtbot.addWidget(dialog)
    n = len(PdfReader(__import__("io").BytesIO(long_pdf)).pages)
    assert dialog.page_count == n > 1
    assert dialog.page_label.text() == f"Page 1 of {n}"
    assert not dialog.prev_button.isEnabled() and dialog.next_button.isEnabled()
    first = dialog.current_image()
    assert not first.isNull() and first.width() > 500
    # A rendered page is mostly white paper with dark ink on it.
    assert first.pixelColor(5, 5).lightness() > 240
    dialog.next_button.click()
    assert dialog.current_page == 1 and dialog.page_label.text() == f"Page 2 of {n}"
    dialog.go_to(999)
    assert dialog.current_page == n - 1 and not dialog.next_button.isEnabled()
    dialog.previous_page()
    assert dialog.current_page == n - 2
    width = dialog.current_image().width()
    dialog.zoom_in_button.click()
    assert dialog.zoom == 1.25
    assert dialog.current_image().width() > width
    dialog.set_zoom(0.5)
    assert dialog.zoom_box.currentText() == "50%"
    assert not dialog.zoom_out_button.isEnabled()
    assert dialog.current_image().width() < width
    dialog.zoom_box.setCurrentIndex(dialog.zoom_box.count() - 1)
    assert dialog.zoom == 3.0 and not dialog.zoom_in_button.isEnabled()


def test_print_goes_through_the_seam(qtbot, long_pdf: bytes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "printed.pdf"
    asked: list[QPrinter] = []

    def fake_dialog(printer: QPrinter, parent: QWidget) -> bool:
        asked.append(printer)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        printer.setResolution(72)
        return True

    dialog = PdfPreviewDialog(long_pdf, "Plan", ask_print=fake_dialog, printer_names=lambda: ["Office"])
    qtbot.addWidget(dialog)
    # "Print to File": the document itself (owner only), not an image of its pages
    with qtbot.assertNotEmitted(dialog.printed), qtbot.waitSignal(dialog.saved_to_file) as saved:
        dialog.print_button.click()
    assert len(asked) == 1 and saved.args == [str(out)]
    assert out.read_bytes() == long_pdf and (out.stat().st_mode & 0o077) == 0
    # painting pages for a printer (the real print path) still renders every page
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "painted.pdf"))
    printer.setResolution(72)
    dialog.print_to(printer)
    assert len(PdfReader(str(tmp_path / "painted.pdf")).pages) == dialog.page_count


def test_no_printer_asks_nothing(qtbot, long_pdf: bytes) -> None:  # type: ignore[no-untyped-def]
    asked: list[Any] = []
    dialog = PdfPreviewDialog(long_pdf, "Plan", ask_print=lambda p, w: asked.append(p) or True,
                              printer_names=lambda: [])
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.problem) as problem:
        assert dialog.print_() is False
    assert asked == [] and "No printer is set up" in problem.args[0]


def test_print_cancelled(qtbot) -> None:  # type: ignore[no-untyped-def]
    pdf = render_pdf(contract_data(sample_case(), for_individual=True, today=TODAY))
    dialog = PdfPreviewDialog(pdf, "Contract", ask_print=lambda printer, parent: False,
                              printer_names=lambda: ["Office"])
    qtbot.addWidget(dialog)
    with qtbot.assertNotEmitted(dialog.printed):
        assert dialog.print_() is False


def test_password_protected_pdf(qtbot) -> None:  # type: ignore[no-untyped-def]
    pdf = encrypt_pdf(render_pdf(contract_data(sample_case(), for_individual=True, today=TODAY)), "s3cret")
    dialog = PdfPreviewDialog(pdf, "Contract", password="s3cret", ask_print=lambda p, w: False)
    qtbot.addWidget(dialog)
    assert dialog.page_count >= 1 and not dialog.current_image().isNull()
    with pytest.raises(Exception):  # noqa: B017 - pdfium refuses the wrong password
        PdfPreviewDialog(pdf, "Contract", password="wrong")
