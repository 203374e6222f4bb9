"""Generated titles: asked of a small model through the loopback API, kept with their cost,
and never in the way (a failure keeps the first words, a rename made meanwhile wins)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_desktop.api.client import MessagesClient
from claude_desktop.api.models import FALLBACK_MODELS, ModelInfo
from claude_desktop.domain.history import History, OpenConversation
from claude_desktop.domain.titles import (
    TITLE_MAX_TOKENS,
    TITLE_MODEL,
    TITLE_SYSTEM,
    GeneratedTitle,
    clean_title,
    generate_title,
    is_title_request,
    keep_title,
    title_model,
)
from claude_desktop.domain.turn_metrics import TITLE_METRICS, footer_from_meta
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, SSEResponse, api_error


async def _no_sleep(delay: float) -> None:
    pass


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    history = History.open(tmp_path / "history.sqlite3")
    yield history
    history.close()


def _ask(api: FakeAnthropicAPI) -> GeneratedTitle | None:
    async def go() -> GeneratedTitle | None:
        async with MessagesClient("k", base_url=api.base_url, sleep=_no_sleep) as client:
            return await generate_title(
                client, "How do I bake sourdough bread?", "Start with a starter…", TITLE_MODEL
            )

    return asyncio.run(go())


def test_a_title_is_asked_of_a_small_model_with_a_short_request(
    fake_api: FakeAnthropicAPI,
) -> None:
    fake_api.enqueue(
        SSEResponse(sse.text_stream(['"Baking ', 'Sourdough Bread."'], model=TITLE_MODEL))
    )
    generated = _ask(fake_api)
    assert generated is not None
    assert generated.title == "Baking Sourdough Bread"
    (request,) = fake_api.requests
    body = request.json
    assert is_title_request(body)
    assert body["model"] == TITLE_MODEL
    assert body["max_tokens"] == TITLE_MAX_TOKENS <= 32
    assert body["system"] == TITLE_SYSTEM
    assert "sourdough" in body["messages"][0]["content"]
    # Its usage and cost are measured like any call's.
    assert generated.metrics.usage is not None and generated.metrics.usage.input_tokens == 12
    assert generated.metrics.cost is not None and generated.metrics.cost > 0


def test_a_failed_title_request_gives_none(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(api_error(400, "invalid_request_error", "no", x_should_retry="false"))
    assert _ask(fake_api) is None


def test_an_empty_reply_gives_none(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(SSEResponse(sse.text_stream(['""', " "])))
    assert _ask(fake_api) is None


@pytest.mark.parametrize(
    ("reply", "title"),
    [
        ("Title: Sourdough basics", "Sourdough basics"),
        ("“Rust lifetimes”\nmore", "Rust lifetimes"),
        ("**Quick fix**!", "Quick fix"),
        ("   ", ""),
    ],
)
def test_clean_title(reply: str, title: str) -> None:
    assert clean_title(reply) == title


def test_a_long_reply_is_cut_like_a_first_words_title() -> None:
    title = clean_title("word " * 40)
    assert len(title) <= 61 and title.endswith("…")


def test_the_title_model_is_the_cheapest_listed_else_haiku() -> None:
    assert title_model(FALLBACK_MODELS) == "claude-haiku-4-5"
    assert title_model([ModelInfo("claude-sonnet-4-6", "Sonnet")]) == "claude-sonnet-4-6"
    assert title_model([ModelInfo("some-unpriced-model", "X")]) == TITLE_MODEL


def _first_answer(history: History) -> tuple[int, int]:
    conv = OpenConversation(None)
    question = history.add_question(
        conv, "How do I bake sourdough bread?", model="claude-sonnet-4-6", system="", max_tokens=99
    )
    answer = history.begin_answer(conv, question.id, "claude-sonnet-4-6")
    assert conv.record is not None
    return conv.record.id, answer.id


def _generated(fake_api: FakeAnthropicAPI) -> GeneratedTitle:
    fake_api.enqueue(SSEResponse(sse.text_stream(["Sourdough basics"], model=TITLE_MODEL)))
    generated = _ask(fake_api)
    assert generated is not None
    return generated


def test_the_title_is_kept_and_its_cost_recorded_on_the_answer(
    fake_api: FakeAnthropicAPI, history: History
) -> None:
    conversation_id, answer_id = _first_answer(history)
    assert keep_title(history, conversation_id, answer_id, _generated(fake_api))
    record = history.conversation(conversation_id)
    assert record is not None and record.title == "Sourdough basics" and record.title_is_auto
    answer = history.message(answer_id)
    assert answer is not None and TITLE_METRICS in answer.meta
    # It shows with the answer's usage, once the answer has its own metrics.
    meta = {**answer.meta, "metrics": {"total_time": 1.0}}
    assert "title 12 in / 2 out, $" in footer_from_meta(meta, "Claude")


def test_a_rename_made_meanwhile_wins(fake_api: FakeAnthropicAPI, history: History) -> None:
    conversation_id, answer_id = _first_answer(history)
    history.rename(conversation_id, "Mine")
    assert not keep_title(history, conversation_id, answer_id, _generated(fake_api))
    record = history.conversation(conversation_id)
    assert record is not None and record.title == "Mine"
