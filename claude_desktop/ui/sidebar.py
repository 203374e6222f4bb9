"""The sidebar: New chat, the conversations by recency, and Settings in its footer.

The highlighted (selected) conversation is always the open one: only :meth:`show_open`
and :meth:`set_conversations` change it, never a click, a right-click or an arrow key.
Arrow keys move the keyboard cursor (the focus ring) and Enter opens what it is on; a
click opens at once. Opening is left to the window, which then calls :meth:`show_open`,
so a conversation that fails to open never looks open. Searching is the Ctrl+K palette's
(search_palette.py).

A row under the pointer (or the keyboard cursor) shows a ⋯ button opening Rename and
Delete; the keyboard reaches the same menu with the menu key or Shift+F10, F2 renames
and Delete deletes (with Undo).
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
    QRectF,
    QSize,
    Qt,
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
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QFrame,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.domain.history import ConversationRecord

from . import icons, theme
from .viewports import adopt_viewport

ID_ROLE = Qt.ItemDataRole.UserRole
#: Rows are pills this tall; headings are HEADING_HEIGHT.
ROW_HEIGHT = 34
HEADING_HEIGHT = 30
HEADING_PX = 11
#: Room at the right of a row for its ⋯ button.
OPTIONS_SIZE = 26
_MARGIN = 8  # the sidebar's inner margin, left and right
_TEXT_PADDING = 10  # inside a pill, before its text


class ConversationSidebar(QWidget):
    conversation_chosen = Signal(int)
    new_chat_requested = Signal()
    rename_requested = Signal(int, str)
    delete_requested = Signal(int)
    settings_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(200)
        self.new_button = SidebarRow("New chat", "square-pen", self)
        self.new_button.clicked.connect(self.new_chat_requested.emit)
        self.list = ConversationList(self)
        self.list.setAccessibleName("Conversations")
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        adopt_viewport(self.list).setAutoFillBackground(False)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setItemDelegate(RowDelegate(self.list))
        self.list.setMouseTracking(True)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        self.list.itemChanged.connect(self._renamed)
        self.list.itemEntered.connect(self._place_options)
        self.list.currentItemChanged.connect(lambda item, _old: self._follow_cursor(item))
        self.list.delete_pressed.connect(self._delete_current)
        self.list.menu_pressed.connect(self._menu_for_current)
        self.list.viewport().installEventFilter(self)
        self.list.installEventFilter(self)
        self.options_button = QToolButton(self.list.viewport())
        self.options_button.setAccessibleName("Conversation options")
        self.options_button.setToolTip("Rename or delete")
        self.options_button.setAutoRaise(True)
        # The keyboard has the menu key, F2 and Delete on the row itself: one Tab stop for
        # the whole list, not one more per row.
        self.options_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.options_button.setFixedSize(OPTIONS_SIZE, OPTIONS_SIZE)
        icons.tint(self.options_button, "ellipsis", role="secondary", size=16)
        self.options_button.clicked.connect(self._options_clicked)
        self.options_button.hide()
        self._options_for: int | None = None
        self.settings_button = SidebarRow("Settings", "settings", self)
        self.settings_button.clicked.connect(self.settings_requested.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(_MARGIN, 10, _MARGIN, 10)
        layout.setSpacing(4)
        layout.addWidget(self.new_button)
        layout.addSpacing(6)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.settings_button)
        self._filling = False
        self._open_id: int | None = None
        #: The headings, ids and titles the rows show (None: rebuild them at the next set).
        self._shown: tuple[object, ...] | None = None

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        # Not fillRect: choosing among its overloads makes PySide6 create QGradient's type
        # and its 169 presets first (1.3 ms before the window's first paint).
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.tokens_for(self.palette()).sidebar))
        painter.drawRect(self.rect())

    def set_conversations(
        self, groups: Sequence[tuple[str, Sequence[ConversationRecord]]], current: int | None
    ) -> None:
        """Show conversations under their recency headings, `current` (the open one)
        highlighted."""
        shown = tuple(
            (heading, tuple((r.id, r.title) for r in records)) for heading, records in groups
        )
        if shown == self._shown:
            # Every Send and every answer's end ask: the same rows stay (rebuilding and
            # repainting them was ~9 ms at 500 chats).
            self.show_open(current)
            return
        self._shown = shown
        self._filling = True
        self.list.clear()
        self.options_button.hide()
        for heading, records in groups:
            self._heading(heading)
            for record in records:
                item = QListWidgetItem(record.title or "New chat")
                item.setData(ID_ROLE, record.id)
                item.setToolTip(record.title)
                item.setSizeHint(QSize(0, ROW_HEIGHT))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                self.list.addItem(item)
        self._filling = False
        self.show_open(current)

    def show_open(self, conversation_id: int | None) -> None:
        """`conversation_id` is the open conversation (None: a new chat): highlight it and
        put the keyboard cursor on it."""
        self._open_id = conversation_id
        self.list.select_only(self._item_for(conversation_id))

    def items(self) -> list[QListWidgetItem]:
        """The rows that stand for conversations (not headings)."""
        rows = (self.list.item(i) for i in range(self.list.count()))
        return [item for item in rows if item is not None and item.data(ID_ROLE) is not None]

    def headings(self) -> list[str]:
        rows = (self.list.item(i) for i in range(self.list.count()))
        return [item.text() for item in rows if item is not None and item.data(ID_ROLE) is None]

    def current_conversation_item(self) -> QListWidgetItem | None:
        """The highlighted conversation row (the open conversation), if it is listed."""
        selected = self.list.selectedItems()
        return selected[0] if selected else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.list.viewport() and kind == QEvent.Type.Leave:
            # The pointer left: the ⋯ goes back to the keyboard cursor, if the list has it.
            self._follow_cursor(self.list.currentItem())
        elif watched is self.list and kind in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            self._follow_cursor(self.list.currentItem())
        return super().eventFilter(watched, event)

    # -- the ⋯ button and its menu -----------------------------------------------------------

    def _place_options(self, item: QListWidgetItem | None) -> None:
        """Put the ⋯ button at the right of `item`'s row (None, or a heading: hide it)."""
        if item is None or item.data(ID_ROLE) is None:
            # Not while the pointer is on the button itself (it is on the list's viewport).
            button = self.options_button
            if not button.isDown() and not button.underMouse():
                button.hide()
            return
        rect = self.list.visualItemRect(item)
        self._options_for = int(item.data(ID_ROLE))
        self.options_button.setAccessibleName(f"Options for “{item.text()}”")
        self.options_button.move(
            rect.right() - OPTIONS_SIZE - 4, rect.top() + (rect.height() - OPTIONS_SIZE) // 2
        )
        self.options_button.show()
        self.options_button.raise_()

    def _follow_cursor(self, item: QListWidgetItem | None) -> None:
        hovered = self.list.viewport().underMouse()
        if self.list.hasFocus() and not hovered:
            self._place_options(item)
        elif not hovered:
            self._place_options(None)

    def _options_clicked(self) -> None:
        if self._options_for is not None:
            self.open_options_menu(self._options_for)

    def _menu_for_current(self) -> None:
        item = self.list.currentItem()
        if item is not None and item.data(ID_ROLE) is not None:
            self._place_options(item)
            self.open_options_menu(int(item.data(ID_ROLE)))

    def open_options_menu(self, conversation_id: int) -> QMenu:
        """The Rename / Delete menu of a conversation, under its ⋯ button."""
        item = self._item_for(conversation_id)
        if item is not None:
            self._place_options(item)
        at = self.options_button.mapToGlobal(QPoint(0, self.options_button.height()))
        return self._popup_menu(conversation_id, at)

    def _context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is None or item.data(ID_ROLE) is None:
            return
        self._popup_menu(int(item.data(ID_ROLE)), self.list.viewport().mapToGlobal(pos))

    def _popup_menu(self, conversation_id: int, at: QPoint) -> QMenu:
        # By id, not by item: the list may be rebuilt (an answer ends) while the menu is up.
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        rename = QAction(icons.icon("pencil", "text", 16), "Rename", menu)
        rename.triggered.connect(lambda: self._rename(conversation_id))
        delete = QAction(icons.icon("trash-2", "text", 16), "Delete", menu)
        delete.triggered.connect(lambda: self.delete_requested.emit(conversation_id))
        menu.addAction(rename)
        menu.addAction(delete)
        # A right-click moved the keyboard cursor; it goes back to the open conversation
        # whatever the menu's outcome (it hides before its action runs).
        menu.aboutToHide.connect(lambda: self.show_open(self._open_id))
        menu.popup(at)
        return menu

    def _rename(self, conversation_id: int) -> None:
        item = self._item_for(conversation_id)
        if item is not None:
            self.options_button.hide()
            self.list.editItem(item)

    def _delete_current(self) -> None:
        item = self.list.currentItem()
        if item is not None and item.data(ID_ROLE) is not None:
            self.delete_requested.emit(int(item.data(ID_ROLE)))

    # -- rows ----------------------------------------------------------------------------------

    def _item_for(self, conversation_id: int | None) -> QListWidgetItem | None:
        if conversation_id is None:
            return None
        for item in self.items():
            if item.data(ID_ROLE) == conversation_id:
                return item
        return None

    def _heading(self, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        first = self.list.count() == 0
        item.setSizeHint(QSize(0, HEADING_HEIGHT - (8 if first else 0)))
        self.list.addItem(item)

    def _activated(self, item: QListWidgetItem) -> None:
        conversation_id = item.data(ID_ROLE)
        if conversation_id is not None:
            self.conversation_chosen.emit(int(conversation_id))

    def _renamed(self, item: QListWidgetItem) -> None:
        if self._filling or item.data(ID_ROLE) is None:
            return
        self._shown = None  # the row's text is the edit's now: the next set redoes it
        title = " ".join(item.text().split())
        if title:
            self.rename_requested.emit(int(item.data(ID_ROLE)), title)


class ConversationList(QListWidget):
    """The list of the sidebar: clicks and keys move the cursor, never the highlight."""

    delete_pressed = Signal()
    menu_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)

    def selectionCommand(
        self, index: QModelIndex | QPersistentModelIndex, event: QEvent | None = None
    ) -> QItemSelectionModel.SelectionFlag:
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

    def keyPressEvent(self, event: QKeyEvent) -> None:
        editing = self.state() == QAbstractItemView.State.EditingState
        key, mods = event.key(), event.modifiers()
        item = self.currentItem()
        if not editing and item is not None:
            # Enter opens what the cursor is on, on every platform (macOS would rename it).
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.itemActivated.emit(item)
                return
            if key == Qt.Key.Key_Delete and mods == Qt.KeyboardModifier.NoModifier:
                self.delete_pressed.emit()
                return
            menu_key = key == Qt.Key.Key_Menu or (
                key == Qt.Key.Key_F10 and mods == Qt.KeyboardModifier.ShiftModifier
            )
            if menu_key:
                self.menu_pressed.emit()
                return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        # The cursor goes back to the open conversation once the person is done here; not
        # for a context menu or a rename, whose editor takes the focus.
        editing = self.state() == QAbstractItemView.State.EditingState
        if not editing and event.reason() != Qt.FocusReason.PopupFocusReason:
            selected = self.selectedItems()
            if selected:
                self.setCurrentItem(selected[0], QItemSelectionModel.SelectionFlag.NoUpdate)


class RowDelegate(QStyledItemDelegate):
    """Draws a heading (small, letter-spaced, quiet) or a conversation: a rounded pill on
    hover (hover token) and for the open one (selected token), the focus ring on the
    keyboard cursor, the title elided, leaving room for the ⋯ button."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:  # type: ignore[override]
        colors = theme.tokens_for(option.palette)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        rect = QRect(option.rect)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if index.data(ID_ROLE) is None:
            painter.setFont(heading_font(option.font))
            painter.setPen(QColor(colors.secondary))
            box = rect.adjusted(_TEXT_PADDING, 0, -_TEXT_PADDING, -6)
            flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
            painter.drawText(box, flags, text)
            painter.restore()
            return
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        pill = QRectF(rect.adjusted(0, 1, 0, -1))
        radius = theme.RADIUS_CONTROL
        if selected or hovered:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(colors.selected if selected else colors.hover))
            painter.drawRoundedRect(pill, radius, radius)
        widget = option.widget
        focused = widget is not None and widget.hasFocus()
        if focused and bool(state & QStyle.StateFlag.State_HasFocus):
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor(colors.accent), 1.5))
            painter.drawRoundedRect(pill.adjusted(0.75, 0.75, -0.75, -0.75), radius, radius)
        # Room for the ⋯ where it may show (under the pointer, or on the cursor).
        room = (
            OPTIONS_SIZE + 6
            if hovered or (focused and state & QStyle.StateFlag.State_HasFocus)
            else 0
        )
        box = rect.adjusted(_TEXT_PADDING, 0, -_TEXT_PADDING - room, 0)
        metrics = QFontMetrics(option.font)
        painter.setFont(option.font)
        painter.setPen(QColor(colors.text))
        elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, box.width())
        painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # type: ignore[override]
        hint = index.data(Qt.ItemDataRole.SizeHintRole)
        if isinstance(hint, QSize) and hint.height() > 0:
            return QSize(option.rect.width(), hint.height())
        return QSize(option.rect.width(), ROW_HEIGHT)


def heading_font(base: QFont) -> QFont:
    """A section heading's font: 11 px, semibold, letter-spaced."""
    font = QFont(base)
    font.setPixelSize(HEADING_PX)
    font.setWeight(QFont.Weight.DemiBold)
    font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 0.4)
    return font


class SidebarRow(QAbstractButton):
    """A row-shaped button of the sidebar (New chat, Settings): an icon and a label, a pill
    on hover and press, the accent focus ring on keyboard focus."""

    def __init__(self, text: str, icon_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText(text)
        self.setAccessibleName(text)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)
        icons.tint(self, icon_name, role="text", size=theme.ICON_PX)

    def sizeHint(self) -> QSize:
        metrics = QFontMetrics(self.font())
        return QSize(
            _TEXT_PADDING * 3 + theme.ICON_PX + metrics.horizontalAdvance(self.text()), ROW_HEIGHT
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        colors = theme.tokens_for(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pill = QRectF(self.rect())
        radius = theme.RADIUS_CONTROL
        if self.isDown() or self.underMouse():
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(colors.selected if self.isDown() else colors.hover))
            painter.drawRoundedRect(pill, radius, radius)
        if self.hasFocus():
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor(colors.accent), 1.5))
            painter.drawRoundedRect(pill.adjusted(0.75, 0.75, -0.75, -0.75), radius, radius)
        size = self.iconSize().width()
        top = (self.height() - size) // 2
        self.icon().paint(painter, QRect(_TEXT_PADDING, top, size, size))
        painter.setPen(QColor(colors.text))
        painter.setFont(self.font())
        box = self.rect().adjusted(_TEXT_PADDING * 2 + size, 0, -_TEXT_PADDING, 0)
        painter.drawText(
            box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.text()
        )

    def event(self, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.HoverEnter, QEvent.Type.HoverLeave):
            self.update()
        return super().event(event)
