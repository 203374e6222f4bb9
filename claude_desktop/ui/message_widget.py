"""The widgets of one message: the user's text in a tinted box, or Claude's streamed answer.

An answer is one read-only QTextBrowser, as tall as its document, so text can be selected
across the whole message. Streaming appends to a buffer and renders at most ~60 times a
second; each render turns only newly finished Markdown blocks into HTML, appends them to the
document once, and replaces the one growing block at the end: the work per render follows
the new text, not the length of the answer.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QEvent, QRectF, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QColor,
    QDesktopServices,
    QFontDatabase,
    QGuiApplication,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.api.message import Message

from . import theme
from .render import (
    ALLOWED_LINK_SCHEMES,
    COPY_CODE_LABEL,
    COPY_CODE_SCHEME,
    RenderedBlock,
    copy_code_index,
    render_block,
    render_blocks,
    split_blocks,
)
from .thinking_section import ThinkingSection

__all__ = [
    "RENDER_BUDGET_MS",
    "RENDER_INTERVAL_MS",
    "AssistantMessageWidget",
    "MessageWidget",
    "RenderStats",
    "TextView",
    "UserMessageWidget",
]

#: Shortest time between the starts of two renders of a streaming answer (~60 a second: a
#: delta shows within one frame; measured p95 delta-to-screen at model pace 33 -> 18 ms).
RENDER_INTERVAL_MS = 16
#: Markdown work one render may do before it leaves the rest to the next event loop turn.
#: The tail, the insert and the layout come on top: with 5 ms the longest render under a
#: flood is ~10 ms (it was ~15 ms with 8), which is what a delta waits for beyond the interval.
RENDER_BUDGET_MS = 5
#: How long a code block's Copy link says "✓ Copied" (design.md).
CODE_COPIED_MS = 2000
CODE_COPIED_LABEL = "✓ Copied"


class _TurnBudget:
    """The render budget of the current event loop turn, shared by every message: opening
    a conversation finishes dozens of answers in one turn, and a budget each would add up
    to a frozen window."""

    _deadline: float | None = None

    @classmethod
    def deadline(cls, now: float) -> float:
        current = cls._deadline
        # A deadline long past belongs to an earlier turn whose reset has not run yet.
        if current is None or now - current > RENDER_INTERVAL_MS / 1000:
            current = cls._deadline = now + RENDER_BUDGET_MS / 1000
            QTimer.singleShot(0, cls._reset)  # the next turn starts with a fresh budget
        return current

    @classmethod
    def _reset(cls) -> None:
        cls._deadline = None


def _small(widget: QWidget, factor: float = 0.9) -> None:
    font = widget.font()
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * factor)
    widget.setFont(font)


def _set_text_color(widget: QWidget, color: str) -> None:
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(color))
    palette.setColor(QPalette.ColorRole.Text, QColor(color))
    widget.setPalette(palette)


class TextView(QTextBrowser):
    """A read-only rich-text view exactly as tall as its document; the conversation scrolls.

    It never loads anything: no file, no network, no search path.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        # Transparent, so the message's own background shows through.
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Base, QColor(Qt.GlobalColor.transparent))
        self.setPalette(palette)
        doc = self.document()
        # An undo stack would keep every replaced tail of a streaming answer.
        doc.setUndoRedoEnabled(False)
        doc.setDocumentMargin(2)
        # Qt indents each list level by 40 px, which eats a narrow window.
        doc.setIndentWidth(24)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
        doc.setDefaultStyleSheet(f"pre, code {{ font-family: '{mono}'; }}")
        doc.documentLayout().documentSizeChanged.connect(self.sync_height)
        self.sync_height()

    def loadResource(self, _type: int, _name: QUrl | str) -> QByteArray:
        # An empty byte array, not None: returning None from this virtual corrupts None's
        # reference count under PySide6 6.12 on Python 3.11.
        return QByteArray()

    def sync_height(self) -> None:
        """Make the view as tall as its laid-out document (lays it out if needed)."""
        margins = self.contentsMargins()
        height = math.ceil(self.document().size().height()) + margins.top() + margins.bottom()
        if height != self.maximumHeight() or height != self.minimumHeight():
            self.setFixedHeight(height)

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.maximumHeight())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.sync_height()

    def wheelEvent(self, event: QWheelEvent) -> None:
        # Nothing to scroll in here: let the conversation have it.
        event.ignore()


class _BlockWriter:
    """Appends HTML to a QTextDocument in chunks and keeps one replaceable tail at its end.

    `QTextCursor.insertHtml` merges the first block of what it inserts into the block at the
    cursor and drops that block's format (margins, heading level, list), so appending chunk
    by chunk would not give what `setHtml` of the whole gives. Each chunk is parsed into a
    scratch document whose first block is an empty stand-in; the stand-in is what merges,
    and the real blocks keep their formats. Chunks that start with a table already begin
    with such an empty block. The result equals `setHtml` of the concatenated HTML (tested).
    """

    def __init__(self, doc: QTextDocument) -> None:
        self._doc = doc
        self._tail_start = 0
        self._has_committed = False
        self._has_tail = False
        # The formats of the block the tail starts in, from before the tail went in.
        self._tail_block_format = QTextBlockFormat()
        self._tail_char_format = QTextCharFormat()

    def clear(self) -> None:
        self._doc.clear()
        self._tail_start = 0
        self._has_committed = self._has_tail = False

    def update(self, finished_html: str, tail_html: str) -> None:
        """Append `finished_html` for good and make `tail_html` the new tail."""
        cursor = QTextCursor(self._doc)
        cursor.beginEditBlock()
        try:
            if self._has_tail:
                cursor.setPosition(self._tail_start)
                cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
                cursor.removeSelectedText()
                # Removing the tail's blocks leaves the block where it started with the format
                # of the tail's first block: put back what it had.
                cursor.setBlockFormat(self._tail_block_format)
                cursor.setBlockCharFormat(self._tail_char_format)
                self._has_tail = False
            if finished_html:
                self._insert(cursor, finished_html)
                self._has_committed = True
                self._tail_start = self._doc.characterCount() - 1
            if tail_html:
                cursor.setPosition(self._tail_start)
                self._tail_block_format = cursor.blockFormat()
                self._tail_char_format = cursor.blockCharFormat()
                self._insert(cursor, tail_html)
                self._has_tail = True
        finally:
            cursor.endEditBlock()

    def relabel_link(self, href: str, text: str) -> bool:
        """Give the link to `href` the text `text`, its format kept; False if there is none.

        Text before the tail moves the tail's start with it.
        """
        block = self._doc.begin()
        while block.isValid():
            for it in block:
                fragment = it.fragment()
                if fragment.isValid() and fragment.charFormat().anchorHref() == href:
                    if fragment.text() != text:
                        # Read before the edit: a QTextFragment reads the changed document.
                        start, length = fragment.position(), fragment.length()
                        cursor = QTextCursor(self._doc)
                        cursor.setPosition(start)
                        cursor.setPosition(start + length, QTextCursor.MoveMode.KeepAnchor)
                        cursor.insertText(text, fragment.charFormat())
                        if start < self._tail_start:
                            self._tail_start += len(text) - length
                    return True
            block = block.next()
        return False

    def _insert(self, cursor: QTextCursor, html: str) -> None:
        src = QTextDocument()
        src.setUndoRedoEnabled(False)
        src.setDefaultStyleSheet(self._doc.defaultStyleSheet())
        src.setHtml(html)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        if self._has_committed:
            frames = src.rootFrame().childFrames()
            first = src.begin()
            starts_with_table = (
                bool(frames)
                and frames[0].firstPosition() == 1
                and first.blockFormat() == QTextBlockFormat()  # not, say, an <hr> before it
            )
            if not starts_with_table:
                QTextCursor(src).insertBlock()
        elif src.characterCount() <= 1:
            # Nothing to copy (a lone <hr>): only the first block's format carries it.
            cursor.setBlockFormat(src.begin().blockFormat())
        # At position 0 Qt copies the first block's format itself.
        cursor.insertFragment(QTextDocumentFragment(src))


class MessageWidget(QFrame):
    """What every message has: its Markdown text and a button that copies it."""

    role = ""
    _built = False  # set once a subclass has made the widgets _apply_palette colours

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.copy_button = QToolButton(self)
        self.copy_button.setText("Copy")
        self.copy_button.setAutoRaise(True)
        self.copy_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.copy_button.setAccessibleName("Copy message")
        self.copy_button.setAccessibleDescription("Copy this message as Markdown")
        self.copy_button.setToolTip("Copy this message as Markdown")
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        self._copied_timer = QTimer(self)
        self._copied_timer.setSingleShot(True)
        self._copied_timer.setInterval(1500)
        self._copied_timer.timeout.connect(lambda: self.copy_button.setText("Copy"))
        _small(self.copy_button)

        # Versions of this message ("‹ 2/3 ›") and the one action it offers (Edit for a
        # question, Regenerate for an answer); hidden until the window asks for them.
        self.prev_button = self._tool("‹", "Previous version")
        self.next_button = self._tool("›", "Next version")
        self.version_label = QLabel(self)
        self.version_label.setAccessibleName("Version")
        _small(self.version_label)
        self.action_button = self._tool("", "")
        self.prev_button.clicked.connect(lambda: self.version_requested.emit(-1))
        self.next_button.clicked.connect(lambda: self.version_requested.emit(1))
        self.action_button.clicked.connect(self.action_requested.emit)
        for widget in (self.prev_button, self.version_label, self.next_button, self.action_button):
            widget.hide()
        self.tools = QWidget(self)
        row = QHBoxLayout(self.tools)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        for widget in (
            self.prev_button,
            self.version_label,
            self.next_button,
            self.action_button,
            self.copy_button,
        ):
            row.addWidget(widget)

    version_requested = Signal(int)
    action_requested = Signal()

    def _tool(self, text: str, accessible: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setAutoRaise(True)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setAccessibleName(accessible)
        button.setToolTip(accessible)
        _small(button)
        return button

    def set_versions(self, index: int, count: int) -> None:
        """Show "‹ index+1/count ›" when this message has other versions."""
        several = count > 1
        for widget in (self.prev_button, self.version_label, self.next_button):
            widget.setVisible(several)
        self.version_label.setText(f"{index + 1}/{count}")
        self.prev_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < count - 1)

    def versions_text(self) -> str | None:
        return self.version_label.text() if self.version_label.isVisibleTo(self) else None

    def set_action(self, text: str | None, description: str = "") -> None:
        """Offer one action on this message (e.g. "Edit"), or none."""
        self.action_button.setText(text or "")
        self.action_button.setAccessibleName(description or text or "")
        self.action_button.setToolTip(description)
        self.action_button.setVisible(bool(text))

    def markdown_text(self) -> str:
        raise NotImplementedError

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.markdown_text())
        self.copy_button.setText("Copied")
        self._copied_timer.start()

    def _apply_palette(self) -> None:
        """Recolour what the palette does not colour by itself."""

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._built:
            self._apply_palette()


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
            _small(chip)
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


@dataclass(slots=True)
class RenderStats:
    """How streaming went: for tests and the render probe."""

    deltas: int = 0
    renders: int = 0
    total_ms: float = 0.0
    max_ms: float = 0.0


class AssistantMessageWidget(MessageWidget):
    """Claude's answer: streamed Markdown, a status line, and a footer when it is done."""

    role = "assistant"

    def __init__(self, model: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.stats = RenderStats()
        self._text = ""
        self._pending: list[str] = []
        self._committed_chars = 0  # text[:this] is rendered for good
        self._tail = ""  # the text of the block rendered as the replaceable tail
        self._code: list[str] = []  # raw code of committed code blocks, by copy-code index
        self._tail_code: tuple[str, ...] = ()
        self._last_render = -math.inf
        self._ended = False
        self._retry: Callable[[], None] | None = None
        self._copied_code: int | None = None  # the code block whose link says "✓ Copied"
        self._copied_code_timer = QTimer(self)
        self._copied_code_timer.setSingleShot(True)
        self._copied_code_timer.setInterval(CODE_COPIED_MS)
        self._copied_code_timer.timeout.connect(self._end_code_copied)
        self._retry_repeats = False  # whether the card's action may be used more than once

        self.setAccessibleName("Claude")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._render)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 4, 14, 4)
        layout.setSpacing(4)

        self.model_label = QLabel(model, self)
        self.model_label.setTextFormat(Qt.TextFormat.PlainText)
        _small(self.model_label)
        layout.addWidget(self.model_label)

        self._thinking: ThinkingSection | None = None  # made when there is thinking to show

        self.text_view = TextView(self)
        self.text_view.setAccessibleName("Claude's answer")
        self.text_view.anchorClicked.connect(self.open_link)
        self._dark = theme.is_dark(self.palette())
        self._writer = _BlockWriter(self.text_view.document())
        layout.addWidget(self.text_view)

        self.status_label = self._make_label()
        self.status_label.setAccessibleName("Status")
        layout.addWidget(self.status_label)

        self.stopped_label = self._make_label("Stopped")
        font = self.stopped_label.font()
        font.setItalic(True)
        self.stopped_label.setFont(font)
        layout.addWidget(self.stopped_label)

        self.note_label = self._make_label()
        layout.addWidget(self.note_label)

        # The error card, where the answer would be: a one-line title, the detail, and one
        # action the window chooses (Retry, Update API key…).
        self.error_card = QFrame(self)
        self.error_card.setObjectName("error-card")
        self.error_card.setAccessibleName("Error")
        card = QVBoxLayout(self.error_card)
        card.setContentsMargins(14, 10, 14, 12)
        card.setSpacing(4)
        self.error_title_label = QLabel(self.error_card)
        self.error_title_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_title_label.setAccessibleName("Error title")
        title_font = self.error_title_label.font()
        title_font.setWeight(title_font.Weight.DemiBold)
        self.error_title_label.setFont(title_font)
        self.error_label = self._make_label()
        self.error_label.setParent(self.error_card)
        self.error_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.error_label.setAccessibleName("Error detail")
        self.retry_button = QPushButton("Retry", self.error_card)
        self.retry_button.setAccessibleName("Retry")
        self.retry_button.setAccessibleDescription("Send the request again")
        self.retry_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.retry_button.clicked.connect(self.retry)
        self.retry_button.hide()
        action_row = QHBoxLayout()
        action_row.setContentsMargins(0, 6, 0, 0)
        action_row.addWidget(self.retry_button)
        action_row.addStretch(1)
        card.addWidget(self.error_title_label)
        card.addWidget(self.error_label)
        card.addLayout(action_row)
        self.error_card.hide()
        layout.addWidget(self.error_card)

        bottom = QHBoxLayout()
        self.footer_label = self._make_label()
        self.footer_label.setAccessibleName("Answer details")
        bottom.addWidget(self.footer_label, 1)
        # Right-aligned even while the footer is hidden (streaming, stopped).
        bottom.addWidget(self.tools, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
        layout.addLayout(bottom)
        # Copy appears when the answer has ended with some text (see _end).
        self.copy_button.hide()
        self._built = True
        self._apply_palette()

    def _make_label(self, text: str = "") -> QLabel:
        label = QLabel(text, self)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        _small(label)
        label.hide()
        return label

    # -- streaming ---------------------------------------------------------------------------

    def append_text(self, delta: str) -> None:
        """Add a streamed text delta; cheap: the render happens later, coalesced.

        Once the answer has ended (finish, mark_stopped, show_error) deltas are ignored.
        """
        if not delta or self._ended:
            return
        if self._thinking is not None:
            self._thinking.answer_started()
        self._pending.append(delta)
        self.stats.deltas += 1
        if not self._timer.isActive():
            since_ms = (time.perf_counter() - self._last_render) * 1000
            # Show the first text at once; after that at most one render per interval.
            wait = 0 if since_ms >= RENDER_INTERVAL_MS else RENDER_INTERVAL_MS - since_ms
            self._timer.start(math.ceil(wait))

    def append_thinking(self, delta: str) -> None:
        """Add a streamed thinking delta to the Thinking section (rendered like the text)."""
        if not self._ended:
            self.thinking.append(delta)

    @property
    def thinking(self) -> ThinkingSection:
        """The Thinking section above the text (hidden until it has something to show)."""
        if self._thinking is None:
            self._thinking = ThinkingSection(TextView(), RENDER_INTERVAL_MS, self)
            layout = self.layout()
            assert isinstance(layout, QVBoxLayout)
            layout.insertWidget(layout.indexOf(self.text_view), self._thinking)
            self._apply_palette()
        return self._thinking

    def markdown_text(self) -> str:
        """The raw Markdown received so far."""
        if self._pending:
            self._text += "".join(self._pending)
            self._pending.clear()
        return self._text

    @property
    def is_streaming(self) -> bool:
        return not self._ended

    @property
    def can_copy(self) -> bool:
        """Whether Copy is offered: the answer has ended and has some text."""
        return self._ended and bool(self.markdown_text().strip())

    def copy_to_clipboard(self) -> None:
        """Copy the answer's Markdown; nothing while it streams or if it is empty."""
        if self.can_copy:
            super().copy_to_clipboard()

    def flush(self) -> None:
        """Render everything received so far, now, whatever it costs (tests, screenshots)."""
        self._timer.stop()
        self._render(budget=False)

    @property
    def is_rendered(self) -> bool:
        """Whether the document shows all the text received (the tail included)."""
        text = self.markdown_text()
        if self._ended:
            return self._committed_chars == len(text)
        return self._committed_chars + len(self._tail) == len(text)

    def _render(self, budget: bool = True) -> None:
        started = time.perf_counter()
        text = self.markdown_text()
        blocks = split_blocks(text[self._committed_chars :])
        if self._ended:
            finished, tail = blocks, ""
        else:
            finished, tail = blocks[:-1], blocks[-1] if blocks else ""
        if not finished and tail == self._tail:
            return
        # A burst of text (a stall, then everything at once; answers opened from history) is
        # rendered over several event loop turns, within a time budget per turn shared by
        # every message, so that no turn blocks the window for long. The first render of a
        # turn takes at least one block, so every message always advances.
        deadline = _TurnBudget.deadline(started) if budget else math.inf
        if finished and started > deadline:
            self._timer.start(0)  # this turn's budget is spent: the next turn's, then
            return
        html: list[str] = []
        taken = 0
        code_before = len(self._code)
        for block in finished:
            if html and time.perf_counter() > deadline:
                break
            rendered = render_block(block, dark=self._dark, code_index=len(self._code))
            html.append(rendered.html)
            self._code.extend(rendered.code)
            self._committed_chars += len(block)
            taken += 1
        if taken < len(finished):
            # The tail waits until the blocks before it are in: text never shows out of order.
            tail, growing = "", RenderedBlock("")
            self._timer.start(0)
        else:
            growing = render_block(tail, dark=self._dark, code_index=len(self._code))
        self._tail, self._tail_code = tail, growing.code
        self._writer.update("".join(html), growing.html)
        self._relabel_copied_code(since=code_before)
        self.text_view.sync_height()
        # The interval runs from the start of a render, not its end: under a flood of text
        # renders then come every RENDER_INTERVAL_MS, not every render time plus that (which
        # put p95 delta-to-screen at 35-40 ms, over one frame at 30 fps).
        self._last_render = started
        elapsed = (time.perf_counter() - started) * 1000
        self.stats.renders += 1
        self.stats.total_ms += elapsed
        self.stats.max_ms = max(self.stats.max_ms, elapsed)

    def _end(self) -> None:
        """No more text will come: render the rest as finished blocks; ignore later deltas."""
        if not self._ended:
            self._ended = True
            self._timer.stop()
            self._render()
            if self._thinking is not None:
                self._thinking.end()
        self.copy_button.setVisible(self.can_copy)
        self.set_status(None)
        self.setAccessibleDescription(self.text_view.toPlainText())

    def _rebuild(self) -> None:
        """Render everything again (the palette went from light to dark or back)."""
        self._writer.clear()
        self._code.clear()
        committed = self.markdown_text()[: self._committed_chars]
        done = render_blocks(split_blocks(committed), dark=self._dark)
        self._code.extend(done.code)
        growing = render_block(self._tail, dark=self._dark, code_index=len(self._code))
        self._tail_code = growing.code
        self._writer.update(done.html, growing.html)
        self._relabel_copied_code()
        self.text_view.sync_height()

    # -- the end of an answer ----------------------------------------------------------------

    def finish(self, message: Message | None, *, footer: str) -> None:
        """The answer is complete: show all of it, the footer and any stop note.

        A message whose text never streamed (one loaded from history) is shown from
        `message.text`.
        """
        if message is not None and not self.markdown_text() and message.text:
            self._pending.append(message.text)
        if message is not None and any(
            b.get("type") in ("thinking", "redacted_thinking") for b in message.content
        ):
            self.thinking.show_blocks(message.content)
        self._end()
        self.footer_label.setText(footer)
        self.footer_label.setVisible(bool(footer))
        note = message.stop_note if message is not None else None
        self.note_label.setText(note or "")
        self.note_label.setVisible(note is not None)

    def mark_stopped(self) -> None:
        """The user pressed Stop: keep the partial answer and say it was stopped."""
        self._end()
        self.stopped_label.show()

    def show_error(
        self,
        text: str,
        on_retry: Callable[[], None] | None,
        *,
        title: str = "",
        action: str = "Retry",
        description: str = "Send the request again",
        repeat: bool = False,
    ) -> None:
        """An error ended the answer: a card below the partial text with a one-line title
        (by default, whether anything arrived), the detail, and one action if given.

        The action runs once (Retry must not ask twice), unless `repeat`: an action that
        only opens something (Update API key) stays usable after a Cancel.
        """
        self._end()
        if not title:
            title = "The answer was cut short" if self.markdown_text() else "No answer"
        self.error_title_label.setText(title)
        self.error_label.setText(text)
        self.error_label.show()
        self._style_error_card()
        self.error_card.show()
        self.set_error_action(action, on_retry, description=description, repeat=repeat)

    def _style_error_card(self) -> None:
        # Styled when first shown, not when every answer is made: most never fail.
        dark = theme.is_dark(self.palette())
        tint, text = ("#3d2622", "#f0a08c") if dark else ("#fbeae6", "#a1361f")
        self.error_card.setStyleSheet(
            f"QFrame#error-card {{ background: {tint}; border-radius: 12px; }}"
        )
        for label in (self.error_title_label, self.error_label):
            _set_text_color(label, text)

    def set_error_action(
        self,
        action: str,
        on_action: Callable[[], None] | None,
        *,
        description: str = "",
        repeat: bool = False,
    ) -> None:
        """Replace the error card's action (e.g. Update API key, then Retry once it is)."""
        self._retry = on_action
        self._retry_repeats = repeat
        self.retry_button.setText(action)
        self.retry_button.setAccessibleName(action)
        self.retry_button.setAccessibleDescription(description)
        self.retry_button.setToolTip(description)
        self.retry_button.setEnabled(True)
        self.retry_button.setVisible(on_action is not None)

    def retry(self) -> None:
        """What the card's button does: call its action (once, unless it repeats)."""
        retry = self._retry
        if not self._retry_repeats:
            self._retry = None
            self.retry_button.setEnabled(False)
        if retry is not None:
            retry()

    def error_text(self) -> str | None:
        """The error shown below the answer, if any."""
        return self.error_label.text() if self.error_card.isVisibleTo(self) else None

    def error_title(self) -> str | None:
        return self.error_title_label.text() if self.error_card.isVisibleTo(self) else None

    def set_status(self, text: str | None) -> None:
        """A small line such as "Retrying in 4 s…"; None hides it."""
        self.status_label.setText(text or "")
        self.status_label.setVisible(bool(text))

    def status_text(self) -> str | None:
        return self.status_label.text() or None

    # -- links and code ----------------------------------------------------------------------

    def code_block(self, index: int) -> str | None:
        """The raw text of the answer's code block `index` (0-based), if there is one."""
        if 0 <= index < len(self._code):
            return self._code[index]
        index -= len(self._code)
        if 0 <= index < len(self._tail_code):
            return self._tail_code[index]
        return None

    def code_blocks(self) -> list[str]:
        return [*self._code, *self._tail_code]

    def open_link(self, url: QUrl) -> None:
        """Copy a code block, or open a web or mail link; ignore anything else."""
        index = copy_code_index(url.toString())
        if index is not None:
            code = self.code_block(index)
            if code is not None:
                QGuiApplication.clipboard().setText(code)
                self._show_code_copied(index)
            return
        if url.isValid() and url.scheme().lower() in ALLOWED_LINK_SCHEMES:
            QDesktopServices.openUrl(url)

    def code_copy_label(self, index: int) -> str | None:
        """What code block `index`'s Copy link says now ("Copy" or "✓ Copied")."""
        block = self.text_view.document().begin()
        href = f"{COPY_CODE_SCHEME}:{index}"
        while block.isValid():
            for it in block:
                fragment = it.fragment()
                if fragment.isValid() and fragment.charFormat().anchorHref() == href:
                    return fragment.text()
            block = block.next()
        return None

    def _show_code_copied(self, index: int) -> None:
        """Flip the code block's link to "✓ Copied" for a while, and tell screen readers."""
        if self._copied_code is not None and self._copied_code != index:
            self._writer.relabel_link(f"{COPY_CODE_SCHEME}:{self._copied_code}", COPY_CODE_LABEL)
        self._copied_code = index
        self._relabel_copied_code()
        self._copied_code_timer.start()
        QAccessible.updateAccessibility(
            QAccessibleAnnouncementEvent(self.text_view, "Code copied to the clipboard")
        )

    def _relabel_copied_code(self, since: int = 0) -> None:
        """Put "✓ Copied" back on the copied code block's link if it is block `since` or
        later: renders replace the tail (from the first code block not committed before
        them), a rebuild everything."""
        if self._copied_code is not None and self._copied_code >= since:
            href = f"{COPY_CODE_SCHEME}:{self._copied_code}"
            self._writer.relabel_link(href, CODE_COPIED_LABEL)

    def _end_code_copied(self) -> None:
        if self._copied_code is not None:
            self._writer.relabel_link(f"{COPY_CODE_SCHEME}:{self._copied_code}", COPY_CODE_LABEL)
            self._copied_code = None

    # -- look --------------------------------------------------------------------------------

    def _apply_palette(self) -> None:
        palette = self.palette()
        muted = theme.muted_text_color(palette)
        for label in (
            self.model_label,
            self.status_label,
            self.stopped_label,
            self.note_label,
            self.footer_label,
        ):
            _set_text_color(label, muted)
        if self._thinking is not None:
            _set_text_color(self._thinking.redacted_label, muted)
            _set_text_color(self._thinking.view, muted)
        if not self.error_card.isHidden():
            self._style_error_card()
        dark = theme.is_dark(palette)
        if dark != self._dark:
            self._dark = dark
            self._rebuild()
