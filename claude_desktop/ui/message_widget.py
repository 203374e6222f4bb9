"""The widgets of one message: the user's text in a tinted box, or Claude's answer.

The question is here; the answer, a column of block views, is in answer_view.py, and the
frame both share in message_frame.py. The names below stay importable from here.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from . import theme
from .answer_view import AssistantMessageWidget, RenderStats
from .message_frame import MessageWidget, small
from .rich_text_view import TextView
from .stream_scheduler import RENDER_BUDGET_MS, RENDER_INTERVAL_MS

__all__ = [
    "RENDER_BUDGET_MS",
    "RENDER_INTERVAL_MS",
    "AssistantMessageWidget",
    "MessageWidget",
    "RenderStats",
    "TextView",
    "UserMessageWidget",
]


class _ChipRow(QWidget):
    """Attachment names as small rounded labels, wrapped onto as many rows as needed."""

    _GAP = 6

    def __init__(self, names: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chips: list[QLabel] = []
        for name in names:
            chip = QLabel(self)
            chip.setTextFormat(Qt.TextFormat.PlainText)
            chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
            chip.setToolTip(name)
            chip.setAccessibleName(f"Attachment {name}")
            small(chip)
            chip.setText(chip.fontMetrics().elidedText(name, Qt.TextElideMode.ElideMiddle, 260))
            self.chips.append(chip)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_colors(self, background: str, text: str) -> None:
        for chip in self.chips:
            chip.setStyleSheet(
                f"QLabel {{ background: {background}; color: {text}; border-radius: 9px;"
                " padding: 2px 8px; }"
            )
        self.updateGeometry()

    def _place(self, width: int, apply: bool) -> int:
        x = y = row = 0
        for chip in self.chips:
            hint = chip.sizeHint()
            w = min(hint.width(), max(width, 1))
            if x and x + w > width:
                x, y, row = 0, y + row + self._GAP, 0
            if apply:
                chip.setGeometry(x, y, w, hint.height())
            x += w + self._GAP
            row = max(row, hint.height())
        return y + row

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(width, apply=False)

    def sizeHint(self) -> QSize:
        width = sum(c.sizeHint().width() + self._GAP for c in self.chips)
        return QSize(width, self._place(width, apply=False))

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self._place(10_000, apply=False))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place(self.width(), apply=True)


class UserMessageWidget(MessageWidget):
    """The user's message: plain text (never interpreted) in a tinted, rounded box."""

    role = "user"

    def __init__(
        self, text: str, attachments: Sequence[str] = (), parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._text = text
        # What a screen reader says of the message: who, then the text.
        self.setAccessibleName("You")
        self.setAccessibleDescription(text)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 10, 8)
        layout.setSpacing(6)
        self.chips: _ChipRow | None = None
        if attachments:
            self.chips = _ChipRow(attachments, self)
            layout.addWidget(self.chips)
        self.text_view = TextView(self)
        self.text_view.setAccessibleName("Your message")
        self.text_view.setPlainText(text)
        row = QHBoxLayout()
        row.addWidget(self.text_view, 1)
        row.addWidget(self.tools, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(row)
        self._built = True
        self._apply_palette()

    def markdown_text(self) -> str:
        return self._text

    def _apply_palette(self) -> None:
        palette = self.palette()
        if self.chips is not None:
            self.chips.set_colors(theme.chip_color(palette), palette.windowText().color().name())
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.setPen(QColor(theme.bubble_border_color(palette)))
        painter.setBrush(QColor(theme.user_bubble_color(palette)))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 10, 10)
        painter.end()
