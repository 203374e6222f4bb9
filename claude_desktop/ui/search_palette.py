"""Search as a Ctrl+K palette: a card centred over the window, a field at its top and the
results under it (titles bold, snippets as plain text with the match in the accent colour).

↑/↓ move through the results, Enter opens one (the window scrolls to the message and
flashes it), Esc or a click outside closes. With nothing typed it lists the recent
conversations. The searching itself is the window's (conversations.py), asked for through
:attr:`SearchPalette.search_requested` once typing pauses.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QModelIndex, QObject, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.domain.history import ConversationRecord
from claude_desktop.domain.search import Run, SearchResult, SearchResults

from . import icons, theme
from .sidebar import heading_font

ID_ROLE = Qt.ItemDataRole.UserRole
MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1
#: A result row's SearchResult, drawn by ResultDelegate.
RESULT_ROLE = Qt.ItemDataRole.UserRole + 2
SEARCH_DELAY_MS = 150
#: Conversations listed before anything is typed.
RECENT_COUNT = 8
CARD_WIDTH = 640
MAX_CARD_HEIGHT = 480
_PADDING = 8
_ROW_PADDING = 12


class SearchPalette(QWidget):
    """The overlay: a dimmed layer over the whole window holding the card."""

    #: conversation id, message id (0: the conversation itself)
    hit_chosen = Signal(int, int)
    #: the search text, once typing pauses ("" when cleared: list the recent ones)
    search_requested = Signal(str)
    #: Closed with the focus in it (Esc, a click outside): the window puts the focus back.
    closed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("searchPalette")
        self.card = _Card(self)
        self.field = QLineEdit(self.card)
        self.field.setPlaceholderText("Search chats")
        self.field.setAccessibleName("Search conversations")
        self.field.setFrame(False)
        self.field.setClearButtonEnabled(True)
        self.field.setMinimumHeight(40)
        self.field.addAction(
            icons.icon("search", "secondary", 16), QLineEdit.ActionPosition.LeadingPosition
        )
        self.field.installEventFilter(self)
        self.list = QListWidget(self.card)
        self.list.setAccessibleName("Search results")
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.viewport().setAutoFillBackground(False)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setItemDelegate(ResultDelegate(self.list))
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the field keeps the keys
        self.list.setMouseTracking(True)
        self.list.itemClicked.connect(self._activated)
        rule = QFrame(self.card)
        rule.setFixedHeight(1)
        rule.setObjectName("paletteRule")
        self._rule = rule
        layout = QVBoxLayout(self.card)
        layout.setContentsMargins(_PADDING, _PADDING, _PADDING, _PADDING)
        layout.setSpacing(6)
        layout.addWidget(self.field)
        layout.addWidget(rule)
        layout.addWidget(self.list, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(lambda: self.search_requested.emit(self.query()))
        self.field.textChanged.connect(lambda _text: self._timer.start())
        parent.installEventFilter(self)
        self.hide()

    # -- opening and closing -------------------------------------------------------------------

    def open_palette(self) -> None:
        """Show the palette over the window, its field focused, the recent conversations
        listed until something is typed."""
        self._fit()
        self.show()
        self.raise_()
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._timer.stop()
        self.search_requested.emit(self.query())

    def close_palette(self) -> None:
        if not self.isVisible():
            return
        self._timer.stop()
        had_focus = self.field.hasFocus()
        self.hide()
        # Each Ctrl+K starts afresh, on the recent conversations.
        self.field.blockSignals(True)
        self.field.clear()
        self.field.blockSignals(False)
        if had_focus:
            self.closed.emit()

    def query(self) -> str:
        return self.field.text().strip()

    # -- results ---------------------------------------------------------------------------------

    def set_results(self, found: SearchResults) -> None:
        """Show what a search found: matching titles, then matching messages, the first
        one highlighted for Enter."""
        self.list.clear()
        if not found.results:
            self._heading(f"No matches for “{self.query()}”")
        for name, results in (("Titles", found.titles), ("Messages", found.messages)):
            if results:
                self._heading(f"{name} ({len(results)})")
            for result in results:
                self.list.addItem(_result_item(result))
        if found.more:
            self._heading("Only the first matches are listed: add a word to narrow them.")
        self._select_first()
        self._fit()

    def set_recent(self, records: Sequence[ConversationRecord]) -> None:
        """Nothing typed: the most recent conversations, to open one by the keyboard."""
        self.list.clear()
        self._heading("Recent" if records else "No conversations yet")
        for record in records[:RECENT_COUNT]:
            title = record.title or "New chat"
            self.list.addItem(_result_item(SearchResult(record.id, None, (Run(title, False),), ())))
        self._select_first()
        self._fit()

    def items(self) -> list[QListWidgetItem]:
        """The result rows (not headings)."""
        rows = (self.list.item(i) for i in range(self.list.count()))
        return [item for item in rows if item is not None and item.data(ID_ROLE) is not None]

    def current_result(self) -> SearchResult | None:
        item = self.list.currentItem()
        result = item.data(RESULT_ROLE) if item is not None else None
        return result if isinstance(result, SearchResult) else None

    def move_highlight(self, step: int) -> None:
        """Move the highlight `step` results down (up when negative), headings skipped."""
        rows = self.items()
        if not rows:
            return
        current = self.list.currentItem()
        at = rows.index(current) if current in rows else -1
        target = rows[max(0, min(len(rows) - 1, at + step))]
        self.list.setCurrentItem(target)
        self.list.scrollToItem(target)

    def _select_first(self) -> None:
        rows = self.items()
        if rows:
            self.list.setCurrentItem(rows[0])
            self.list.scrollToTop()

    def _heading(self, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        item.setSizeHint(QSize(0, 28))
        self.list.addItem(item)

    def _activated(self, item: QListWidgetItem) -> None:
        conversation_id = item.data(ID_ROLE)
        if conversation_id is None:
            return
        message_id = int(item.data(MESSAGE_ROLE) or 0)
        self.close_palette()
        self.hit_chosen.emit(int(conversation_id), message_id)

    def _open_current(self) -> None:
        if self._timer.isActive():  # typed faster than the search: search now
            self._timer.stop()
            self.search_requested.emit(self.query())
        item = self.list.currentItem()
        if item is None or item.data(ID_ROLE) is None:
            rows = self.items()
            item = rows[0] if rows else None
        if item is not None:
            self._activated(item)

    # -- keys, clicks and placing ----------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.parent() and kind == QEvent.Type.Resize and self.isVisible():
            self._fit()
        elif watched is self.field and kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key == Qt.Key.Key_Escape:
                # Taken before the window's Esc shortcut (stop) sees it.
                event.accept()
                if kind == QEvent.Type.KeyPress:
                    self.close_palette()
                return True
            if kind == QEvent.Type.KeyPress and key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                self.move_highlight(1 if key == Qt.Key.Key_Down else -1)
                return True
            if kind == QEvent.Type.KeyPress and key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                self.move_highlight(5 if key == Qt.Key.Key_PageDown else -5)
                return True
            if kind == QEvent.Type.KeyPress and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._open_current()
                return True
        elif watched is self.field and kind == QEvent.Type.FocusOut and self.isVisible():
            # Focus gone elsewhere (a click on the window, Tab): the palette is done.
            QTimer.singleShot(0, self, self._close_if_focus_left)
        return super().eventFilter(watched, event)

    def _close_if_focus_left(self) -> None:
        focused = self.window().focusWidget()
        if focused is None or not self.isAncestorOf(focused):
            self.close_palette()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self.card.geometry().contains(event.position().toPoint()):
            self.close_palette()
            return
        super().mousePressEvent(event)

    def _fit(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        self.setGeometry(parent.rect())
        width = min(CARD_WIDTH, self.width() - 48)
        # As tall as its rows (a short list makes a short card), within the window.
        rows = sum(self.list.sizeHintForRow(i) for i in range(self.list.count()))
        content = self.field.minimumHeight() + 1 + rows + 2 * _PADDING + 2 * 6 + 8
        height = max(160, min(content, MAX_CARD_HEIGHT, self.height() - 96))
        top = max(24, self.height() // 7)
        self.card.setGeometry((self.width() - width) // 2, top, width, height)

    def paintEvent(self, event: QPaintEvent) -> None:
        # A light scrim: the palette is in front, the window still reads behind it.
        painter = QPainter(self)
        dark = theme.tokens_for(self.palette()).dark
        painter.fillRect(self.rect(), QColor(0, 0, 0, 90 if dark else 40))


class _Card(QFrame):
    """The palette's card: surface colour, RADIUS_CARD corners, a border."""

    def paintEvent(self, event: QPaintEvent) -> None:
        colors = theme.tokens_for(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(colors.border), 1))
        painter.setBrush(QColor(colors.surface))
        radius = theme.RADIUS_CARD
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)
        parent = self.parentWidget()
        rule = parent._rule if isinstance(parent, SearchPalette) else None
        if rule is not None:
            painter.fillRect(rule.geometry(), QColor(colors.border))


def _result_item(result: SearchResult) -> QListWidgetItem:
    title, snippet = result.title_text, result.snippet_text
    # The text is what screen readers read; the delegate draws the runs.
    item = QListWidgetItem(f"{title}\n{snippet}" if snippet else title)
    item.setData(ID_ROLE, result.conversation_id)
    item.setData(MESSAGE_ROLE, result.message_id or 0)
    item.setData(RESULT_ROLE, result)
    item.setToolTip(snippet or title)
    return item


class ResultDelegate(QStyledItemDelegate):
    """Draws a result: its title in bold, the excerpt below in quieter text, the matched
    words in the accent colour and bold, on a rounded pill when highlighted; headings small
    and quiet like the sidebar's."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # type: ignore[override]
        result = index.data(RESULT_ROLE)
        if not isinstance(result, SearchResult):
            return QSize(option.rect.width(), 28)
        height = QFontMetrics(option.font).height()
        lines = 2 if result.snippet else 1
        return QSize(option.rect.width(), lines * height + (lines - 1) * 4 + 2 * _PADDING + 4)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:  # type: ignore[override]
        colors = theme.tokens_for(option.palette)
        result = index.data(RESULT_ROLE)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if not isinstance(result, SearchResult):
            painter.setFont(heading_font(option.font))
            painter.setPen(QColor(colors.secondary))
            box = option.rect.adjusted(_ROW_PADDING, 0, -_ROW_PADDING, -6)
            text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
            painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, text)
            painter.restore()
            return
        state = option.state
        current = bool(state & QStyle.StateFlag.State_Selected) or bool(
            state & QStyle.StateFlag.State_HasFocus
        )
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        if current or hovered:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(colors.selected if current else colors.hover))
            radius = theme.RADIUS_CONTROL
            painter.drawRoundedRect(QRectF(option.rect).adjusted(0, 1, 0, -1), radius, radius)
        text, accent = QColor(colors.text), QColor(colors.accent)
        quiet = QColor(colors.secondary)
        box = option.rect.adjusted(_ROW_PADDING, _PADDING + 2, -_ROW_PADDING, -_PADDING)
        height = QFontMetrics(option.font).height()
        bold = QFont(option.font)
        bold.setBold(True)
        title_line = QRect(box.x(), box.y(), box.width(), height)
        _draw_runs(painter, title_line, result.title, (bold, text), (bold, accent))
        if result.snippet:
            line = QRect(box.x(), box.y() + height + 4, box.width(), height)
            _draw_runs(
                painter,
                line,
                _trimmed(result.snippet, option.font, box.width()),
                (option.font, quiet),
                (bold, accent),
            )
        painter.restore()


def _trimmed(runs: Sequence[Run], font: QFont, width: int) -> list[Run]:
    """`runs` with words cut from the front (and an ellipsis put there) until the first
    match starts within the first third of `width`: the match, not its lead-in, is what
    the line must show."""
    first = next((i for i, run in enumerate(runs) if run.match), None)
    if first is None or first == 0:
        return list(runs)
    metrics = QFontMetrics(font)
    lead_in = "".join(run.text for run in runs[:first])
    limit = width // 3
    if metrics.horizontalAdvance(lead_in) <= limit:
        return list(runs)
    words = lead_in.split(" ")
    while len(words) > 1 and metrics.horizontalAdvance("…" + " ".join(words)) > limit:
        words.pop(0)
    return [Run("…" + " ".join(words), False), *runs[first:]]


def _draw_runs(
    painter: QPainter,
    line: QRect,
    runs: Sequence[Run],
    plain: tuple[QFont, QColor],
    match: tuple[QFont, QColor],
) -> None:
    """Draw `runs` one after another on `line`, the last one that does not fit elided."""
    x = line.x()
    for run in runs:
        font, color = match if run.match else plain
        metrics = QFontMetrics(font)
        room = line.right() - x
        if room <= metrics.horizontalAdvance("…"):
            break
        text = metrics.elidedText(run.text, Qt.TextElideMode.ElideRight, room)
        width = metrics.horizontalAdvance(text)
        painter.setFont(font)
        painter.setPen(color)
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(QRect(x, line.y(), width + 1, line.height()), flags, text)
        x += width
        if text != run.text:
            break
