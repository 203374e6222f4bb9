"""Answers being asked for: each started into its own AnswerStream (so it streams on while
another conversation is shown), run to its end whatever happens, and ended on screen with
Regenerate, and Retry or "Update API key" under an error. Stop ends the open one."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt

from claude_desktop.api.errors import AuthenticationError, ClaudeError
from claude_desktop.api.message import Message
from claude_desktop.domain.attachments import (
    AttachmentError,
    check_conversation_limits,
    mark_cache_breakpoint,
)
from claude_desktop.domain.chat import TurnResult, describe_failure, footer_text, run_turn
from claude_desktop.domain.conversation import Conversation
from claude_desktop.domain.history import DiskFullError
from claude_desktop.domain.uploads import (
    forget_missing_files,
    is_missing_file_error,
    resolve_request_files,
    with_files_beta,
)
from claude_desktop.storage.store import MessageRecord, StorageError

from .answer_stream import AnswerStream
from .conversation_view import AssistantMessageWidget

if TYPE_CHECKING:
    from .main_window import MainWindow

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

    @property
    def streaming(self) -> bool:
        """Whether the open conversation's answer is streaming (others may be, meanwhile)."""
        return self.open_stream() is not None

    def open_stream(self) -> AnswerStream | None:
        conversation_id = self.window.session.open.id
        return None if conversation_id is None else self.streams.get(conversation_id)

    def sync_composer(self) -> None:
        """Stop while the open conversation's answer streams, else Send."""
        self.window.composer.set_streaming(self.streaming)

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
        window = self.window
        conv = window.session.open
        model = window.session.model
        request = window.history.conversation_for_request(
            conv, upto=parent_id, model=window.session.model_info()
        )
        try:
            record = window.history.begin_answer(conv, parent_id, model)
        except StorageError as exc:
            log.error("The answer could not be started: %s", exc)
            window.show_notice(f"{exc.human} (The question is kept: edit it to send it again.)")
            return
        widget = window.view.begin_assistant_message(window.session.display_name(model))
        window.presenter.track(widget, record)
        turn = AnswerStream(record)
        turn.attach(widget)
        self.streams[record.conversation_id] = turn
        window.composer.set_streaming(True)
        turn.task = window.spawn(self._run_turn(turn, request), "turn")
        window.view.scroll_to_bottom()
        window.composer.focus()

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
            if self.streams.get(turn.conversation_id) is turn:
                del self.streams[turn.conversation_id]
            self.sync_composer()

    async def _answer(self, turn: AnswerStream, request: Conversation) -> TurnResult | str:
        """The answer streamed into `turn`, or the human reason it could not be asked."""
        session = self.window.session
        history = self.window.history
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

        session = self.window.session
        try:
            check_conversation_limits(request.messages)
            messages, needed = await resolve_request_files(
                session.client, session.history.store, request.messages, progress=progress
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
        window = self.window
        model = window.session.display_name(turn.record.model or "")
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
            key_rejected=isinstance(result.error, AuthenticationError) and window.session.needs_key,
        )
        window.conversations.refresh_sidebar()
        if turn.widget is not None:
            window.composer.focus()

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
        window = self.window
        record = turn.record
        unsaved: StorageError | None = None
        try:
            window.history.finish_answer(record.id, message, status=status, meta=meta)
        except StorageError as exc:
            log.error("The answer could not be saved: %s", exc)
            unsaved = exc
        if window.session.open.id == turn.conversation_id:
            window.session.open = window.history.reload(window.session.open)
        # Regenerate and Retry must see the final content and status, not the placeholder.
        final = window.history.message(record.id) or record
        widget = turn.widget
        if widget is None:
            return
        if status == "stopped":
            widget.mark_stopped()
        widget.finish(message, footer=footer)
        window.presenter.remember(widget, final)
        regenerate = window.asking.regenerate
        widget.action_requested.connect(lambda: regenerate(final))
        widget.set_action("Regenerate", "Ask for a new answer (kept as another version)")
        if unsaved is not None:
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
        if window.session.open.id == record.conversation_id:
            window.session.open = window.history.reload(window.session.open)
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


def _kept_unsaved(exc: StorageError) -> str:
    if isinstance(exc, DiskFullError):
        return "The disk is full: this answer is kept here and saved once there is room."
    return f"{exc.human} This answer is kept here meanwhile."
