"""The app's session: the API key in use, the one long-lived client, the open conversation.

The window asks this object for things; it owns no widgets and imports no Qt.
"""

from __future__ import annotations

import asyncio
import logging

from claude_desktop.api.client import MessagesClient
from claude_desktop.api.models import FALLBACK_MODELS, ModelInfo

from .chat import check_key, fetch_models
from .conversation import Conversation
from .secrets import KeySource, KeyStore
from .settings import Settings

log = logging.getLogger(__name__)


class Session:
    def __init__(self, settings: Settings, keys: KeyStore) -> None:
        self.settings = settings
        self.keys = keys
        self.key: str | None = None
        self.key_source = KeySource.NONE
        self.models: list[ModelInfo] = list(FALLBACK_MODELS)
        self.conversation = self.new_conversation()
        self._client: MessagesClient | None = None
        self._retired_clients: list[MessagesClient] = []

    @property
    def base_url(self) -> str | None:
        return self.settings.base_url or None

    async def load_key(self) -> str | None:
        """Find the key (environment, then keyring) without blocking the event loop."""
        self.key, self.key_source = await asyncio.to_thread(self.keys.get)
        return self.key

    @property
    def client(self) -> MessagesClient:
        if self.key is None:
            raise RuntimeError("no API key")
        if self._client is None:
            self._client = MessagesClient(self.key, base_url=self.base_url)
        return self._client

    async def use_key(self, key: str, *, remember: bool) -> list[ModelInfo]:
        """Check `key` with a real request, then keep it: in the keyring, or for this session.

        Raises ClaudeError when the API refuses the key, KeyringUnavailableError when it
        should be remembered but no keyring can hold it (the key is not used then).
        """
        key = key.strip()
        models = await check_key(key, base_url=self.base_url)
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
        if self._client is not None:
            # Closed at shutdown: a stream may still be reading from it.
            self._retired_clients.append(self._client)
            self._client = None

    async def refresh_models(self) -> list[ModelInfo]:
        """Ask the API for its models; keep the pinned list when it can't be asked."""
        models = await fetch_models(self.client)
        if models:
            self.models = models
        return self.models

    def new_conversation(self) -> Conversation:
        s = self.settings
        self.conversation = Conversation(s.model, max_tokens=s.max_tokens, system=s.system_prompt)
        return self.conversation

    def set_model(self, model_id: str) -> None:
        self.settings.model = model_id
        self.conversation.model = model_id

    def display_name(self, model_id: str) -> str:
        for model in self.models:
            if model.id == model_id:
                return model.display_name
        return model_id

    async def aclose(self) -> None:
        clients = [*self._retired_clients, *([self._client] if self._client else [])]
        self._client = None
        self._retired_clients = []
        for client in clients:
            await client.aclose()
