"""The main window: builds its parts and connects them.

What each part does lives in its own module: the actions, menus and keys (actions.py,
menus.py), notices and the drop zone (notices.py), which conversation is open
(conversations.py), its branch on screen (branch_presenter.py), drafts (drafts.py), files
coming in (attachment_intake.py), what Send does (asking.py) and the answers being asked for
(turns.py). The window itself keeps the pages (the welcome page until a key is set, then the
chat), the settings and help dialogs, and the methods other parts and the tests call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, Qt, QUrl, Signal
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
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.api.errors import AuthenticationError, ClaudeError
from claude_desktop.domain import providers
from claude_desktop.domain.history import History, StorageError
from claude_desktop.domain.paths import log_dir
from claude_desktop.domain.secrets import KeySource, SecretStoreError
from claude_desktop.domain.session import Session
from claude_desktop.domain.tasks import TaskRegistry

from .actions import build_actions, chat_only, toolbar_actions
from .appearance import appearance_for
from .asking import Asking
from .attachment_intake import AttachmentIntake
from .branch_presenter import FIRST_SHOWN, RENDER_WINDOW, BranchPresenter
from .composer import Composer
from .composer_sync import ComposerSync
from .conversation_view import AssistantMessageWidget, ConversationView
from .conversations import Conversations
from .drafts import Drafts
from .key_view import KeyView
from .menus import build_menu_bar
from .notices import Notices
from .render import warm_up
from .search_palette import SearchPalette
from .sidebar import ConversationSidebar
from .turns import KEY_REJECTED_DETAIL, KEY_REJECTED_TITLE, Turns

if TYPE_CHECKING:  # the dialogs are imported when first opened, not at start-up
    from .conversation_settings import ConversationSettingsDialog
    from .settings_dialog import SettingsDialog

__all__ = [
    "FIRST_SHOWN",
    "KEY_REFUSED_ON_KEY_PAGE",
    "KEY_REJECTED_DETAIL",
    "KEY_REJECTED_TITLE",
    "KEY_SOURCE_TEXT",
    "RENDER_WINDOW",
    "MainWindow",
]

log = logging.getLogger(__name__)

KEY_REFUSED_ON_KEY_PAGE = (
    "That key was rejected. Check that you copied all of it, or create a new one."
)

KEY_SOURCE_TEXT = {
    KeySource.ENVIRONMENT: "Using the API key from the ANTHROPIC_API_KEY environment variable",
    KeySource.KEYRING: "Using the API key saved in your system keyring",
    KeySource.SESSION: "Using an API key for this session only (not saved)",
    KeySource.NONE: "No API key",
}


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

    def __init__(self, session: Session, tasks: TaskRegistry | None = None) -> None:
        super().__init__()
        self.session = session
        self.tasks = tasks if tasks is not None else TaskRegistry()
        self.setWindowTitle("Claude")
        self.resize(1100, 780)

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

        chat = QWidget(self)
        layout = QVBoxLayout(chat)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for widget in (self.banner, self.undo_bar):
            layout.addWidget(widget)
        layout.addWidget(self.view, 1)
        # On an empty chat the view gives way to the greeting above the composer and the
        # suggestions under it: the composer sits in the middle of the page.
        layout.addWidget(self.composer_sync.greeting, 1)
        layout.addWidget(self.edit_bar)
        layout.addWidget(self.composer)
        layout.addWidget(self.composer_sync.suggestions, 1)
        self.sidebar.conversation_chosen.connect(self.open_conversation)
        self.sidebar.new_chat_requested.connect(self.new_chat)
        self.sidebar.rename_requested.connect(self.rename_conversation)
        self.sidebar.delete_requested.connect(self.delete_conversation)
        self.sidebar.settings_requested.connect(self.open_settings)
        self.chat_page = QSplitter(Qt.Orientation.Horizontal, self)
        self.chat_page.addWidget(self.sidebar)
        self.chat_page.addWidget(chat)
        self.chat_page.setStretchFactor(1, 1)
        self.chat_page.setSizes([260, 840])

        self.key_view = KeyView(self)
        self.key_view.key_submitted.connect(self._on_key_submitted)
        self.key_view.providers_requested.connect(self._open_connection_settings)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.chat_page)
        self.pages.addWidget(self.key_view)
        self.setCentralWidget(self.pages)
        self.search_palette = SearchPalette(self.pages)
        self.search_palette.search_requested.connect(self.conversations.search)
        self.search_palette.hit_chosen.connect(self.conversations.open_hit)
        self.search_palette.closed.connect(self.conversations.search_closed)

        self.picker = self.composer.picker  # the model chip
        self.picker.set_models(session.models, session.model)
        self.picker.model_chosen.connect(self._on_model_chosen)
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
    def undo_bar(self) -> QWidget:
        return self.notices.undo_bar

    @property
    def undo_button(self) -> QWidget:
        return self.notices.undo_button

    @property
    def drop_zone(self) -> QLabel:
        return self.notices.drop_zone

    @property
    def edit_bar(self) -> QLabel:
        return self.asking.edit_bar

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
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        spacer = QWidget(toolbar)
        spacer.setSizePolicy(
            spacer.sizePolicy().Policy.Expanding, spacer.sizePolicy().Policy.Preferred
        )
        toolbar.addWidget(spacer)
        for action in toolbar_actions(self._actions):
            toolbar.addAction(action)
        self.addToolBar(toolbar)
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
        self.spawn(asyncio.to_thread(warm_up), "warm-up")

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
        self.statusBar().showMessage(self._connection_text())
        self.composer.focus()

    def _show_chat_chrome(self, shown: bool) -> None:
        """The toolbar (and its model picker), the status bar and the chat's actions: none
        of them is shown or usable on the welcome page, until a key (or a cloud) is set."""
        for toolbar in self.findChildren(QToolBar):
            toolbar.setVisible(shown)
        self.statusBar().setVisible(shown)
        for action in chat_only(self._actions):
            action.setEnabled(shown)

    def _connection_text(self) -> str:
        if self.session.needs_key:
            return KEY_SOURCE_TEXT[self.session.key_source]
        return providers.describe(self.session.settings)

    def _on_connection_changed(self) -> None:
        """Settings → Connection saved: another provider (or network) from now on."""
        if self.session.needs_key and self.session.key is None:
            self._show_key_page()
            return
        self.picker.set_models(self.session.models, self.session.model)
        self._show_chat()
        self.composer_sync.refresh()  # web search is offered by some providers only
        self.spawn(self._refresh_models(), "refresh-models")

    def _show_key_page(self, message: str = "") -> None:
        self.key_view.reset(message)
        self.pages.setCurrentWidget(self.key_view)
        self._show_chat_chrome(False)
        self.key_view.focus()

    def _on_key_submitted(self, key: str, remember: bool) -> None:
        self.spawn(self._use_key(key, remember), "use-key")

    async def _use_key(self, key: str, remember: bool) -> None:
        self.key_view.set_busy(True)
        try:
            await self.session.use_key(key, remember=remember)
        except SecretStoreError as exc:
            self.key_view.offer_session_only(exc.human)
            return
        except AuthenticationError:
            # Not the API's sentence: it sends the person to Settings, and they are on the
            # page where a key is set.
            self.key_view.key_refused(KEY_REFUSED_ON_KEY_PAGE)
            return
        except ClaudeError as exc:
            self.key_view.key_refused(exc.human)
            return
        self.key_view.set_busy(False)
        self.picker.set_models(self.session.models, self.session.model)
        self._show_chat()

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

    # -- settings and errors ---------------------------------------------------------------

    def open_settings(self) -> SettingsDialog:
        from .settings_connection import ConnectionPage
        from .settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.session, self.tasks, self)
        dialog.key_removed.connect(self._on_key_removed)
        dialog.key_changed.connect(self._on_key_changed)
        dialog.findChild(ConnectionPage).connection_changed.connect(self._on_connection_changed)
        dialog.open()
        return dialog

    def _open_connection_settings(self) -> None:
        from .settings_connection import ConnectionPage

        dialog = self.open_settings()
        dialog.tabs.setCurrentWidget(dialog.findChild(ConnectionPage))

    def open_conversation_settings(self) -> ConversationSettingsDialog:
        from .conversation_settings import ConversationSettingsDialog

        dialog = ConversationSettingsDialog(self.session, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _on_key_removed(self) -> None:
        if self.session.key is None and self.session.needs_key:
            self._show_key_page("Your API key was removed.")
        else:
            self.statusBar().showMessage(self._connection_text())

    def _on_key_changed(self) -> None:
        self.picker.set_models(self.session.models, self.session.model)
        self._show_chat()

    # -- appearance and help ---------------------------------------------------------------

    def _apply_font_size(self) -> None:
        self.view.setFont(self.appearance.font())
        self.composer.set_text_font(self.appearance.font())

    def copy_last_answer(self) -> None:
        """Put the newest answer's Markdown on the clipboard, once it has ended.

        An answer that ended with no text (an error before the first word) is no answer.
        """
        answers = [
            w
            for w in self.view.message_widgets()
            if isinstance(w, AssistantMessageWidget) and (w.is_streaming or w.can_copy)
        ]
        if not answers:
            self.statusBar().showMessage("There is no answer to copy yet", 3000)
        elif answers[-1].is_streaming:
            self.statusBar().showMessage("The answer can be copied once it ends", 3000)
        else:
            answers[-1].copy_to_clipboard()
            self.statusBar().showMessage("Copied the last answer", 3000)

    def show_shortcuts(self) -> None:
        from .help_dialogs import ShortcutsDialog

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

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.drop_zone.isVisible():
            self.notices.place_drop_zone()

    def closeEvent(self, event: QCloseEvent) -> None:
        # The app decides when to quit, after streams are cancelled and state saved.
        event.ignore()
        self.quit_requested.emit()
