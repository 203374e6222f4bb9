"""Answers being asked for: each started into its own AnswerStream (so it streams on while
another conversation is shown), run to its end whatever happens, and ended on screen with
Regenerate, and Retry or "Update API key" under an error. Stop ends the open one."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from claude_desktop.api.errors import AuthenticationError
from claude_desktop.domain.conversation_settings import web_tools_supported
from claude_desktop.domain.history import MessageRecord, StorageError

from .after_shown import after_shown
from .answer_stream import AnswerStream
from .title_writer import TitleWriter

if TYPE_CHECKING:  # the turn's own machinery loads with the first question, not at start-up
    from claude_desktop.domain.api_request import ApiRequest
    from claude_desktop.domain.tool_approvals import ToolApprovals
    from claude_desktop.domain.tool_loop import Ask, ToolCall
    from claude_desktop.domain.tools import ToolProvider
    from claude_desktop.domain.turn_runner import TurnResult, TurnRunner

    from .main_window import MainWindow
    from .message_widget import AssistantMessageWidget

log = logging.getLogger(__name__)

KEY_REJECTED_TITLE = "Your API key was rejected"
KEY_REJECTED_DETAIL = (
    "The API did not accept the key in use. Update it, then retry: your conversation stays here."
)


class Turns:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        #: The answers streaming, by conversation: each streams into its own conversation,
        #: whichever one is open.
        self.streams: dict[int, AnswerStream] = {}
        #: The tools answers may use (the MCP servers, once started: app.py); None: none.
        self.tools: ToolProvider | None = None
        self._approvals: ToolApprovals | None = None
        #: Titles written by a small model after a conversation's first answer.
        self.titles = TitleWriter(window)

    @property
    def approvals(self) -> ToolApprovals:
        """The remembered approvals, read when the first tool call is decided."""
        if self._approvals is None:
            from claude_desktop.domain.tool_approvals import ToolApprovals

            self._approvals = ToolApprovals()
        return self._approvals

    @property
    def streaming(self) -> bool:
        """Whether the open conversation's answer is streaming (others may be, meanwhile)."""
        return self.open_stream() is not None

    def open_stream(self) -> AnswerStream | None:
        conversation_id = self.window.session.current.id
        return None if conversation_id is None else self.streams.get(conversation_id)

    def sync_composer(self) -> None:
        """Stop while the open conversation's answer streams, else Send; the composer in
        its place for the chat (centred while empty), with its switches and meter."""
        self.window.composer.set_streaming(self.streaming)
        self.window.composer_sync.refresh()

    def stop(self) -> None:
        turn = self.open_stream()
        if turn is not None and turn.task is not None:
            turn.task.cancel()
        elif self.window.asking.editing is not None:
            self.window.asking.cancel_edit()

    def cancel(self, conversation_id: int) -> None:
        """Stop the answer streaming into `conversation_id`, if one is (it is kept, stopped)."""
        turn = self.streams.get(conversation_id)
        if turn is not None and turn.task is not None:
            turn.task.cancel()

    def start_answer(self, parent_id: int) -> None:
        """Begin the answer to question `parent_id` (its record first, so a crash keeps its
        place) and run its turn through the domain's TurnRunner."""
        window = self.window
        conv = window.session.current
        model = window.session.model
        # Loaded with the HTTP stack after the first paint (providers.HTTP_STACK).
        from claude_desktop.domain.request_messages import request_for

        request = request_for(conv, upto=parent_id, model=window.session.model_info())
        # The chat's web switches, where the provider runs Anthropic's server tools.
        chat = window.session.conversation_settings
        web = web_tools_supported(window.session.settings)
        request.web_search = web and chat.web_search
        request.web_fetch = web and chat.web_fetch
        try:
            record = window.history.begin_answer(conv, parent_id, model)
        except StorageError as exc:
            log.error("The answer could not be started: %s", exc)
            window.show_notice(f"{exc.human} (The question is kept: edit it to send it again.)")
            return
        widget = window.view.begin_assistant_message(window.session.display_name(model))
        widget.asks_about = self.asks_about
        window.presenter.track(widget, record)
        turn = AnswerStream(record)
        turn.attach(widget)
        self.streams[record.conversation_id] = turn
        window.composer.set_streaming(True)
        window.composer_sync.refresh()
        turn.task = window.spawn(self._run_turn(turn, request), "turn")
        window.view.scroll_to_bottom()
        window.composer.focus()

    async def _run_turn(self, turn: AnswerStream, request: ApiRequest) -> None:
        """Run one turn into its conversation and end it cleanly whatever happens: the
        answer kept (saved by the runner, or in memory until the disk has room), any
        failure said in a sentence where the answer is, the composer usable again."""
        from claude_desktop.domain import turn_runner
        from claude_desktop.domain.turn_runner import TurnResult, TurnRunner

        runner: TurnRunner | None = None
        try:
            try:
                session = self.window.session
                runner = TurnRunner(
                    session.client,
                    turn,
                    history=session.history,
                    # Read now, not when the runner was defined: the tests shorten it.
                    flush_interval=turn_runner.FLUSH_INTERVAL,
                    citations=session.settings.citations,
                    tools=self.tools,
                    tool_policy=self._tool_policy,
                    decide=turn.decide,
                    tool_ticks=False,  # a running call counts its seconds in its card
                )
                runner.record = turn.record
                result = await runner.run(request)
                self._show_result(turn, result)
            except asyncio.CancelledError:
                # Stop: the runner saved what arrived as stopped.
                stopped = runner.result if runner is not None else TurnResult(None)
                stopped.stopped = True
                self._end_answer(turn, stopped)
                raise
            except Exception as exc:
                # A bug, anywhere in the turn or in showing its end: the traceback goes to
                # the log, a sentence to the screen, and the answer ends with what arrived.
                log.error("The turn failed", exc_info=exc)
                partial = runner.result.message if runner is not None else None
                failed = TurnResult(partial, error=exc)
                try:
                    self.window.history.finish_answer(
                        turn.record.id, partial, status=failed.status, meta=failed.meta()
                    )
                except StorageError as storage_error:
                    failed.unsaved = storage_error
                self._end_answer(turn, failed)
        finally:
            if self.streams.get(turn.conversation_id) is turn:
                del self.streams[turn.conversation_id]
            self.sync_composer()

    def asks_about(self, name: str) -> bool:
        """Whether a call of tool `name` will ask the person (its card shows at once)."""
        spec_for = getattr(self.tools, "spec_for", None)
        spec = spec_for(name) if spec_for is not None else None
        from claude_desktop.domain.tool_loop import ToolCall

        return self.approvals.needs_asking(ToolCall("", name, {}, spec))

    async def _tool_policy(self, call: ToolCall, ask: Ask) -> bool:
        return await self.approvals.policy(call, ask)

    def _show_result(self, turn: AnswerStream, result: TurnResult) -> None:
        window = self.window
        self._end_answer(
            turn,
            result,
            # The conversation stays on screen; the key is updated from the card.
            key_rejected=isinstance(result.error, AuthenticationError) and window.session.needs_key,
        )
        if turn.widget is not None:
            window.composer.focus()
        self.titles.after_answer(turn.record, result)
        # Not needed to show the answer: done once it is on screen (the sidebar's rebuild
        # and repaint were ~1.5 ms between the last delta and the answer's paint).
        after_shown(window, window.conversations.refresh_sidebar)

    def _end_answer(
        self, turn: AnswerStream, result: TurnResult, *, key_rejected: bool = False
    ) -> None:
        """Show how the answer ended if its conversation is on screen, with Regenerate, and
        Retry under any error (saving again under an answer the disk refused)."""
        window = self.window
        record = turn.record
        reloaded = window.session.reload_answer(turn.conversation_id, record.id)
        widget = turn.widget
        if widget is None:
            return
        # Regenerate and Retry must see the final content and status, not the placeholder
        # (read once: the current conversation's reload has just read it).
        final = reloaded or window.history.message(record.id) or record
        if result.stopped:
            widget.mark_stopped()
        footer = ""
        if result.message is not None and not result.stopped:
            from claude_desktop.domain.turn_metrics import footer_from_meta

            footer = footer_from_meta(
                result.meta(), window.session.display_name(record.model or "")
            )
        # A stopped answer shows what streamed, as it streamed.
        widget.finish(None if result.stopped else result.message, footer=footer)
        window.presenter.remember(widget, final)
        regenerate = window.asking.regenerate
        widget.action_requested.connect(lambda: regenerate(final))
        widget.set_action("Regenerate", "Ask for a new answer (kept as another version)")
        error = result.error_text
        if result.unsaved is not None:
            unsaved = result.unsaved
            widget.show_error(unsaved.human, lambda: self.save_again(widget, final))
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
            widget.show_error(error, lambda: regenerate(final))

    def save_again(self, widget: AssistantMessageWidget, record: MessageRecord) -> None:
        """Retry under an answer the disk refused: write what is kept in memory."""
        window = self.window
        error = window.history.save_unsaved()
        if error is not None:
            widget.show_error(error.human, lambda: self.save_again(widget, record))
            return
        if window.session.current.id == record.conversation_id:
            window.session.reload_current()
            window.presenter.show(scroll_to=record.id)

    def update_key(self, widget: AssistantMessageWidget, record: MessageRecord) -> None:
        """The key form over the conversation; once a new key works, the card offers Retry."""
        dialog = self.window.open_settings()
        dialog.tabs.setCurrentWidget(dialog.account)
        dialog.account.new_key.setFocus(Qt.FocusReason.OtherFocusReason)
        regenerate = self.window.asking.regenerate

        def key_saved() -> None:
            widget.set_error_action(
                "Retry", lambda: regenerate(record), description="Send the request again"
            )
            dialog.accept()
            widget.retry_button.setFocus(Qt.FocusReason.OtherFocusReason)

        dialog.key_changed.connect(key_saved)
