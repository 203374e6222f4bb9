"""The sidebar: conversations by recency, a search over all of them, and New chat."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.storage.store import ConversationRecord, SearchHit

ID_ROLE = Qt.ItemDataRole.UserRole
MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_DELAY_MS = 150


class ConversationSidebar(QWidget):
    conversation_chosen = Signal(int)
    #: conversation id, message id (0 when the title matched)
    hit_chosen = Signal(int, int)
    new_chat_requested = Signal()
    rename_requested = Signal(int, str)
    delete_requested = Signal(int)
    #: the search text, after the person paused typing ("" when cleared)
    search_requested = Signal(str)

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
        self.list = QListWidget(self)
        self.list.setAccessibleName("Conversations")
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        self.list.itemChanged.connect(self._renamed)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(lambda: self.search_requested.emit(self.query()))
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._open_first_hit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 0, 8)
        layout.addWidget(self.new_button)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        self._filling = False

    def query(self) -> str:
        return self.search.text().strip()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def set_conversations(
        self, groups: Sequence[tuple[str, Sequence[ConversationRecord]]], current: int | None
    ) -> None:
        """Show conversations under their recency headings, `current` selected."""
        self._filling = True
        self.list.clear()
        for heading, records in groups:
            self._heading(heading)
            for record in records:
                item = QListWidgetItem(record.title or "New chat")
                item.setData(ID_ROLE, record.id)
                item.setToolTip(record.title)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                self.list.addItem(item)
                if record.id == current:
                    self.list.setCurrentItem(item)
        self._filling = False

    def set_search_results(self, hits: Sequence[SearchHit]) -> None:
        self._filling = True
        self.list.clear()
        self._heading(f"{len(hits)} results" if hits else "No results")
        for hit in hits:
            snippet = " ".join(hit.snippet.split())
            item = QListWidgetItem(f"{hit.title}\n{snippet}" if snippet else hit.title)
            item.setData(ID_ROLE, hit.conversation_id)
            item.setData(MESSAGE_ROLE, hit.message_id or 0)
            item.setToolTip(snippet)
            self.list.addItem(item)
        self._filling = False

    def items(self) -> list[QListWidgetItem]:
        """The rows that stand for conversations or hits (not headings)."""
        rows = (self.list.item(i) for i in range(self.list.count()))
        return [item for item in rows if item is not None and item.data(ID_ROLE) is not None]

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
        else:
            self.conversation_chosen.emit(int(conversation_id))

    def _open_first_hit(self) -> None:
        self._search_timer.stop()
        self.search_requested.emit(self.query())
        rows = self.items()
        if rows:
            self._activated(rows[0])

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
        menu = QMenu(self)
        rename = QAction("Rename", menu)
        rename.triggered.connect(lambda: self.list.editItem(item))
        delete = QAction("Delete", menu)
        delete.triggered.connect(lambda: self.delete_requested.emit(int(item.data(ID_ROLE))))
        menu.addAction(rename)
        menu.addAction(delete)
        menu.popup(self.list.viewport().mapToGlobal(pos))
