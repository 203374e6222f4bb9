"""The main window: conversation, composer, model picker, and the key page on first run."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import tempfile
import time
from collections.abc import Awaitable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QMimeData, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDropEvent,
    QImage,
    QKeySequence,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.api.errors import AuthenticationError, ClaudeError
from claude_desktop.api.message import Message, Usage
from claude_desktop.domain import providers, temp_files
from claude_desktop.domain.attachments import (
    Attachment,
    AttachmentError,
    check_conversation_limits,
    check_question_limits,
    keep_attachment_bytes,
    load_attachment,
    mark_cache_breakpoint,
    restore_attachment,
    store_attachment,
)
from claude_desktop.domain.chat import TurnResult, describe_failure, footer_text, run_turn
from claude_desktop.domain.conversation import Conversation
from claude_desktop.domain.history import (
    UNSAVED,
    DiskFullError,
    History,
    group_by_recency,
    request_messages,
    text_of,
)
from claude_desktop.domain.paths import log_dir
from claude_desktop.domain.saved_attachments import load_saved_attachment, saved_attachments
from claude_desktop.domain.secrets import KeySource, SecretStoreError
from claude_desktop.domain.session import Session
from claude_desktop.domain.tasks import TaskRegistry
from claude_desktop.domain.uploads import (
    forget_missing_files,
    is_missing_file_error,
    resolve_request_files,
    with_files_beta,
)
from claude_desktop.storage.store import MessageRecord, StorageError

from .answer_stream import AnswerStream
from .appearance import appearance_for
from .attachment_chips import AttachmentChip
from .composer import Composer
from .conversation_settings import ConversationSettingsDialog
from .conversation_view import AssistantMessageWidget, ConversationView, MessageWidget
from .help_dialogs import AboutDialog, ShortcutsDialog
from .key_view import KeyView
from .menus import build_menu_bar
from .model_picker import ModelPicker
from .render import warm_up
from .settings_connection import ConnectionPage
from .settings_dialog import SettingsDialog
from .sidebar import ConversationSidebar

#: Messages rendered when a conversation opens; earlier ones come on request.
RENDER_WINDOW = 40
#: Of those, the newest that are made at once (more than a window shows); the others are made
#: above them a batch per event loop turn, so opening never blocks for forty widgets.
FIRST_SHOWN = 8
FILL_BATCH = 6
DRAFT_SAVE_MS = 500
UNDO_SECONDS = 10
INTERRUPTED = "The answer was interrupted (the app closed before it finished)."

log = logging.getLogger(__name__)

KEY_REFUSED_ON_KEY_PAGE = (
    "That key was rejected. Check that you copied all of it, or create a new one."
)
KEY_REJECTED_TITLE = "Your API key was rejected"
KEY_REJECTED_DETAIL = (
    "The API did not accept the key in use. Update it, then retry: your conversation stays here."
)

KEY_SOURCE_TEXT = {
    KeySource.ENVIRONMENT: "Using the API key from the ANTHROPIC_API_KEY environment variable",
    KeySource.KEYRING: "Using the API key saved in your system keyring",
    KeySource.SESSION: "Using an API key for this session only (not saved)",
    KeySource.NONE: "No API key",
}


class MainWindow(QMainWindow):
    quit_requested = Signal()

    def __init__(self, session: Session, tasks: TaskRegistry | None = None) -> None:
        super().__init__()
        self.session = session
        self.tasks = tasks if tasks is not None else TaskRegistry()
        self.tasks.on_error = self.show_unexpected_error
        #: The answers streaming, by conversation: each streams into its own conversation,
        #: whichever one is open.
        self._turns: dict[int, AnswerStream] = {}
        self._records: dict[MessageWidget, MessageRecord] = {}
        self._hidden_above = 0  # messages of the branch not rendered yet (above the view)
        self._fill_to: int | None = None  # while opening: render the branch down to here
        self._fill_timer = QTimer(self)
        self._fill_timer.setSingleShot(True)
        self._fill_timer.setInterval(0)
        self._fill_timer.timeout.connect(self._fill_step)
        self._editing: MessageRecord | None = None
        self._deleted: int | None = None
        self.setWindowTitle("Claude")
        self.resize(1100, 780)

        self.view = ConversationView(self)
        self.view.earlier_button.clicked.connect(self._show_earlier)
        self.composer = Composer(self)
        self.composer.send_requested.connect(self.send)
        self.composer.stop_requested.connect(self.stop)
        self.composer.attach_requested.connect(self.attach_dialog)
        self.composer.editor.files_pasted.connect(self.attach_paths)
        self.composer.editor.image_pasted.connect(self.attach_image)
        self.setAcceptDrops(True)
        self.drop_zone = QLabel("Drop files to attach them", self)
        self.drop_zone.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_zone.setAccessibleName("Drop zone")
        self.drop_zone.setStyleSheet(
            "background: rgba(217, 119, 87, 40); border: 3px dashed #d97757;"
            "border-radius: 12px; font-size: 20px;"
        )
        self.drop_zone.hide()
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Error message")
        self.banner.setStyleSheet("background: #fdecea; color: #8a1c12; padding: 6px 12px;")
        self.banner.hide()
        self.edit_bar = QLabel(
            "Editing a message: Enter sends it as a new version; Esc cancels.", self
        )
        self.edit_bar.setStyleSheet("padding: 4px 12px;")
        self.edit_bar.hide()
        self.undo_bar = QWidget(self)
        self.undo_label = QLabel(self.undo_bar)
        self.undo_button = QPushButton("Undo", self.undo_bar)
        self.undo_button.setAccessibleName("Undo delete")
        self.undo_button.clicked.connect(self.undo_delete)
        undo_row = QHBoxLayout(self.undo_bar)
        undo_row.setContentsMargins(12, 2, 12, 2)
        undo_row.addWidget(self.undo_label, 1)
        undo_row.addWidget(self.undo_button)
        self.undo_bar.hide()
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.setInterval(UNDO_SECONDS * 1000)
        self._undo_timer.timeout.connect(self.undo_bar.hide)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_SAVE_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self.composer.editor.textChanged.connect(self._draft_timer.start)
        self.composer.tray.changed.connect(self._draft_timer.start)

        chat = QWidget(self)
        layout = QVBoxLayout(chat)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for widget in (self.banner, self.undo_bar):
            layout.addWidget(widget)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.edit_bar)
        layout.addWidget(self.composer)
        self.sidebar = ConversationSidebar(self)
        self.sidebar.conversation_chosen.connect(self.open_conversation)
        self.sidebar.hit_chosen.connect(self.open_hit)
        self.sidebar.new_chat_requested.connect(self.new_chat)
        self.sidebar.rename_requested.connect(self.rename_conversation)
        self.sidebar.delete_requested.connect(self.delete_conversation)
        self.sidebar.search_requested.connect(self._search)
        self.sidebar.dismissed.connect(self.composer.focus)
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

        self.picker = ModelPicker(self)
        self.picker.set_models(session.models, session.model)
        self.picker.model_chosen.connect(self._on_model_chosen)
        self.appearance = appearance_for(session.settings)
        self.appearance.font_size_changed.connect(self._apply_font_size)
        self._apply_font_size()
        self._build_actions()
        self._restore_geometry()

    # -- set-up ----------------------------------------------------------------------------

    def _build_actions(self) -> None:
        def action(text: str, shortcut: QKeySequence | str, slot: Any) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.new_action = action("New chat", QKeySequence.StandardKey.New, self.new_chat)
        self.search_action = action("Search", "Ctrl+K", self.sidebar.focus_search)
        self.settings_action = action("Settings…", "Ctrl+,", self.open_settings)
        self.chat_settings_action = action(
            "Chat settings…", "Ctrl+Shift+S", self.open_conversation_settings
        )
        self.chat_settings_action.setToolTip(
            "System prompt, max tokens, temperature, thinking and presets of this chat "
            "(Ctrl+Shift+S)"
        )
        self.export_action = action("Export conversation…", "Ctrl+Shift+E", self.export_dialog)
        self.quit_action = action("Quit", QKeySequence.StandardKey.Quit, self.quit_requested.emit)
        self.stop_action = action("Stop", "Esc", self.stop)
        self.focus_action = action("Focus composer", "Ctrl+L", self.composer.focus)
        if self.quit_action.shortcut().isEmpty():  # Windows has no standard Quit key
            self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.copy_answer_action = action("Copy last answer", "Ctrl+Shift+C", self.copy_last_answer)
        self.zoom_in_action = action("Larger text", "Ctrl+=", self.appearance.zoom_in)
        self.zoom_in_action.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++")])
        self.zoom_out_action = action("Smaller text", "Ctrl+-", self.appearance.zoom_out)
        self.zoom_reset_action = action(
            "Default text size", "Ctrl+0", self.appearance.reset_font_size
        )
        self.shortcuts_action = action("Keyboard shortcuts", "F1", self.show_shortcuts)
        self.log_folder_action = action("Open log folder", "", self.open_log_folder)
        self.about_action = action("About Claude Desktop", "", self.show_about)
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        spacer = QWidget(toolbar)
        spacer.setSizePolicy(
            spacer.sizePolicy().Policy.Expanding, spacer.sizePolicy().Policy.Preferred
        )
        toolbar.addWidget(spacer)
        toolbar.addWidget(QLabel("Model: ", toolbar))
        toolbar.addWidget(self.picker)
        toolbar.addAction(self.chat_settings_action)
        toolbar.addAction(self.export_action)
        toolbar.addAction(self.settings_action)
        self.addToolBar(toolbar)
        build_menu_bar(self)

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
        # What the first answer would load (Markdown, lexers, styles), loaded now, off the
        # UI thread, while the person reads the window.
        self.spawn(asyncio.to_thread(warm_up), "warm-up")
        key = await self.session.load_key()
        if key or not self.session.needs_key:  # a cloud provider has no API key to ask for
            self._show_chat()
            self.spawn(self._refresh_models(), "refresh-models")
        else:
            self._show_key_page()

    def _open_initial(self) -> None:
        """Reopen the conversation of the last session (after a crash too), with its draft.

        A history that cannot be opened or read (damaged, busy, unreadable) is left as it
        is, and the session goes on with a temporary one.
        """
        try:
            last = self.session.settings.last_conversation_id
            if not (last and self.open_conversation(last, save_draft=False)):
                self._enter_new_chat()
            self._refresh_sidebar()
        except StorageError as exc:
            log.error("History unavailable: %s", exc)
            self.session.use_temporary_history()
            self._enter_new_chat()
            self._refresh_sidebar()
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
        for action in (
            self.new_action,
            self.search_action,
            self.chat_settings_action,
            self.export_action,
            self.stop_action,
            self.focus_action,
            self.copy_answer_action,
        ):
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
        try:
            models = await self.session.refresh_models()
        except ClaudeError as exc:
            log.info("Using the pinned model list: %s", exc)
            return
        self.picker.set_models(models, self.session.model)

    # -- conversations ---------------------------------------------------------------------

    @property
    def history(self) -> History:
        return self.session.history

    def _refresh_sidebar(self) -> None:
        if self.sidebar.query():
            self._search(self.sidebar.query())
            return
        groups = group_by_recency(self.history.conversations())
        self.sidebar.set_conversations(groups, self.session.open.id)

    def _search(self, query: str) -> None:
        if query:
            self.sidebar.set_search_results(self.history.search(query))
        else:
            groups = group_by_recency(self.history.conversations())
            self.sidebar.set_conversations(groups, self.session.open.id)

    def new_chat(self) -> None:
        self.save_draft()
        self._enter_new_chat()

    def _enter_new_chat(self) -> None:
        self._cancel_edit()
        self.session.new_conversation()
        self._remember_open()
        self._show_conversation()
        self._load_draft()
        self.picker.set_current(self.session.model)
        self.banner.hide()
        self._refresh_sidebar()
        self.composer.focus()

    def open_conversation(
        self, conversation_id: int, scroll_to: int | None = None, *, save_draft: bool = True
    ) -> bool:
        if self.session.open.id == conversation_id and scroll_to is None:
            self.sidebar.show_open(conversation_id)
            return True
        if save_draft:
            self.save_draft()
        self._cancel_edit()
        if self.session.open_conversation(conversation_id) is None:
            return False
        self._remember_open()
        self.sidebar.show_open(conversation_id)
        self._show_conversation(scroll_to)
        self._load_draft()
        self.picker.set_current(self.session.model)
        self.banner.hide()
        self.composer.focus()
        return True

    def open_hit(self, conversation_id: int, message_id: int) -> None:
        if not message_id:
            self.open_conversation(conversation_id)
            return
        if self.session.open.id != conversation_id:
            self.save_draft()
            if self.session.open_conversation(conversation_id) is None:
                return
        if message_id not in [m.id for m in self.session.open.branch]:
            self.history.switch_to(self.session.open, message_id)
        self.open_conversation(conversation_id, scroll_to=message_id)

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        self.history.store.rename(conversation_id, title)
        if self.session.open.id == conversation_id:
            self.session.open = self.history.reload(self.session.open)
        self._refresh_sidebar()

    def delete_conversation(self, conversation_id: int) -> None:
        record = self.history.store.conversation(conversation_id)
        if record is None:
            return
        turn = self._turns.get(conversation_id)
        if turn is not None and turn.task is not None:
            turn.task.cancel()  # its answer is kept, stopped, with the conversation
        if self.session.open.id == conversation_id:
            self.new_chat()
        self.history.store.delete_conversation(conversation_id)
        self._deleted = conversation_id
        self.undo_label.setText(f"Deleted “{record.title}”.")
        self.undo_bar.show()
        self._undo_timer.start()
        # Once Undo is past, deleted means gone from the file too.
        QTimer.singleShot((UNDO_SECONDS + 1) * 1000, self, self._purge_deleted)
        self._refresh_sidebar()

    def _purge_deleted(self) -> None:
        try:
            self.history.purge_deleted(grace=UNDO_SECONDS)
        except StorageError as exc:
            log.warning("Could not purge deleted conversations: %s", exc)

    def undo_delete(self) -> None:
        if self._deleted is None:
            return
        self.history.store.restore_conversation(self._deleted)
        restored, self._deleted = self._deleted, None
        self.undo_bar.hide()
        self.open_conversation(restored)
        self._refresh_sidebar()

    # -- attachments -----------------------------------------------------------------------

    def attach_dialog(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(
            self,
            "Attach files",
            str(Path.home()),
            "Images, PDFs and text (*.png *.jpg *.jpeg *.gif *.webp *.pdf *.txt *.md *.csv "
            "*.json *.xml *.yaml *.yml *.py *.js *.ts *.html *.css);;All files (*)",
        )
        self.attach_paths(paths)

    def attach_paths(self, paths: list[str]) -> None:
        """Read and encode files off the UI thread; each shows as a chip meanwhile."""
        for path in paths:
            chip = self.composer.tray.add_pending(Path(path).name)
            self.spawn(self._fill_chip(chip, load_attachment(Path(path))), "attach")

    def open_files_in_new_chat(self, paths: list[str]) -> None:
        """Files from outside the window (the command line, a second launch, "Open with")
        start a new chat with them attached; an empty new chat already open is used."""
        open_is_empty = (
            self.session.open.record is None
            and self._editing is None
            and not self.composer.text().strip()
            and not self.composer.tray.chips
        )
        if not open_is_empty:
            self.new_chat()
        self.attach_paths(paths)

    def attach_image(self, image: QImage) -> None:
        """A pasted image: saved as a PNG in a temporary folder, then attached like a file."""
        try:
            # In this app's temporary folder, removed at quit (or at the next start).
            folder = Path(tempfile.mkdtemp(prefix="paste-", dir=temp_files.session_dir()))
        except OSError as exc:
            log.error("No temporary folder for a pasted image: %s", exc)
            self.show_notice(f"The pasted image could not be kept: {exc.strerror or exc}.")
            return
        path = folder / f"pasted-{time.strftime('%Y%m%d-%H%M%S')}.png"
        if image.save(str(path), "PNG"):
            self.attach_paths([str(path)])
        else:
            self.show_notice("The pasted image could not be read.")

    async def _fill_chip(self, chip: AttachmentChip, loading: Awaitable[Attachment]) -> None:
        """The attachment `loading` reads, into `chip` once it is ready and within limits."""
        tray = self.composer.tray
        try:
            attachment = await loading
            if chip not in tray.chips:  # removed while it was being read
                return
            # Against everything attached or accepted so far, and what the conversation
            # already carries: files dropped together are checked one by one as they come.
            check_question_limits(self._earlier_messages(), [*tray.accepted(), attachment])
        except AttachmentError as exc:
            tray.remove(chip)
            self.show_notice(exc.human)
            return
        chip.accepted = attachment
        if chip in self.composer.tray.chips:
            # Into the history now, off this thread: the draft saved next refers to it.
            await keep_attachment_bytes(self.history.store, attachment)
        if chip in self.composer.tray.chips:
            chip.set_attachment(attachment)
            self.composer.tray.changed.emit()

    def _earlier_messages(self) -> list[dict[str, Any]]:
        """What the next question's request carries before it: the branch shown, or while
        editing, the messages above the question being edited."""
        branch = self.session.open.branch
        if self._editing is not None:
            ids = [m.id for m in branch]
            if self._editing.id in ids:
                branch = branch[: ids.index(self._editing.id)]
        return request_messages(branch)

    def show_notice(self, text: str) -> None:
        """A plain message above the conversation (not an error of the app)."""
        self.banner.setText(text)
        self.banner.show()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _droppable(event.mimeData()):
            event.acceptProposedAction()
            self.drop_zone.setGeometry(self.rect().adjusted(8, 8, -8, -8))
            self.drop_zone.raise_()
            self.drop_zone.show()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.drop_zone.hide()

    def dropEvent(self, event: QDropEvent) -> None:
        self.drop_zone.hide()
        mime = event.mimeData()
        files = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
        if files:
            self.attach_paths(files)
        elif mime.hasImage() and isinstance(mime.imageData(), QImage):
            self.attach_image(mime.imageData())
        else:
            return
        event.acceptProposedAction()
        self.composer.focus()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.drop_zone.isVisible():
            self.drop_zone.setGeometry(self.rect().adjusted(8, 8, -8, -8))

    def _remember_open(self) -> None:
        """Save which conversation is open now, so even a crash reopens it."""
        self.session.settings.save_in_background()

    def export_dialog(self) -> None:
        record = self.session.open.record
        if record is None:
            self.statusBar().showMessage("Nothing to export yet: ask something first.", 5000)
            return
        name = "".join(c if c.isalnum() or c in " -_" else "_" for c in record.title).strip()
        path, _filter = QFileDialog.getSaveFileName(
            self,
            "Export conversation",
            str(Path.home() / f"{name or 'conversation'}.md"),
            "Markdown (*.md);;JSON, as sent to the API (*.json)",
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        try:
            self.history.export(self.session.open, path)
        except (OSError, ValueError) as exc:
            self.banner.setText(f"Could not export to {path}: {exc}")
            self.banner.show()
            return
        self.statusBar().showMessage(f"Exported to {path}", 5000)

    # -- drafts ----------------------------------------------------------------------------

    def save_draft(self) -> None:
        self._draft_timer.stop()
        if self._editing is not None:
            return  # the composer holds an old message being edited, not a draft
        text = self.composer.text()
        store = self.history.store
        attachments = self.composer.tray.attachments()
        if text.strip() or attachments:
            refs = [store_attachment(store, att) for att in attachments]
            store.save_draft(self.session.open.id, text, refs)
        else:
            store.clear_draft(self.session.open.id)

    def _load_draft(self) -> None:
        draft = self.history.store.draft(self.session.open.id)
        restored = []
        for ref in draft.attachments if draft else []:
            try:
                restored.append(restore_attachment(self.history.store, ref))
            except AttachmentError as exc:
                self.show_notice(exc.human)
        self.composer.load(draft.text if draft else "", restored)

    # -- showing a conversation ------------------------------------------------------------

    def _show_conversation(self, scroll_to: int | None = None) -> None:
        """Render the open branch: its newest messages now, the rest of RENDER_WINDOW over
        the next few event loop turns, earlier ones on request."""
        for turn in self._turns.values():
            turn.detach()  # its widget goes with the view; the answer streams on
        self.view.clear()
        self._records.clear()
        self._fill_timer.stop()
        self._fill_to = None
        branch = self.session.open.branch
        start = max(0, len(branch) - RENDER_WINDOW)
        ids = [m.id for m in branch]
        if scroll_to in ids:
            # Everything from the target down, now: it must be in place to scroll to.
            start = min(start, ids.index(scroll_to))
            first = start
        else:
            first = max(start, len(branch) - FIRST_SHOWN)
        for record in branch[first:]:
            self._render(record)
        self._hidden_above = first
        if first > start:
            self._fill_to = start
            self._fill_timer.start()
        self.view.set_more_above(start)
        target = self._widget_for(scroll_to) if scroll_to is not None else None
        if target is not None:
            QTimer.singleShot(0, lambda: self.view.ensureWidgetVisible(target))
        else:
            self.view.scroll_to_bottom()
        self._sync_composer()

    @property
    def is_filling(self) -> bool:
        """Whether the opened conversation's window of messages is still being made."""
        return self._fill_to is not None

    def _fill_step(self, batch: int = FILL_BATCH) -> None:
        """Make the next few messages above those shown (while a conversation opens)."""
        if self._fill_to is None:
            return
        branch = self.session.open.branch
        start = max(self._fill_to, self._hidden_above - batch)
        for record in reversed(branch[start : self._hidden_above]):
            self._render(record, at_top=True, follow=True)
        self._hidden_above = start
        if start > self._fill_to:
            self._fill_timer.start()
        else:
            self._fill_to = None

    def _show_earlier(self) -> None:
        self._fill_step(batch=len(self.session.open.branch))  # finish the opening first
        branch = self.session.open.branch
        start = max(0, self._hidden_above - RENDER_WINDOW)
        for record in reversed(branch[start : self._hidden_above]):
            self._render(record, at_top=True)
        self._hidden_above = start
        self.view.set_more_above(start)

    def _widget_for(self, message_id: int) -> MessageWidget | None:
        for widget, record in self._records.items():
            if record.id == message_id:
                return widget
        return None

    def _render(
        self, record: MessageRecord, *, at_top: bool = False, follow: bool = False
    ) -> MessageWidget:
        widget: MessageWidget
        if record.role == "user":
            names = record.meta.get("attachments") or _attachment_names(record.content)
            widget = self.view.add_user_message(
                text_of(record.content), names, at_top=at_top, follow=follow
            )
            widget.set_action("Edit", "Edit this message and send it as a new version")
            widget.action_requested.connect(lambda: self.edit_message(record))
        else:
            answer = self.view.begin_assistant_message(
                self.session.display_name(record.model or ""), at_top=at_top, follow=follow
            )
            turn = self._turns.get(record.conversation_id)
            if turn is not None and turn.record.id == record.id:
                turn.attach(answer)  # still streaming: what arrived so far, then the rest
            else:
                self._fill_answer(answer, record)
            widget = answer
        self._records[widget] = record
        self._show_versions(widget, record)
        return widget

    def _fill_answer(self, widget: AssistantMessageWidget, record: MessageRecord) -> None:
        message = Message(
            id=str(record.meta.get("message_id", "")),
            model=record.model or "",
            content=record.content,
            stop_reason=record.meta.get("stop_reason"),
            usage=Usage.from_dict(record.usage or {}),
        )
        widget.finish(message, footer=str(record.meta.get("footer", "")))
        if record.status == "stopped":
            widget.mark_stopped()
        elif record.status in ("error", "interrupted", "streaming"):
            error = record.meta.get("error") or INTERRUPTED
            widget.show_error(str(error), lambda: self.regenerate(record))
        if record.meta.get(UNSAVED):
            # Kept in memory only (the disk was full): Retry saves it.
            widget.show_error(str(record.meta[UNSAVED]), lambda: self._save_again(widget, record))
        widget.set_action("Regenerate", "Ask for a new answer (kept as another version)")
        widget.action_requested.connect(lambda: self.regenerate(record))

    def _show_versions(self, widget: MessageWidget, record: MessageRecord) -> None:
        siblings = self.history.siblings(record)
        ids = [m.id for m in siblings]
        if record.id in ids:
            widget.set_versions(ids.index(record.id), len(ids))
        widget.version_requested.connect(lambda step: self.switch_version(record, step))

    def switch_version(self, record: MessageRecord, step: int) -> None:
        if self.streaming:
            return
        siblings = self.history.siblings(record)
        ids = [m.id for m in siblings]
        index = ids.index(record.id) + step
        if 0 <= index < len(ids):
            self.history.switch_to(self.session.open, ids[index])
            self._show_conversation(scroll_to=ids[index])

    # -- asking ----------------------------------------------------------------------------

    @property
    def streaming(self) -> bool:
        """Whether the open conversation's answer is streaming (others may be, meanwhile)."""
        return self._open_turn() is not None

    def _open_turn(self) -> AnswerStream | None:
        conversation_id = self.session.open.id
        return None if conversation_id is None else self._turns.get(conversation_id)

    def _sync_composer(self) -> None:
        """Stop while the open conversation's answer streams, else Send."""
        self.composer.set_streaming(self.streaming)

    def send(self, text: str) -> None:
        attachments = self.composer.tray.attachments()
        if self.streaming or (not text.strip() and not attachments):
            return
        try:
            # Again at Send: the draft may be older than the limits, or another version
            # of the conversation, carrying more, may be shown now.
            check_question_limits(self._earlier_messages(), attachments)
        except AttachmentError as exc:
            self.show_notice(exc.human)
            return
        self.banner.hide()
        conv = self.session.open
        settings = self.session.settings
        chat = self.session.conversation_settings
        editing = self._editing
        try:
            question = self.history.add_question(
                conv,
                text,
                model=self.session.model,
                system=chat.system,
                max_tokens=chat.max_tokens,
                temperature=chat.temperature,
                thinking=chat.thinking_fragment,
                parent_id=editing.parent_id if editing else None,
                replace_leaf=editing is not None,
                attachments=attachments,
                attachment_names=[a.name for a in attachments],
            )
        except StorageError as exc:
            # Nothing was sent, and the message stays in the composer to send again.
            log.error("The question could not be saved: %s", exc)
            self.show_notice(_not_sent(exc))
            return
        self._editing = None
        self.edit_bar.hide()
        self.composer.clear()
        settings.last_conversation_id = question.conversation_id
        self._remember_open()
        self.history.store.clear_draft(None)
        self.history.store.clear_draft(question.conversation_id)
        if editing is not None:
            self._show_conversation()
        else:
            self._render(question)
        self._start_answer(question.id)
        self._refresh_sidebar()

    def regenerate(self, record: MessageRecord) -> None:
        """A new answer to the same question, kept beside the old one as a version."""
        if self.streaming or record.parent_id is None:
            return
        conv = self.session.open
        self.history.store.set_current_leaf(record.conversation_id, record.parent_id)
        self.session.open = self.history.reload(conv)
        self._show_conversation()
        self._start_answer(record.parent_id)

    def edit_message(self, record: MessageRecord) -> None:
        """Put a question back in the composer, its text and its attachments; sending
        makes what the composer then holds a new version."""
        if self.streaming:
            return
        if self.composer.tray.pending and self._editing is None:
            # The draft is saved before the edit takes the composer; a file still being
            # read would not be in it.
            self.show_notice("Wait a moment: an attachment is still being read.")
            return
        self.save_draft()
        self._editing = record
        names = record.meta.get("attachments") or []
        saved, problems = saved_attachments(self.history.store, record.content, names)
        self.composer.load(text_of(record.content))
        for problem in problems:
            self.show_notice(problem)
        for item in saved:
            chip = self.composer.tray.add_pending(item.name)
            self.spawn(self._fill_chip(chip, load_saved_attachment(item)), "attach")
        self.edit_bar.show()
        self.composer.focus()

    def _cancel_edit(self) -> None:
        if self._editing is not None:
            self._editing = None
            self.edit_bar.hide()
            self._load_draft()

    def _start_answer(self, parent_id: int) -> None:
        conv = self.session.open
        model = self.session.model
        request = self.history.conversation_for_request(
            conv, upto=parent_id, model=self.session.model_info()
        )
        try:
            record = self.history.begin_answer(conv, parent_id, model)
        except StorageError as exc:
            log.error("The answer could not be started: %s", exc)
            self.show_notice(f"{exc.human} (The question is kept: edit it to send it again.)")
            return
        widget = self.view.begin_assistant_message(self.session.display_name(model))
        self._records[widget] = record
        self._show_versions(widget, record)
        turn = AnswerStream(record)
        turn.attach(widget)
        self._turns[record.conversation_id] = turn
        self.composer.set_streaming(True)
        turn.task = self.spawn(self._run_turn(turn, request), "turn")
        self.view.scroll_to_bottom()
        self.composer.focus()

    async def _run_turn(self, turn: AnswerStream, request: Conversation) -> None:
        """Stream one answer into its conversation and end it cleanly whatever happens: the
        answer kept (saved, or in memory until the disk has room), any failure said in a
        sentence where the answer is, the composer usable again."""
        outcome: TurnResult | str | None = None
        try:
            try:
                outcome = await self._answer(turn, request)
                if isinstance(outcome, str):
                    self._fail_before_sending(turn, outcome)
                else:
                    self._show_result(turn, outcome)
            except asyncio.CancelledError:
                self._end_answer(turn, None, status="stopped", meta={})
                raise
            except Exception as exc:
                # A bug, anywhere in the turn: the traceback goes to the log, a sentence to
                # the screen, and the answer ends with what arrived.
                log.error("The turn failed", exc_info=exc)
                error = describe_failure(exc)
                partial = outcome.message if isinstance(outcome, TurnResult) else None
                self._end_answer(turn, partial, status="error", meta={"error": error}, error=error)
        finally:
            if self._turns.get(turn.conversation_id) is turn:
                del self._turns[turn.conversation_id]
            self._sync_composer()

    async def _answer(self, turn: AnswerStream, request: Conversation) -> TurnResult | str:
        """The answer streamed into `turn`, or the human reason it could not be asked."""
        session = self.session
        history = self.history
        record = turn.record
        unsaved = False

        def flush(message: Message) -> None:
            nonlocal unsaved
            try:
                history.flush_answer(record.id, message)
            except StorageError as exc:
                # Kept in memory by the history; the stream goes on and saves again later.
                if not unsaved:
                    log.warning("The answer so far could not be saved: %s", exc)
                unsaved = True
                turn.on_status(_kept_unsaved(exc))
                return
            if unsaved:
                unsaved = False
                turn.on_status(None)

        try:
            prepared = await self._prepare_request(turn, request)
            if isinstance(prepared, str):
                return prepared
            result = await run_turn(session.client, prepared, turn, on_flush=flush)
            if isinstance(result.error, ClaudeError) and is_missing_file_error(result.error):
                # An uploaded file the API no longer has: upload it again, ask once more.
                await forget_missing_files(session.client, history.store, prepared.messages)
                again = await self._prepare_request(turn, request)
                if isinstance(again, str):
                    return again
                result = await run_turn(session.client, again, turn, on_flush=flush)
        finally:
            turn.on_status(None)
        return result

    async def _prepare_request(
        self, turn: AnswerStream, request: Conversation
    ) -> Conversation | str:
        """The request as sent: within the API's limits, big documents uploaded once and
        referenced by file id, the newest attachment marked for the prompt cache.
        A string is the human reason it cannot be sent."""

        def progress(name: str, done: int, total: int) -> None:
            percent = 100 * done // total if total else 100
            turn.on_status(f"Uploading {name}… {percent}%")

        try:
            check_conversation_limits(request.messages)
            messages, needed = await resolve_request_files(
                self.session.client, self.history.store, request.messages, progress=progress
            )
        except AttachmentError as exc:
            return exc.human
        except ClaudeError as exc:
            return f"Uploading an attachment failed: {exc.human}"
        finally:
            turn.on_status(None)
        return dataclasses.replace(
            request,
            # Documents and images are read from the prompt cache on follow-up questions.
            messages=mark_cache_breakpoint(messages),
            betas=with_files_beta(request.betas, needed),
        )

    def _fail_before_sending(self, turn: AnswerStream, reason: str) -> None:
        self._end_answer(turn, None, status="error", meta={"error": reason}, error=reason)

    def _show_result(self, turn: AnswerStream, result: TurnResult) -> None:
        model = self.session.display_name(turn.record.model or "")
        footer = footer_text(result, model) if result.message is not None else ""
        meta: dict[str, Any] = {"footer": footer, "total_time": result.total_time}
        if result.message is not None:
            meta.update(message_id=result.message.id, stop_reason=result.message.stop_reason)
        error = result.error_text
        if error is not None:
            meta["error"] = error
        self._end_answer(
            turn,
            result.message,
            status="complete" if result.ok else "error",
            meta=meta,
            footer=footer,
            error=error,
            # The conversation stays on screen; the key is updated from the card.
            key_rejected=isinstance(result.error, AuthenticationError) and self.session.needs_key,
        )
        self._refresh_sidebar()
        if turn.widget is not None:
            self.composer.focus()

    def _end_answer(
        self,
        turn: AnswerStream,
        message: Message | None,
        *,
        status: str,
        meta: dict[str, Any],
        footer: str = "",
        error: str | None = None,
        key_rejected: bool = False,
    ) -> None:
        """Save how the answer ended (kept in memory when the disk refuses), and show it if
        its conversation is on screen, with Regenerate, and Retry under any error."""
        record = turn.record
        unsaved: StorageError | None = None
        try:
            self.history.finish_answer(record.id, message, status=status, meta=meta)
        except StorageError as exc:
            log.error("The answer could not be saved: %s", exc)
            unsaved = exc
        if self.session.open.id == turn.conversation_id:
            self.session.open = self.history.reload(self.session.open)
        # Regenerate and Retry must see the final content and status, not the placeholder.
        final = self.history.message(record.id) or record
        widget = turn.widget
        if widget is None:
            return
        if status == "stopped":
            widget.mark_stopped()
        widget.finish(message, footer=footer)
        self._records[widget] = final
        widget.action_requested.connect(lambda: self.regenerate(final))
        widget.set_action("Regenerate", "Ask for a new answer (kept as another version)")
        if unsaved is not None:
            widget.show_error(unsaved.human, lambda: self._save_again(widget, final))
        elif key_rejected:
            widget.show_error(
                KEY_REJECTED_DETAIL,
                lambda: self.update_key(widget, final),
                title=KEY_REJECTED_TITLE,
                action="Update API key",
                description="Open the API key settings",
                repeat=True,
            )
        elif error is not None:
            widget.show_error(error, lambda: self.regenerate(final))

    def _save_again(self, widget: AssistantMessageWidget, record: MessageRecord) -> None:
        """Retry under an answer the disk refused: write what is kept in memory."""
        error = self.history.save_unsaved()
        if error is not None:
            widget.show_error(error.human, lambda: self._save_again(widget, record))
            return
        if self.session.open.id == record.conversation_id:
            self.session.open = self.history.reload(self.session.open)
            self._show_conversation(scroll_to=record.id)

    def stop(self) -> None:
        turn = self._open_turn()
        if turn is not None and turn.task is not None:
            turn.task.cancel()
        elif self._editing is not None:
            self._cancel_edit()

    def _on_model_chosen(self, model_id: str) -> None:
        self.session.set_model(model_id)
        self.session.settings.save_in_background()

    # -- settings and errors ---------------------------------------------------------------

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.session, self.tasks, self)
        dialog.key_removed.connect(self._on_key_removed)
        dialog.key_changed.connect(self._on_key_changed)
        dialog.findChild(ConnectionPage).connection_changed.connect(self._on_connection_changed)
        dialog.open()
        return dialog

    def _open_connection_settings(self) -> None:
        dialog = self.open_settings()
        dialog.tabs.setCurrentWidget(dialog.findChild(ConnectionPage))

    def update_key(self, widget: AssistantMessageWidget, record: MessageRecord) -> None:
        """The key form over the conversation; once a new key works, the card offers Retry."""
        dialog = self.open_settings()
        dialog.tabs.setCurrentWidget(dialog.account)
        dialog.account.new_key.setFocus(Qt.FocusReason.OtherFocusReason)

        def key_saved() -> None:
            widget.set_error_action(
                "Retry", lambda: self.regenerate(record), description="Send the request again"
            )
            dialog.accept()
            widget.retry_button.setFocus(Qt.FocusReason.OtherFocusReason)

        dialog.key_changed.connect(key_saved)

    def open_conversation_settings(self) -> ConversationSettingsDialog:
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
        ShortcutsDialog(self.actions(), self).open()

    def show_about(self) -> None:
        AboutDialog(self).open()

    def open_log_folder(self) -> None:
        try:
            folder = log_dir(create=True)
        except OSError as exc:
            self.show_notice(f"The log folder cannot be created: {exc.strerror or exc}.")
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.show_notice(f"Could not open the log folder. It is {folder}")

    def show_unexpected_error(self, exc: BaseException) -> None:
        """For bugs: say so plainly, keep the app usable (the traceback goes to the log)."""
        text = str(exc) or type(exc).__name__
        self.banner.setText(f"Something went wrong: {text}. The details are in the log.")
        self.banner.show()

    def closeEvent(self, event: QCloseEvent) -> None:
        # The app decides when to quit, after streams are cancelled and state saved.
        event.ignore()
        self.quit_requested.emit()


def _droppable(mime: QMimeData) -> bool:
    return any(url.isLocalFile() for url in mime.urls()) or mime.hasImage()


def _attachment_names(content: list[dict[str, Any]]) -> list[str]:
    names = []
    for block in content:
        if block.get("type") in ("image", "document"):
            names.append(str(block.get("title") or block.get("type")))
    return names


def _not_sent(exc: StorageError) -> str:
    if isinstance(exc, DiskFullError):
        return "The disk is full: free space, then send again (your message is still here)."
    return f"{exc.human} Your message was not sent; it is still here."


def _kept_unsaved(exc: StorageError) -> str:
    if isinstance(exc, DiskFullError):
        return "The disk is full: this answer is kept here and saved once there is room."
    return f"{exc.human} This answer is kept here meanwhile."
