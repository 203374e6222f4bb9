"""The fault matrix: the client against hostile servers and broken environments.

Each case uses a real loopback server (truncated, oversized, endless, wrong types, echoing
the key, HTML instead of JSON, redirects, headers that never end, gzip bombs) or a broken
environment (proxies of every kind, bad URLs, a non-ASCII key). For each: one ClaudeError
with a sentence, no key in any text of it, and memory bounded while it happens.
"""

from __future__ import annotations

import gzip
import itertools
import json
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from claude_desktop.api import limits
from claude_desktop.api.client import MessagesClient
from claude_desktop.api.errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ClaudeError,
    ConnectionFailedError,
    InternalServerError,
    KeyFormatError,
    ProtocolError,
    ProviderSetupError,
    RedirectError,
    ResponseTooLargeError,
    StreamInterruptedError,
    StreamTimeoutError,
)
from tests import sse
from tests.api.streaming import SleepRecorder, collect, collect_error, run
from tests.fakeapi import (
    FakeAnthropicAPI,
    JSONResponse,
    RawResponse,
    RecordedRequest,
    SSEResponse,
)
from tests.socks5 import Socks5Proxy, socks_proxy

__all__ = ["socks_proxy"]

KEY = "sk-ant-api03-Secret0123456789abcdefXYZ"
GATEWAY_KEY = "gw_live_0123456789abcdef"  # a gateway's own key: not shaped like Anthropic's
MiB = 1024 * 1024


def client_for(api: FakeAnthropicAPI, key: str = KEY, **kw: Any) -> Callable[[], MessagesClient]:
    options: dict[str, Any] = {"sleep": SleepRecorder(), "max_retries": 0, **kw}
    return lambda: MessagesClient(key, base_url=api.base_url, **options)


def failure(make: Callable[[], MessagesClient]) -> ClaudeError:
    error, _events = collect_error(make)
    return error


def texts_of(error: ClaudeError) -> str:
    """Everything of an error that could be shown, logged or stored."""
    parts = [error.human, str(error), repr(error), error.message]
    parts += [v for v in vars(error).values() if isinstance(v, str)]
    if error.partial is not None:
        parts.append(json.dumps(error.partial.to_dict()))
    return "\n".join(parts)


def peak_mib(action: Callable[[], Any]) -> tuple[Any, float]:
    """What `action` returned or raised, and the peak of Python memory while it ran (MiB)."""
    tracemalloc.start()
    try:
        try:
            result: Any = action()
        except ClaudeError as exc:
            result = exc
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / MiB


def endless(piece: bytes) -> Iterator[bytes]:
    while True:
        yield piece


def chunked(pieces: Iterator[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield b"%x\r\n%s\r\n" % (len(piece), piece)


def head(status: str, *headers: str) -> bytes:
    return ("\r\n".join([f"HTTP/1.1 {status}", *headers]) + "\r\n\r\n").encode()


def text_delta(text: str) -> bytes:
    return sse.sse_event(
        "content_block_delta",
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}},
    )


def answer_start() -> bytes:
    """message_start and a text block's start: what comes before the first delta."""
    return b"".join(sse.events(sse.message_stream([sse.text_block("")], finish=False))[:2])


# ---- truncated ------------------------------------------------------------------------------


def test_a_stream_cut_inside_an_event_keeps_the_partial_answer(fake_api: FakeAnthropicAPI) -> None:
    body = answer_start() + text_delta("Half") + text_delta("way")[:30]
    fake_api.enqueue(SSEResponse(body, then="drop"))
    error = failure(client_for(fake_api))
    assert isinstance(error, StreamInterruptedError)
    assert error.partial is not None and error.partial.text == "Half"


def test_a_body_shorter_than_its_content_length(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(RawResponse([head("400 Bad Request", "content-length: 500") + b'{"ty']))
    error = failure(client_for(fake_api))
    assert isinstance(error, ConnectionFailedError)
    assert error.human.startswith("Could not reach the Anthropic API")


# ---- oversized and endless ------------------------------------------------------------------


def test_an_event_that_never_ends_stops_at_the_event_limit(fake_api: FakeAnthropicAPI) -> None:
    # The real limit (8 MB): one data line that never ends.
    fake_api.enqueue(SSEResponse(iter([answer_start(), b"data: "] + [b"a" * 65536] * 100_000)))
    error, peak = peak_mib(lambda: failure(client_for(fake_api)))
    assert isinstance(error, ResponseTooLargeError)
    assert error.human == (
        "The server sent more than this app accepts (an event over 8 MB that never ended),"
        " so it was stopped."
    )
    assert error.partial is not None and error.partial.text == ""
    assert peak < 3 * limits.MAX_EVENT_BYTES / MiB


def test_an_endless_answer_stops_at_the_answer_limit_keeping_it(
    fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_ANSWER_CHARS", 4_000_000)
    fake_api.enqueue(
        SSEResponse(itertools.chain([answer_start()], endless(text_delta("x" * 60_000))))
    )
    error, peak = peak_mib(lambda: failure(client_for(fake_api)))
    assert isinstance(error, ResponseTooLargeError)
    assert "an answer over 4 million characters" in error.human
    assert error.partial is not None and 4_000_000 - 60_000 < len(error.partial.text) <= 4_000_000
    assert peak < 30  # the answer (4 MiB), its snapshot, and the buffers


def test_an_endless_stream_of_pings_stops_at_the_stream_limit(
    fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_STREAM_BYTES", 8 * MiB)
    fake_api.enqueue(SSEResponse(itertools.chain([answer_start()], endless(sse.ping() * 500))))
    error, peak = peak_mib(lambda: failure(client_for(fake_api)))
    assert isinstance(error, ResponseTooLargeError) and "a stream over 8 MB" in error.human
    assert peak < 20


def test_a_gigabyte_error_body_is_read_to_64_kb_only(fake_api: FakeAnthropicAPI) -> None:
    parts = [head("400 Bad Request", "content-type: text/plain", "content-length: 1000000000")]
    fake_api.enqueue(RawResponse(itertools.chain(parts, endless(b"y" * 65536))))
    started = time.monotonic()
    error, peak = peak_mib(lambda: failure(client_for(fake_api)))
    assert isinstance(error, BadRequestError)
    assert error.message == "y" * 200  # the first 200 characters, as for any non-JSON body
    assert peak < 5 and time.monotonic() - started < 10


def gzip_bomb(data: bytes, times: int) -> bytes:
    """`data` repeated `times` times, gzip-compressed, made without holding it all at once."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    out = [compressor.compress(data) for _ in range(times)]
    return b"".join([*out, compressor.flush()])


def test_a_gzip_bomb_stream_stops_at_the_stream_limit(
    fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_STREAM_BYTES", 8 * MiB)
    bomb = gzip_bomb(answer_start() + sse.ping() * 30_000, 64)  # about 64 MB of pings
    assert len(bomb) < 1 * MiB
    fake_api.enqueue(SSEResponse(bomb, headers={"content-encoding": "gzip"}, chunk_size=65536))
    error, peak = peak_mib(lambda: failure(client_for(fake_api)))
    assert isinstance(error, ResponseTooLargeError) and "a stream over 8 MB" in error.human
    assert peak < 20


def test_a_gzip_bomb_error_body_is_cut_at_64_kb(fake_api: FakeAnthropicAPI) -> None:
    bomb = gzip_bomb(b"z" * MiB, 256)  # 256 MB of "z" in about 250 KB
    fake_api.enqueue(
        JSONResponse(500, bomb, {"content-encoding": "gzip", "x-should-retry": "false"})
    )
    error, peak = peak_mib(lambda: failure(client_for(fake_api)))
    assert isinstance(error, InternalServerError) and error.message == "z" * 200
    assert peak < 10


def test_a_gzip_bomb_model_list_is_refused(fake_api: FakeAnthropicAPI) -> None:
    bomb = gzip_bomb(b" " * MiB, 64)  # JSON whitespace: 64 MB of it, over the 16 MB limit
    fake_api.route("GET", "/v1/models", JSONResponse(200, bomb, {"content-encoding": "gzip"}))

    async def models() -> Any:
        async with client_for(fake_api)() as client:
            return await client.list_models()

    error, peak = peak_mib(lambda: run(models))
    assert isinstance(error, ResponseTooLargeError) and "over 16 MB" in error.human
    assert peak < 40


def test_a_corrupt_or_unknown_compression_is_a_protocol_error(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(
        SSEResponse(b"\x1f\x8b" + b"\xff" * 100, headers={"content-encoding": "gzip"}),
        SSEResponse(sse.text_stream(["hi"]), headers={"content-encoding": "br"}),
    )
    first = failure(client_for(fake_api))
    assert isinstance(first, ProtocolError) and "gzip compression is corrupt" in first.human
    second = failure(client_for(fake_api))
    assert isinstance(second, ProtocolError) and "compressed as 'br'" in second.human


def test_a_gzipped_stream_is_read(fake_api: FakeAnthropicAPI) -> None:
    body = gzip.compress(sse.text_stream(["Hello", " there"]))
    fake_api.enqueue(SSEResponse(body, headers={"content-encoding": "gzip"}, chunk_size=7))
    _events, message = collect(client_for(fake_api))
    assert message.text == "Hello there"


def test_headers_that_never_finish_time_out(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(RawResponse([b"HTTP/1.1 200 OK\r\ncontent-type: text/ev"], then="stall"))
    started = time.monotonic()
    error = failure(client_for(fake_api, read_timeout=0.5))
    assert isinstance(error, StreamTimeoutError)
    assert time.monotonic() - started < 5


def failure_within(seconds: float, make: Callable[[], MessagesClient]) -> ClaudeError | None:
    """`failure(make)`, or None when it has not come within `seconds` (the thread is left
    to end with the fake server: a hang must fail the test, not stall the suite)."""
    box: list[ClaudeError] = []
    thread = threading.Thread(target=lambda: box.append(failure(make)), daemon=True)
    thread.start()
    thread.join(seconds)
    return box[0] if box else None


def test_headers_dripped_a_byte_at_a_time_still_time_out(fake_api: FakeAnthropicAPI) -> None:
    """Each byte comes within the read timeout, so no single read times out: the headers
    as a whole get the read timeout once they start arriving, and no more."""
    drip = itertools.chain([b"HTTP/1.1 200 OK\r\n"], itertools.repeat(b"x"))
    fake_api.enqueue(RawResponse(drip, then="stall", gap=0.05))

    started = time.monotonic()
    error = failure_within(10, client_for(fake_api, read_timeout=0.5))
    assert isinstance(error, StreamTimeoutError)
    assert time.monotonic() - started < 5


def test_an_error_body_dripped_a_byte_at_a_time_times_out(fake_api: FakeAnthropicAPI) -> None:
    head = (
        b"HTTP/1.1 529 Overloaded\r\ncontent-type: application/json\r\ncontent-length: 9999\r\n\r\n"
    )
    drip = itertools.chain([head], itertools.repeat(b" "))
    fake_api.enqueue(RawResponse(drip, then="stall", gap=0.05))

    started = time.monotonic()
    error = failure_within(10, client_for(fake_api, read_timeout=0.5))
    assert isinstance(error, StreamTimeoutError)
    assert time.monotonic() - started < 5


# ---- wrong types over the wire ----------------------------------------------------------


def test_wrong_types_after_some_text_keep_the_partial_answer(fake_api: FakeAnthropicAPI) -> None:
    bad = sse.sse_event(
        "content_block_delta",
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": [1]}},
    )
    fake_api.enqueue(SSEResponse(answer_start() + text_delta("So far") + bad))
    error = failure(client_for(fake_api))
    assert isinstance(error, ProtocolError)
    assert error.human == (
        "The server sent a response this app cannot read ('text' is not a string in a"
        " 'content_block_delta' event)."
    )
    assert error.partial is not None and error.partial.text == "So far"


@pytest.mark.parametrize(
    "event",
    [
        {"type": "message_start", "message": {"usage": {"input_tokens": "11"}}},
        {"type": "message_start", "message": {"content": "text", "usage": {}}},
        {"type": "message_start", "message": {"usage": {"output_tokens": 1e400}}},
    ],
)
def test_a_wrong_typed_start_is_a_protocol_error(
    fake_api: FakeAnthropicAPI, event: dict[str, Any]
) -> None:
    fake_api.enqueue(SSEResponse(sse.sse_event(str(event["type"]), event)))
    assert isinstance(failure(client_for(fake_api)), ProtocolError)


def test_an_unexpected_exception_while_reading_becomes_a_protocol_error(
    fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The last line of defence: a bug in parsing shows as a sentence, the partial kept.
    def broken(self: object, chunk: bytes) -> Any:
        raise RecursionError("deep")

    fake_api.enqueue(SSEResponse(sse.text_stream(["hi"])))
    monkeypatch.setattr("claude_desktop.api.client.SSEEventDecoder.feed", broken)
    error = failure(client_for(fake_api))
    assert isinstance(error, ProtocolError)
    assert "RecursionError while reading it" in error.human


# ---- the key echoed back ------------------------------------------------------------------


def echoing(status: int, error_type: str) -> Callable[[RecordedRequest], JSONResponse]:
    """A gateway that puts the request's headers in its error text."""

    def answer(request: RecordedRequest) -> JSONResponse:
        said = f"bad request; headers were {dict(request.headers)}"
        body = {"type": "error", "error": {"type": error_type, "message": said}}
        return JSONResponse(status, body, {"x-should-retry": "false"})

    return answer


def echoing_sse(request: RecordedRequest) -> SSEResponse:
    said = f"overloaded; you sent x-api-key={request.headers['x-api-key']}"
    return SSEResponse(answer_start() + sse.error_event("overloaded_error", said))


def echoing_html(request: RecordedRequest) -> JSONResponse:
    page = f"<html><body>Bad gateway. Key: {request.headers['x-api-key']}</body></html>"
    return JSONResponse(403, page.encode(), {"content-type": "text/html"})


@pytest.mark.parametrize("key", [KEY, GATEWAY_KEY])
@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (echoing(400, "invalid_request_error"), BadRequestError),
        (echoing(401, "authentication_error"), AuthenticationError),
        (echoing(500, "api_error"), InternalServerError),
        (echoing_sse, APIStatusError),
        (echoing_html, APIStatusError),
    ],
)
def test_a_key_echoed_by_the_server_never_reaches_an_error(
    fake_api: FakeAnthropicAPI,
    key: str,
    answer: Callable[[RecordedRequest], Any],
    expected: type[ClaudeError],
) -> None:
    fake_api.enqueue(answer)
    error = failure(client_for(fake_api, key=key))
    assert isinstance(error, expected)
    assert key not in texts_of(error) and key[8:20] not in texts_of(error)
    assert "masked" in error.message


def test_a_key_echoed_into_a_model_list_error_is_masked(fake_api: FakeAnthropicAPI) -> None:
    fake_api.route("GET", "/v1/models", echoing(400, "invalid_request_error"))

    async def models() -> Any:
        async with client_for(fake_api, key=GATEWAY_KEY)() as client:
            return await client.list_models()

    with pytest.raises(BadRequestError) as info:
        run(models)
    assert GATEWAY_KEY not in texts_of(info.value)


# ---- not the API at all: HTML, redirects ---------------------------------------------------


def test_html_instead_of_a_stream(fake_api: FakeAnthropicAPI) -> None:
    page = b"<!doctype html><title>Sign in to the corporate portal</title>"
    fake_api.enqueue(JSONResponse(200, page, {"content-type": "text/html"}))
    error = failure(client_for(fake_api))
    assert isinstance(error, ProtocolError)
    assert error.human == (
        "The server sent a response this app cannot read (expected 'text/event-stream',"
        " got 'text/html')."
    )


def test_html_instead_of_a_json_error(fake_api: FakeAnthropicAPI) -> None:
    page = b"<html><h1>502 Bad Gateway</h1></html>"
    fake_api.enqueue(JSONResponse(502, page, {"content-type": "text/html"}))
    error = failure(client_for(fake_api))
    assert isinstance(error, InternalServerError)


def test_html_instead_of_the_model_list(fake_api: FakeAnthropicAPI) -> None:
    fake_api.route("GET", "/v1/models", JSONResponse(200, b"<html></html>"))

    async def models() -> Any:
        async with client_for(fake_api)() as client:
            return await client.list_models()

    with pytest.raises(ProtocolError, match="invalid JSON"):
        run(models)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_reported_not_followed(fake_api: FakeAnthropicAPI, status: int) -> None:
    fake_api.enqueue(JSONResponse(status, b"", {"location": "https://elsewhere.example/v1"}))
    error = failure(client_for(fake_api))
    assert isinstance(error, RedirectError)
    assert error.human == (
        "The server redirected the request to https://elsewhere.example/v1. If that is the"
        " right place, set it as the API base URL in Settings → Connection."
    )
    assert len(fake_api.requests) == 1


# ---- broken environments --------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def test_a_socks5_proxy_carries_the_stream(
    fake_api: FakeAnthropicAPI, socks_proxy: Socks5Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_proxy_env(monkeypatch)
    monkeypatch.setenv("ALL_PROXY", socks_proxy.url)
    fake_api.enqueue(SSEResponse(sse.text_stream(["through ", "socks"])))
    _events, message = collect(client_for(fake_api))
    assert message.text == "through socks"
    assert socks_proxy.tunnels == [("127.0.0.1", fake_api.port)]


def test_a_socks5_proxy_set_in_settings(
    fake_api: FakeAnthropicAPI, socks_proxy: Socks5Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_proxy_env(monkeypatch)
    fake_api.enqueue(SSEResponse(sse.text_stream(["ok"])))
    _events, message = collect(client_for(fake_api, proxy=socks_proxy.url))
    assert message.text == "ok" and len(socks_proxy.tunnels) == 1


@pytest.mark.parametrize("scheme", ["socks5", "http"])
def test_a_proxy_that_is_not_there_says_so(
    fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    no_proxy_env(monkeypatch)
    monkeypatch.setenv("ALL_PROXY", f"{scheme}://user:hunter22@127.0.0.1:{closed_port()}")
    error = failure(client_for(fake_api))
    assert isinstance(error, ConnectionFailedError)
    assert "through the proxy" in error.human and f"{scheme}://user:…@127.0.0.1:" in error.human
    assert "hunter22" not in texts_of(error)
    assert not fake_api.requests


@pytest.mark.parametrize(
    "value", ["ftp://proxy.example:21", "socks4://127.0.0.1:1080", "http://127.0.0.1:abc"]
)
def test_an_unusable_environment_proxy_is_a_sentence(
    fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    no_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", value)
    error = failure(client_for(fake_api))
    assert isinstance(error, ProviderSetupError)
    assert error.human.startswith("The proxy set in HTTP_PROXY cannot be used (")
    assert error.human.endswith("Fix or unset it, or set a proxy in Settings → Connection.")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://127.0.0.1:99999", "has port 99999, but ports go from 1 to 65535"),
        ("http://127.0.0.1:abc", "is not a web address"),
        ("http://127.0.0.1:0", "has port 0"),
    ],
)
def test_a_base_url_with_an_invalid_port_is_a_sentence(url: str, says: str) -> None:
    def make() -> MessagesClient:
        return MessagesClient(KEY, base_url=url, max_retries=0)

    error = failure(make)
    assert isinstance(error, ProviderSetupError) and says in error.human


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ("\u200b", "U+200B ZERO WIDTH SPACE"),
        ("\u00a0", "U+00A0 NO-BREAK SPACE"),
        ("é", "U+00E9 LATIN SMALL LETTER E WITH ACUTE"),
        ("\n", "U+000A a control character"),
    ],
)
def test_a_key_with_a_character_no_key_has_is_named_not_sent(
    fake_api: FakeAnthropicAPI, bad: str, named: str
) -> None:
    key = KEY[:12] + bad + KEY[12:]
    error = failure(client_for(fake_api, key=key))
    assert isinstance(error, KeyFormatError)
    assert error.human == (
        f"The API key contains a character that cannot be part of a key ({named}, character"
        f" 13 of {len(key)}): paste it again."
    )
    assert KEY[8:] not in texts_of(error)
    assert not fake_api.requests


def test_the_models_request_with_a_non_ascii_key_is_not_called_invalid_json(
    fake_api: FakeAnthropicAPI,
) -> None:
    async def models() -> Any:
        async with client_for(fake_api, key=KEY + "\u200b")() as client:
            return await client.list_models()

    with pytest.raises(KeyFormatError, match="ZERO WIDTH SPACE"):
        run(models)
    assert not fake_api.requests
