"""A signature pad: pen, touch or mouse strokes -> PNG bytes (for Store.save_signature).

Standalone: no dependency on the main window.  The PNG is made in memory (never a file);
the caller hands it to ``Store.save_signature(ref, "contract", role, png, signed_on)``,
which keeps it inside the encrypted store.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QTabletEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

INK = QColor(10, 20, 80)
PEN_WIDTH = 2.6
MIN_INK_LENGTH = 12.0  # pixels of stroke below which the pad counts as empty (a stray tap)


class SignaturePad(QWidget):
    """Capture a handwritten signature.  ``changed`` fires after each stroke and on clear."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._strokes: list[list[QPointF]] = []
        self._drawing = False
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents, True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 120)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAccessibleName("Signature pad")
        self.setAccessibleDescription("Sign here with a pen, finger or mouse")
        self.setToolTip("Sign here with a pen, finger or mouse")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(480, 160)

    # ------------------------------------------------------------------ state
    def strokes(self) -> list[list[tuple[float, float]]]:
        return [[(p.x(), p.y()) for p in stroke] for stroke in self._strokes]

    def ink_length(self) -> float:
        total = 0.0
        for stroke in self._strokes:
            for a, b in zip(stroke, stroke[1:], strict=False):
                total += math.hypot(b.x() - a.x(), b.y() - a.y())
        return total

    def is_empty(self) -> bool:
        """No real signature yet (nothing drawn, or only a stray tap)."""
        return self.ink_length() < MIN_INK_LENGTH

    def clear(self) -> None:
        self._strokes.clear()
        self._drawing = False
        self.update()
        self.changed.emit()

    # ------------------------------------------------------------------ input
    def begin_stroke(self, point: QPointF) -> None:
        self._drawing = True
        self._strokes.append([QPointF(point)])
        self.update()

    def extend_stroke(self, point: QPointF) -> None:
        if not self._drawing or not self._strokes:
            return
        last = self._strokes[-1][-1]
        if math.hypot(point.x() - last.x(), point.y() - last.y()) >= 0.5:
            self._strokes[-1].append(QPointF(point))
            self.update()

    def end_stroke(self) -> None:
        if self._drawing:
            self._drawing = False
            self.changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.begin_stroke(event.position())
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.extend_stroke(event.position())
            event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.extend_stroke(event.position())
            self.end_stroke()
            event.accept()

    def tabletEvent(self, event: QTabletEvent) -> None:  # noqa: N802
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            self.begin_stroke(event.position())
        elif kind == QTabletEvent.Type.TabletMove:
            self.extend_stroke(event.position())
        elif kind == QTabletEvent.Type.TabletRelease:
            self.extend_stroke(event.position())
            self.end_stroke()
        event.accept()  # no synthesized mouse event: one stroke, not two

    def event(self, event: object) -> bool:
        if isinstance(event, QTouchEvent):
            points = event.points()
            kind = event.type()
            if points:
                pos = points[0].position()
                if kind == QTouchEvent.Type.TouchBegin:
                    self.begin_stroke(pos)
                elif kind == QTouchEvent.Type.TouchUpdate:
                    self.extend_stroke(pos)
                elif kind == QTouchEvent.Type.TouchEnd:
                    self.extend_stroke(pos)
                    self.end_stroke()
            if kind == QTouchEvent.Type.TouchCancel:
                self.end_stroke()
            event.accept()
            return True
        return super().event(event)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ drawing
    def _path(self) -> QPainterPath:
        path = QPainterPath()
        for stroke in self._strokes:
            if not stroke:
                continue
            path.moveTo(stroke[0])
            if len(stroke) == 1:
                path.lineTo(stroke[0] + QPointF(0.1, 0.1))
            for p in stroke[1:]:
                path.lineTo(p)
        return path

    def _pen(self) -> QPen:
        pen = QPen(INK, PEN_WIDTH)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        return pen

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        painter.setPen(QPen(QColor(200, 205, 212), 1, Qt.PenStyle.DashLine))
        base = self.height() - 28
        painter.drawLine(16, base, self.width() - 16, base)
        if not self._strokes:
            painter.setPen(QColor(150, 155, 160))
            painter.drawText(QRectF(16, base + 4, self.width() - 32, 20),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), "Sign above the line")
        painter.setPen(self._pen())
        painter.drawPath(self._path())
        painter.setPen(QColor(180, 185, 190))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.end()

    # ------------------------------------------------------------------ export
    def to_image(self, scale: float = 2.0, margin: int = 8) -> QImage:
        """The strokes cropped to their bounds on a transparent background."""
        if not self._strokes:
            return QImage()
        bounds = self._path().boundingRect().adjusted(-PEN_WIDTH, -PEN_WIDTH, PEN_WIDTH, PEN_WIDTH)
        w = max(1, math.ceil((bounds.width() + 2 * margin) * scale))
        h = max(1, math.ceil((bounds.height() + 2 * margin) * scale))
        image = QImage(w, h, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(scale, scale)
        painter.translate(margin - bounds.left(), margin - bounds.top())
        painter.setPen(self._pen())
        painter.drawPath(self._path())
        painter.end()
        return image

    def to_png(self) -> bytes:
        """PNG bytes of the signature (b'' when the pad is empty)."""
        if self.is_empty():
            return b""
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        # the stubs say bytes for the QIODevice overload; PySide6 6.12 accepts only str at runtime
        self.to_image().save(buf, "PNG")  # type: ignore[call-overload]
        buf.close()
        return bytes(data.data())
