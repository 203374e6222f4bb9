"""The API key and the connection, as the window shows them: the welcome page that asks for a
key (and checks it), what happens when Settings removes or changes the key or the provider,
and the one toast that says where the key comes from when it is not the keyring."""

from __future__ import annotations

from typing import TYPE_CHECKING

from claude_desktop.api.errors import AuthenticationError, ClaudeError
from claude_desktop.domain import providers
from claude_desktop.domain.secrets import KeySource, SecretStoreError

if TYPE_CHECKING:
    from .main_window import MainWindow

KEY_REFUSED_ON_KEY_PAGE = (
    "That key was rejected. Check that you copied all of it, or create a new one."
)

KEY_SOURCE_TEXT = {
    KeySource.ENVIRONMENT: "Using the API key from the ANTHROPIC_API_KEY environment variable",
    KeySource.KEYRING: "Using the API key saved in your system keyring",
    KeySource.SESSION: "Using an API key for this session only (not saved)",
    KeySource.NONE: "No API key",
}


class KeyFlow:
    """The window's key page and connection changes (the window owns one)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self._connection_told = ""

    def tell_connection(self) -> None:
        """Say once, in a toast, where the key comes from, when it is not the usual place
        (the keyring): the environment, this session only, or a cloud provider."""
        session = self.window.session
        if session.needs_key and session.key_source is KeySource.KEYRING:
            return
        text = self.connection_text()
        if text != self._connection_told:
            self._connection_told = text
            self.window.show_toast(text, 6000)

    def connection_text(self) -> str:
        session = self.window.session
        if session.needs_key:
            return KEY_SOURCE_TEXT[session.key_source]
        return providers.describe(session.settings)

    def connection_changed(self) -> None:
        """Settings → Connection saved: another provider (or network) from now on."""
        window = self.window
        if window.session.needs_key and window.session.key is None:
            self.show_key_page()
            return
        window.picker.set_models(window.session.models, window.session.model)
        window._show_chat()
        window.composer_sync.refresh()  # web search is offered by some providers only
        window.spawn(window._refresh_models(), "refresh-models")

    def show_key_page(self, message: str = "") -> None:
        window = self.window
        window.key_view.reset(message)
        window.pages.setCurrentWidget(window.key_view)
        window._show_chat_chrome(False)
        window.key_view.focus()

    def key_submitted(self, key: str, remember: bool) -> None:
        self.window.spawn(self.use_key(key, remember), "use-key")

    async def use_key(self, key: str, remember: bool) -> None:
        window = self.window
        window.key_view.set_busy(True)
        try:
            await window.session.use_key(key, remember=remember)
        except SecretStoreError as exc:
            window.key_view.offer_session_only(exc.human)
            return
        except AuthenticationError:
            # Not the API's sentence: it sends the person to Settings, and they are on the
            # page where a key is set.
            window.key_view.key_refused(KEY_REFUSED_ON_KEY_PAGE)
            return
        except ClaudeError as exc:
            window.key_view.key_refused(exc.human)
            return
        window.key_view.set_busy(False)
        window.picker.set_models(window.session.models, window.session.model)
        window._show_chat()

    def key_removed(self) -> None:
        if self.window.session.key is None and self.window.session.needs_key:
            self.show_key_page("Your API key was removed.")
        else:
            self.tell_connection()

    def key_changed(self) -> None:
        self.window.picker.set_models(self.window.session.models, self.window.session.model)
        self.window._show_chat()
