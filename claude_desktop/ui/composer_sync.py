"""The composer and the open chat kept in step: centred under the greeting while the chat
is empty, at the foot once it has a message; the chat's web switches; its context meter."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from claude_desktop.domain.context_window import SUMMARY_PROMPT, context_use
from claude_desktop.domain.conversation_settings import web_tools_supported
from claude_desktop.domain.history import StorageError

from .greeting import Greeting, Suggestions

if TYPE_CHECKING:
    from .main_window import MainWindow

#: How much of the last answer a "New chat with summary" draft quotes.
QUOTED_CHARS = 2000


class ComposerSync:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.greeting = Greeting(window)
        self.suggestions = Suggestions(window)
        self.suggestions.chosen.connect(window.composer.fill)
        composer = window.composer
        composer.web_search_changed.connect(lambda on: self.set_web(search=on))
        composer.web_fetch_changed.connect(lambda on: self.set_web(fetch=on))
        composer.nearly_full.new_chat_requested.connect(self.new_chat_with_summary)

    @property
    def empty(self) -> bool:
        """No message on screen yet (and none on its way)."""
        window = self.window
        return (
            not window.session.current.branch
            and not window.streaming
            and not window.view.message_widgets()
        )

    def refresh(self) -> None:
        """Place the composer and show the open chat's switches and context use."""
        window = self.window
        composer = window.composer
        self.place()
        session = window.session
        chat = session.conversation_settings
        composer.set_web_available(web_tools_supported(session.settings))
        composer.set_web(chat.web_search, chat.web_fetch)
        branch = session.current.branch
        use = context_use(branch, session.model, session.model_info())
        composer.set_context_use(window.asking.check.meter_use(branch, use))

    def place(self) -> None:
        """The composer under the greeting on an empty chat, at the foot of the messages else."""
        empty = self.empty
        self.window.view.setVisible(not empty)
        self.greeting.setVisible(empty)
        self.suggestions.setVisible(empty)
        self.window.composer.set_empty_chat(empty)

    def set_web(self, *, search: bool | None = None, fetch: bool | None = None) -> None:
        """A switch of the + menu: kept with the chat (or its first question, when new)."""
        session = self.window.session
        chat = session.conversation_settings
        if search is not None:
            chat = replace(chat, web_search=search)
        if fetch is not None:
            chat = replace(chat, web_fetch=fetch)
        try:
            session.set_conversation_settings(chat)
        except StorageError as exc:
            self.window.show_notice(f"{exc.human} The web switch was not saved.")
        self.refresh()
        self.window.refresh_chat_settings()  # the chat settings sheet, if open, follows

    def new_chat_with_summary(self) -> None:
        """A new chat whose draft picks up from this one: its title and the end of its last
        answer, quoted (no request is made: the person reads it and sends it)."""
        window = self.window
        current = window.session.current
        title = current.record.title if current.record is not None else ""
        last = ""
        for record in reversed(current.branch):
            if record.role == "assistant":
                last = "".join(b.get("text", "") for b in record.content if b.get("type") == "text")
                break
        quoted = last[-QUOTED_CHARS:].strip()
        draft = SUMMARY_PROMPT.format(title=title or "our earlier chat", last=quoted)
        window.new_chat()
        window.composer.fill(draft)
