"""The sidebar: conversations by recency, a search over all of them, and New chat.

The highlighted (selected) conversation is always the open one: only :meth:`show_open`
and :meth:`set_conversations` change it, never a click, a right-click or an arrow key.
Arrow keys move the keyboard cursor (the focus ring) and Enter opens what it is on; a
click opens at once. Opening is left to the window, which then calls :meth:`show_open`,
so a conversation that fails to open never looks open. While a search is shown the
highlight is the cursor instead: the result Enter would open.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QFocusEvent,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.domain.history import ConversationRecord
from claude_desktop.domain.search import Run, SearchResult, SearchResults

ID_ROLE = Qt.ItemDataRole.UserRole
MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1
#: A search result row's SearchResult, drawn by ResultDelegate.
RESULT_ROLE = Qt.ItemDataRole.UserRole + 2
SEARCH_DELAY_MS = 150
_PADDING = 6


class ConversationSidebar(QWidget):
    conversation_chosen = Signal(int)
    #: conversation id, message id (0 when the title matched)
    hit_chosen = Signal(int, int)
    new_chat_requested = Signal()
    rename_requested = Signal(int, str)
    delete_requested = Signal(int)
    #: the search text, after the person paused typing ("" when cleared)
    search_requested = Signal(str)
    #: Esc in the empty search field: the person is done here (the window focuses the composer)
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(200)
        self.new_button = QPushButton("New chat", self)
        self.new_button.setAccessibleName("New chat")
        self.new_button.clicked.connect(self.new_chat_requested.emit)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search (Ctrl+K)")
        self.search.setAccessibleName("Search conversations")
        self.search.setClearButtonEnabled(True)
        self.search.installEventFilter(self)
        self.list = ConversationList(self)
        self.list.setAccessibleName("Conversations")
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setItemDelegate(ResultDelegate(self.list))
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        self.list.itemChanged.connect(self._renamed)
        self.list.installEventFilter(self)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(lambda: self.search_requested.emit(self.query()))
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._open_current_hit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 0, 8)
        layout.addWidget(self.new_button)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        self._filling = False
        self._open_id: int | None = None

    def query(self) -> str:
        return self.search.text().strip()

    @property
    def searching(self) -> bool:
        """Whether the list shows search results rather than the conversations."""
        return self.list.searching

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def set_conversations(
        self, groups: Sequence[tuple[str, Sequence[ConversationRecord]]], current: int | None
    ) -> None:
        """Show conversations under their recency headings, `current` (the open one)
        highlighted."""
        self._filling = True
        self.list.searching = False
        self.list.clear()
        for heading, records in groups:
            self._heading(heading)
            for record in records:
                item = QListWidgetItem(record.title or "New chat")
                item.setData(ID_ROLE, record.id)
                item.setToolTip(record.title)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                self.list.addItem(item)
        self._filling = False
        self.show_open(current)

    def show_open(self, conversation_id: int | None) -> None:
        """`conversation_id` is the open conversation (None: a new chat): highlight it and
        put the keyboard cursor on it."""
        self._open_id = conversation_id
        if self.searching:
            return  # the highlight is the search cursor; this shows once the search ends
        self.list.select_only(self._item_for(conversation_id))

    def set_search_results(self, found: SearchResults) -> None:
        """Show search results: matching titles, then matching messages, each group under
        a heading that counts its rows; the first row highlighted, for Enter."""
        self._filling = True
        self.list.searching = True
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
        self._filling = False
        rows = self.items()
        self.list.select_only(rows[0] if rows else None)

    def leave_search(self) -> None:
        """Clear the search and show the conversations again, the open one highlighted."""
        self.search.clear()
        self._search_timer.stop()
        self.search_requested.emit("")

    def items(self) -> list[QListWidgetItem]:
        """The rows that stand for conversations or hits (not headings)."""
        rows = (self.list.item(i) for i in range(self.list.count()))
        return [item for item in rows if item is not None and item.data(ID_ROLE) is not None]

    def current_conversation_item(self) -> QListWidgetItem | None:
        """The highlighted conversation row (the open conversation), if it is listed."""
        selected = self.list.selectedItems()
        return selected[0] if selected else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return super().eventFilter(watched, event)
        assert isinstance(event, QKeyEvent)
        key = event.key()
        plain_escape = (
            key == Qt.Key.Key_Escape and event.modifiers() == Qt.KeyboardModifier.NoModifier
        )
        if plain_escape and (watched is self.search or (watched is self.list and self.searching)):
            # Taken before the window's Esc shortcut (stop) sees it.
            event.accept()
            if kind == QEvent.Type.KeyPress:
                self._escape()
            return True
        arrow = key in (Qt.Key.Key_Down, Qt.Key.Key_Up)
        if watched is self.search and kind == QEvent.Type.KeyPress and arrow:
            self.list.move_cursor(1 if key == Qt.Key.Key_Down else -1)
            return True
        return super().eventFilter(watched, event)

    def _escape(self) -> None:
        if self.query() or self.searching:
            self.leave_search()
            self.search.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.dismissed.emit()

    def _item_for(self, conversation_id: int | None) -> QListWidgetItem | None:
        if conversation_id is None:
            return None
        for item in self.items():
            if item.data(ID_ROLE) == conversation_id and item.data(MESSAGE_ROLE) is None:
                return item
        return None

    def _heading(self, text: str) -> None:
        item = QListWidgetItem(text)
        font = QFont(item.font())
        font.setBold(True)
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
        item.setFont(font)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        self.list.addItem(item)

    def _activated(self, item: QListWidgetItem) -> None:
        conversation_id = item.data(ID_ROLE)
        if conversation_id is None:
            return
        message_id = item.data(MESSAGE_ROLE)
        if message_id is not None:
            self.hit_chosen.emit(int(conversation_id), int(message_id))
            # Like a palette, the search ends with what it found: the conversations come
            # back with the one just opened highlighted.
            self.leave_search()
        else:
            self.conversation_chosen.emit(int(conversation_id))

    def _open_current_hit(self) -> None:
        if self._search_timer.isActive():  # typed faster than the search: search now
            self._search_timer.stop()
            self.search_requested.emit(self.query())
        if not self.searching:
            return
        item = self.list.currentItem()
        rows = self.items()
        if item is None or item.data(ID_ROLE) is None:
            item = rows[0] if rows else None
        if item is not None:
            self._activated(item)

    def _renamed(self, item: QListWidgetItem) -> None:
        if self._filling or item.data(ID_ROLE) is None or item.data(MESSAGE_ROLE) is not None:
            return
        title = " ".join(item.text().split())
        if title:
            self.rename_requested.emit(int(item.data(ID_ROLE)), title)

    def _context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is None or item.data(ID_ROLE) is None or item.data(MESSAGE_ROLE) is not None:
            return
        # By id, not by item: the list may be rebuilt (an answer ends) while the menu is up.
        conversation_id = int(item.data(ID_ROLE))
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        rename = QAction("Rename", menu)
        rename.triggered.connect(lambda: self._rename(conversation_id))
        delete = QAction("Delete", menu)
        delete.triggered.connect(lambda: self.delete_requested.emit(conversation_id))
        menu.addAction(rename)
        menu.addAction(delete)
        # The right-click moved the keyboard cursor; it goes back to the open conversation
        # whatever the menu's outcome (it hides before its action runs).
        menu.aboutToHide.connect(lambda: self.show_open(self._open_id))
        menu.popup(self.list.viewport().mapToGlobal(pos))

    def _rename(self, conversation_id: int) -> None:
        item = self._item_for(conversation_id)
        if item is not None:
            self.list.editItem(item)


class ConversationList(QListWidget):
    """The list of the sidebar: clicks and keys move the cursor, never the highlight,
    except in search results, where the highlight is the cursor."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.searching = False
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)

    def selectionCommand(
        self, index: QModelIndex | QPersistentModelIndex, event: QEvent | None = None
    ) -> QItemSelectionModel.SelectionFlag:
        if self.searching:
            return super().selectionCommand(index, event)
        return QItemSelectionModel.SelectionFlag.NoUpdate

    def select_only(self, item: QListWidgetItem | None) -> None:
        """Highlight `item` (None: nothing) and put the cursor on it."""
        model = self.selectionModel()
        if item is None:
            model.clearSelection()
            model.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)
            return
        index = self.indexFromItem(item)
        model.select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        model.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
        self.scrollToItem(item)

    def move_cursor(self, step: int) -> None:
        """Move the cursor `step` rows (headings skipped), as the arrow keys do."""
        rows = [self.item(i) for i in range(self.count())]
        usable = [i for i, it in enumerate(rows) if it is not None and it.data(ID_ROLE) is not None]
        if not usable:
            return
        now = self.currentRow()
        later = [i for i in usable if (i > now if step > 0 else i < now)]
        target = (later[0] if step > 0 else later[-1]) if later else now
        if target < 0:
            target = usable[0]
        item = self.item(target)
        if self.searching:
            self.select_only(item)
        else:
            self.setCurrentItem(item, QItemSelectionModel.SelectionFlag.NoUpdate)
        self.scrollToItem(item)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter opens what the cursor is on, on every platform (macOS would rename it).
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            item = self.currentItem()
            if self.state() != QAbstractItemView.State.EditingState and item is not None:
                self.itemActivated.emit(item)
                return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        # The cursor goes back to the open conversation once the person is done here; not
        # for a context menu or a rename, whose editor takes the focus.
        editing = self.state() == QAbstractItemView.State.EditingState
        if not self.searching and not editing and event.reason() != Qt.FocusReason.PopupFocusReason:
            selected = self.selectedItems()
            if selected:
                self.setCurrentItem(selected[0], QItemSelectionModel.SelectionFlag.NoUpdate)


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
    """Draws a search result: its title in bold, the excerpt below in quieter text, the
    matched words in the accent colour and bold. Other rows are drawn as usual."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # type: ignore[override]
        result = index.data(RESULT_ROLE)
        if not isinstance(result, SearchResult):
            return super().sizeHint(option, index)
        height = QFontMetrics(option.font).height()
        lines = 2 if result.snippet else 1
        return QSize(option.rect.width(), lines * height + (lines - 1) * 2 + 2 * _PADDING)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:  # type: ignore[override]
        result = index.data(RESULT_ROLE)
        if not isinstance(result, SearchResult):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette = opt.palette
        text = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        accent = text if selected else palette.color(QPalette.ColorRole.Link)
        under = QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base
        quiet = _mix(text, palette.color(under), 0.3)
        box = opt.rect.adjusted(_PADDING + 2, _PADDING, -_PADDING, -_PADDING)
        height = QFontMetrics(opt.font).height()
        painter.save()
        bold = QFont(opt.font)
        bold.setBold(True)
        title_line = QRect(box.x(), box.y(), box.width(), height)
        _draw_runs(painter, title_line, result.title, (bold, text), (bold, accent))
        if result.snippet:
            line = QRect(box.x(), box.y() + height + 2, box.width(), height)
            _draw_runs(
                painter,
                line,
                _trimmed(result.snippet, opt.font, box.width()),
                (opt.font, quiet),
                (bold, text if selected else accent),
            )
        painter.restore()


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    """`a` moved a fraction `t` towards `b`."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


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
