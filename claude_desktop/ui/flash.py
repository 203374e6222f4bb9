"""A message flashing once: the accent tint laid over it for a moment, then gone.

One highlight, not an animation: nothing repaints while it shows, so it costs nothing
even with an answer streaming elsewhere.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from . import theme

FLASH_MS = 600


class FlashOverlay(QWidget):
    """Covers its parent with a translucent accent tint until it is deleted."""

    def __init__(self, target: QWidget) -> None:
        super().__init__(target)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setGeometry(target.rect())
        target.installEventFilter(self)
        self.show()
        self.raise_()
        QTimer.singleShot(FLASH_MS, self.deleteLater)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        color = QColor(theme.tokens_for(self.palette()).accent)
        color.setAlpha(46)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        radius = theme.RADIUS_CARD
        painter.drawRoundedRect(QRectF(self.rect()), radius, radius)


def flash(widget: QWidget) -> FlashOverlay:
    """Flash `widget` once (FLASH_MS)."""
    return FlashOverlay(widget)
