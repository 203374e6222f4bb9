"""Turns as the window called them before the turn runner, and checking keys.

`run_turn` streams a request already built into a `TurnSink` (text, thinking, status);
it is a thin wrapper over TurnRunner.stream, kept until the window runs whole turns through
the runner. The turn's result, footer and failure sentence come from the runner's modules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from claude_desktop.api.client import BaseMessagesClient, MessagesClient
from claude_desktop.api.message import Message
from claude_desktop.api.models import ModelInfo, pickable_models

from .api_request import ApiRequest
from .turn_events import NullObserver
from .turn_metrics import TurnMetrics
from .turn_runner import FLUSH_INTERVAL, TurnResult, TurnRunner, describe_failure

__all__ = [
    "FLUSH_INTERVAL",
    "TurnResult",
    "TurnSink",
    "check_key",
    "describe_failure",
    "fetch_models",
    "footer_text",
    "run_turn",
]


class TurnSink(Protocol):
    """What the view of a turn is told as the answer streams in."""

    def on_text(self, text: str) -> None: ...
    def on_thinking(self, text: str) -> None: ...
    def on_status(self, text: str | None) -> None: ...


class _SinkObserver(NullObserver):
    """A TurnObserver passing text, thinking and status on to a TurnSink."""

    def __init__(self, sink: TurnSink) -> None:
        self.sink = sink

    def text_delta(self, index: int, text: str) -> None:
        self.sink.on_text(text)

    def thinking_delta(self, index: int, text: str) -> None:
        self.sink.on_thinking(text)

    def status(self, text: str | None) -> None:
        self.sink.on_status(text)


async def run_turn(
    client: BaseMessagesClient,
    conversation: ApiRequest,
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
    runner = TurnRunner(
        client, _SinkObserver(sink), on_flush=on_flush, flush_interval=FLUSH_INTERVAL
    )
    return await runner.stream(conversation)


def footer_text(result: TurnResult, display_name: str) -> str:
    """The line under an answer: model, timings, tokens and cost."""
    metrics = TurnMetrics.of(
        result.message,
        total_time=result.total_time,
        time_to_first_token=result.time_to_first_token,
    )
    return metrics.footer(display_name)


async def fetch_models(client: BaseMessagesClient) -> list[ModelInfo]:
    """The models the picker offers, from the API (raises ClaudeError when it can't)."""
    return pickable_models(await client.list_models())


async def check_key(key: str, *, base_url: str | None = None, **options: Any) -> list[ModelInfo]:
    """Prove a key works with one real request; raises ClaudeError (e.g. 401) if not.

    `options` are the connection's (proxy, timeouts), as for the client that will use it."""
    async with MessagesClient(key, base_url=base_url, max_retries=1, **options) as client:
        return await fetch_models(client)
