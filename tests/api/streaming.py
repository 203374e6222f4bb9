"""Driving any provider's client through one streamed message, for the api tests.

Each test file makes its own client (the direct API, Bedrock, Vertex AI); what is done with
it (read every event, read until it fails, cancel after the first delta) is the same.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import pytest

from claude_desktop.api.client import BaseMessagesClient
from claude_desktop.api.errors import ClaudeError
from claude_desktop.api.events import ContentBlockDelta, StreamEvent
from claude_desktop.api.message import Message

T = TypeVar("T")
BODY: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "Hi"}],
}


class SleepRecorder:
    """Stands in for asyncio.sleep so backoff tests are instant yet checkable."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def run(make: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await make()

    return asyncio.run(main())


def collect(
    make_client: Callable[[], BaseMessagesClient], betas: Sequence[str] = ()
) -> tuple[list[StreamEvent], Message]:
    """Every event of one streamed message, and the message they made."""

    async def go() -> tuple[list[StreamEvent], Message]:
        async with make_client() as client:
            events: list[StreamEvent] = []
            async with client.stream(BODY, betas=betas) as stream:
                async for event in stream:
                    events.append(event)
            return events, stream.message

    return run(go)


def collect_error(
    make_client: Callable[[], BaseMessagesClient],
) -> tuple[ClaudeError, list[StreamEvent]]:
    """The error a streamed message ends in, and the events that came before it."""
    seen: list[StreamEvent] = []

    async def go() -> None:
        async with make_client() as client, client.stream(BODY) as stream:
            async for event in stream:
                seen.append(event)

    with pytest.raises(ClaudeError) as info:
        run(go)
    return info.value, seen


def cancel_after_first_delta(make_client: Callable[[], BaseMessagesClient]) -> float:
    """Cancel the consuming task once a delta has arrived; when (time.monotonic) it was."""

    async def go() -> float:
        async with make_client() as client:
            first = asyncio.Event()

            async def consume() -> None:
                async with client.stream(BODY) as stream:
                    async for event in stream:
                        if isinstance(event, ContentBlockDelta):
                            first.set()

            task = asyncio.create_task(consume())
            await asyncio.wait_for(first.wait(), 5)
            task.cancel()
            cancelled_at = time.monotonic()
            with pytest.raises(asyncio.CancelledError):
                await task
            return cancelled_at

    return run(go)
