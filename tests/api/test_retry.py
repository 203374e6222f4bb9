"""Retry rules and delays."""

from __future__ import annotations

import email.utils
import random

import pytest

from claude_desktop.api.errors import (
    AuthenticationError,
    ConnectionFailedError,
    make_status_error,
)
from claude_desktop.api.retry import (
    parse_retry_after,
    parse_should_retry,
    retry_delay,
    should_retry,
)


@pytest.mark.parametrize(
    ("status", "error_type", "expected"),
    [
        (400, "invalid_request_error", False),
        (401, "authentication_error", False),
        (403, "permission_error", False),
        (404, "not_found_error", False),
        (408, None, True),
        (409, None, True),
        (413, "request_too_large", False),
        (429, "rate_limit_error", True),
        (500, "api_error", True),
        (502, None, True),
        (504, "timeout_error", True),
        (529, "overloaded_error", True),
        (None, "overloaded_error", True),  # an error event mid-stream, classified by type
    ],
)
def test_which_errors_are_retried(
    status: int | None, error_type: str | None, expected: bool
) -> None:
    assert should_retry(make_status_error(status, error_type, "x")) is expected


def test_x_should_retry_header_wins() -> None:
    assert not should_retry(make_status_error(529, "overloaded_error", "x", should_retry=False))
    assert should_retry(make_status_error(400, "invalid_request_error", "x", should_retry=True))
    assert parse_should_retry({"x-should-retry": "TRUE"}) is True
    assert parse_should_retry({}) is None


def test_connection_errors_are_retried_and_auth_is_not() -> None:
    assert should_retry(ConnectionFailedError("refused"))
    assert not should_retry(AuthenticationError("bad key"))


def test_retry_after_forms() -> None:
    assert parse_retry_after({"retry-after-ms": "1500"}) == 1.5
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    date = email.utils.formatdate(1_000_010, usegmt=True)
    assert parse_retry_after({"retry-after": date}, now=1_000_000) == pytest.approx(10)
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_server_delay_used_only_when_reasonable() -> None:
    rng = random.Random(1)
    assert retry_delay(0, make_status_error(429, None, "x", retry_after=4.0), rng) == 4.0
    for silly in (0.0, -1.0, 600.0):
        delay = retry_delay(0, make_status_error(429, None, "x", retry_after=silly), rng)
        assert 0.375 <= delay <= 0.5


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(2)
    err = ConnectionFailedError("x")
    for attempt, top in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        delay = retry_delay(attempt, err, rng)
        assert top * 0.75 <= delay <= top
