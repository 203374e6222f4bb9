"""The window's side of generated titles: after the first answer of a new conversation
ends, ask for a title in the background (domain/titles.py) and show it in the sidebar and
the header when it comes. Never in the way: the answer is shown first, and a title that
fails leaves the first words of the question."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from claude_desktop.domain.history import MessageRecord, StorageError, text_of

from .after_shown import after_shown

if TYPE_CHECKING:
    from claude_desktop.domain.turn_runner import TurnResult

    from .main_window import MainWindow

log = logging.getLogger(__name__)


class TitleWriter(QObject):
    #: conversation id, its new title (the header shows it when that conversation is open)
    title_changed = Signal(int, str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        #: Conversations asked for this session: a title is written once.
        self._asked: set[int] = set()

    def after_answer(self, answer: MessageRecord, result: TurnResult) -> None:
        """`answer` ended with `result`: if it is the first answer of a conversation still
        titled with its first words, and titles are on, ask for one in the background."""
        window = self.window
        conversation_id = answer.conversation_id
        if not window.session.settings.generate_titles or conversation_id in self._asked:
            return
        if not result.ok or result.message is None or answer.parent_id is None:
            return
        history = window.history
        record = history.conversation(conversation_id)
        question = history.message(answer.parent_id)
        first = question is not None and question.parent_id is None
        if record is None or not record.title_is_auto or not first:
            return
        assert question is not None
        # Imported with the first answer's title, not at start-up (with the pricing tables).
        from claude_desktop.domain.titles import generate_title, keep_title, title_model

        try:
            client = window.session.client
        except Exception as exc:  # no key or no provider: the first words stay
            log.info("No title was asked for: %s", type(exc).__name__)
            return
        self._asked.add(conversation_id)
        model = title_model(window.session.models)
        question_text, answer_text = text_of(question.content), result.message.text

        async def write() -> None:
            generated = await generate_title(client, question_text, answer_text, model)
            if generated is None:
                return
            try:
                used = keep_title(history, conversation_id, answer.id, generated)
            except StorageError as exc:
                log.warning("The generated title could not be kept: %s", exc)
                return
            if not used:
                return
            if window.session.current.id == conversation_id:
                window.session.reload_current(conversation_id)
            window.conversations.refresh_sidebar()
            self.title_changed.emit(conversation_id, generated.title)

        # Asked once the answer is on screen: its request is not needed to show it (it
        # was ~1.4 ms between the last delta and the answer's paint).
        after_shown(self, lambda: window.spawn(write(), "title"))
