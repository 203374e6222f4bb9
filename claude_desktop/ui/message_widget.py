"""The widgets of one message: the user's text in a bubble at the right, or Claude's answer.

The question is here; the answer, a column of block views, is in answer_view.py, and the
frame both share in message_frame.py. The names below stay importable from here.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from claude_desktop.domain.question_attachments import ShownAttachment

from . import theme
from .answer_view import AssistantMessageWidget, RenderStats
from .message_frame import MessageWidget
from .question_attachments import QuestionAttachments, ThumbnailLoader
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


class _Bubble(QWidget):
    """The rounded bubble your text sits in, in the bubble token's colour; it prefers the
    width of its text (`natural`) and shrinks below it, down to its maximum width."""

    natural = 0

    def sizeHint(self) -> QSize:
        return QSize(self.natural, super().sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.tokens_for(self.palette()).bubble))
        radius = theme.scaled(theme.RADIUS_BUBBLE, self.fontInfo().pixelSize() or theme.BODY_PX)
        radius = min(radius, self.height() / 2)
        painter.drawRoundedRect(QRectF(self.rect()), radius, radius)
        painter.end()


class UserMessageWidget(MessageWidget):
    """The user's message: plain text (never interpreted) in a bubble at the right of the
    column, at most `MAX_SHARE` of its width, its attachments above it: images as
    thumbnails (made by `loader`; without one, file cards), other files as file cards."""

    role = "user"
    MAX_SHARE = 0.8

    def __init__(
        self,
        text: str,
        attachments: Sequence[str | ShownAttachment] = (),
        parent: QWidget | None = None,
        loader: ThumbnailLoader | None = None,
    ) -> None:
        super().__init__(parent)
        self._text = text
        # What a screen reader says of the message: who, then the text.
        self.setAccessibleName("You")
        self.setAccessibleDescription(text)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.chips: QuestionAttachments | None = None
        if attachments:
            self.chips = QuestionAttachments(attachments, loader, self)
            chips = QHBoxLayout()
            chips.addStretch(1)
            chips.addWidget(self.chips, 0)
            layout.addLayout(chips)
        self.bubble = _Bubble(self)
        self.bubble.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        inside = QVBoxLayout(self.bubble)
        inside.setContentsMargins(14, 8, 14, 8)
        self.text_view = TextView(self.bubble)
        self.text_view.setAccessibleName("Your message")
        self.text_view.setPlainText(text)
        inside.addWidget(self.text_view)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.bubble, 0)
        layout.addLayout(row)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.tools, 0)
        layout.addLayout(actions)
        self._built = True
        self._apply_palette()

    def markdown_text(self) -> str:
        return self._text

    def _fit_bubble(self) -> None:
        """As wide as the text's longest line, at most MAX_SHARE of the column."""
        metrics = self.text_view.fontMetrics()
        longest = max(
            (metrics.horizontalAdvance(line) for line in self._text.split("\n")), default=0
        )
        margins = self.bubble.layout().contentsMargins()
        doc_margin = 2 * self.text_view.document().documentMargin()
        natural = longest + int(doc_margin) + margins.left() + margins.right() + 4
        self.bubble.natural = natural
        self.bubble.setMaximumWidth(max(1, min(natural, int(self.width() * self.MAX_SHARE))))
        if self.chips is not None:
            self.chips.setMaximumWidth(max(1, int(self.width() * self.MAX_SHARE)))
        self.bubble.updateGeometry()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_bubble()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and self._built:
            self._fit_bubble()

    def _apply_palette(self) -> None:
        self.bubble.update()
