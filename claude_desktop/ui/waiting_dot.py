"""The pulsing dot an answer shows from Send until its first token (design.md: the one
motion). It animates only while it waits: `stop` ends the animation for good, so nothing
moves while the answer streams.
"""

from __future__ import annotations

from PySide6.QtCore import QEasingCurve, QRectF, QSize, Qt, QVariantAnimation
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QShowEvent
from PySide6.QtWidgets import QWidget

from . import theme

__all__ = ["PulsingDot"]

#: One pulse (bright, faint, bright) a second.
PULSE_MS = 1000
_SIZE = 10


class PulsingDot(QWidget):
    """An accent dot whose opacity pulses at ~1 Hz while it is shown and waiting."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Waiting for Claude")
        self.setFixedSize(QSize(_SIZE + 4, _SIZE + 4))
        self._opacity = 1.0
        self._waiting = True
        self.animation = QVariantAnimation(self)
        self.animation.setStartValue(1.0)
        self.animation.setKeyValueAt(0.5, 0.25)
        self.animation.setEndValue(1.0)
        self.animation.setDuration(PULSE_MS)
        self.animation.setLoopCount(-1)
        self.animation.setEasingCurve(QEasingCurve.Type.InOutSine)
        self.animation.valueChanged.connect(self._pulse)

    @property
    def is_animating(self) -> bool:
        return self.animation.state() == QVariantAnimation.State.Running

    def stop(self) -> None:
        """The first token came (or the answer ended): stop and go, for good.

        Called for every delta: after the first it must cost nothing (hiding an already
        hidden widget and stopping a stopped animation are ~2 us of Qt calls each).
        """
        if not self._waiting:
            return
        self._waiting = False
        self.animation.stop()
        self.hide()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._waiting and not self.is_animating:
            self.animation.start()

    def hideEvent(self, event: QShowEvent) -> None:  # type: ignore[override]
        super().hideEvent(event)
        self.animation.stop()  # a hidden dot (another chat open) costs nothing

    def _pulse(self, value: object) -> None:
        self._opacity = float(value)  # type: ignore[arg-type]
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = QColor(theme.tokens_for(self.palette()).accent)
        color.setAlphaF(self._opacity)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(QRectF(2, 2, _SIZE, _SIZE))
        painter.end()
