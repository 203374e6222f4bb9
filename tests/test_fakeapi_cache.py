"""The loopback fake's prompt cache (tests/fakeapi.py, PromptCache) keeps the real API's
rules: a prefix up to a breakpoint is read back when it is the same, for 5 minutes, once it
is long enough for the model; usage says what was read, written and paid in full. Driven by
plain httpx, so a bug in the fake cannot hide behind one in the app."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests import sse
from tests.fakeapi import CACHE_LIFETIME, FakeAnthropicAPI, PromptCache, check_cache_control

EPHEMERAL = {"type": "ephemeral"}
#: About 1,500 tokens of text (chars / 4), over Sonnet's minimum of 1,024, under Haiku's 2,048.
LONG = "lorem ipsum " * 500


def _text(text: str, marked: bool = False) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "text", "text": text}
    if marked:
        block["cache_control"] = dict(EPHEMERAL)
    return block


def _body(*turns: list[dict[str, Any]], model: str = "claude-sonnet-4-6") -> dict[str, Any]:
    roles = ["user", "assistant"]
    messages = [{"role": roles[i % 2], "content": c} for i, c in enumerate(turns)]
    return {"model": model, "max_tokens": 100, "messages": messages}


def _usage_over_http(api: FakeAnthropicAPI, body: dict[str, Any]) -> dict[str, Any]:
    api.enqueue(api.cached_answer("Sure."))
    with httpx.Client(base_url=api.base_url, timeout=5) as client:
        response = client.post("/v1/messages", json={**body, "stream": True})
    events = sse.events(response.content)
    start = next(e for e in events if b"message_start" in e.split(b"\n", 1)[0])
    data = json.loads(start.split(b"data: ", 1)[1])
    return dict(data["message"]["usage"])


def test_a_marked_prefix_is_written_then_read_back(fake_api: FakeAnthropicAPI) -> None:
    first = _body([_text(LONG, marked=True)])
    usage = _usage_over_http(fake_api, first)
    total = usage["input_tokens"] + usage["cache_creation_input_tokens"]
    assert usage["cache_read_input_tokens"] == 0
    assert usage["cache_creation_input_tokens"] > 1024 and usage["input_tokens"] < 10
    assert usage["cache_creation"]["ephemeral_5m_input_tokens"] == total - usage["input_tokens"]
    # The follow-up: the same prefix (marked where it ended) plus an answer and a question.
    follow = _body([_text(LONG, marked=True)], [_text("Sure.")], [_text("And?", marked=True)])
    again = _usage_over_http(fake_api, follow)
    assert again["cache_read_input_tokens"] == usage["cache_creation_input_tokens"]
    assert again["cache_creation_input_tokens"] > 0  # the answer and question, for next time
    assert again["input_tokens"] < 10  # only what follows the last breakpoint


def test_moving_the_mark_does_not_change_the_prefix() -> None:
    cache = PromptCache()
    written = cache.usage(_body([_text(LONG, marked=True)]))["cache_creation_input_tokens"]
    second = _body([_text(LONG, marked=True)], [_text("ok")], [_text("q", marked=True)])
    usage = cache.usage(second)
    assert usage["cache_read_input_tokens"] == written
    through_q = written + usage["cache_creation_input_tokens"]
    # The first turn's mark gone, two turns later: the prefix up to "q" is still found.
    third = _body(
        [_text(LONG)], [_text("ok")], [_text("q", marked=True)], [_text("ok")],
        [_text("q2", marked=True)],
    )  # fmt: skip
    assert cache.usage(third)["cache_read_input_tokens"] == through_q


def test_a_different_prefix_misses() -> None:
    cache = PromptCache()
    cache.usage(_body([_text(LONG, marked=True)]))
    other = cache.usage(_body([_text(LONG + "!", marked=True)]))
    assert other["cache_read_input_tokens"] == 0 and other["cache_creation_input_tokens"] > 1024
    sonnet = cache.usage(_body([_text(LONG, marked=True)], model="claude-opus-4-7"))
    assert sonnet["cache_read_input_tokens"] == 0  # each model has its own cache


def test_an_entry_lives_five_minutes_from_its_last_use() -> None:
    cache = PromptCache()
    body = _body([_text(LONG, marked=True)])
    written = cache.usage(body)["cache_creation_input_tokens"]
    cache.clock.advance(CACHE_LIFETIME - 1)
    assert cache.usage(body)["cache_read_input_tokens"] == written  # a read refreshes it
    cache.clock.advance(CACHE_LIFETIME - 1)
    assert cache.usage(body)["cache_read_input_tokens"] == written
    cache.clock.advance(CACHE_LIFETIME + 1)
    expired = cache.usage(body)
    assert expired["cache_read_input_tokens"] == 0
    assert expired["cache_creation_input_tokens"] == written  # written again


def test_a_prefix_under_the_models_minimum_is_not_cached() -> None:
    cache = PromptCache()
    short = _body([_text("Hello there", marked=True)])
    assert cache.usage(short) == {
        "input_tokens": cache.usage(short)["input_tokens"],
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
    # ~1,500 tokens: enough for Sonnet, not for Haiku (2,048).
    haiku = _body([_text(LONG, marked=True)], model="claude-haiku-4-5")
    assert cache.usage(haiku)["cache_creation_input_tokens"] == 0
    assert cache.usage(haiku)["cache_read_input_tokens"] == 0
    assert cache.usage(haiku)["input_tokens"] > 1024
    longer = _body([_text(LONG * 2, marked=True)], model="claude-haiku-4-5")
    assert cache.usage(longer)["cache_creation_input_tokens"] > 2048
    assert cache.usage(longer)["cache_read_input_tokens"] > 2048


def test_usage_adds_up_and_tools_and_system_come_first() -> None:
    cache = PromptCache()
    body = {
        **_body([_text(LONG)], [_text("ok")], [_text("q", marked=True)]),
        "system": [_text(LONG, marked=True)],
        "tools": [{"name": "t", "description": "d", "input_schema": {"type": "object"}}],
    }
    first = cache.usage(body)
    _, total = cache.breakpoints(body)
    assert sum(first.values()) == total
    # A new chat with the same tools and system reads them.
    other = {**body, "messages": [{"role": "user", "content": [_text("new", marked=True)]}]}
    assert cache.usage(other)["cache_read_input_tokens"] > 1024
    changed = {**other, "tools": []}
    assert cache.usage(changed)["cache_read_input_tokens"] == 0


def test_the_api_refuses_more_than_four_marks_and_marks_on_thinking(
    fake_api: FakeAnthropicAPI,
) -> None:
    five = _body([_text(f"p{i}", marked=True) for i in range(5)])
    assert check_cache_control(five) == (
        "A maximum of 4 blocks with cache_control may be provided. Found 5."
    )
    fake_api.enqueue(fake_api.cached_answer("no"))
    with httpx.Client(base_url=fake_api.base_url, timeout=5) as client:
        response = client.post("/v1/messages", json=five)
    assert response.status_code == 400
    assert "maximum of 4" in response.json()["error"]["message"]
    thinking = {"type": "thinking", "thinking": "t", "signature": "s", "cache_control": EPHEMERAL}
    body = _body([_text("q")], [thinking, _text("a")], [_text("q2")])
    assert "cache_control: Extra inputs" in str(check_cache_control(body))
    assert "empty text" in str(check_cache_control(_body([_text("", marked=True)])))
    assert check_cache_control(_body([_text(f"p{i}", marked=True) for i in range(4)])) is None


def test_count_tokens_counts_what_a_request_would_take(fake_api: FakeAnthropicAPI) -> None:
    """The fake's count_tokens, driven by plain httpx: the tokens usage would report for the
    same body, and the API's 400 for a field count_tokens does not take."""
    body = _body([_text(LONG, marked=True)])
    url = fake_api.base_url + "/v1/messages/count_tokens"
    counted = httpx.post(url, json={k: v for k, v in body.items() if k != "max_tokens"})
    usage = PromptCache().usage(body)
    assert counted.status_code == 200
    assert counted.json() == {"input_tokens": sum(usage.values())}
    assert httpx.post(url, json=body).status_code == 400  # max_tokens is not taken
    assert fake_api.count_requests() == fake_api.requests
