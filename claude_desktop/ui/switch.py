"""An on/off switch (a pill with a knob), for settings that take effect the moment they flip.

A checkable button underneath: Space toggles it, `toggled` reports it, the accessible name
says what it switches. Drawn from the design tokens, with the accent's focus ring.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QAbstractButton, QSizePolicy, QWidget

from . import theme

_WIDTH, _HEIGHT, _MARGIN = 36, 20, 3


class Switch(QAbstractButton):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCheckable(True)
        self.setAccessibleName(name)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(_WIDTH + 2 * _MARGIN, _HEIGHT + 2 * _MARGIN)

    def paintEvent(self, event: QPaintEvent) -> None:
        t = theme.tokens_for(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = QRectF(_MARGIN, _MARGIN, _WIDTH, _HEIGHT)
        on = self.isChecked()
        # Off reads as a grey track (not the faint border colour, which vanishes on the
        # page); a disabled switch is paler still.
        color = (t.accent if on else t.disabled) if self.isEnabled() else t.border
        fill = QColor(color)
        if self.hasFocus():
            ring = QRectF(track).adjusted(-2, -2, 2, 2)
            painter.setPen(QPen(QColor(t.accent), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(ring, ring.height() / 2, ring.height() / 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(track, _HEIGHT / 2, _HEIGHT / 2)
        knob = _HEIGHT - 4
        x = track.right() - 2 - knob if on else track.left() + 2
        painter.setBrush(QColor(t.on_accent if on else t.surface))
        painter.drawEllipse(QRectF(x, track.top() + 2, knob, knob))
        painter.end()
