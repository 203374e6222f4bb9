"""Whether a question fits before it is sent: the PDF pages of the whole conversation (the
API takes at most 100 in a request) and, for large attachments, its length in tokens asked of
the API (domain/context_check.py). Both run off the UI thread; Send returns at once, and a
second Send while they run does nothing. A refusal is one sentence above the composer, which
keeps the draft, with "New chat with it"; a count that fails sends as before."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from claude_desktop.api.errors import ClaudeError
from claude_desktop.domain.attachments import Attachment, AttachmentError, PageCounts
from claude_desktop.domain.context_window import ContextUse, context_limit
from claude_desktop.domain.conversation_settings import web_tools_supported
from claude_desktop.domain.history import MessageRecord, OpenConversation

if TYPE_CHECKING:
    from .main_window import MainWindow

# domain.context_check (and the request it builds) is imported where used: not before the
# window's first paint, and loaded with the HTTP stack after it (providers.load_http_stack).

log = logging.getLogger(__name__)

COUNTING_TIP = "Checking how long this makes the chat…"


class SendCheck:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.pages = PageCounts()
        self.task: asyncio.Task[None] | None = None
        #: The count made for the last question sent, by conversation: (its id, the count),
        #: shown by the meter until its answer reports its own usage.
        self.counted: dict[int, tuple[int, ContextUse]] = {}
        window.composer.too_long.new_chat_requested.connect(self.new_chat_with_it)

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.done()

    def counts_tokens(self, attachments: Sequence[Attachment]) -> bool:
        """Whether to ask count_tokens first: large attachments, for the Anthropic API."""
        from claude_desktop.domain.context_check import worth_counting

        return self.window.session.settings.provider == "anthropic" and worth_counting(attachments)

    def refuse_now(
        self, earlier: Sequence[Mapping[str, Any]], attachments: Sequence[Attachment]
    ) -> bool | None:
        """At Send, on the UI thread: True if refused (said above the composer), False if
        the question may go at once, None if it must be checked first (`start`)."""
        for attachment in attachments:
            self.pages.remember(attachment)
        pdfs = any(a.kind == "pdf" for a in attachments)
        if (pdfs and self.pages.unknown(earlier)) or self.counts_tokens(attachments):
            return None
        return self._refused_pages(earlier, attachments)

    def _refused_pages(
        self, earlier: Sequence[Mapping[str, Any]], attachments: Sequence[Attachment]
    ) -> bool:
        try:
            self.pages.check(earlier, attachments)
        except AttachmentError as exc:
            self.window.composer.show_refusal(exc.human, new_chat=bool(earlier))
            return True
        return False

    def start(
        self, text: str, attachments: Sequence[Attachment], earlier: Sequence[Mapping[str, Any]]
    ) -> None:
        """Check in the background, then send what the composer holds by then (unless the
        person moved to another chat or changed the attachments: then nothing is sent)."""
        window = self.window
        window.composer.button.setToolTip(COUNTING_TIP)
        window.composer.button.setAccessibleDescription(COUNTING_TIP)
        self.task = window.spawn(
            self._check_then_send(window.session.current, text, list(attachments), earlier),
            "send-check",
        )

    async def _check_then_send(
        self,
        conv: OpenConversation,
        text: str,
        attachments: list[Attachment],
        earlier: Sequence[Mapping[str, Any]],
    ) -> None:
        window = self.window
        store = window.history.store
        try:
            if self.pages.unknown(earlier):
                await asyncio.to_thread(
                    self.pages.count_unknown, earlier, store.read_blob_on_own_connection
                )
            if not self._still_asked(conv, attachments):
                return
            if self._refused_pages(earlier, attachments):
                return
            use: ContextUse | None = None
            if self.counts_tokens(attachments):
                use = await self._count(text, attachments, earlier)
                if not self._still_asked(conv, attachments):
                    return
            if use is not None:
                window.composer.set_context_use(use)
                if use.over:
                    from claude_desktop.domain.context_check import too_long

                    name = window.session.display_name(window.session.model)
                    refusal = too_long(
                        name, use.used, use.limit, attachments, new_chat=bool(earlier)
                    )
                    window.composer.show_refusal(refusal, new_chat=bool(earlier))
                    return
        finally:
            window.composer.set_streaming(window.composer.streaming)  # Send's own tooltip
            window.composer.button.setAccessibleDescription("")
        # What the composer holds now: words typed while counting go too.
        window.asking.send_now(window.composer.text(), attachments, counted=use)

    async def _count(
        self,
        text: str,
        attachments: Sequence[Attachment],
        earlier: Sequence[Mapping[str, Any]],
    ) -> ContextUse | None:
        from claude_desktop.domain.api_request import ApiRequest
        from claude_desktop.domain.context_check import count_tokens, question_request

        session = self.window.session
        chat = session.conversation_settings
        web = web_tools_supported(session.settings)
        base = ApiRequest(
            session.model,
            max_tokens=chat.max_tokens,
            system=chat.system,
            temperature=chat.sent_temperature,
            thinking=chat.thinking_fragment,
            web_search=web and chat.web_search,
            web_fetch=web and chat.web_fetch,
        )
        try:
            client = session.client
        except ClaudeError:
            return None  # sending says why, in its own words
        used = await count_tokens(
            client,
            question_request(base, earlier, text, attachments),
            self.window.history.store.read_blob_on_own_connection,
            citations=session.settings.citations,
        )
        if used is None:
            return None
        return ContextUse(used, context_limit(session.model, session.model_info()))

    def _still_asked(self, conv: OpenConversation, attachments: Sequence[Attachment]) -> bool:
        window = self.window
        now = window.composer.tray.attachments()
        return (
            window.session.current is conv
            and not window.streaming
            and [a.sha256 for a in now] == [a.sha256 for a in attachments]
        )

    def sent(self, question: MessageRecord, counted: ContextUse | None) -> None:
        if counted is not None:
            self.counted[question.conversation_id] = (question.id, counted)

    def meter_use(
        self, branch: Sequence[MessageRecord], use: ContextUse | None
    ) -> ContextUse | None:
        """What the meter shows: the count made before the last question was sent, until
        an answer after it reports its own usage (`use`)."""
        if not branch:
            return use
        entry = self.counted.get(branch[0].conversation_id)
        if entry is None:
            return use
        question_id, counted = entry
        ids = [m.id for m in branch]
        if question_id not in ids:
            return use
        later = branch[ids.index(question_id) + 1 :]
        if any(m.role == "assistant" and m.usage for m in later):
            del self.counted[branch[0].conversation_id]
            return use
        return counted

    def new_chat_with_it(self) -> None:
        """Move the draft and its attachments into a new chat (the old chat's draft is left
        empty): nothing of it is lost."""
        window = self.window
        composer = window.composer
        if composer.tray.pending:
            window.show_notice("Wait a moment: an attachment is still being read.")
            return
        text, attachments = composer.text(), composer.tray.attachments()
        composer.clear()
        window.new_chat()
        composer.load(text, attachments)
        window.save_draft()
        composer.focus()
