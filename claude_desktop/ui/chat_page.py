"""The chat page's layout: the sidebar beside the chat column (header, conversation, composer),
and the sidebar shown, hidden (Ctrl+B) or folded away by a narrow window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from . import theme
from .toasts import Toasts

if TYPE_CHECKING:
    from .main_window import MainWindow

#: Below this window width the sidebar folds away by itself (and comes back above it).
NARROW_WIDTH = 900


class ChatPage(QSplitter):
    """The sidebar | the chat column, with a hairline between them."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(Qt.Orientation.Horizontal, window)
        self.window = window
        self._folded = False  # folded by a narrow window, not by the person
        self._was_narrow = False
        chat = QWidget(self)
        chat.setObjectName("chat-column")
        layout = QVBoxLayout(chat)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(window.header)
        layout.addWidget(window.banner)
        layout.addWidget(window.view, 1)
        # On an empty chat the view gives way to the greeting above the composer and the
        # suggestions under it: the composer sits in the middle of the page.
        layout.addWidget(window.composer_sync.greeting, 1)
        layout.addWidget(window.edit_bar)
        layout.addWidget(window.composer)
        layout.addWidget(window.composer_sync.suggestions, 1)
        self.toasts = Toasts(chat, window.composer)
        self.toasts.quiet = lambda: window.turns.streaming  # nothing animates while streaming
        window.notices.toasts = self.toasts

        sidebar = window.sidebar
        sidebar.conversation_chosen.connect(window.open_conversation)
        sidebar.new_chat_requested.connect(window.new_chat)
        sidebar.rename_requested.connect(window.rename_conversation)
        sidebar.delete_requested.connect(window.delete_conversation)
        sidebar.settings_requested.connect(window.open_settings)
        self.addWidget(sidebar)
        self.addWidget(chat)
        self.setStretchFactor(1, 1)
        self.setSizes([260, 840])
        self.setChildrenCollapsible(False)
        self.setHandleWidth(1)
        self.style_handle()

    def toggle_sidebar(self) -> None:
        """Ctrl+B and the header's toggle: the person's choice, kept until they change it
        (a narrow window folds the sidebar again only when it next becomes narrow)."""
        window, sidebar = self.window, self.window.sidebar
        self._folded = False
        shown = sidebar.isHidden()
        if not shown and sidebar.isAncestorOf(window.focusWidget()):
            window.composer.focus()  # focus never stays on a hidden widget
        sidebar.setVisible(shown)

    def fold_to_width(self, width: int) -> None:
        """Fold the sidebar away as the window becomes narrow; bring it back as it widens,
        if it was folded by the width (not hidden by the person)."""
        window, sidebar = self.window, self.window.sidebar
        narrow = width < NARROW_WIDTH
        if narrow == self._was_narrow:
            return
        self._was_narrow = narrow
        if narrow and sidebar.isVisibleTo(window):
            if sidebar.isAncestorOf(window.focusWidget()):
                window.composer.focus()
            sidebar.hide()
            self._folded = True
        elif not narrow and self._folded:
            sidebar.show()
            self._folded = False

    def style_handle(self) -> None:
        """A hairline in the border token between the sidebar and the conversation."""
        # The handle's palette, not a style sheet: a sheet on the splitter would take the
        # app's style (and its focus ring) from every widget inside it.
        handle = self.handle(1)
        palette = handle.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(theme.tokens_for(self.palette()).border))
        handle.setPalette(palette)
        handle.setAutoFillBackground(True)
