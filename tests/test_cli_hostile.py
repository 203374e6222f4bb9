"""`ask` against hostile servers and broken environments: one line on stderr, exit 1, no key.

Each runs the real command in a subprocess against the loopback API (or a loopback SOCKS5
proxy in front of it), as a person would from a terminal.
"""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
from typing import Any

import pytest

from tests import sse
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, RawResponse, RecordedRequest, SSEResponse
from tests.socks5 import Socks5Proxy, socks_proxy
from tests.test_cli import TIMEOUT, ask_env

__all__ = ["socks_proxy"]

KEY = "sk-ant-api03-CliSecret0123456789abcdef"
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")


def ask(api: FakeAnthropicAPI, *, key: str = KEY, **env: str) -> subprocess.CompletedProcess[str]:
    environment = ask_env(api, key)
    for name in PROXY_VARIABLES:
        environment.pop(name, None)
        environment.pop(name.lower(), None)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "claude_desktop", "ask", "Hi"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def one_line_failure(result: subprocess.CompletedProcess[str], key: str = KEY) -> str:
    """The single stderr line of a failed `ask`, checked for what must never be there."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    # Lines saying a retry is coming may come first (a refused connection is retried).
    lines = [line for line in result.stderr.strip().splitlines() if ", retrying in" not in line]
    assert len(lines) == 1, result.stderr
    assert key not in result.stderr + result.stdout and key[10:24] not in result.stderr
    return lines[0]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_ask_through_a_socks5_proxy(fake_api: FakeAnthropicAPI, socks_proxy: Socks5Proxy) -> None:
    fake_api.enqueue(SSEResponse(sse.text_stream(["via ", "socks"])))
    result = ask(fake_api, ALL_PROXY=socks_proxy.url)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "via socks\n"
    assert socks_proxy.tunnels == [("127.0.0.1", fake_api.port)]


def test_ask_with_a_socks5_proxy_that_is_not_there(fake_api: FakeAnthropicAPI) -> None:
    result = ask(fake_api, ALL_PROXY=f"socks5://127.0.0.1:{closed_port()}")
    line = one_line_failure(result)
    assert line.startswith("Could not reach the Anthropic API at 127.0.0.1 through the proxy")
    assert not fake_api.requests


@pytest.mark.parametrize("proxy", ["ftp://proxy:21", "http://127.0.0.1:abc", "socks4://p:1080"])
def test_ask_with_a_malformed_proxy(fake_api: FakeAnthropicAPI, proxy: str) -> None:
    line = one_line_failure(ask(fake_api, HTTPS_PROXY=proxy))
    assert line.startswith("The proxy set in HTTPS_PROXY cannot be used")
    assert not fake_api.requests


@pytest.mark.parametrize("port", ["99999", "0", "http"])
def test_ask_with_an_invalid_port_in_the_base_url(fake_api: FakeAnthropicAPI, port: str) -> None:
    result = ask(fake_api, ANTHROPIC_BASE_URL=f"http://127.0.0.1:{port}")
    assert one_line_failure(result).startswith("The API base URL 'http://127.0.0.1:")


def test_ask_with_a_zero_width_space_in_the_key(fake_api: FakeAnthropicAPI) -> None:
    key = KEY[:20] + "\u200b" + KEY[20:]
    line = one_line_failure(ask(fake_api, key=key), key=key)
    assert line == (
        "The API key contains a character that cannot be part of a key (U+200B ZERO WIDTH"
        f" SPACE, character 21 of {len(key)}): paste it again."
    )
    assert KEY[:20] not in line and KEY[20:] not in line
    assert not fake_api.requests


@pytest.mark.parametrize(
    "event",
    [
        {"type": "message_start", "message": {"usage": {"input_tokens": "11"}}},
        {"type": "message_start", "message": {"content": [["x"]], "usage": {}}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": [1]}},
        {"type": "message_delta", "delta": {}, "usage": {"output_tokens": float("nan")}},
    ],
)
def test_ask_with_wrong_types_in_an_event(
    fake_api: FakeAnthropicAPI, event: dict[str, Any]
) -> None:
    start = sse.events(sse.message_stream([sse.text_block("")], finish=False))[:2]
    fake_api.enqueue(SSEResponse(b"".join(start) + sse.sse_event(str(event["type"]), event)))
    line = one_line_failure(ask(fake_api))
    assert line.startswith("The server sent a response this app cannot read (")


def echo_401(request: RecordedRequest) -> JSONResponse:
    said = f"invalid x-api-key {request.headers['x-api-key']}"
    return JSONResponse(401, {"type": "error", "error": {"type": "x", "message": said}})


def echo_400(request: RecordedRequest) -> JSONResponse:
    said = f"bad request from {dict(request.headers)}"
    return JSONResponse(400, {"type": "error", "error": {"type": "y", "message": said}})


def echo_in_stream(request: RecordedRequest) -> SSEResponse:
    said = f"overloaded (key {request.headers['x-api-key']})"
    begun = sse.events(sse.message_stream([sse.text_block(["Hal"])], finish=False))[:3]
    return SSEResponse(b"".join(begun) + sse.error_event("api_error", said))


@pytest.mark.parametrize("answer", [echo_401, echo_400, echo_in_stream])
@pytest.mark.parametrize("key", [KEY, "gateway-key-0123456789"])
def test_ask_never_prints_a_key_the_server_echoes(
    fake_api: FakeAnthropicAPI, answer: Any, key: str
) -> None:
    fake_api.enqueue(answer)
    one_line_failure(ask(fake_api, key=key, ANTHROPIC_BASE_URL=fake_api.base_url), key=key)


def test_ask_with_a_gigabyte_error_body(fake_api: FakeAnthropicAPI) -> None:
    head = (
        b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\n"
        b"content-length: 1000000000\r\n\r\n"
    )
    fake_api.enqueue(RawResponse(itertools.chain([head], itertools.repeat(b"q" * 65536))))
    line = one_line_failure(ask(fake_api))
    assert line == "The API refused the request: " + "q" * 200


def test_ask_with_html_instead_of_a_stream(fake_api: FakeAnthropicAPI) -> None:
    page = b"<html><body>Please sign in to the proxy</body></html>"
    fake_api.enqueue(JSONResponse(200, page, {"content-type": "text/html"}))
    line = one_line_failure(ask(fake_api))
    assert "expected 'text/event-stream', got 'text/html'" in line


def test_ask_with_a_redirect(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(JSONResponse(307, b"", {"location": "https://other.example/"}))
    line = one_line_failure(ask(fake_api))
    assert line.startswith("The server redirected the request to https://other.example/.")


def test_ask_with_a_prompt_that_is_not_text_on_stdin(fake_api: FakeAnthropicAPI) -> None:
    # Not UTF-8 on stdin: a sentence, not a UnicodeDecodeError traceback.
    environment = ask_env(fake_api, KEY)
    environment["PYTHONIOENCODING"] = "utf-8:strict"
    result = subprocess.run(
        [sys.executable, "-m", "claude_desktop", "ask", "-"],
        env=environment,
        input=b"\xff\xfe not text",
        capture_output=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 2
    assert result.stderr.decode().strip() == "The question on stdin is not utf-8 text."
    assert not fake_api.requests


def test_an_unexpected_error_is_still_one_line_without_the_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A bug, not a server's fault: still no traceback, and the key masked even there.
    from claude_desktop import cli

    async def broken(*args: object) -> int:
        raise RuntimeError(f"bug while holding {KEY}\nsecond line")

    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setattr(cli, "ask", broken)
    assert cli.main(["ask", "Hi"]) == 1
    err = capsys.readouterr().err
    assert err == "ask failed unexpectedly: bug while holding sk-ant-…(masked) second line\n"
