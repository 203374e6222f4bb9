"""Incremental Server-Sent Events decoder following the WHATWG event-stream rules.

Bytes go in as they come off the network, split anywhere (even inside a UTF-8
character or between the CR and LF of a line end); complete events come out.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import limits
from .errors import ResponseTooLargeError


@dataclass(slots=True)
class ServerSentEvent:
    event: str
    data: str
    id: str | None = None


_BOM = "\ufeff".encode()


class SSEDecoder:
    """Feed bytes with `feed`, get dispatched events back; call `close` at end of stream.

    Bytes are kept until a blank line ends an event, then the whole event is decoded and
    parsed at once. Splitting on bytes is safe for UTF-8: a newline byte never occurs inside
    a multi-byte character, so a character split across chunks is always inside an event
    still being kept. The usual event, an ``event:`` line then a ``data:`` line, takes a
    fast path: a stream is thousands of small events and per-line work would be most of
    what reading one costs.
    """

    __slots__ = (
        "_ends_with_lf",
        "_last_id",
        "_max_event",
        "_pending",
        "_pending_size",
        "_skip_lf",
        "_started",
    )

    def __init__(self) -> None:
        # Bytes after the last blank line, in pieces: joined only once a blank line can be
        # in them, so an event arriving in many small pieces is still read in linear time.
        self._pending: list[bytes] = []
        # Their length: an event that never ends must not grow without bound.
        self._pending_size = 0
        self._max_event = limits.MAX_EVENT_BYTES
        self._ends_with_lf = False
        self._last_id: str | None = None
        self._skip_lf = False
        self._started = False

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        if self._skip_lf and chunk:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if not chunk:
            return []
        if b"\r" in chunk:
            # A CR at the very end may be the first half of a CRLF split across chunks.
            self._skip_lf = chunk.endswith(b"\r")
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if b"\n\n" not in chunk and not (self._ends_with_lf and chunk[:1] == b"\n"):
            self._pending.append(chunk)
            self._pending_size += len(chunk)
            if self._pending_size > self._max_event:
                self._pending.clear()
                raise ResponseTooLargeError(
                    f"an event over {self._max_event // limits.MiB} MB that never ended"
                )
            self._ends_with_lf = chunk.endswith(b"\n")
            return []
        if self._pending:
            self._pending.append(chunk)
            chunk = b"".join(self._pending)
            self._pending.clear()
        if not self._started:
            self._started = True
            if chunk.startswith(_BOM):
                chunk = chunk[len(_BOM) :]
        blocks = chunk.split(b"\n\n")
        rest = blocks.pop()
        self._pending_size = len(rest)
        if rest:
            self._pending.append(rest)
        self._ends_with_lf = rest.endswith(b"\n")
        events: list[ServerSentEvent] = []
        for raw in blocks:
            # Invalid UTF-8 becomes U+FFFD, as the standard says, rather than an exception.
            block = raw.decode("utf-8", "replace")
            if block.startswith("event: ") and block.count("\n") == 1:
                name, _, data = block.partition("\n")
                if data.startswith("data: "):
                    events.append(ServerSentEvent(name[7:] or "message", data[6:], self._last_id))
                    continue
            event = self._parse_block(block)
            if event is not None:
                events.append(event)
        return events

    def close(self) -> list[ServerSentEvent]:
        """End of stream: an event without its terminating blank line is dropped."""
        self._pending.clear()
        self._pending_size = 0
        self._ends_with_lf = False
        return []

    def _parse_block(self, block: str) -> ServerSentEvent | None:
        """The event the lines of `block` (between blank lines) make, if any, line by line."""
        event = ""
        data: list[str] = []
        for line in block.split("\n"):
            if not line or line[0] == ":":
                continue  # leading newlines of extra blank lines, and comments
            field, sep, value = line.partition(":")
            if sep and value.startswith(" "):
                value = value[1:]
            if field == "data":
                data.append(value)
            elif field == "event":
                event = value
            elif field == "id" and "\0" not in value:
                self._last_id = value
            # "retry" and unknown fields are ignored: this client never reconnects a stream.
        if not data:
            return None
        return ServerSentEvent(event or "message", "\n".join(data), self._last_id)
