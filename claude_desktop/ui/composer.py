"""Where a person writes: a rounded card at the foot of the reading column (centred under
a greeting on an empty chat). Inside: attachments as file cards, the growing text field, and
a row with the + menu (attach files, web search and fetch), the model chip, the context meter
and a round Send button that turns into Stop. Enter sends, Shift+Enter breaks the line."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QMimeData, QObject, QRectF, QSignalBlocker, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QFontInfo,
    QImage,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMenu,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.domain.attachments import Attachment
from claude_desktop.domain.context_window import ContextUse

from . import icons, theme
from .attachment_chips import AttachmentTray
from .context_meter import ContextRing, NearlyFullBar, TooLongBar
from .model_picker import ModelPicker
from .viewports import adopt_viewport

PLACEHOLDER = "Reply to Claude…"
EMPTY_CHAT_PLACEHOLDER = "How can I help you today?"
#: The send button's diameter and the card's inner padding (px at the default text size).
SEND_PX = 32
PADDING = 12
#: Least space either side of the card: more on wide windows, as the column is centred.
SIDE_MARGIN = 16


MIN_LINES = 2
MAX_LINES = 10


class _Editor(QPlainTextEdit):
    """The text field; a pasted image or copied files become attachments, not text."""

    files_pasted = Signal(list)
    image_pasted = Signal(QImage)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return (
            source.hasImage() or _local_files(source) != [] or super().canInsertFromMimeData(source)
        )

    def insertFromMimeData(self, source: QMimeData) -> None:
        files = _local_files(source)
        if files:
            self.files_pasted.emit(files)
        elif source.hasImage():
            image = source.imageData()
            if isinstance(image, QImage) and not image.isNull():
                self.image_pasted.emit(image)
        else:
            super().insertFromMimeData(source)


def _local_files(source: QMimeData) -> list[str]:
    if not source.hasUrls():
        return []
    return [url.toLocalFile() for url in source.urls() if url.isLocalFile()]


class SendButton(QToolButton):
    """The round button: accent with ↑ to send, ■ to stop. Its text ("Send", "Stop") is
    kept for its name and the tests, but not drawn."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.setFixedSize(SEND_PX, SEND_PX)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._icon = "arrow-up"

    def set_stop(self, stop: bool) -> None:
        self._icon = "square" if stop else "arrow-up"
        self.setText("Stop" if stop else "Send")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        tokens = theme.tokens_for(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        circle = QRectF(self.rect()).adjusted(2, 2, -2, -2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(tokens.accent if self.isEnabled() else tokens.disabled))
        painter.drawEllipse(circle)
        if self.hasFocus():
            ring = QPen(QColor(tokens.accent), 1.5)
            painter.setPen(ring)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QRectF(self.rect()).adjusted(0.75, 0.75, -0.75, -0.75))
            painter.setPen(QPen(QColor(tokens.surface), 1.5))
            painter.drawEllipse(circle.adjusted(-0.5, -0.5, 0.5, 0.5))
        if self._icon == "square":  # Stop: a filled square, as media players draw it
            stop = QRectF(0, 0, 10, 10)
            stop.moveCenter(circle.center())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(tokens.on_accent))
            painter.drawRoundedRect(stop, 2, 2)
        else:
            size = 16
            pixmap = icons.pixmap(self._icon, tokens.on_accent, size, self)
            x = (self.width() - size) / 2
            y = (self.height() - size) / 2
            painter.drawPixmap(round(x), round(y), pixmap)
        painter.end()


class ComposerCard(QFrame):
    """The card itself: the surface colour, a hairline border, round corners."""

    def paintEvent(self, event: QPaintEvent) -> None:
        tokens = theme.tokens_for(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        focused = self.isAncestorOf(self.focusWidget()) if self.focusWidget() else False
        border = QColor(tokens.border)
        if focused:  # a shade darker (lighter in dark) where the keyboard is
            border = _mix(border, QColor(tokens.secondary), 0.45)
        painter.setPen(QPen(border, 1))
        painter.setBrush(QColor(tokens.surface))
        radius = theme.RADIUS_COMPOSER
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)
        painter.end()


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


class _Switch(QToolButton):
    """A small chip in the card saying a switch of the + menu is on; a click turns it off."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText(text)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setAutoRaise(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(f"{text} on")
        self.setToolTip(f"{text} is on for this chat: click to turn it off")
        icons.tint(self, "globe", "accent", 16)
        self.hide()


class Composer(QWidget):
    send_requested = Signal(str)
    stop_requested = Signal()
    attach_requested = Signal()
    #: A switch of the + menu (or its chip) changed by the person: the new state.
    web_search_changed = Signal(bool)
    web_fetch_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card = ComposerCard(self)
        self.card.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.tray = AttachmentTray(self.card)
        self.tray.changed.connect(self._update_button)
        self.nearly_full = NearlyFullBar(self.card)
        self.too_long = TooLongBar(self.card)
        # Refused for what it carries: another set of attachments may go.
        self.tray.changed.connect(self.hide_refusal)
        self.editor = _Editor(self.card)
        self.editor.setPlaceholderText(PLACEHOLDER)
        self.editor.setAccessibleName("Message to Claude")
        self.editor.setToolTip("Enter sends, Shift+Enter starts a new line")
        self.editor.setFrameShape(QFrame.Shape.NoFrame)
        adopt_viewport(self.editor).setAutoFillBackground(False)
        self.editor.setStyleSheet("QPlainTextEdit { background: transparent; }")
        self.editor.document().setDocumentMargin(2)
        self.editor.setTabChangesFocus(True)
        self.editor.installEventFilter(self)
        self.editor.document().contentsChanged.connect(self._fit_height)
        self._build_menu()
        self.web_search_chip = _Switch("Web search", self.card)
        self.web_search_chip.clicked.connect(lambda: self._switch_web(search=False))
        self.web_fetch_chip = _Switch("Web fetch", self.card)
        self.web_fetch_chip.clicked.connect(lambda: self._switch_web(fetch=False))
        self.meter = ContextRing(self.card)
        self.picker = ModelPicker(self.card)
        self.button = SendButton(self.card)
        self.button.setText("Send")
        self.button.setAccessibleName("Send message")
        self.button.setToolTip("Send (Enter)")
        self.button.clicked.connect(self._on_button)

        inner = QVBoxLayout(self.card)
        inner.setContentsMargins(PADDING, PADDING - 2, PADDING - 4, PADDING - 4)
        inner.setSpacing(6)
        inner.addWidget(self.nearly_full)
        inner.addWidget(self.too_long)
        inner.addWidget(self.tray)
        inner.addWidget(self.editor)
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.plus_button)
        row.addWidget(self.web_search_chip)
        row.addWidget(self.web_fetch_chip)
        row.addStretch(1)
        row.addWidget(self.meter)
        row.addWidget(self.picker)
        row.addSpacing(2)
        row.addWidget(self.button)
        inner.addLayout(row)

        # The card in the reading column: at most COLUMN_MAX_WIDTH, centred, the rest of
        # the width shared by the margins either side.
        outer = QHBoxLayout(self)
        outer.setContentsMargins(SIDE_MARGIN, 6, SIDE_MARGIN, 14)
        outer.addStretch(1)
        outer.addWidget(self.card, 1000)
        outer.addStretch(1)
        self.set_body_px(theme.BODY_PX)

        self._streaming = False
        self._web_available = True
        self._fit_height()
        self._update_button()
        self.editor.textChanged.connect(self._update_button)
        self.setTabOrder(self.editor, self.plus_button)
        self.setTabOrder(self.plus_button, self.picker)
        self.setTabOrder(self.picker, self.button)

    def _build_menu(self) -> None:
        self.plus_button = QToolButton(self.card)
        self.plus_button.setAccessibleName("Add files and tools")
        self.plus_button.setToolTip("Attach files, web search and web fetch")
        self.plus_button.setAutoRaise(True)
        self.plus_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.plus_button.setFixedSize(SEND_PX, SEND_PX)
        self.plus_button.setCursor(Qt.CursorShape.PointingHandCursor)
        # No menu arrow: the + says it all.
        self.plus_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0; }")
        icons.tint(self.plus_button, "plus", "text", theme.ICON_PX)
        self.menu = QMenu(self.plus_button)
        self.menu.setAccessibleName("Add to the message")
        self.attach_action = QAction("Attach files…", self.menu)
        self.attach_action.setToolTip("Attach images, PDFs or text files (or drop them here)")
        self.attach_action.setIcon(icons.icon("paperclip", "text", 16))
        self.attach_action.triggered.connect(self.attach_requested.emit)
        self.web_search_action = QAction("Web search", self.menu)
        self.web_search_action.setCheckable(True)
        self.web_search_action.setToolTip("Let Claude search the web for this chat")
        self.web_search_action.triggered.connect(lambda on: self._switch_web(search=bool(on)))
        self.web_fetch_action = QAction("Web fetch", self.menu)
        self.web_fetch_action.setCheckable(True)
        self.web_fetch_action.setToolTip("Let Claude read web pages you name, for this chat")
        self.web_fetch_action.triggered.connect(lambda on: self._switch_web(fetch=bool(on)))
        self.menu.addAction(self.attach_action)
        self._web_separator = self.menu.addSeparator()
        self.menu.addAction(self.web_search_action)
        self.menu.addAction(self.web_fetch_action)
        self.plus_button.setMenu(self.menu)

    # -- what is shown -------------------------------------------------------------------

    @property
    def streaming(self) -> bool:
        return self._streaming

    def set_streaming(self, streaming: bool) -> None:
        self._streaming = streaming
        self.button.set_stop(streaming)
        self.button.setAccessibleName("Stop the answer" if streaming else "Send message")
        self.button.setToolTip("Stop the answer (Esc)" if streaming else "Send (Enter)")
        self._update_button()

    def set_empty_chat(self, empty: bool) -> None:
        """An empty chat asks "How can I help you today?"; one under way, "Reply to Claude…"."""
        self.editor.setPlaceholderText(EMPTY_CHAT_PLACEHOLDER if empty else PLACEHOLDER)

    def set_body_px(self, body_px: float) -> None:
        """The reading column's width at this text size (Ctrl+= widens it)."""
        self.card.setMaximumWidth(theme.scaled(theme.COLUMN_MAX_WIDTH, body_px))

    def set_text_font(self, font: QFont) -> None:
        """The conversation's text size, for the field too (and the column's width)."""
        self.editor.setFont(font)
        self.set_body_px(QFontInfo(font).pixelSize() or theme.BODY_PX)
        self._fit_height()

    def set_web_available(self, available: bool) -> None:
        """Offer the web switches only where the provider runs them."""
        self._web_available = available
        self._web_separator.setVisible(available)
        self.web_search_action.setVisible(available)
        self.web_fetch_action.setVisible(available)
        self._show_web_chips()

    def set_web(self, search: bool, fetch: bool) -> None:
        """Show the open chat's switches (not announced: nothing to save)."""
        self.web_search_action.setChecked(search)
        self.web_fetch_action.setChecked(fetch)
        self._show_web_chips()

    def set_context_use(self, use: ContextUse | None) -> None:
        self.meter.set_use(use)
        # A refusal already says more than "nearly full".
        self.nearly_full.set_use(None if self.too_long.isVisibleTo(self) else use)

    def show_refusal(self, text: str, *, new_chat: bool = True) -> None:
        """Send was refused for what the message carries (too long for the model, too many
        PDF pages): say so above the text, which stays, with "New chat with it"."""
        self.nearly_full.set_use(None)
        self.too_long.show_refusal(text, new_chat=new_chat)

    def hide_refusal(self) -> None:
        self.too_long.hide()

    def _show_web_chips(self) -> None:
        shown = self._web_available
        self.web_search_chip.setVisible(shown and self.web_search_action.isChecked())
        self.web_fetch_chip.setVisible(shown and self.web_fetch_action.isChecked())

    def _switch_web(self, *, search: bool | None = None, fetch: bool | None = None) -> None:
        if search is not None:
            self.web_search_action.setChecked(search)
            self.web_search_changed.emit(search)
        if fetch is not None:
            self.web_fetch_action.setChecked(fetch)
            self.web_fetch_changed.emit(fetch)
        self._show_web_chips()
        self.focus()

    # -- the text ----------------------------------------------------------------------

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        self.editor.setPlainText(text)
        self._update_button()

    def fill(self, text: str) -> None:
        """Put a suggestion in the field, the caret at its end, ready to go on typing."""
        self.set_text(text)
        self.editor.moveCursor(QTextCursor.MoveOperation.End)
        self.focus()

    def load(self, text: str, attachments: Sequence[Attachment] = ()) -> None:
        """Show a saved draft (or a question being edited) without announcing it as typing:
        no textChanged or tray.changed, so nothing takes it for a new draft to save."""
        with QSignalBlocker(self.editor), QSignalBlocker(self.tray):
            self.editor.setPlainText(text)
            self.tray.set_attachments(attachments)
        self.hide_refusal()
        self.editor.moveCursor(QTextCursor.MoveOperation.End)
        self._update_button()

    def focus(self) -> None:
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def submit(self) -> None:
        """Send what is written (and attached), unless there is nothing, an attachment is
        still being read, or an answer is still streaming."""
        text = self.text()
        if self._streaming or self.tray.pending:
            return
        if not text.strip() and not self.tray.attachments():
            return
        self.send_requested.emit(text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.editor:
            if event.type() in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
                self.card.update()  # its border marks where the keyboard is
            if event.type() == QEvent.Type.KeyPress:
                assert isinstance(event, QKeyEvent)
                if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    mods = event.modifiers()
                    shifted = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier
                    if not mods & shifted:
                        self.submit()
                        return True
                elif event.key() == Qt.Key.Key_Escape and self._streaming:
                    self.stop_requested.emit()
                    return True
        return super().eventFilter(watched, event)

    def _on_button(self) -> None:
        if self._streaming:
            self.stop_requested.emit()
        else:
            self.submit()
        self.focus()

    def clear(self) -> None:
        """After a send: the text and the attachments went with the message."""
        self.editor.clear()
        self.tray.clear()
        self.hide_refusal()

    def _update_button(self) -> None:
        # Every path that changes what could be sent ends here: typing, set_text and load,
        # chips added, read or removed, streaming started or ended.
        ready = bool(self.text().strip()) or bool(self.tray.attachments())
        self.button.setEnabled(self._streaming or (ready and not self.tray.pending))

    def _fit_height(self) -> None:
        # Grow with the text from MIN_LINES up to MAX_LINES, then scroll.
        metrics = self.editor.fontMetrics()
        lines = max(MIN_LINES, min(MAX_LINES, self.editor.document().lineCount()))
        margins = self.editor.contentsMargins()
        frame = 2 * self.editor.frameWidth() + margins.top() + margins.bottom()
        self.editor.setFixedHeight(lines * metrics.lineSpacing() + frame + 8)
