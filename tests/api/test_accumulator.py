"""The accumulator builds the message the API means from events."""

from __future__ import annotations

import json

import pytest

from claude_desktop.api.accumulator import MessageAccumulator
from claude_desktop.api.errors import ProtocolError
from claude_desktop.api.events import ContentBlockDelta, StreamEvent, TextDelta, parse_event
from claude_desktop.api.message import Message
from claude_desktop.api.sse import ServerSentEvent


def ev(data: dict[str, object]) -> StreamEvent:
    event = parse_event(ServerSentEvent(str(data["type"]), json.dumps(data)))
    assert event is not None
    return event


def accumulate(*events: dict[str, object]) -> Message:
    acc = MessageAccumulator()
    for data in events:
        acc.feed(ev(data))
    return acc.message


START = {
    "type": "message_start",
    "message": {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 21, "output_tokens": 1, "cache_read_input_tokens": 5},
        "container": None,
    },
}


def block_start(index: int, block: dict[str, object]) -> dict[str, object]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def delta(index: int, d: dict[str, object]) -> dict[str, object]:
    return {"type": "content_block_delta", "index": index, "delta": d}


def stop(index: int) -> dict[str, object]:
    return {"type": "content_block_stop", "index": index}


def test_thinking_text_tool_use_and_usage() -> None:
    msg = accumulate(
        START,
        block_start(0, {"type": "thinking", "thinking": "", "signature": ""}),
        delta(0, {"type": "thinking_delta", "thinking": "Let me "}),
        delta(0, {"type": "thinking_delta", "thinking": "think."}),
        delta(0, {"type": "signature_delta", "signature": "EqQBsig=="}),
        stop(0),
        block_start(1, {"type": "redacted_thinking", "data": "opaque"}),
        stop(1),
        block_start(2, {"type": "text", "text": ""}),
        delta(2, {"type": "text_delta", "text": "Paris"}),
        delta(2, {"type": "citations_delta", "citation": {"type": "char_location", "x": 1}}),
        stop(2),
        block_start(3, {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {}}),
        delta(3, {"type": "input_json_delta", "partial_json": ""}),
        delta(3, {"type": "input_json_delta", "partial_json": '{"city": "Pa'}),
        delta(3, {"type": "input_json_delta", "partial_json": 'ris"}'}),
        stop(3),
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": 42},
        },
        {"type": "message_stop"},
    )
    assert msg.id == "msg_1" and msg.model == "claude-sonnet-4-6"
    assert msg.content == [
        {"type": "thinking", "thinking": "Let me think.", "signature": "EqQBsig=="},
        {"type": "redacted_thinking", "data": "opaque"},
        {"type": "text", "text": "Paris", "citations": [{"type": "char_location", "x": 1}]},
        {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Paris"}},
    ]
    assert msg.stop_reason == "tool_use"
    assert msg.usage.input_tokens == 21
    assert msg.usage.output_tokens == 42  # message_delta usage is cumulative: latest wins
    assert msg.usage.cache_read_input_tokens == 5
    assert msg.usage.cache_creation_input_tokens is None
    assert msg.extra == {"container": None}
    assert msg.text == "Paris"


def test_later_usage_fields_override_and_extra_delta_fields_are_kept() -> None:
    msg = accumulate(
        START,
        {
            "type": "message_delta",
            "delta": {"stop_reason": "refusal", "stop_details": {"category": "cyber"}},
            "usage": {"input_tokens": 30, "output_tokens": 7, "cache_creation_input_tokens": 9},
        },
    )
    assert (msg.usage.input_tokens, msg.usage.output_tokens) == (30, 7)
    assert msg.usage.cache_creation_input_tokens == 9
    assert msg.extra["stop_details"] == {"category": "cyber"}
    assert msg.stop_note == "Claude declined to answer this request."


def test_truncated_tool_input_keeps_its_complete_values() -> None:
    msg = accumulate(
        START,
        block_start(0, {"type": "tool_use", "id": "t", "name": "save", "input": {}}),
        delta(0, {"type": "input_json_delta", "partial_json": '{"name": "a.txt", "lines": ['}),
        delta(0, {"type": "input_json_delta", "partial_json": '"one", "", "tw'}),
        {"type": "message_delta", "delta": {"stop_reason": "max_tokens"}, "usage": {}},
    )
    assert msg.content[0]["input"] == {"name": "a.txt", "lines": ["one", ""]}
    assert msg.stop_note == "The answer was cut off at the token limit."


def test_snapshot_does_not_change_afterwards() -> None:
    acc = MessageAccumulator()
    for data in (START, block_start(0, {"type": "text", "text": ""})):
        acc.feed(ev(data))
    acc.feed(ev(delta(0, {"type": "text_delta", "text": "a"})))
    first = acc.message
    acc.feed(ev(delta(0, {"type": "text_delta", "text": "b"})))
    assert first.text == "a" and acc.message.text == "ab"


def test_delta_for_a_block_that_never_started_is_a_protocol_error() -> None:
    acc = MessageAccumulator()
    acc.feed(ev(START))
    with pytest.raises(ProtocolError):
        acc.feed(ev(delta(1, {"type": "text_delta", "text": "x"})))


def test_unknown_event_and_delta_types_are_skipped() -> None:
    assert parse_event(ServerSentEvent("future_event", "not even json")) is None
    unknown = delta(0, {"type": "compaction_delta", "content": "x"})
    assert parse_event(ServerSentEvent("content_block_delta", json.dumps(unknown))) is None


def test_malformed_known_events_are_protocol_errors() -> None:
    for sse in (
        ServerSentEvent("message_start", "{oops"),
        ServerSentEvent("content_block_delta", "[]"),
        ServerSentEvent("content_block_delta", '{"type": "content_block_delta", "delta": 3}'),
    ):
        with pytest.raises(ProtocolError):
            parse_event(sse)


def test_message_round_trips_as_a_request_param() -> None:
    msg = accumulate(START, block_start(0, {"type": "text", "text": "hi"}), stop(0))
    assert msg.to_param() == {"role": "assistant", "content": [{"type": "text", "text": "hi"}]}


def test_wrongly_shaped_fields_are_protocol_errors() -> None:
    for event, data in [
        ("message_start", {"type": "message_start", "message": 5}),
        ("message_start", {"type": "message_start", "message": {"usage": []}}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": 1}),
        ("content_block_delta", delta(0, {"type": "text_delta", "text": 7})),
        ("message_delta", {"type": "message_delta", "delta": "x"}),
    ]:
        with pytest.raises(ProtocolError):
            parse_event(ServerSentEvent(event, json.dumps(data)))


@pytest.mark.parametrize(
    "data",
    [
        '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}',
        ' {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta",'
        ' "text": "hi"}} ',
    ],
)
def test_a_text_delta_parses_the_same_with_any_json_spacing(data: str) -> None:
    event = parse_event(ServerSentEvent("content_block_delta", data))
    assert event == ContentBlockDelta(0, TextDelta("hi"))


def test_a_text_delta_with_a_string_index_is_a_protocol_error() -> None:
    # A string where a number belongs is not the API's format (issue 15): refused, not guessed.
    data = '{"index":"0","delta":{"type":"text_delta","text":"hi"}}'
    with pytest.raises(ProtocolError, match="'index' is not a block number"):
        parse_event(ServerSentEvent("content_block_delta", data))


@pytest.mark.parametrize(
    "data",
    [
        '{"index":0,"delta":{"type":"text_delta","text":7}}',
        '{"index":0,"delta":{"type":"text_delta","text":"hi"}} trailing',
        '["not", "an", "object"]',
        '{"index":0,"delta":{"type":"text_delta","text":"unterminated',
    ],
)
def test_a_malformed_text_delta_is_a_protocol_error(data: str) -> None:
    with pytest.raises(ProtocolError):
        parse_event(ServerSentEvent("content_block_delta", data))
