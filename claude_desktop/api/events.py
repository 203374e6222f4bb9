"""Typed events of a Messages stream, parsed from SSE events.

Unknown event and delta types parse to None and are skipped by the client: the API
adds new ones over time and an old app must keep working.
"""

from __future__ import annotations

import json
import json.scanner
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ClaudeError, ProtocolError
from .sse import ServerSentEvent

JSON = dict[str, Any]


# Deltas -----------------------------------------------------------------------------


@dataclass(slots=True)
class TextDelta:
    text: str


@dataclass(slots=True)
class ThinkingDelta:
    thinking: str


@dataclass(slots=True)
class SignatureDelta:
    signature: str


@dataclass(slots=True)
class InputJSONDelta:
    partial_json: str


@dataclass(slots=True)
class CitationsDelta:
    citation: JSON


Delta = TextDelta | ThinkingDelta | SignatureDelta | InputJSONDelta | CitationsDelta


# Events -----------------------------------------------------------------------------


@dataclass(slots=True)
class MessageStart:
    message: JSON


@dataclass(slots=True)
class ContentBlockStart:
    index: int
    content_block: JSON


@dataclass(slots=True)
class ContentBlockDelta:
    index: int
    delta: Delta


@dataclass(slots=True)
class ContentBlockStop:
    index: int


@dataclass(slots=True)
class MessageDelta:
    delta: JSON
    usage: JSON


@dataclass(slots=True)
class MessageStop:
    pass


@dataclass(slots=True)
class Ping:
    pass


@dataclass(slots=True)
class ErrorEvent:
    error_type: str
    message: str


@dataclass(slots=True)
class RetryScheduled:
    """Not from the API: the client will try again after `delay` seconds."""

    attempt: int
    delay: float
    error: ClaudeError

    @property
    def human(self) -> str:
        reason = self.error.human.rstrip(".")
        # Error lines that end in "try again…" would read oddly before "retrying".
        reason = reason.split(". Try again")[0].split(". Wait")[0]
        return f"{reason}, retrying in {max(1, round(self.delay))} s…"


StreamEvent = (
    MessageStart
    | ContentBlockStart
    | ContentBlockDelta
    | ContentBlockStop
    | MessageDelta
    | MessageStop
    | Ping
    | ErrorEvent
    | RetryScheduled
)


def _delta(data: JSON) -> Delta | None:
    kind = data.get("type")
    if kind == "text_delta":
        return TextDelta(_str(data, "text"))
    if kind == "thinking_delta":
        return ThinkingDelta(_str(data, "thinking"))
    if kind == "signature_delta":
        return SignatureDelta(_str(data, "signature"))
    if kind == "input_json_delta":
        return InputJSONDelta(_str(data, "partial_json"))
    if kind == "citations_delta":
        return CitationsDelta(_obj(data, "citation"))
    return None


def _str(data: JSON, key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise TypeError(f"'{key}' is not a string")
    return value


def _content_block_delta(data: JSON) -> ContentBlockDelta | None:
    delta = _delta(_obj(data, "delta"))
    return None if delta is None else ContentBlockDelta(int(data["index"]), delta)


def _error(data: JSON) -> ErrorEvent:
    error = data.get("error") or {}
    return ErrorEvent(str(error.get("type") or "api_error"), str(error.get("message") or ""))


def _obj(data: JSON, key: str, *, optional: bool = False) -> JSON:
    value = data.get(key) if optional else data[key]
    if value is None and optional:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"'{key}' is not an object")
    return value


def _message_start(data: JSON) -> MessageStart:
    message = _obj(data, "message")
    _obj(message, "usage", optional=True)
    return MessageStart(message)


_PARSERS: dict[str, Callable[[JSON], StreamEvent | None]] = {
    "message_start": _message_start,
    "content_block_start": lambda d: ContentBlockStart(int(d["index"]), _obj(d, "content_block")),
    "content_block_delta": _content_block_delta,
    "content_block_stop": lambda d: ContentBlockStop(int(d["index"])),
    "message_delta": lambda d: MessageDelta(
        _obj(d, "delta", optional=True), _obj(d, "usage", optional=True)
    ),
    "message_stop": lambda d: MessageStop(),
    "ping": lambda d: Ping(),
    "error": _error,
}


def parse_event(sse: ServerSentEvent) -> StreamEvent | None:
    """The typed event for one SSE event, or None for a type this client does not know."""
    name = sse.event
    # The SSE event name equals the JSON "type"; the name lets unknown events be skipped
    # without parsing their JSON at all.
    parser = _PARSERS.get(name)
    if parser is None and name != "message":
        return None
    data = _json_object(sse)
    if name == "content_block_delta":
        # Nearly every event of a stream is a text delta: take it without the general
        # dispatch (same checks, fewer calls).
        delta = data.get("delta")
        if type(delta) is dict and delta.get("type") == "text_delta":
            text, index = delta.get("text"), data.get("index")
            if type(text) is str and type(index) is int:
                return ContentBlockDelta(index, TextDelta(text))
    elif parser is None:
        parser = _PARSERS.get(str(data.get("type")))
        if parser is None:
            return None
    assert parser is not None
    try:
        return parser(data)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"malformed '{name}' event ({exc!r})") from None


# typeshed declares make_scanner as a class taking a scanner; it takes the decoder.
_scan_json: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(
    json.JSONDecoder()  # type: ignore[arg-type]
)


def _json_object(sse: ServerSentEvent) -> JSON:
    text = sse.data
    try:
        # The scanner json.loads ends in, called directly: a stream parses thousands of
        # small objects and the layers above it cost as much as the parsing itself.
        data, end = _scan_json(text, 0)
    except (StopIteration, ValueError):
        end = -1
    if end != len(text):  # not a lone JSON value: let json.loads say what is wrong
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ProtocolError(f"invalid JSON in '{sse.event}' event: {exc}") from None
    if not isinstance(data, dict):
        raise ProtocolError(f"'{sse.event}' event is not a JSON object")
    return data
