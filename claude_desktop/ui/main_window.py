"""The main window: conversation, composer, model picker, and the key page on first run."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.api.errors import AuthenticationError, ClaudeError
from claude_desktop.domain.chat import TurnResult, footer_text, run_turn
from claude_desktop.domain.secrets import KeySource, SecretStoreError
from claude_desktop.domain.session import Session
from claude_desktop.domain.tasks import TaskRegistry

from .composer import Composer
from .conversation_view import AssistantMessageWidget, ConversationView
from .key_view import KeyView
from .model_picker import ModelPicker
from .settings_dialog import SettingsDialog

log = logging.getLogger(__name__)

KEY_SOURCE_TEXT = {
    KeySource.ENVIRONMENT: "Using the API key from the ANTHROPIC_API_KEY environment variable",
    KeySource.KEYRING: "Using the API key saved in your system keyring",
    KeySource.SESSION: "Using an API key for this session only (not saved)",
    KeySource.NONE: "No API key",
}


class _WidgetSink:
    """Feeds a streaming answer into its message widget (the domain's TurnSink)."""

    def __init__(self, widget: AssistantMessageWidget) -> None:
        self.widget = widget

    def on_text(self, text: str) -> None:
        self.widget.append_text(text)

    def on_thinking(self, text: str) -> None:
        self.widget.set_status("Thinking…")

    def on_status(self, text: str | None) -> None:
        self.widget.set_status(text)

    def on_restart(self) -> None:
        pass


class MainWindow(QMainWindow):
    quit_requested = Signal()

    def __init__(self, session: Session, tasks: TaskRegistry | None = None) -> None:
        super().__init__()
        self.session = session
        self.tasks = tasks if tasks is not None else TaskRegistry()
        self.tasks.on_error = self.show_unexpected_error
        self._turn: asyncio.Task[None] | None = None
        self.setWindowTitle("Claude")
        self.resize(980, 760)

        self.view = ConversationView(self)
        self.composer = Composer(self)
        self.composer.send_requested.connect(self.send)
        self.composer.stop_requested.connect(self.stop)
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Error message")
        self.banner.setStyleSheet("background: #fdecea; color: #8a1c12; padding: 6px 12px;")
        self.banner.hide()
        chat = QWidget(self)
        layout = QVBoxLayout(chat)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.composer)
        self.chat_page = chat

        self.key_view = KeyView(self)
        self.key_view.key_submitted.connect(self._on_key_submitted)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.chat_page)
        self.pages.addWidget(self.key_view)
        self.setCentralWidget(self.pages)

        self.picker = ModelPicker(self)
        self.picker.set_models(session.models, session.settings.model)
        self.picker.model_chosen.connect(self._on_model_chosen)
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
        self.settings_action = action("Settings…", "Ctrl+,", self.open_settings)
        self.quit_action = action("Quit", QKeySequence.StandardKey.Quit, self.quit_requested.emit)
        self.stop_action = action("Stop", "Esc", self.stop)
        self.focus_action = action("Focus composer", "Ctrl+L", self.composer.focus)
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        toolbar.addAction(self.new_action)
        spacer = QWidget(toolbar)
        spacer.setSizePolicy(
            spacer.sizePolicy().Policy.Expanding, spacer.sizePolicy().Policy.Preferred
        )
        toolbar.addWidget(spacer)
        toolbar.addWidget(QLabel("Model: ", toolbar))
        toolbar.addWidget(self.picker)
        toolbar.addAction(self.settings_action)
        self.addToolBar(toolbar)

    def _restore_geometry(self) -> None:
        saved = self.session.settings.window_geometry
        if saved:
            self.restoreGeometry(QByteArray.fromBase64(saved.encode("ascii")))

    def save_state(self) -> None:
        geometry = self.saveGeometry().toBase64().data().decode("ascii")
        self.session.settings.window_geometry = geometry
        self.session.settings.save()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        return self.tasks.spawn(coro, name)

    async def start(self) -> None:
        """Find the key and show the right page; called once the loop runs."""
        key = await self.session.load_key()
        if key:
            self._show_chat()
            self.spawn(self._refresh_models(), "refresh-models")
        else:
            self._show_key_page()

    # -- pages -----------------------------------------------------------------------------

    def _show_chat(self) -> None:
        self.pages.setCurrentWidget(self.chat_page)
        self.statusBar().showMessage(KEY_SOURCE_TEXT[self.session.key_source])
        self.composer.focus()

    def _show_key_page(self, message: str = "") -> None:
        self.key_view.reset(message)
        self.pages.setCurrentWidget(self.key_view)
        self.statusBar().showMessage(KEY_SOURCE_TEXT[KeySource.NONE])
        self.key_view.focus()

    def _on_key_submitted(self, key: str, remember: bool) -> None:
        self.spawn(self._use_key(key, remember), "use-key")

    async def _use_key(self, key: str, remember: bool) -> None:
        self.key_view.set_busy(True)
        try:
            await self.session.use_key(key, remember=remember)
        except SecretStoreError as exc:
            self.key_view.set_busy(False)
            self.key_view.offer_session_only(exc.human)
            return
        except ClaudeError as exc:
            self.key_view.set_busy(False)
            self.key_view.show_message(exc.human, error=True)
            return
        self.key_view.set_busy(False)
        self.picker.set_models(self.session.models, self.session.settings.model)
        self._show_chat()

    async def _refresh_models(self) -> None:
        try:
            models = await self.session.refresh_models()
        except ClaudeError as exc:
            log.info("Using the pinned model list: %s", exc)
            return
        self.picker.set_models(models, self.session.settings.model)

    # -- conversation ----------------------------------------------------------------------

    @property
    def streaming(self) -> bool:
        return self._turn is not None and not self._turn.done()

    def send(self, text: str) -> None:
        if self.streaming or not text.strip():
            return
        self.banner.hide()
        self.session.conversation.add_user_text(text)
        self.view.add_user_message(text)
        self._start_turn()

    def retry(self) -> None:
        if self.streaming:
            return
        conversation = self.session.conversation
        if not conversation.awaiting_answer and conversation.messages:
            # The failed answer's partial text stays on screen; the request asks afresh.
            conversation.messages.pop()
        if conversation.awaiting_answer:
            self._start_turn()

    def _start_turn(self) -> None:
        model = self.session.conversation.model
        widget = self.view.begin_assistant_message(self.session.display_name(model))
        self.composer.set_streaming(True)
        self._turn = self.spawn(self._run_turn(widget), "turn")
        self.composer.focus()

    async def _run_turn(self, widget: AssistantMessageWidget) -> None:
        session = self.session
        model = session.display_name(session.conversation.model)
        try:
            result = await run_turn(session.client, session.conversation, _WidgetSink(widget))
        except asyncio.CancelledError:
            widget.mark_stopped()
            widget.finish(None, footer="")
            self.composer.set_streaming(False)
            raise
        finally:
            widget.set_status(None)
        self.composer.set_streaming(False)
        self._show_result(widget, result, model)

    def _show_result(self, widget: AssistantMessageWidget, result: TurnResult, model: str) -> None:
        footer = footer_text(result, model) if result.message is not None else ""
        widget.finish(result.message, footer=footer)
        if result.error is not None:
            widget.show_error(result.error.human, self.retry)
            if isinstance(result.error, AuthenticationError) and (
                self.session.key_source is not KeySource.ENVIRONMENT
            ):
                self._show_key_page(result.error.human)
        self.composer.focus()

    def stop(self) -> None:
        if self.streaming:
            assert self._turn is not None
            self._turn.cancel()

    def new_chat(self) -> None:
        self.stop()
        self.session.new_conversation()
        self.view.clear()
        self.banner.hide()
        self.composer.focus()

    def _on_model_chosen(self, model_id: str) -> None:
        self.session.set_model(model_id)
        self.session.settings.save()

    # -- settings and errors ---------------------------------------------------------------

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.session, self.tasks, self)
        dialog.key_removed.connect(self._on_key_removed)
        dialog.key_changed.connect(self._on_key_changed)
        dialog.open()

    def _on_key_removed(self) -> None:
        if self.session.key is None:
            self._show_key_page("Your API key was removed.")
        else:
            self.statusBar().showMessage(KEY_SOURCE_TEXT[self.session.key_source])

    def _on_key_changed(self) -> None:
        self.picker.set_models(self.session.models, self.session.settings.model)
        self._show_chat()

    def show_unexpected_error(self, exc: BaseException) -> None:
        """For bugs: say so plainly, keep the app usable (the traceback goes to the log)."""
        text = str(exc) or type(exc).__name__
        self.banner.setText(f"Something went wrong: {text}. The details are in the log.")
        self.banner.show()

    def closeEvent(self, event: QCloseEvent) -> None:
        # The app decides when to quit, after streams are cancelled and state saved.
        event.ignore()
        self.quit_requested.emit()
