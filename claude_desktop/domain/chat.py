"""Running one turn of a conversation against the API, and checking keys.

The window calls these; they report progress to a `TurnSink` and never lose what
arrived: a stopped or failed turn still keeps its partial answer in the conversation.
A turn ends with a TurnResult whatever fails in it (an API error, a bug, a full disk);
only cancellation (Stop) propagates.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from claude_desktop.api.client import BaseMessagesClient, MessagesClient
from claude_desktop.api.errors import ClaudeError
from claude_desktop.api.events import (
    ContentBlockDelta,
    MessageStart,
    RetryScheduled,
    TextDelta,
    ThinkingDelta,
)
from claude_desktop.api.message import Message
from claude_desktop.api.models import ModelInfo, pickable_models
from claude_desktop.api.pricing import cost_of, format_usd
from claude_desktop.storage.store import StorageError

from .conversation import Conversation
from .settings import KEY_AS_MODEL, looks_like_api_key

log = logging.getLogger(__name__)


class TurnSink(Protocol):
    """What the view of a turn is told as the answer streams in."""

    def on_text(self, text: str) -> None: ...
    def on_thinking(self, text: str) -> None: ...
    def on_status(self, text: str | None) -> None: ...


@dataclass
class TurnResult:
    message: Message | None
    #: What ended the turn early: usually a ClaudeError, but any exception (a bug) counts.
    error: Exception | None = None
    stopped: bool = False
    time_to_first_token: float | None = None
    total_time: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and not self.stopped

    @property
    def error_text(self) -> str | None:
        return None if self.error is None else describe_failure(self.error)


def describe_failure(exc: Exception) -> str:
    """One sentence for what ended a turn: the API's or the disk's own, else that it is a bug."""
    if isinstance(exc, (ClaudeError, StorageError)):
        return exc.human
    detail = str(exc) or type(exc).__name__
    return f"Something went wrong while answering: {detail}. The details are in the log."


FLUSH_INTERVAL = 1.0


async def run_turn(
    client: BaseMessagesClient,
    conversation: Conversation,
    sink: TurnSink,
    *,
    on_flush: Callable[[Message], None] | None = None,
) -> TurnResult:
    """Stream the answer to the conversation's last question into `sink`.

    `on_flush` gets the partial answer about once a second (to save it as it grows).
    Cancelling the task stops the stream; the partial answer goes to `on_flush` before
    the cancellation propagates. Any other failure, in the stream, the sink or the code
    between, ends the turn with the partial answer and the exception in the result; a
    failing `on_flush` (a full disk) is logged and the stream goes on.
    """
    started = time.monotonic()
    first: float | None = None
    if looks_like_api_key(conversation.model):
        # The last guard: a key is never sent as the request's model (nor logged as one).
        return _finish(TurnResult(message=None, error=ClaudeError(KEY_AS_MODEL)), started, None)
    stream = client.stream(conversation.request_body(), betas=conversation.betas)
    result = TurnResult(message=None)
    last_flush = started
    try:
        async with stream:
            async for event in stream:
                if on_flush is not None and first is not None:
                    now = time.monotonic()
                    if now - last_flush >= FLUSH_INTERVAL:
                        last_flush = now
                        _flush(on_flush, stream.message)
                if isinstance(event, ContentBlockDelta):
                    delta = event.delta
                    if isinstance(delta, TextDelta):
                        if first is None:
                            first = time.monotonic() - started
                        sink.on_text(delta.text)
                    elif isinstance(delta, ThinkingDelta):
                        if first is None:
                            first = time.monotonic() - started
                        sink.on_thinking(delta.thinking)
                elif isinstance(event, RetryScheduled):
                    sink.on_status(event.human)
                elif isinstance(event, MessageStart):
                    sink.on_status(None)
        result.message = stream.message
    except ClaudeError as exc:
        # The request id is what Anthropic's support asks for about a failed request.
        log.warning(
            "Turn failed (model %s): %s: %s (request id %s)",
            conversation.model,
            type(exc).__name__,
            exc,
            exc.request_id or "none",
        )
        result.error = exc
        result.message = exc.partial
    except asyncio.CancelledError:
        result.stopped = True
        result.message = stream.message
        _finish(result, started, first)
        if on_flush is not None:
            _flush(on_flush, result.message)
        raise
    except Exception as exc:
        # A bug (here, in the client, in the sink): the turn still ends, with what arrived.
        log.error("Turn failed unexpectedly (model %s)", conversation.model, exc_info=exc)
        result.error = exc
        result.message = stream.message
    return _finish(result, started, first)


def _flush(on_flush: Callable[[Message], None], message: Message) -> None:
    """Save the answer so far; failing to must not end a healthy stream (it is saved
    again at the next flush and at the end)."""
    try:
        on_flush(message)
    except Exception:
        log.warning("Saving the partial answer failed; the stream goes on", exc_info=True)


def _finish(result: TurnResult, started: float, first: float | None) -> TurnResult:
    result.time_to_first_token = first
    result.total_time = time.monotonic() - started
    return result


def footer_text(result: TurnResult, display_name: str) -> str:
    """The line under an answer: model, timings, tokens and cost."""
    parts = [display_name]
    if result.time_to_first_token is not None:
        parts.append(f"{result.time_to_first_token:.1f} s to first token")
    parts.append(f"{result.total_time:.1f} s")
    message = result.message
    if message is not None and message.id:
        usage = message.usage
        parts.append(f"{usage.total_input_tokens:,} in / {usage.output_tokens:,} out")
        if usage.cache_read_input_tokens:
            parts.append(f"{usage.cache_read_input_tokens:,} from cache")
        if usage.cache_creation_input_tokens:
            parts.append(f"{usage.cache_creation_input_tokens:,} cached")
        cost = cost_of(message.model, usage)
        if cost is not None:
            price = format_usd(cost.total)
            if cost.cache_savings > 0:
                price += f" (cache saved {format_usd(cost.cache_savings)})"
            parts.append(price)
    return " · ".join(parts)


async def fetch_models(client: BaseMessagesClient) -> list[ModelInfo]:
    """The models the picker offers, from the API (raises ClaudeError when it can't)."""
    return pickable_models(await client.list_models())


async def check_key(key: str, *, base_url: str | None = None, **options: Any) -> list[ModelInfo]:
    """Prove a key works with one real request; raises ClaudeError (e.g. 401) if not.

    `options` are the connection's (proxy, timeouts), as for the client that will use it."""
    async with MessagesClient(key, base_url=base_url, max_retries=1, **options) as client:
        return await fetch_models(client)
