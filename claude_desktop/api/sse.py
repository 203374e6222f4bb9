"""Incremental Server-Sent Events decoder following the WHATWG event-stream rules.

Bytes go in as they come off the network, split anywhere (even inside a UTF-8
character or between the CR and LF of a line end); complete events come out.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass


@dataclass(slots=True)
class ServerSentEvent:
    event: str
    data: str
    id: str | None = None


class SSEDecoder:
    """Feed bytes with `feed`, get dispatched events back; call `close` at end of stream."""

    __slots__ = ("_buffer", "_data", "_decoder", "_event", "_last_id", "_skip_lf", "_started")

    def __init__(self) -> None:
        # Invalid UTF-8 becomes U+FFFD, as the standard says, rather than an exception.
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._buffer = ""
        self._data: list[str] = []
        self._event = ""
        self._last_id: str | None = None
        self._skip_lf = False
        self._started = False

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        text = self._decoder.decode(chunk)
        if not text:
            return []
        if not self._started:
            self._started = True
            if text.startswith("\ufeff"):
                text = text[1:]
        if self._skip_lf:
            self._skip_lf = False
            if text.startswith("\n"):
                text = text[1:]
        buffer = self._buffer + text if self._buffer else text
        if "\r" in buffer:
            # A CR at the very end may be the first half of a CRLF split across chunks.
            if buffer.endswith("\r"):
                self._skip_lf = True
            buffer = buffer.replace("\r\n", "\n").replace("\r", "\n")
        lines = buffer.split("\n")
        self._buffer = lines.pop()
        events: list[ServerSentEvent] = []
        for line in lines:
            event = self._process_line(line)
            if event is not None:
                events.append(event)
        return events

    def close(self) -> list[ServerSentEvent]:
        """End of stream: an event without its terminating blank line is dropped."""
        self._decoder.decode(b"", final=True)
        self._buffer = ""
        self._data = []
        self._event = ""
        return []

    def _process_line(self, line: str) -> ServerSentEvent | None:
        if not line:
            if not self._data:
                self._event = ""
                return None
            event = ServerSentEvent(self._event or "message", "\n".join(self._data), self._last_id)
            self._data = []
            self._event = ""
            return event
        if line[0] == ":":
            return None
        field, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data.append(value)
        elif field == "event":
            self._event = value
        elif field == "id" and "\0" not in value:
            self._last_id = value
        # "retry" and unknown fields are ignored: this client never reconnects a stream.
        return None
