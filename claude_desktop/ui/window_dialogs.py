"""The window's parts made when first needed, so none is imported before the first paint:
Settings and the chat settings (one of each, kept in step with the open chat), the welcome
page (only without a key) and the Ctrl+K palette."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

#: ChatSettingsSheet's objectName.
SHEET_NAME = "chatSettingsSheet"

if TYPE_CHECKING:
    from .conversation_settings import ChatSettingsSheet
    from .key_view import KeyView
    from .main_window import MainWindow
    from .search_palette import SearchPalette
    from .settings_dialog import SettingsDialog


def make_key_view(window: MainWindow) -> KeyView:
    """The welcome page, added to the window's pages."""
    from .key_view import KeyView

    page = KeyView(window)
    page.key_submitted.connect(window.key_flow.key_submitted)
    page.providers_requested.connect(window.open_connection_settings)
    window.pages.addWidget(page)
    return page


def make_search_palette(window: MainWindow) -> SearchPalette:
    """The Ctrl+K palette, over the window's pages."""
    from .search_palette import SearchPalette

    palette = SearchPalette(window.pages)
    palette.search_requested.connect(window.conversations.search)
    palette.hit_chosen.connect(window.conversations.open_hit)
    palette.closed.connect(window.conversations.search_closed)
    return palette


def open_settings(window: MainWindow) -> SettingsDialog:
    """Show the Settings window (one, made on first use and shown again after)."""
    from .settings_dialog import SettingsDialog

    dialog = window.findChild(SettingsDialog)
    if dialog is None:
        dialog = SettingsDialog(window.session, window.tasks, window)
        dialog.key_removed.connect(window.key_flow.key_removed)
        dialog.key_changed.connect(window.key_flow.key_changed)
        dialog.connection.connection_changed.connect(window.key_flow.connection_changed)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


def open_chat_settings(window: MainWindow) -> ChatSettingsSheet:
    """Show the open chat's settings in the side sheet (made on first use)."""
    from .conversation_settings import ChatSettingsSheet

    sheet = window.findChild(ChatSettingsSheet)
    if sheet is None:
        sheet = ChatSettingsSheet(window.session, window)
        # Its web switches are the composer's too: the composer shows what it set.
        sheet.settings_applied.connect(window.composer_sync.refresh)
    sheet.open_sheet()
    return sheet


def refresh_chat_settings(window: MainWindow) -> None:
    """Another chat, or another model: the sheet, if open, shows its settings."""
    # Found by its object name: a sheet never opened leaves its module unimported.
    sheet = window.findChild(QWidget, SHEET_NAME)
    if sheet is not None and sheet.isVisible():
        sheet.load()  # type: ignore[attr-defined]
