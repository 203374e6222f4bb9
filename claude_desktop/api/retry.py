"""When to try a failed request again, and how long to wait first.

The rule follows the official SDKs: honour `x-should-retry`, else retry connection
errors, 408, 409, 429 and 5xx; wait what `retry-after-ms`/`retry-after` ask when it is
reasonable, else back off exponentially with jitter. Each decision is logged in one line
(with the request id, for Anthropic's support).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping

from .errors import APIStatusError, ClaudeError

log = logging.getLogger(__name__)

DEFAULT_MAX_RETRIES = 2
INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
MAX_SERVER_DELAY = 60.0


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asked us to wait, or None when it did not ask (or asked oddly)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return float(raw_ms) / 1000.0
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        pass
    import email.utils  # only for a dated Retry-After: not with the client

    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return when.timestamp() - (time.time() if now is None else now)


def parse_should_retry(headers: Mapping[str, str]) -> bool | None:
    value = (headers.get("x-should-retry") or "").strip().lower()
    return {"true": True, "false": False}.get(value)


def should_retry(error: ClaudeError) -> bool:
    if isinstance(error, APIStatusError) and error.should_retry is not None:
        return error.should_retry
    return error.retryable


def retry_delay(attempt: int, error: ClaudeError, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number `attempt + 1` (attempt counts from 0)."""
    server = error.retry_after if isinstance(error, APIStatusError) else None
    if server is not None and 0 < server <= MAX_SERVER_DELAY:
        return server
    base = min(INITIAL_DELAY * float(2**attempt), MAX_DELAY)
    jitter = 1 - 0.25 * (rng or random).random()
    return base * jitter


def log_failure(error: ClaudeError, *, retrying: bool = False) -> None:
    """The one log line of a failed attempt: what failed, and whether it is tried again."""
    what = "retrying" if retrying else "failed"
    log.warning(
        "API request %s: %s: %s (request id %s)",
        what,
        type(error).__name__,
        error,
        error.request_id or "none",
    )
