"""The SSE decoder against the WHATWG event-stream rules."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from claude_desktop.api.sse import ServerSentEvent, SSEDecoder


def decode(*chunks: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events = [e for chunk in chunks for e in decoder.feed(chunk)]
    return events + decoder.close()


def test_event_name_and_data() -> None:
    events = decode(b'event: ping\ndata: {"type": "ping"}\n\n')
    assert events == [ServerSentEvent("ping", '{"type": "ping"}')]


def test_all_three_line_endings_give_the_same_events() -> None:
    lf = b"event: a\ndata: 1\n\nevent: b\ndata: 2\n\n"
    assert decode(lf) == decode(lf.replace(b"\n", b"\r\n")) == decode(lf.replace(b"\n", b"\r"))
    assert [e.event for e in decode(lf)] == ["a", "b"]


def test_crlf_split_between_chunks_is_one_line_end() -> None:
    events = decode(b"data: x\r", b"\n\r", b"\ndata: y\r\n\r\n")
    assert [e.data for e in events] == ["x", "y"]


def test_comments_are_ignored_and_multiline_data_joins_with_newline() -> None:
    events = decode(b": keep-alive\ndata: one\n: mid\ndata: two\n\n")
    assert events == [ServerSentEvent("message", "one\ntwo")]


def test_only_one_leading_space_is_dropped_and_no_colon_means_empty_value() -> None:
    events = decode(b"data:  two spaces\ndata\ndata:nospace\n\n")
    assert events[0].data == " two spaces\n\nnospace"


def test_blank_line_without_data_dispatches_nothing_and_resets_the_name() -> None:
    events = decode(b"event: x\n\ndata: y\n\n")
    assert events == [ServerSentEvent("message", "y")]


def test_unterminated_event_at_end_of_stream_is_dropped() -> None:
    assert decode(b"data: complete\n\ndata: partial\n") == [ServerSentEvent("message", "complete")]


def test_utf8_character_split_across_chunks() -> None:
    raw = "data: héllo 🙂 世界\n\n".encode()
    cut = raw.index("🙂".encode()) + 2
    assert decode(raw[:cut], raw[cut:])[0].data == "héllo 🙂 世界"


def test_invalid_utf8_is_replaced_not_raised() -> None:
    assert decode(b"data: \xff\xfe\n\n")[0].data == "\ufffd\ufffd"


def test_bom_at_start_is_skipped_and_id_is_kept() -> None:
    events = decode("\ufeffid: 7\ndata: x\n\n".encode())
    assert events == [ServerSentEvent("message", "x", "7")]


STREAM = (
    "\ufeff".encode()
    + b'event: message_start\r\ndata: {"type":"message_start"}\r\n\r\n'
    + b"\n\n\nid: 42\nevent: ping\ndata: {}\n\n"
    b": comment\n"
    b'event: content_block_delta\ndata: {"text": "caf\xc3\xa9 \xe2\x9c\x93"}\n\n'
    b"event: x\rdata: a\rdata: b\r\r"
    b"event:nospace\ndata:tight\n\n"
    b"event: last\ndata: 1\n\n"
)


def test_the_whole_stream_decodes_as_the_rules_say() -> None:
    assert decode(STREAM) == [
        ServerSentEvent("message_start", '{"type":"message_start"}'),
        ServerSentEvent("ping", "{}", "42"),
        ServerSentEvent("content_block_delta", '{"text": "café ✓"}', "42"),
        ServerSentEvent("x", "a\nb", "42"),
        ServerSentEvent("nospace", "tight", "42"),
        ServerSentEvent("last", "1", "42"),
    ]


def test_an_event_fed_a_byte_at_a_time() -> None:
    assert decode(*[STREAM[i : i + 1] for i in range(len(STREAM))]) == decode(STREAM)


@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=20))
def test_any_rechunking_gives_the_same_events(cuts: list[int]) -> None:
    points = sorted(set(cuts))
    chunks = [STREAM[a:b] for a, b in zip([0, *points], [*points, len(STREAM)], strict=True)]
    assert decode(*chunks) == decode(STREAM)
