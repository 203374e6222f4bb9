"""Valid JSON with the wrong types in it: the parser and accumulator give only ProtocolError.

A server (a gateway, a proxy, a broken API) may send well-formed events whose fields hold
a string where a number belongs, a list where a string belongs, NaN, or content that is
not a list of objects. Whatever it sends, the only exception that leaves the parser and the
accumulator is ProtocolError, and the message they make can be shown, priced and stored.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_desktop.api.accumulator import MessageAccumulator
from claude_desktop.api.errors import ProtocolError
from claude_desktop.api.events import parse_event
from claude_desktop.api.message import Message
from claude_desktop.api.pricing import cost_of
from claude_desktop.api.sse import ServerSentEvent

USAGE = {"input_tokens": 11, "output_tokens": 1, "cache_read_input_tokens": 0}
#: One event of every type the client reads, each field as the API sends it.
STREAM: list[dict[str, Any]] = [
    {
        "type": "message_start",
        "message": {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "content": [{"type": "text", "text": "pre"}],
            "model": "claude-sonnet-4-6",
            "stop_reason": None,
            "stop_sequence": None,
            "usage": USAGE,
        },
    },
    {"type": "ping"},
    {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hi"}},
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {
            "type": "citations_delta",
            "citation": {"type": "char_location", "cited_text": "x", "document_index": 0},
        },
    },
    {"type": "content_block_stop", "index": 1},
    {
        "type": "content_block_start",
        "index": 2,
        "content_block": {"type": "thinking", "thinking": "", "signature": ""},
    },
    {
        "type": "content_block_delta",
        "index": 2,
        "delta": {"type": "thinking_delta", "thinking": "hmm"},
    },
    {
        "type": "content_block_delta",
        "index": 2,
        "delta": {"type": "signature_delta", "signature": "EqQB"},
    },
    {"type": "content_block_stop", "index": 2},
    {
        "type": "content_block_start",
        "index": 3,
        "content_block": {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
    },
    {
        "type": "content_block_delta",
        "index": 3,
        "delta": {"type": "input_json_delta", "partial_json": '{"a": 1}'},
    },
    {"type": "content_block_stop", "index": 3},
    {
        "type": "content_block_start",
        "index": 4,
        "content_block": {"type": "redacted_thinking", "data": "abc"},
    },
    {"type": "content_block_stop", "index": 4},
    {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": 6},
    },
    {"type": "message_stop"},
]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every position in a JSON value, the value itself included (the empty path)."""
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += paths(item, (*prefix, i))
    return out


#: (event number, path inside it) for every field of every event, "type" fields aside:
#: a wrong type name is an unknown event or delta, which is skipped by design.
POSITIONS = [
    (n, path)
    for n, event in enumerate(STREAM)
    for path in paths(event)
    if path and path[-1] != "type"
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)


def replaced(event: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(event)
    target: Any = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


def use(message: Message) -> None:
    """What the app does with an answer: show it, note its stop, price it, store it."""
    assert isinstance(message.text, str)
    note = message.stop_note
    assert note is None or isinstance(note, str)
    usage = message.usage
    f"{usage.total_input_tokens:,} {usage.output_tokens:,}"
    cost_of(message.model, usage)
    json.dumps(message.to_dict(), allow_nan=False)
    for block in message.content:
        assert isinstance(block, dict) and isinstance(block.get("type"), str)


def run(events: list[dict[str, Any]]) -> Message:
    accumulator = MessageAccumulator()
    for data in events:
        text = json.dumps(data)  # NaN and Infinity go out as the bare words JSON readers take
        event = parse_event(ServerSentEvent(str(data.get("type")), text))
        if event is not None:
            accumulator.feed(event)
        use(accumulator.message)
    return accumulator.message


def test_the_template_stream_is_valid() -> None:
    message = run(STREAM)
    assert message.text == "preHi" and message.stop_reason == "end_turn"


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(POSITIONS), json_values)
def test_any_json_value_in_any_field_gives_at_most_a_protocol_error(
    position: tuple[int, tuple[Any, ...]], value: Any
) -> None:
    n, path = position
    events = [*STREAM[:n], replaced(STREAM[n], path, value), *STREAM[n + 1 :]]
    try:
        run(events)
    except ProtocolError as exc:
        assert exc.human.startswith("The server sent a response this app cannot read")


@pytest.mark.parametrize(
    ("n", "path", "value"),
    [
        (2, ("index",), "1"),  # a string where a number belongs
        (3, ("index",), "1"),
        (3, ("index",), 1.5),
        (3, ("index",), True),
        (3, ("delta", "text"), ["a", "b"]),  # a list where a string belongs
        (0, ("message", "usage", "input_tokens"), "11"),
        (0, ("message", "usage", "input_tokens"), math.inf),  # non-finite numbers
        (15, ("usage", "output_tokens"), math.nan),
        (0, ("message", "content"), "text"),  # content that is not a list of objects
        (0, ("message", "content"), ["text"]),
        (0, ("message", "content", 0, "text"), 5),
        (0, ("message", "stop_reason"), ["end_turn"]),
        (15, ("delta", "stop_reason"), {"x": 1}),
        (2, ("content_block",), []),
        (10, ("content_block", "input"), "{}"),
        (4, ("delta", "citation"), "x"),
        (0, ("message", "id"), 5),
    ],
)
def test_each_kind_of_wrong_type_is_a_protocol_error(
    n: int, path: tuple[Any, ...], value: Any
) -> None:
    events = [*STREAM[:n], replaced(STREAM[n], path, value), *STREAM[n + 1 :]]
    with pytest.raises(ProtocolError):
        run(events)


def test_a_number_too_large_for_a_float_is_a_protocol_error() -> None:
    data = '{"type":"message_delta","delta":{},"usage":{"output_tokens":1e400}}'
    with pytest.raises(ProtocolError):
        parse_event(ServerSentEvent("message_delta", data))
