"""Properties of the whole streaming path: chunking never matters, garbage never crashes.

These run the real MessagesClient code over httpx's in-process transport so hypothesis
can try hundreds of chunkings quickly; the same path over real sockets is in
test_client.py.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_desktop.api.client import MessagesClient
from claude_desktop.api.errors import ProtocolError, StreamInterruptedError
from claude_desktop.api.message import Message
from tests import sse

BODY = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "x"}]}
STREAMS = {name: sse.load_fixture(name) for name in sorted(sse.FIXTURE_EXPECTED)}
STREAMS["built"] = sse.with_line_endings(
    sse.insert_after(sse.thinking_stream(["a", "é"], "sig", ["🙂 ", "done"]), 2, sse.comment()),
    "\r\n",
)


def read(chunks: list[bytes]) -> Message:
    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    async def go() -> Message:
        transport = httpx.MockTransport(handler)
        async with MessagesClient(
            "k", base_url="http://api.test", transport=transport, max_retries=0
        ) as client:
            return await client.stream(BODY).final_message()

    return asyncio.run(go())


def rechunk(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


WHOLE = {name: read([data]) for name, data in STREAMS.items()}


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(sorted(STREAMS)), st.lists(st.integers(min_value=0), max_size=40))
def test_any_rechunking_gives_the_same_message(name: str, cuts: list[int]) -> None:
    assert read(rechunk(STREAMS[name], cuts)) == WHOLE[name]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=8))
def test_arbitrary_bytes_give_only_the_clients_own_errors(chunks: list[bytes]) -> None:
    with contextlib.suppress(ProtocolError, StreamInterruptedError):
        read(chunks)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(STREAMS)), st.integers(min_value=0), st.binary(max_size=16))
def test_corrupting_a_valid_stream_gives_only_the_clients_own_errors(
    name: str, at: int, junk: bytes
) -> None:
    data = STREAMS[name]
    at %= len(data)
    with contextlib.suppress(ProtocolError, StreamInterruptedError):
        read([data[:at] + junk + data[at:]])
