"""SignaturePad: strokes from mouse and touch, empty detection, PNG export, into the store and a PDF."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.models.store import Store
from app.reports.render import render_document
from app.ui.signature_pad import SignaturePad
from tests.reports.sample import REF, bundle, sample_case


def _mouse(widget: SignaturePad, kind: QEvent.Type, x: float, y: float, button: Qt.MouseButton,
           buttons: Qt.MouseButton) -> None:
    pos = QPointF(x, y)
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def draw(widget: SignaturePad, points: list[tuple[float, float]]) -> None:
    left = Qt.MouseButton.LeftButton
    _mouse(widget, QEvent.Type.MouseButtonPress, *points[0], left, left)
    for x, y in points[1:]:
        _mouse(widget, QEvent.Type.MouseMove, x, y, Qt.MouseButton.NoButton, left)
    _mouse(widget, QEvent.Type.MouseButtonRelease, *points[-1], left, Qt.MouseButton.NoButton)


def test_empty_until_signed_then_png(qtbot) -> None:  # type: ignore[no-untyped-def]
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(400, 150)
    assert pad.is_empty()
    assert pad.to_png() == b""
    with qtbot.waitSignal(pad.changed):
        draw(pad, [(20, 100), (60, 40), (110, 110), (170, 30), (240, 90)])
    assert not pad.is_empty()
    assert len(pad.strokes()) == 1 and len(pad.strokes()[0]) == 5
    png = pad.to_png()
    assert png.startswith(b"\x89PNG")
    image = QImage.fromData(png)
    assert image.width() > 200 and image.height() > 60
    assert image.hasAlphaChannel()
    assert image.pixelColor(0, 0).alpha() == 0  # transparent background
    with qtbot.waitSignal(pad.changed):
        pad.clear()
    assert pad.is_empty() and pad.strokes() == []


def test_a_stray_tap_is_not_a_signature(qtbot) -> None:  # type: ignore[no-untyped-def]
    pad = SignaturePad()
    qtbot.addWidget(pad)
    draw(pad, [(50, 50), (52, 51)])
    assert len(pad.strokes()) == 1
    assert pad.is_empty()
    assert pad.to_png() == b""


def test_touch_strokes(qtbot) -> None:  # type: ignore[no-untyped-def]
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(400, 150)
    pad.show()
    qtbot.waitExposed(pad)
    device = QTest.createTouchDevice()
    QTest.touchEvent(pad, device).press(0, QPoint(20, 100)).commit()
    QTest.touchEvent(pad, device).move(0, QPoint(120, 40)).commit()
    QTest.touchEvent(pad, device).move(0, QPoint(220, 100)).commit()
    QTest.touchEvent(pad, device).release(0, QPoint(300, 60)).commit()
    assert len(pad.strokes()) == 1
    assert not pad.is_empty()


def test_signature_kept_in_store_and_drawn_in_contract(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    store.import_bundle(bundle(sample_case()))
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(400, 150)
    draw(pad, [(20, 100), (80, 30), (160, 110), (260, 40)])
    store.save_signature(REF, "contract", "individual", pad.to_png(), dt.date(2026, 5, 14))
    png, signed_on = store.get_signature(REF, "contract", "individual") or (b"", None)
    assert png == pad.to_png() and signed_on == dt.date(2026, 5, 14)
    pdf = render_document(store, "contract", REF, for_individual=True)
    reader = PdfReader(io.BytesIO(pdf))
    assert sum(len(page.images) for page in reader.pages) == 1
