"""The app's session: the API key in use, the one long-lived client, the current conversation.

The window asks this object for things; it owns no widgets and imports no Qt.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from claude_desktop.api.models import FALLBACK_MODELS, ModelInfo

from . import providers, temp_files
from .conversation_settings import ConversationSettings, fit, new_chat_settings
from .history import History, OpenConversation
from .secrets import KeySource, KeyStore
from .settings import Settings, check_model_id, looks_like_api_key
from .thinking import find_model

if TYPE_CHECKING:  # the streaming client loads with the first request (providers.make_client)
    from claude_desktop.api.client import BaseMessagesClient
    from claude_desktop.storage.store import MessageRecord

log = logging.getLogger(__name__)


class Session:
    def __init__(
        self,
        settings: Settings,
        keys: KeyStore,
        history: History | None = None,
        *,
        opening: Future[History] | None = None,
    ) -> None:
        """`opening`: the history being opened on a worker (History.open_in_background),
        used in place of opening it when it is first needed."""
        self.settings = settings
        self.keys = keys
        self.key: str | None = None
        self.key_source = KeySource.NONE
        self.models: list[ModelInfo] = list(FALLBACK_MODELS)
        self._history = history
        self._opening = opening
        #: The conversation in the window (a new chat until its first question). Changed
        #: through the methods below, never assigned from outside.
        self.current = OpenConversation(None)
        #: The settings of the open conversation while it is a new chat (no record yet).
        self.new_chat_settings = ConversationSettings.defaults(settings)
        self._client: BaseMessagesClient | None = None
        self._retired_clients: list[BaseMessagesClient] = []

    @property
    def history(self) -> History:
        """The conversation store, opened on first use (raises StorageError if it can't)."""
        if self._history is None:
            opening, self._opening = self._opening, None
            # Waits, if it is still opening; raises what opening it raised.
            self._history = History.open() if opening is None else opening.result()
        return self._history

    @property
    def base_url(self) -> str | None:
        return self.settings.base_url or None

    async def load_key(self) -> str | None:
        """Find the key (environment, then keyring) without blocking the event loop."""
        self.key, self.key_source = await asyncio.to_thread(self.keys.get)
        return self.key

    @property
    def needs_key(self) -> bool:
        """Whether the active provider takes an Anthropic API key (the clouds do not)."""
        return providers.needs_key(self.settings)

    @property
    def client(self) -> BaseMessagesClient:
        """The active provider's client; ClaudeError (with a sentence) if it can't be made."""
        if self.needs_key and self.key is None:
            raise RuntimeError("no API key")
        if self._client is None:
            self._client = providers.make_client(self.settings, self.key)
        return self._client

    def connection_changed(self) -> None:
        """The provider or its settings changed: the next request uses a new client."""
        self._retire_client()
        self.models = list(FALLBACK_MODELS)

    async def use_key(self, key: str, *, remember: bool) -> list[ModelInfo]:
        """Check `key` with a real request, then keep it: in the keyring, or for this session.

        Raises ClaudeError when the API refuses the key, KeyringUnavailableError when it
        should be remembered but no keyring can hold it (the key is not used then).
        """
        key = key.strip()
        options = providers.connection_options(self.settings)
        from .chat import check_key

        models = await check_key(key, base_url=self.base_url, **options)
        if remember:
            await asyncio.to_thread(self.keys.save, key)
            source = KeySource.KEYRING
        else:
            self.keys.set_session_key(key)
            source = KeySource.SESSION
        self._set_key(key, source)
        self.models = models or self.models
        return self.models

    async def forget_key(self) -> None:
        await asyncio.to_thread(self.keys.delete)
        key, source = await asyncio.to_thread(self.keys.get)
        self._set_key(key, source)

    def _set_key(self, key: str | None, source: KeySource) -> None:
        self.key, self.key_source = key, source
        if self.needs_key:
            self._retire_client()

    def _retire_client(self) -> None:
        if self._client is not None:
            # Closed at shutdown: a stream may still be reading from it.
            self._retired_clients.append(self._client)
            self._client = None

    async def refresh_models(self) -> list[ModelInfo]:
        """Ask the API for its models; keep the pinned list when it can't be asked."""
        from .chat import fetch_models

        models = await fetch_models(self.client)
        if models:
            self.models = models
        return self.models

    async def delete_purged_uploads(self) -> int:
        """Delete from the Files API the uploads of purged chats (the Anthropic API only:
        the clouds have no Files API); how many went. Best effort, never raises."""
        client = self._client
        from claude_desktop.api.client import MessagesClient

        if not isinstance(client, MessagesClient) or self._history is None:
            return 0
        from .uploads import delete_purged_files  # imported where used: after the first paint

        return await delete_purged_files(client, self._history.store)

    def new_conversation(self) -> OpenConversation:
        self.current = OpenConversation(None)
        self.new_chat_settings = new_chat_settings(self.history.store, self.settings)
        self.settings.last_conversation_id = 0
        return self.current

    def open_conversation(self, conversation_id: int) -> OpenConversation | None:
        conv = self.history.load(conversation_id)
        if conv is not None and conv.record is not None and looks_like_api_key(conv.record.model):
            # An older version could store a key typed into the model box: replace it.
            self.history.store.update_conversation(conv.record.id, model=self.settings.model)
            conv = self.history.reload(conv)
        if conv is not None:
            self.current = conv
            self.settings.last_conversation_id = conversation_id
        return conv

    def reload_current(self, conversation_id: int | None = None) -> None:
        """Read the current conversation again (after its answer ended, a rename...); with
        `conversation_id`, only when that is the current one."""
        if conversation_id is None or conversation_id == self.current.id:
            self.current = self.history.reload(self.current)

    def reload_answer(self, conversation_id: int, message_id: int) -> MessageRecord | None:
        """The answer `message_id` of `conversation_id` ended: read it again (and the
        conversation's record), not the whole branch, when that conversation is current;
        the answer as read then (None if its conversation is not current)."""
        if conversation_id != self.current.id:
            return None
        self.current = self.history.reload_answer(self.current, message_id)
        return next((m for m in reversed(self.current.branch) if m.id == message_id), None)

    def switch_to(self, message_id: int) -> None:
        """Show the current conversation's branch through `message_id` (another version)."""
        self.history.switch_to(self.current, message_id)

    def continue_from(self, message_id: int) -> None:
        """Make the current conversation's branch end at `message_id` (to answer it again)."""
        self.history.continue_from(self.current, message_id)
        self.reload_current()

    def rename(self, conversation_id: int, title: str) -> None:
        self.history.rename(conversation_id, title)
        self.reload_current(conversation_id)

    @property
    def model(self) -> str:
        """The model of the open conversation (a new chat takes the last one picked)."""
        record = self.current.record
        if record is None or looks_like_api_key(record.model):
            return self.settings.model
        return record.model

    def set_model(self, model_id: str) -> None:
        """Use `model_id` from now on; ModelIdError (with a sentence) if it is no model id."""
        model_id = check_model_id(model_id)
        self.settings.model = model_id
        record = self.current.record
        if record is not None:
            self.history.store.update_conversation(record.id, model=model_id)
            self.current = self.history.reload(self.current)

    def model_info(self, model_id: str | None = None) -> ModelInfo | None:
        """What is known of a model (default: the open conversation's), None if nothing."""
        return find_model(self.models, model_id or self.model)

    @property
    def conversation_settings(self) -> ConversationSettings:
        """The open conversation's settings, fitted to its model."""
        record = self.current.record
        current = self.new_chat_settings if record is None else ConversationSettings.of(record)
        return fit(current, self.model_info())

    def set_conversation_settings(self, settings: ConversationSettings) -> None:
        """Keep `settings` (fitted to the model) for the open conversation: in the history,
        or until its first question for a new chat."""
        settings = fit(settings, self.model_info())
        record = self.current.record
        if record is None:
            self.new_chat_settings = settings
            return
        self.history.store.update_conversation(
            record.id,
            system=settings.system,
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
            thinking=settings.thinking_fragment,
            settings=settings.stored_options(record.settings),
        )
        self.current = self.history.reload(self.current)

    def display_name(self, model_id: str) -> str:
        if looks_like_api_key(model_id):
            return "Unknown model"  # never show a key that an older version stored as one
        for model in self.models:
            if model.id == model_id:
                return model.display_name
        return model_id

    def use_temporary_history(self) -> None:
        """Keep working when the real history can't be opened or read (it is closed, if it
        was open, and left untouched)."""
        self.close_history()
        self.current = OpenConversation(None)
        # In this app's temporary folder: removed at quit, or at the next start after a crash.
        folder = Path(tempfile.mkdtemp(prefix="unsaved-", dir=temp_files.session_dir()))
        self._history = History.open(folder / "unsaved.sqlite3")

    def close_history(self) -> None:
        if self._opening is not None:  # quit before it was used: closed all the same
            opening, self._opening = self._opening, None
            if opening.exception() is None:
                opening.result().close()
        if self._history is not None:
            self._history.close()
            self._history = None

    async def aclose(self) -> None:
        self.close_history()
        clients = [*self._retired_clients, *([self._client] if self._client else [])]
        self._client = None
        self._retired_clients = []
        for client in clients:
            await client.aclose()
