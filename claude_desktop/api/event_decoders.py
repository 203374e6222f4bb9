"""How a streamed response's bytes become typed events: the protocol a provider's decoder
follows (Bedrock has its own), and the server-sent events decoder of the direct API.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from .events import StreamEvent, parse_event
from .sse import SSEDecoder


class EventDecoder(Protocol):
    """Bytes of a streamed response in, typed events out (None entries are skipped)."""

    content_type: str

    def feed(self, chunk: bytes) -> Iterable[StreamEvent | None]: ...
    def close(self) -> None: ...


class SSEEventDecoder:
    """The Messages API's own framing: server-sent events (the direct API and Vertex AI)."""

    content_type = "text/event-stream"

    def __init__(self) -> None:
        self._sse = SSEDecoder()

    def feed(self, chunk: bytes) -> Iterable[StreamEvent | None]:
        events = self._sse.feed(chunk)
        if len(events) == 1:  # the usual chunk, as the API writes them: no generator
            return (parse_event(events[0]),)
        # Lazy, so the events before a malformed one still reach the accumulator.
        return (parse_event(sse) for sse in events)

    def close(self) -> None:
        self._sse.close()
