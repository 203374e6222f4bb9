"""`python -m claude_desktop ask` as a person runs it: a subprocess against the loopback API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from tests import sse
from tests.fakeapi import FakeAnthropicAPI, SSEResponse, api_error

TIMEOUT = 60


def ask_env(api: FakeAnthropicAPI, key: str | None = "sk-ant-cli-test") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env["ANTHROPIC_BASE_URL"] = api.base_url
    # Never read the developer's real keyring from a test.
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    if key:
        env["ANTHROPIC_API_KEY"] = key
    return env


def ask(api: FakeAnthropicAPI, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "claude_desktop", "ask", *args],
        env=ask_env(api, **kw),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def test_streams_the_answer_to_stdout(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(SSEResponse(sse.events(sse.text_stream(["Hello", ", ", "world"]))))
    result = ask(
        fake_api,
        "--model",
        "claude-haiku-4-5",
        "--max-tokens",
        "99",
        "--system",
        "Be brief.",
        "Say hello",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello, world\n"
    body = fake_api.requests[0].json
    assert body["model"] == "claude-haiku-4-5" and body["max_tokens"] == 99
    assert body["system"] == "Be brief." and body["stream"] is True
    assert body["messages"] == [{"role": "user", "content": "Say hello"}]
    assert fake_api.requests[0].headers["x-api-key"] == "sk-ant-cli-test"


def test_api_error_is_one_human_line_and_exit_1(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(api_error(401, "authentication_error", "invalid x-api-key"))
    result = ask(fake_api, "Hi")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "Your API key was rejected. Check it in Settings or set a new one."
    )
    assert "Traceback" not in result.stderr


def test_partial_answer_is_kept_when_the_stream_breaks(fake_api: FakeAnthropicAPI) -> None:
    body = sse.message_stream([sse.text_block(["Half ", "way"])], finish=False)
    fake_api.enqueue(SSEResponse(body, then="drop"))
    result = ask(fake_api, "Hi")
    assert result.returncode == 1
    assert result.stdout == "Half way\n"
    assert "connection was lost" in result.stderr


def test_token_limit_is_explained(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(SSEResponse(sse.text_stream(["cut"], stop_reason="max_tokens")))
    result = ask(fake_api, "Hi")
    assert result.returncode == 0
    assert "cut off at the token limit" in result.stderr


def test_no_key_says_how_to_set_one(fake_api: FakeAnthropicAPI) -> None:
    result = ask(fake_api, "Hi", key=None)
    assert result.returncode == 1
    assert "ANTHROPIC_API_KEY" in result.stderr and "keyring" in result.stderr
    assert not fake_api.requests


def test_usage_errors_exit_2(fake_api: FakeAnthropicAPI) -> None:
    assert ask(fake_api).returncode == 2
    assert ask(fake_api, "--max-tokens", "zero", "Hi").returncode == 2


def test_ctrl_c_stops_cleanly_and_closes_the_connection(fake_api: FakeAnthropicAPI) -> None:
    deltas = [f"tick{i} " for i in range(400)]
    fake_api.enqueue(SSEResponse(sse.events(sse.text_stream(deltas)), delay=0.05))
    proc = subprocess.Popen(
        [sys.executable, "-m", "claude_desktop", "ask", "Count"],
        env=ask_env(fake_api),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.read(5)  # blocks until the answer has started streaming
        assert first == "tick0"
        proc.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        _out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert "Stopped." in err and "Traceback" not in err
    seen = fake_api.wait_for_disconnect(timeout=2)
    assert seen is not None and seen - interrupted < 1.0
