"""The main window: builds its parts and connects them.

What each part does lives in its own module: the actions, menus and keys (actions.py,
menus.py), the header above the conversation (header.py), notices, toasts and the drop zone
(notices.py, toasts.py), the tray icon (tray.py), which conversation is open
(conversations.py), its branch on screen (branch_presenter.py), drafts (drafts.py), files
coming in (attachment_intake.py), what Send does (asking.py), the answers being asked for
(turns.py), and the key page and connection changes (key_flow.py). The window itself keeps
the pages (the welcome page until a key is set, then the chat), the settings and help
dialogs, and the methods other parts and the tests call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QEvent, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDropEvent,
    QImage,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from claude_desktop.api.errors import ClaudeError
from claude_desktop.domain import providers
from claude_desktop.domain.history import History, StorageError
from claude_desktop.domain.paths import log_dir
from claude_desktop.domain.session import Session
from claude_desktop.domain.tasks import TaskRegistry

from . import window_dialogs
from .actions import build_actions, chat_only, more_menu_actions
from .appearance import appearance_for
from .asking import Asking
from .attachment_intake import AttachmentIntake
from .branch_presenter import FIRST_SHOWN, RENDER_WINDOW, BranchPresenter
from .chat_page import NARROW_WIDTH, ChatPage
from .composer import Composer
from .composer_sync import ComposerSync
from .conversation_view import ConversationView
from .conversations import Conversations
from .drafts import Drafts
from .header import ChatHeader
from .key_flow import KEY_REFUSED_ON_KEY_PAGE, KEY_SOURCE_TEXT, KeyFlow
from .menus import build_menu_bar
from .notices import Notices
from .sidebar import ConversationSidebar
from .toasts import Toast
from .tray import Tray
from .turns import KEY_REJECTED_DETAIL, KEY_REJECTED_TITLE, Turns

if TYPE_CHECKING:  # the dialogs are imported when first opened, not at start-up
    from .conversation_settings import ChatSettingsSheet
    from .key_view import KeyView
    from .search_palette import SearchPalette
    from .settings_dialog import SettingsDialog

__all__ = [
    "FIRST_SHOWN",
    "KEY_REFUSED_ON_KEY_PAGE",
    "KEY_REJECTED_DETAIL",
    "KEY_REJECTED_TITLE",
    "KEY_SOURCE_TEXT",
    "NARROW_WIDTH",
    "RENDER_WINDOW",
    "MainWindow",
]

log = logging.getLogger(__name__)


def _warm_up_rendering() -> None:
    """On a worker: the renderer's own modules are imported there too, not at start-up."""
    from .render import warm_up

    warm_up()


class MainWindow(QMainWindow):
    quit_requested = Signal()

    # Made from the table in actions.py.
    new_action: QAction
    search_action: QAction
    settings_action: QAction
    chat_settings_action: QAction
    export_action: QAction
    quit_action: QAction
    stop_action: QAction
    focus_action: QAction
    copy_answer_action: QAction
    zoom_in_action: QAction
    zoom_out_action: QAction
    zoom_reset_action: QAction
    shortcuts_action: QAction
    log_folder_action: QAction
    about_action: QAction
    delete_action: QAction
    sidebar_action: QAction

    def __init__(self, session: Session, tasks: TaskRegistry | None = None) -> None:
        super().__init__()
        self.session = session
        self.tasks = tasks if tasks is not None else TaskRegistry()
        self.setWindowTitle("Claude")
        self.resize(1100, 780)

        # First: Tab goes header → conversation → composer → sidebar, and round again.
        self.header = ChatHeader(self)
        self.view = ConversationView(self)
        self.composer = Composer(self)
        self.sidebar = ConversationSidebar(self)
        self.notices = Notices(self, on_undo=self.undo_delete)
        self.tasks.on_error = self.notices.show_unexpected_error
        self.asking = Asking(self)
        self.turns = Turns(self)
        self.presenter = BranchPresenter(self)
        self.conversations = Conversations(self)
        self.drafts = Drafts(self)
        self.intake = AttachmentIntake(self)
        self.composer_sync = ComposerSync(self)

        self.composer.send_requested.connect(self.send)
        self.composer.stop_requested.connect(self.stop)
        self.composer.attach_requested.connect(self.intake.attach_dialog)
        self.composer.editor.files_pasted.connect(self.attach_paths)
        self.composer.editor.image_pasted.connect(self.attach_image)
        self.setAcceptDrops(True)

        self.header.toggle_sidebar.connect(self.toggle_sidebar)
        self.header.rename_requested.connect(self._rename_from_header)
        self.tray: Tray | None = None  # tray.apply_tray_setting adds it
        self.chat_page = ChatPage(self)
        self.toasts = self.chat_page.toasts

        self.key_flow = KeyFlow(self)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.chat_page)
        self.setCentralWidget(self.pages)
        # Made when first needed: with a key, the welcome page never shows; Ctrl+K may not.
        self._key_view: KeyView | None = None
        self._search_palette: SearchPalette | None = None

        self.picker = self.composer.picker  # the model chip
        self.picker.set_models(session.models, session.model)
        self.picker.model_chosen.connect(self._on_model_chosen)
        QWidget.setTabOrder(self.header.title_button, self.header.menu_button)
        self.appearance = appearance_for(session.settings)
        self.appearance.font_size_changed.connect(self._apply_font_size)
        self._apply_font_size()
        self._build_actions()
        self._restore_geometry()

    # -- the parts' widgets and methods, as the rest of the app and the tests reach them ----

    @property
    def banner(self) -> QLabel:
        return self.notices.banner

    @property
    def undo_bar(self) -> Toast | None:
        """The Undo toast while it shows."""
        return self.notices.undo_toast

    @property
    def undo_button(self) -> QWidget | None:
        toast = self.notices.undo_toast
        return toast.button if toast is not None else None

    @property
    def drop_zone(self) -> QLabel:
        return self.notices.drop_zone

    @property
    def edit_bar(self) -> QLabel:
        return self.asking.edit_bar

    @property
    def key_view(self) -> KeyView:
        """The welcome page, where the key is asked for."""
        if self._key_view is None:
            self._key_view = window_dialogs.make_key_view(self)
        return self._key_view

    @property
    def search_palette(self) -> SearchPalette:
        """The Ctrl+K palette, over the window's pages."""
        if self._search_palette is None:
            self._search_palette = window_dialogs.make_search_palette(self)
        return self._search_palette

    def open_search(self) -> None:
        self.search_palette.open_palette()

    @property
    def history(self) -> History:
        return self.session.history

    @property
    def streaming(self) -> bool:
        """Whether the open conversation's answer is streaming (others may be, meanwhile)."""
        return self.turns.streaming

    @property
    def is_filling(self) -> bool:
        """Whether the opened conversation's window of messages is still being made."""
        return self.presenter.is_filling

    def show_notice(self, text: str) -> None:
        """A plain message above the conversation (not an error of the app)."""
        self.notices.show_notice(text)

    def show_toast(self, text: str, timeout_ms: int = 4000) -> None:
        """A passing message (it goes by itself), near the foot of the conversation."""
        self.toasts.show(text, timeout_ms)

    def show_unexpected_error(self, exc: BaseException) -> None:
        self.notices.show_unexpected_error(exc)

    def send(self, text: str) -> None:
        self.asking.send(text)

    def stop(self) -> None:
        self.turns.stop()

    def new_chat(self) -> None:
        self.conversations.new_chat()

    def _enter_new_chat(self) -> None:
        self.conversations.enter_new_chat()

    def open_conversation(
        self, conversation_id: int, scroll_to: int | None = None, *, save_draft: bool = True
    ) -> bool:
        return self.conversations.open(conversation_id, scroll_to, save_draft=save_draft)

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        self.conversations.rename(conversation_id, title)

    def delete_conversation(self, conversation_id: int) -> None:
        self.conversations.delete(conversation_id)

    def delete_current_conversation(self) -> None:
        conversation_id = self.session.current.id
        if conversation_id is not None:
            self.delete_conversation(conversation_id)

    def _rename_from_header(self, title: str) -> None:
        conversation_id = self.session.current.id
        if conversation_id is not None:
            self.rename_conversation(conversation_id, title)

    def update_header(self) -> None:
        """The header's title: the open conversation's (a new chat's cannot be renamed)."""
        record = self.session.current.record
        self.header.set_title(record.title if record else "", renamable=record is not None)
        self.delete_action.setEnabled(record is not None and self.new_action.isEnabled())

    def undo_delete(self) -> None:
        self.conversations.undo_delete()

    def export_dialog(self) -> None:
        self.conversations.export_dialog()

    def export_to(self, path: Path) -> None:
        self.conversations.export_to(path)

    def _show_conversation(self, scroll_to: int | None = None) -> None:
        self.presenter.show(scroll_to)

    def attach_paths(self, paths: list[str]) -> None:
        self.intake.attach_paths(paths)

    def attach_image(self, image: QImage) -> None:
        self.intake.attach_image(image)

    def open_files_in_new_chat(self, paths: list[str]) -> None:
        self.intake.open_files_in_new_chat(paths)

    def save_draft(self) -> None:
        self.drafts.save()

    # -- set-up ----------------------------------------------------------------------------

    def _build_actions(self) -> None:
        self._actions = build_actions(self)
        self.header.set_menu(more_menu_actions(self._actions))
        self.header.menu.aboutToShow.connect(self.update_header)
        build_menu_bar(self, self._actions)

    def _restore_geometry(self) -> None:
        saved = self.session.settings.window_geometry
        if saved:
            self.restoreGeometry(QByteArray.fromBase64(saved.encode("ascii")))

    def save_state(self) -> None:
        # The geometry first: kept in memory even when the draft cannot be saved (a full
        # disk), so the settings saved later still have it.
        geometry = self.saveGeometry().toBase64().data().decode("ascii")
        self.session.settings.window_geometry = geometry
        self.save_draft()
        self.session.settings.save()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        return self.tasks.spawn(coro, name)

    async def start(self) -> None:
        """Find the key and show the right page; called once the loop runs."""
        self._open_initial()
        key = await self.session.load_key()
        if key or not self.session.needs_key:  # a cloud provider has no API key to ask for
            self._show_chat()
            self.spawn(self._refresh_models(), "refresh-models")
        else:
            self._show_key_page()
        # What the first answer would load (Markdown, lexers, styles), loaded now, off the
        # UI thread, while the person reads the window. Not before the key is found: the
        # thread would compete for the GIL with the key's own thread and the first paint.
        self.spawn(asyncio.to_thread(_warm_up_rendering), "warm-up")

    def _open_initial(self) -> None:
        """Reopen the conversation of the last session (after a crash too), with its draft.

        A history that cannot be opened or read (damaged, busy, unreadable) is left as it
        is, and the session goes on with a temporary one.
        """
        try:
            last = self.session.settings.last_conversation_id
            if not (last and self.open_conversation(last, save_draft=False)):
                self._enter_new_chat()
            self.conversations.refresh_sidebar()
        except StorageError as exc:
            log.error("History unavailable: %s", exc)
            self.session.use_temporary_history()
            self._enter_new_chat()
            self.conversations.refresh_sidebar()
            # After entering the chat, which clears the banner.
            self.show_notice(f"{exc.human} Conversations in this session will not be saved.")

    # -- pages -----------------------------------------------------------------------------

    def _show_chat(self) -> None:
        self.pages.setCurrentWidget(self.chat_page)
        self._show_chat_chrome(True)
        self.key_flow.tell_connection()
        self.composer.focus()

    def _show_chat_chrome(self, shown: bool) -> None:
        """The header (and its model picker) and the chat's actions: none of them is shown
        or usable on the welcome page, until a key (or a cloud) is set."""
        self.header.setVisible(shown)
        for action in chat_only(self._actions):
            action.setEnabled(shown)
        if shown:
            self.update_header()

    def _show_key_page(self, message: str = "") -> None:
        self.key_flow.show_key_page(message)

    async def _refresh_models(self) -> None:
        # At start-up the HTTP stack is not loaded yet: loaded off the UI thread, it no longer
        # holds up the first paint (it was a third of the cold start).
        if not providers.http_stack_loaded():
            await asyncio.to_thread(providers.load_http_stack)
        try:
            models = await self.session.refresh_models()
        except ClaudeError as exc:
            log.info("Using the pinned model list: %s", exc)
            return
        self.picker.set_models(models, self.session.model)
        # Online with a key: what the last session purged leaves the Files API now.
        self.spawn(self.session.delete_purged_uploads(), "delete-uploads")

    # -- the model ---------------------------------------------------------------------------

    def _on_model_chosen(self, model_id: str) -> None:
        self.session.set_model(model_id)
        self.session.settings.save_in_background()
        self.refresh_chat_settings()

    # -- settings and errors ---------------------------------------------------------------

    def open_settings(self) -> SettingsDialog:
        """Show the Settings window (one, made on first use and shown again after)."""
        return window_dialogs.open_settings(self)

    def open_connection_settings(self) -> None:
        dialog = self.open_settings()
        dialog.show_page(dialog.connection)

    def open_conversation_settings(self) -> ChatSettingsSheet:
        """Show the open chat's settings in the side sheet (made on first use)."""
        return window_dialogs.open_chat_settings(self)

    def refresh_chat_settings(self) -> None:
        """Another chat, or another model: the sheet, if open, shows its settings."""
        window_dialogs.refresh_chat_settings(self)

    # -- appearance and help ---------------------------------------------------------------

    def _apply_font_size(self) -> None:
        self.view.setFont(self.appearance.font())
        self.composer.set_text_font(self.appearance.font())

    def copy_last_answer(self) -> None:
        """Put the newest answer's Markdown on the clipboard, once it has ended.

        An answer that ended with no text (an error before the first word) is no answer.
        """
        from .message_widget import AssistantMessageWidget

        answers = [
            w
            for w in self.view.message_widgets()
            if isinstance(w, AssistantMessageWidget) and (w.is_streaming or w.can_copy)
        ]
        if not answers:
            self.show_toast("There is no answer to copy yet", 3000)
        elif answers[-1].is_streaming:
            self.show_toast("The answer can be copied once it ends", 3000)
        else:
            answers[-1].copy_to_clipboard()
            self.show_toast("Copied the last answer", 3000)

    def show_shortcuts(self) -> None:
        from .help_dialogs import ShortcutsDialog  # imported when first opened

        ShortcutsDialog(self._actions.values(), self).open()  # the table's, in its order

    def show_about(self) -> None:
        from .help_dialogs import AboutDialog

        AboutDialog(self).open()

    def open_log_folder(self) -> None:
        try:
            folder = log_dir(create=True)
        except OSError as exc:
            self.show_notice(f"The log folder cannot be created: {exc.strerror or exc}.")
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.show_notice(f"Could not open the log folder. It is {folder}")

    # -- files dragged over the window -------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.intake.drag_entered(event)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.notices.show_drop_zone(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self.intake.dropped(event)

    # -- the sidebar and the window's look ----------------------------------------------------

    def toggle_sidebar(self) -> None:
        self.chat_page.toggle_sidebar()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.chat_page.style_handle()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.chat_page.fold_to_width(self.width())
        if self.drop_zone.isVisible():
            self.notices.place_drop_zone()

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()
        if self.tray is not None:
            # With a tray icon, closing hides the window: answers go on streaming, and
            # the icon brings it back (or quits).
            self.hide()
            return
        # The app decides when to quit, after streams are cancelled and state saved.
        self.quit_requested.emit()
