"""The AWS event-stream decoder against botocore's own decoder and the tests' encoder."""

from __future__ import annotations

import struct

import pytest
from botocore.eventstream import EventStreamBuffer
from hypothesis import given
from hypothesis import strategies as st

from claude_desktop.api.eventstream import EventStreamDecoder, EventStreamError
from tests.fake_clouds import chunk_message, encode_message, exception_message

HEADERS = st.dictionaries(
    st.text(min_size=1, max_size=20),
    st.one_of(
        st.text(max_size=50),
        st.binary(max_size=50),
        st.integers(-(2**31), 2**31 - 1),
        st.booleans(),
    ),
    max_size=5,
)


@given(messages=st.lists(st.tuples(HEADERS, st.binary(max_size=300)), min_size=1, max_size=5))
def test_our_encoder_agrees_with_botocore_and_our_decoder(messages) -> None:
    data = b"".join(encode_message(h, p) for h, p in messages)
    botocore_buffer = EventStreamBuffer()
    botocore_buffer.add_data(data)
    theirs = [(m.headers, m.payload) for m in botocore_buffer]
    ours = [(m.headers, m.payload) for m in EventStreamDecoder().feed(data)]
    assert theirs == ours == [(h, p) for h, p in messages]


@given(
    events=st.lists(st.text(max_size=80), min_size=1, max_size=6),
    cuts=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=60),
)
def test_frames_split_at_any_byte_boundary(events, cuts) -> None:
    data = b"".join(chunk_message({"type": "ping", "text": t}) for t in events)
    decoder = EventStreamDecoder()
    got = []
    pos = 0
    for size in cuts * (len(data) // sum(cuts) + 1):
        if pos >= len(data):
            break
        got += decoder.feed(data[pos : pos + size])
        pos += size
    decoder.close()
    assert [m.header(":event-type") for m in got] == ["chunk"] * len(events)
    whole = EventStreamDecoder().feed(data)
    assert [m.payload for m in got] == [m.payload for m in whole]


def test_every_single_byte_split() -> None:
    data = chunk_message({"type": "message_stop"}) + exception_message("throttlingException", "x")
    decoder = EventStreamDecoder()
    got = [m for i in range(len(data)) for m in decoder.feed(data[i : i + 1])]
    assert [m.header(":message-type") for m in got] == ["event", "exception"]


def test_bad_message_crc_is_refused() -> None:
    data = bytearray(chunk_message({"type": "ping"}))
    data[20] ^= 0xFF  # a header byte: only the message CRC can notice
    with pytest.raises(EventStreamError, match="message checksum") as info:
        EventStreamDecoder().feed(bytes(data))
    assert "damaged" in info.value.human


def test_bad_prelude_crc_is_refused_before_reading_a_huge_length() -> None:
    data = bytearray(chunk_message({"type": "ping"}))
    data[0:4] = struct.pack(">I", 2**31)  # a corrupted length must not make us wait for 2 GB
    with pytest.raises(EventStreamError, match="prelude checksum"):
        EventStreamDecoder().feed(bytes(data))


def test_a_stream_cut_inside_a_message_is_an_error_at_close() -> None:
    data = chunk_message({"type": "ping"})
    decoder = EventStreamDecoder()
    assert decoder.feed(data[:-3]) == []
    with pytest.raises(EventStreamError, match="ended inside a message"):
        decoder.close()
