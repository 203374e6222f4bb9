"""`claude-desktop --self-test` from source, as a person (or CI) runs it: a subprocess, offscreen,
against the loopback API. packaging/check_bundle.py runs the same against the frozen bundle."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

from tests import sse
from tests.fakeapi import FakeAnthropicAPI, SSEResponse, api_error

TIMEOUT = 60
CHECKS = (
    "window",
    "markdown",
    "text",
    "resources",
    "history",
    "files",
    "keyring",
    "providers",
    "stream",
)


def self_test(base_url: str | None, key: str | None = "sk-ant-self-test") -> tuple[int, str]:
    """(exit code, report on stdout) of `python -m claude_desktop --self-test`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    # Never look for the developer's real keyring from a test.
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    if base_url:
        env["ANTHROPIC_BASE_URL"] = base_url
    if key:
        env["ANTHROPIC_API_KEY"] = key
    result = subprocess.run(
        [sys.executable, "-m", "claude_desktop", "--self-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    report = result.stdout
    if result.returncode:
        report += "\n[stderr]\n" + result.stderr
    return result.returncode, report


def last_line(report: str) -> str:
    return report.split("\n[stderr]\n")[0].rstrip().splitlines()[-1]


def statuses(report: str) -> dict[str, str]:
    found = re.findall(rf"^\s+(\S+)\s+({'|'.join(CHECKS)})\s", report, re.MULTILINE)
    return {name: status for status, name in found}


def test_passes_and_streams_from_the_api(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(SSEResponse(sse.text_stream(["Self-test ", "answer."]), chunk_size=7))
    code, report = self_test(fake_api.base_url)
    assert code == 0, report
    assert "(from source;" in report
    assert statuses(report) == {
        "window": "ok",
        "markdown": "ok",
        "text": "ok",
        "resources": "ok",
        "history": "ok",
        "files": "ok",
        # The test keyring is keyring's "fail" stand-in: noted, not a failure.
        "keyring": "note",
        "providers": "ok",  # the dev group installs both cloud extras
        "stream": "ok",
    }, report
    assert "17 characters of text in 2 deltas, stop reason end_turn" in report
    assert last_line(report) == "self-test passed (9 checks)"
    (request,) = fake_api.requests
    assert request.path == "/v1/messages"
    assert request.headers["x-api-key"] == "sk-ant-self-test"
    assert request.json["stream"] is True and request.json["max_tokens"] <= 64


def test_placeholder_key_without_api_key(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(SSEResponse(sse.text_stream(["ok"])))
    code, report = self_test(fake_api.base_url, key=None)
    assert code == 0, report
    assert fake_api.requests[0].headers["x-api-key"] == "self-test"


def test_skips_the_stream_without_a_base_url() -> None:
    code, report = self_test(None)
    assert code == 0, report
    assert statuses(report)["stream"] == "skip"
    assert "ANTHROPIC_BASE_URL is not set" in report
    assert "self-test passed (8 checks, 1 skipped)" in report


def test_unreachable_api_fails_naming_the_stream_check() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The port is free again: nothing listens there.
    code, report = self_test(f"http://127.0.0.1:{port}")
    assert code == 1, report
    assert statuses(report)["stream"] == "FAIL"
    assert "ConnectionFailedError" in report
    assert last_line(report) == "self-test FAILED: stream"
    # The other checks still ran and passed.
    assert statuses(report)["window"] == "ok" and statuses(report)["markdown"] == "ok"


def test_api_error_fails_the_stream_check(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(api_error(401, "authentication_error", "invalid x-api-key"))
    code, report = self_test(fake_api.base_url)
    assert code == 1, report
    assert statuses(report)["stream"] == "FAIL"
    assert "AuthenticationError" in report
    assert last_line(report) == "self-test FAILED: stream"
