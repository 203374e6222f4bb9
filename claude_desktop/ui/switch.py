"""An on/off switch (a checkable button drawn as a pill), in the theme's tokens.

Space toggles it like any checkable button; it shows a focus ring in the accent colour.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QAbstractButton, QWidget

from . import theme

__all__ = ["Switch"]


class Switch(QAbstractButton):
    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(accessible_name)

    def sizeHint(self) -> QSize:
        return QSize(40, 24)

    def paintEvent(self, event: QPaintEvent) -> None:
        tokens = theme.tokens_for(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = QRectF(3, 4, 34, 16)
        on = self.isChecked()
        if not self.isEnabled():
            fill = QColor(tokens.disabled)
        else:
            fill = QColor(
                tokens.accent if on else (tokens.border if tokens.dark else tokens.disabled)
            )
        if self.hasFocus():
            painter.setPen(QPen(QColor(tokens.accent), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(track.adjusted(-2.5, -2.5, 2.5, 2.5), 10.5, 10.5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(track, 8, 8)
        knob_color = tokens.on_accent if on else (tokens.secondary if tokens.dark else "#ffffff")
        painter.setBrush(QColor(knob_color))
        knob = 12
        x = track.right() - knob - 2 if on else track.left() + 2
        painter.drawEllipse(QRectF(x, track.top() + 2, knob, knob))
        painter.end()
