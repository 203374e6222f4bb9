"""An answer's metrics: kept as plain JSON, made into the footer when shown; old rows' footer
strings still show."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from claude_desktop.api.client import MessagesClient
from claude_desktop.api.message import Message, Usage
from claude_desktop.domain.history import History, OpenConversation
from claude_desktop.domain.request_messages import request_for
from claude_desktop.domain.turn_metrics import TurnMetrics, footer_from_meta
from claude_desktop.domain.turn_runner import TurnRunner
from tests.fakeapi import FakeAnthropicAPI

MODEL = "claude-sonnet-4-6"


class _Quiet:
    """A TurnObserver that listens to nothing."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args: None


def test_metrics_round_trip_through_json_and_make_the_footer() -> None:
    message = Message(
        id="msg_1",
        model="claude-sonnet-4-6",
        usage=Usage(input_tokens=1000, output_tokens=500, cache_read_input_tokens=10000),
    )
    metrics = TurnMetrics.of(message, total_time=3.2, time_to_first_token=0.42)
    meta = json.loads(json.dumps({"metrics": metrics.to_json()}))
    text = footer_from_meta(meta, "Claude Sonnet 4.6")
    assert text.startswith("Claude Sonnet 4.6 · 0.4 s to first token · 3.2 s")
    assert "11,000 in / 500 out" in text and "$0.0135 · saved $0.0270 with caching" in text


def test_an_old_rows_footer_string_still_shows() -> None:
    assert footer_from_meta({"footer": "Claude · 1.0 s"}, "ignored") == "Claude · 1.0 s"
    assert footer_from_meta({}, "Claude") == ""


def test_damaged_metrics_show_no_footer_rather_than_fail() -> None:
    assert footer_from_meta({"metrics": {"total_time": "soon"}}, "Claude") == ""
    assert footer_from_meta({"metrics": [1, 2]}, "Claude") == ""
    shown = footer_from_meta({"metrics": {"total_time": 1, "cost_usd": "x"}}, "Claude")
    assert shown == "Claude · 1.0 s"


def test_meta_spells_out_the_caches_part_and_the_footer_what_it_saved() -> None:
    wrote = Message(
        id="msg_1",
        model="claude-sonnet-4-6",
        usage=Usage(input_tokens=10, output_tokens=5, cache_creation_input_tokens=20_000),
    )
    metrics = TurnMetrics.of(wrote, total_time=1.0, time_to_first_token=None).to_json()
    assert (metrics["cache_read_tokens"], metrics["cache_write_tokens"]) == (0, 20_000)
    # A turn that only wrote paid the write's premium: 20,000 * $0.75 per million.
    assert Decimal(metrics["saved_usd"]) == Decimal("-0.015")
    assert "with caching" not in footer_from_meta({"metrics": metrics}, "Claude")
    read = Message(
        id="msg_2",
        model="claude-sonnet-4-6",
        usage=Usage(
            input_tokens=10,
            output_tokens=5,
            cache_creation_input_tokens=1_000,
            cache_read_input_tokens=20_000,
        ),
    )
    metrics = TurnMetrics.of(read, total_time=1.0, time_to_first_token=None).to_json()
    assert (metrics["cache_read_tokens"], metrics["cache_write_tokens"]) == (20_000, 1_000)
    # 20,000 * 2.7 - 1,000 * 0.75 = 53,250 per million.
    assert Decimal(metrics["saved_usd"]) == Decimal("0.05325")
    text = footer_from_meta(json.loads(json.dumps({"metrics": metrics})), "Claude")
    assert text.endswith("saved $0.0532 with caching")
    # A row saved before: its reads' discount under the old name still shows.
    usage = {"input_tokens": 1, "output_tokens": 1, "cache_read_input_tokens": 9000}
    old = {"total_time": 1, "usage": usage, "cost_usd": "0.01", "cache_savings_usd": "0.02"}
    assert footer_from_meta({"metrics": old}, "Claude").endswith("saved $0.0200 with caching")


def test_a_follow_up_through_the_runner_reads_the_cache_and_says_what_it_saved(
    fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    """The window's path (a history, so breakpoints roll) against the fake's cache rules."""
    history = History.open(tmp_path / "history.sqlite3")
    fake_api.enqueue(fake_api.cached_answer("An answer."), fake_api.cached_answer("Another."))

    async def go() -> list[dict[str, Any]]:
        metas = []
        conv = OpenConversation(None)
        async with MessagesClient("k", base_url=fake_api.base_url) as client:
            for text in ("Read this: " + "lorem ipsum " * 800, "And then?"):
                question = history.add_question(conv, text, model=MODEL, system="", max_tokens=99)
                runner = TurnRunner(client, _Quiet(), history=history)
                record = runner.begin_answer(conv, question.id, MODEL)
                await runner.run(request_for(conv, upto=question.id))
                kept = history.message(record.id)
                assert kept is not None
                metas.append(kept.meta)
                conv = history.reload(conv)
        return metas

    try:
        first, second = asyncio.run(go())
    finally:
        history.close()
    assert first["metrics"]["cache_write_tokens"] > 2000
    assert second["metrics"]["cache_read_tokens"] == first["metrics"]["cache_write_tokens"]
    assert "saved $" in footer_from_meta(second, "Claude")
    assert "with caching" not in footer_from_meta(first, "Claude")
