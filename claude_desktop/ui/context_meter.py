"""How full the chat's context window is: a small ring with the count in the composer past
half, near the end a line saying so, with "New chat with summary", and past the end (a
question counted before it is sent) a line refusing it, with "New chat with it"."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from claude_desktop.domain.context_window import ContextUse

from . import theme

RING_PX = 16
#: Between the ring and its count.
GAP_PX = 5


class ContextRing(QWidget):
    """A ring filled as far as the context window is, and the count beside it ("124k /
    200k"; no focus: the whole sentence is its tooltip and its accessible description)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.use: ContextUse | None = None
        self.setFixedSize(QSize(RING_PX + 8, RING_PX + 8))
        self.setAccessibleName("Context window")
        self.hide()

    def set_use(self, use: ContextUse | None) -> None:
        self.use = use
        shown = use is not None and use.shown
        if shown:
            assert use is not None
            self.setToolTip(use.describe())
            self.setAccessibleDescription(use.describe())
            width = (
                RING_PX
                + 8
                + GAP_PX
                + QFontMetrics(self._count_font()).horizontalAdvance(use.short())
            )
            self.setFixedSize(QSize(width, RING_PX + 8))
            self.update()
        self.setVisible(shown)

    def _count_font(self) -> QFont:
        font = self.font()
        font.setPixelSize(12)
        return font

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.use is None:
            return
        tokens = theme.tokens_for(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = QRectF(4, 4, RING_PX, RING_PX)
        track = QPen(painter.pen())
        track.setWidthF(2.5)
        track.setColor(QColor(tokens.border))
        painter.setPen(track)
        painter.drawEllipse(box)
        arc = QPen(track)
        arc.setColor(QColor(tokens.error_text if self.use.nearly_full else tokens.secondary))
        arc.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(arc)
        # From twelve o'clock, clockwise (Qt counts sixteenths of a degree, anticlockwise).
        painter.drawArc(box, 90 * 16, -round(self.use.fraction * 360 * 16))
        painter.setPen(QColor(tokens.error_text if self.use.over else tokens.secondary))
        painter.setFont(self._count_font())
        text = QRectF(self.rect()).adjusted(RING_PX + 8 + GAP_PX, 0, 0, 0)
        painter.drawText(
            text, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, self.use.short()
        )
        painter.end()


class _ActionBar(QWidget):
    """A line of error-coloured text above the composer's text, with one action button."""

    new_chat_requested = Signal()

    def __init__(self, button: str, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.button = QPushButton(button, self)
        self.button.setAccessibleName(button)
        self.button.setToolTip(tooltip)
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.clicked.connect(self.new_chat_requested.emit)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 0, 0)
        row.setSpacing(8)
        row.addWidget(self.label, 1)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    def _say(self, text: str) -> None:
        self.label.setText(text)
        tokens = theme.tokens_for(self.palette())
        self.label.setStyleSheet(f"color: {tokens.error_text};")
        self.button.setStyleSheet(_button_style(tokens))


class NearlyFullBar(_ActionBar):
    """The line above the text once the chat is nearly full."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "New chat with summary",
            "Start a new chat whose first message picks up from this one",
            parent,
        )

    def set_use(self, use: ContextUse | None) -> None:
        if use is not None and use.nearly_full:
            self._say(f"This chat is nearly full ({use.percent}% of the context window used).")
            self.show()
        else:
            self.hide()


class TooLongBar(_ActionBar):
    """The line above the text when Send was refused before sending: the question would
    make the chat too long (or send too many PDF pages). "New chat with it" moves the draft
    and its attachments into a new chat; the draft stays where it is otherwise."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "New chat with it", "Move this message and its attachments into a new chat", parent
        )
        self.setAccessibleName("Message not sent")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def show_refusal(self, text: str, *, new_chat: bool) -> None:
        self._say(text)
        self.setAccessibleDescription(text)
        self.button.setVisible(new_chat)
        self.show()


def _button_style(tokens: theme.Tokens) -> str:
    return (
        "QPushButton {"
        f" color: {tokens.accent}; background: transparent;"
        f" border: 1px solid {tokens.border}; border-radius: {theme.RADIUS_CONTROL}px;"
        " padding: 3px 10px; }"
        f"QPushButton:hover {{ background: {tokens.hover}; }}"
        f"QPushButton:focus {{ border: 2px solid {tokens.accent}; padding: 2px 9px; }}"
    )
