"""Typed events of a Messages stream, parsed from SSE events.

Unknown event and delta types parse to None and are skipped by the client: the API
adds new ones over time and an old app must keep working.
"""

from __future__ import annotations

import json
import json.scanner
import math
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
        # Error lines that end in "try again…" or "check…" would read oddly before "retrying".
        for advice in (". Try again", ". Wait", ". Check"):
            reason = reason.split(advice)[0]
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


# Each check below raises ProtocolError naming the field: a server that sends valid JSON
# with a wrong type in it (a string for a number, a list for a string) is as unreadable
# as one that sends garbage, and must not reach the accumulator, the window or the store.


def _bad(key: str, what: str) -> ProtocolError:
    return ProtocolError(f"'{key}' is not {what}")


def _str(data: JSON, key: str) -> str:
    value = data.get(key)
    if type(value) is not str:
        raise _bad(key, "a string")
    return value


def _opt_str(data: JSON, key: str) -> None:
    value = data.get(key)
    if value is not None and type(value) is not str:
        raise _bad(key, "a string")


def _index(data: JSON) -> int:
    value = data.get("index")
    if type(value) is not int or value < 0:
        raise _bad("index", "a block number")
    return value


def _obj(data: JSON, key: str, *, optional: bool = False) -> JSON:
    value = data.get(key)
    if value is None and optional:
        return {}
    if type(value) is not dict:
        raise _bad(key, "an object")
    return value


_TOKEN_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
)


def _usage(data: JSON) -> JSON:
    usage = _obj(data, "usage", optional=True)
    for key in _TOKEN_FIELDS:
        value = usage.get(key)
        if value is not None and (type(value) is not int or value < 0):
            raise _bad(key, "a token count")
    return usage


# Fields of content blocks that must be strings wherever they occur (text, thinking,
# redacted thinking, tool use, server tool results...).
_BLOCK_STRINGS = ("text", "thinking", "signature", "data", "id", "name", "tool_use_id")


def _block(block: object) -> JSON:
    if type(block) is not dict:
        raise _bad("content_block", "an object")
    _str(block, "type")
    for key in _BLOCK_STRINGS:
        if key in block and type(block[key]) is not str:
            raise _bad(key, "a string")
    if "input" in block:
        _obj(block, "input")
    citations = block.get("citations")
    if citations is not None and (
        type(citations) is not list or any(type(c) is not dict for c in citations)
    ):
        raise _bad("citations", "a list of objects")
    return block


def _stop_fields(data: JSON) -> None:
    _opt_str(data, "stop_reason")
    _opt_str(data, "stop_sequence")


def _message_start(data: JSON) -> MessageStart:
    message = _obj(data, "message")
    for key in ("id", "model", "role"):
        _opt_str(message, key)
    _stop_fields(message)
    content = message.get("content")
    if content is not None:
        if type(content) is not list:
            raise _bad("content", "a list of blocks")
        for block in content:
            _block(block)
    _usage(message)
    return MessageStart(message)


def _content_block_start(data: JSON) -> ContentBlockStart:
    return ContentBlockStart(_index(data), _block(data.get("content_block")))


def _content_block_delta(data: JSON) -> ContentBlockDelta | None:
    delta = _delta(_obj(data, "delta"))
    return None if delta is None else ContentBlockDelta(_index(data), delta)


def _message_delta(data: JSON) -> MessageDelta:
    delta = _obj(data, "delta", optional=True)
    _stop_fields(delta)
    return MessageDelta(delta, _usage(data))


def _error(data: JSON) -> ErrorEvent:
    error = _obj(data, "error", optional=True)
    _opt_str(error, "type")
    _opt_str(error, "message")
    return ErrorEvent(error.get("type") or "api_error", error.get("message") or "")


_PARSERS: dict[str, Callable[[JSON], StreamEvent | None]] = {
    "message_start": _message_start,
    "content_block_start": _content_block_start,
    "content_block_delta": _content_block_delta,
    "content_block_stop": lambda d: ContentBlockStop(_index(d)),
    "message_delta": _message_delta,
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
            if type(text) is str and type(index) is int and index >= 0:
                return ContentBlockDelta(index, TextDelta(text))
    elif parser is None:
        parser = _PARSERS.get(str(data.get("type")))
        if parser is None:
            return None
    assert parser is not None
    try:
        return parser(data)
    except ProtocolError as exc:
        exc.message = f"{exc.message} in a '{name}' event"
        exc.args = (exc.message,)
        raise


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number this app takes")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as infinity
        raise ValueError(f"{text} is too large a number")
    return value


# NaN, Infinity and numbers beyond a float's range are refused as the JSON is read: such a
# number could not be priced, shown or stored again as JSON.
_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite_float)
# typeshed declares make_scanner as a class taking a scanner; it takes the decoder.
_scan_json: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(
    _DECODER  # type: ignore[arg-type]
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
            data = _DECODER.decode(text)
        except ValueError as exc:
            raise ProtocolError(f"invalid JSON in '{sse.event}' event: {exc}") from None
    if not isinstance(data, dict):
        raise ProtocolError(f"'{sse.event}' event is not a JSON object")
    return data
