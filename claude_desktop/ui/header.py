"""The slim header above the conversation: the sidebar toggle, the conversation's title
(click it, or Enter/F2 on it, to rename it in place; Esc cancels) and a ⋯ menu of the
chat's actions and the app's (where the menu bar is hidden, that menu reaches them).

It has no frame and no background of its own: it sits on the page.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QWidget,
)

from . import icons, theme
from .theme_sheet import follow_theme

HEIGHT = 46
NEW_CHAT_TITLE = "New chat"


class ChatHeader(QWidget):
    """Emits `rename_requested` with the new title (stripped, not empty, changed)."""

    toggle_sidebar = Signal()
    rename_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chat-header")
        self.setFixedHeight(HEIGHT)
        self._renamable = False

        self.sidebar_button = _icon_button("panel-left", "Show or hide the sidebar", self)
        self.sidebar_button.clicked.connect(self.toggle_sidebar)

        self.title_button = QToolButton(self)
        self.title_button.setObjectName("chat-title")
        self.title_button.setAccessibleName("Conversation title")
        self.title_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.title_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.title_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.title_button.clicked.connect(self.start_rename)
        self.title_button.installEventFilter(self)

        self.title_edit = QLineEdit(self)
        self.title_edit.setAccessibleName("New title")
        self.title_edit.setMaxLength(200)
        self.title_edit.returnPressed.connect(self._commit)
        self.title_edit.installEventFilter(self)

        # The title centred over the conversation, clickable only where its text is.
        centred = QWidget(self)
        centre_row = QHBoxLayout(centred)
        centre_row.setContentsMargins(0, 0, 0, 0)
        centre_row.addStretch(1)
        centre_row.addWidget(self.title_button)
        centre_row.addStretch(1)
        self._title_stack = QStackedWidget(self)
        self._title_stack.addWidget(centred)
        self._title_stack.addWidget(self.title_edit)
        self._title_stack.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        self.menu_button = _icon_button("ellipsis", "More", self)
        self.menu_button.setAccessibleName("Chat menu")
        self.menu = QMenu(self.menu_button)
        self.menu.setAccessibleName("Chat menu")
        self.menu_button.setMenu(self.menu)
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)

        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 10, 6)
        row.setSpacing(6)
        row.addWidget(self.sidebar_button)
        row.addWidget(self._title_stack, 1)
        row.addWidget(self.menu_button)
        QWidget.setTabOrder(self.sidebar_button, self.title_button)
        QWidget.setTabOrder(self.title_button, self.title_edit)
        QWidget.setTabOrder(self.title_edit, self.menu_button)
        self.set_title("", renamable=False)
        follow_theme(self, _header_sheet)

    # -- the title -------------------------------------------------------------------------

    def set_title(self, title: str, *, renamable: bool) -> None:
        """Show `title` (a new chat has none yet, and cannot be renamed until it is saved)."""
        self._renamable = renamable
        shown = title or NEW_CHAT_TITLE
        self._full_title = shown
        self.title_button.setText(self._elided(shown))
        self.title_button.setToolTip(f"{shown} (click to rename)" if renamable else "")
        self.title_button.setAccessibleDescription("Press Enter to rename" if renamable else "")
        if self.is_renaming():
            self.cancel_rename()

    def title(self) -> str:
        return self._full_title

    def is_renaming(self) -> bool:
        return self._title_stack.currentWidget() is self.title_edit

    def start_rename(self) -> None:
        if not self._renamable:
            return
        self.title_edit.setText(self._full_title)
        self._title_stack.setCurrentWidget(self.title_edit)
        self.title_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.title_edit.selectAll()

    def cancel_rename(self) -> None:
        had_focus = self.title_edit.hasFocus()
        # Leaving the field commits what it holds (FocusOut): make that the old title.
        self.title_edit.setText(self._full_title)
        self._title_stack.setCurrentIndex(0)
        if had_focus:
            self.title_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _commit(self) -> None:
        if not self.is_renaming():
            return
        title = self.title_edit.text().strip()
        self.cancel_rename()  # its FocusOut finds the old title: no second rename
        if title and title != self._full_title:
            self.set_title(title, renamable=True)  # at once; the window stores it
            self.rename_requested.emit(title)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and watched is self.title_edit
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            event.accept()  # Esc cancels the rename here, not the window's Stop
            return True
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if watched is self.title_edit and key == Qt.Key.Key_Escape:
                self.cancel_rename()
                return True
            if watched is self.title_button and key in (
                Qt.Key.Key_Return,
                Qt.Key.Key_Enter,
                Qt.Key.Key_F2,
            ):
                self.start_rename()
                return True
        elif event.type() == QEvent.Type.FocusOut and watched is self.title_edit:
            self._commit()  # clicking elsewhere keeps what was typed, as in a list's rename
        return False

    def _elided(self, title: str) -> str:
        width = max(120, self.width() - 2 * HEIGHT - 40)
        return self.fontMetrics().elidedText(title, Qt.TextElideMode.ElideRight, width)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.title_button.setText(self._elided(self._full_title))

    def add_trailing(self, widget: QWidget) -> None:
        """A widget at the right, before the ⋯ button (the model picker, for now)."""
        row = self.layout()
        assert isinstance(row, QHBoxLayout)
        row.insertWidget(row.indexOf(self.menu_button), widget)

    # -- the ⋯ menu ------------------------------------------------------------------------

    def set_menu(self, groups: list[list[QAction]]) -> None:
        """The ⋯ menu: groups of actions, a separator between groups."""
        self.menu.clear()
        for i, group in enumerate(groups):
            if i:
                self.menu.addSeparator()
            for action in group:
                self.menu.addAction(action)


def _header_sheet(t: theme.Tokens) -> str:
    return (
        f"QToolButton {{ border: none; border-radius: {theme.RADIUS_CONTROL}px;"
        f" background: transparent; color: {t.text}; padding: 5px; }}"
        f"QToolButton:hover {{ background: {t.hover}; }}"
        # The sheet takes the app's focus ring from these buttons: their own, then.
        f"QToolButton:focus {{ border: 2px solid {t.accent}; padding: 3px; }}"
        f"QToolButton::menu-indicator {{ image: none; width: 0; }}"
        f"#chat-title {{ font-weight: 600; padding: 5px 8px; text-align: left; }}"
        f"#chat-title:focus {{ padding: 3px 6px; }}"
        f"QLineEdit {{ background: {t.surface}; color: {t.text};"
        f" border: 1px solid {t.accent}; border-radius: {theme.RADIUS_CONTROL}px;"
        f" padding: 4px 8px; font-weight: 600; }}"
    )


def _icon_button(name: str, tip: str, parent: QWidget) -> QToolButton:
    button = QToolButton(parent)
    button.setAccessibleName(tip)
    button.setToolTip(tip)
    button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    button.setAutoRaise(True)
    button.setFixedSize(34, 34)
    icons.tint(button, name, role="secondary")
    return button
