"""Where the request builder puts the prompt cache's breakpoints: the end of the newest and
of the previous user turn, the newest attachment, the system prompt (or tools) when long
enough; never more than 4, never on a thinking block. And what that buys, measured with the
loopback fake's cache rules: a follow-up reads everything before its question."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest

from claude_desktop.api.client import MessagesClient
from claude_desktop.domain.api_request import ApiRequest
from claude_desktop.domain.cache_breakpoints import (
    MAX_BREAKPOINTS,
    count_breakpoints,
    with_prefix_breakpoint,
    with_rolling_breakpoints,
)
from claude_desktop.domain.request_builder import build_request, with_cache_breakpoints
from tests.fakeapi import CACHE_LIFETIME, PromptCache, check_cache_control, check_messages

EPHEMERAL = {"type": "ephemeral"}
MODEL = "claude-sonnet-4-6"
#: A turn of about 2,000 tokens (chars / 4, as the fake counts).
TURN = "word " * 1600


def _pdf(title: str, pages: int = 3) -> dict[str, Any]:
    data = b"%PDF-1.7\n" + b"<< /Type /Page >>\n" * pages + b"%%EOF\n"
    return {
        "type": "document",
        "source": {
            "type": "base64",
            "media_type": "application/pdf",
            "data": base64.b64encode(data).decode(),
        },
        "title": title,
    }


def _text(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "text", "text": text, **extra}


def _user(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks)}


def _assistant(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": list(blocks)}


def _marks(messages: list[dict[str, Any]]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, m in enumerate(messages)
        if isinstance(m["content"], list)
        for j, b in enumerate(m["content"])
        if "cache_control" in b
    ]


def _built(request: ApiRequest, *, follow_up: bool = True) -> dict[str, Any]:
    client = MessagesClient("sk-test", base_url="http://127.0.0.1:9")
    built = asyncio.run(build_request(request, client, citations=False, follow_up=follow_up))
    body = built.request_body()
    assert check_cache_control(body) is None and check_messages(body) is None
    return body


def test_the_newest_and_the_previous_user_turn_end_with_a_breakpoint() -> None:
    stale = {"cache_control": EPHEMERAL}
    messages = [
        _user(_text("one", **stale)),
        _assistant(_text("ans one", **stale)),
        _user(_text("two")),
        _assistant(_text("ans two")),
        {"role": "user", "content": "three"},
    ]
    before = repr(messages)
    out = with_cache_breakpoints(messages)
    assert repr(messages) == before  # the history's copy is left alone
    assert _marks(out) == [(2, 0), (4, 0)]
    # A plain question becomes the one text block it means, to carry the mark.
    assert out[4]["content"] == [_text("three", cache_control=EPHEMERAL)]
    assert out[1] == _assistant(_text("ans one"))  # assistant turns never carry one
    assert out[3] is not messages[3] and out[3] == messages[3]


def test_a_first_question_has_one_and_an_empty_conversation_none() -> None:
    assert _marks(with_cache_breakpoints([_user(_text("hi"))])) == [(0, 0)]
    assert with_cache_breakpoints([]) == []


def test_attachments_keep_their_breakpoint_next_to_the_rolling_ones() -> None:
    messages = [
        _user(_pdf("a.pdf"), _text("Sum up")),
        _assistant(_text("It says...")),
        _user(_pdf("b.pdf"), _pdf("c.pdf"), _text("Compare")),
        _assistant(_text("C differs.")),
        _user(_text("And the totals?")),
    ]
    # The newest attachment (c.pdf), the previous turn's end, the newest turn's end.
    assert _marks(with_cache_breakpoints(messages)) == [(2, 1), (2, 2), (4, 0)]
    # The newest question carries the PDF: it and the question's end are marked.
    first = [_user(_pdf("a.pdf"), _text("Sum up"))]
    assert _marks(with_cache_breakpoints(first)) == [(0, 0), (0, 1)]
    # Only a file: one block, one mark.
    assert _marks(with_cache_breakpoints([_user(_pdf("a.pdf"))])) == [(0, 0)]


def test_with_too_small_a_budget_the_attachment_mark_goes_first() -> None:
    messages = with_cache_breakpoints(
        [_user(_pdf("a.pdf"), _text("q")), _assistant(_text("a")), _user(_text("q2"))]
    )
    assert _marks(messages) == [(0, 0), (0, 1), (2, 0)]
    assert _marks(with_rolling_breakpoints(messages, budget=2)) == [(0, 1), (2, 0)]
    assert _marks(with_rolling_breakpoints(messages, budget=1)) == [(2, 0)]


def test_many_attachments_long_system_and_tools_never_exceed_four_marks() -> None:
    messages: list[dict[str, Any]] = []
    for turn in range(6):
        messages.append(_user(*[_pdf(f"{turn}-{k}.pdf") for k in range(3)], _text(f"q{turn}")))
        messages.append(_assistant(_text(f"a{turn}")))
    messages.append(_user(_pdf("last.pdf"), _pdf("last2.pdf")))  # files, no text
    tools = [
        {"name": f"t{i}", "description": "d " * 300, "input_schema": {"type": "object"}}
        for i in range(10)
    ]
    request = ApiRequest(MODEL, system=TURN, messages=messages, tools=tools, web_search=True)
    body = _built(request)
    assert body["system"] == [_text(TURN, cache_control=EPHEMERAL)]
    assert not any("cache_control" in t for t in body["tools"])
    # last2.pdf ends the newest turn (and is its newest attachment), q5 ends the one before.
    assert _marks(body["messages"]) == [(10, 3), (12, 1)]
    assert count_breakpoints(body) == 3
    # With a question after the files, all four are used, and no more.
    messages[-1] = _user(_pdf("last.pdf"), _pdf("last2.pdf"), _text("Compare them all"))
    body = _built(request)
    assert _marks(body["messages"]) == [(10, 3), (12, 1), (12, 2)]
    assert count_breakpoints(body) == MAX_BREAKPOINTS


def test_a_long_tool_list_without_system_marks_the_last_tool_short_ones_nothing() -> None:
    tools = [{"name": f"t{i}", "description": "d " * 400, "input_schema": {}} for i in range(6)]
    marked, system = with_prefix_breakpoint(tools, "")
    assert system == "" and marked[-1]["cache_control"] == EPHEMERAL
    assert marked[:-1] == tools[:-1] and "cache_control" not in tools[-1]
    # A short system prompt stays the string it was: nothing to cache there.
    assert with_prefix_breakpoint([], "Be brief.") == ([], "Be brief.")
    assert with_prefix_breakpoint([], "   ") == ([], "")
    body = _built(ApiRequest(MODEL, system="Be brief.", messages=[_user(_text("hi"))]))
    assert body["system"] == "Be brief." and count_breakpoints(body) == 1


def test_thinking_and_tool_turns() -> None:
    thinking = {"type": "thinking", "thinking": "hmm", "signature": "sig"}
    call = {"type": "tool_use", "id": "toolu_1", "name": "read", "input": {}}
    nested_stale = _text("r", cache_control=EPHEMERAL)
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": [nested_stale]}
    messages = [
        _user(_text("read it")),
        _assistant(thinking, call),
        _user(result),
        _assistant(thinking, _text("done")),
        _user(_text("thanks"), _text("")),  # an empty last block cannot carry a mark
    ]
    out = with_cache_breakpoints(messages)
    assert _marks(out) == [(2, 0), (4, 0)]
    assert "cache_control" not in repr(out[2]["content"][0]["content"])
    assert check_cache_control({"messages": out}) is None
    # A thinking request: the same placement (the API caches thinking blocks in the prefix).
    request = ApiRequest(
        MODEL, max_tokens=4000, thinking={"type": "enabled", "budget_tokens": 2000},
        messages=messages[:3],
    )  # fmt: skip
    body = _built(request)
    assert _marks(body["messages"]) == [(0, 0), (2, 0)]


def test_ask_marks_only_its_attachments() -> None:
    request = ApiRequest(MODEL, messages=[_user(_pdf("a.pdf"), _text("Sum up"))])
    assert _marks(_built(request, follow_up=False)["messages"]) == [(0, 0)]
    plain = ApiRequest(MODEL, messages=[{"role": "user", "content": "Hi"}])
    assert _built(plain, follow_up=False)["messages"] == [{"role": "user", "content": "Hi"}]


def _conversation(turns: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for n in range(turns):
        messages += [_user(_text(f"{n} {TURN}")), _assistant(_text(f"{n} answer {TURN}"))]
    return messages


@pytest.mark.parametrize("system", ["", TURN])
def test_a_follow_up_reads_everything_before_its_question_from_the_cache(system: str) -> None:
    cache = PromptCache()
    history: list[dict[str, Any]] = []
    for n in range(4):
        history.append(_user(_text(f"question {n} {TURN}")))
        body = _built(ApiRequest(MODEL, system=system, messages=list(history)))
        usage = cache.usage(body)
        if n > 0:
            # Read: everything up to the previous question; paid in full or written: the
            # previous answer and the new question, no more.
            points, total = cache.breakpoints(body)
            assert usage["cache_read_input_tokens"] == points[-2].tokens
            new = cache.breakpoints({"model": MODEL, "messages": history[-2:]})[1]
            assert usage["cache_creation_input_tokens"] + usage["input_tokens"] <= new + 3
            assert usage["cache_read_input_tokens"] >= total - new - 3
        history.append(_assistant(_text(f"answer {n} {TURN}")))
        cache.clock.advance(60)
    # Past the cache's lifetime, the next question reads nothing.
    cache.clock.advance(CACHE_LIFETIME + 1)
    history.append(_user(_text("late")))
    late = cache.usage(_built(ApiRequest(MODEL, system=system, messages=history)))
    assert late["cache_read_input_tokens"] == 0


def test_a_follow_up_about_a_pdf_reads_the_pdf_from_the_cache() -> None:
    cache = PromptCache()
    history = [_user(_pdf("report.pdf", pages=80), _text("Sum up"))]
    first = cache.usage(_built(ApiRequest(MODEL, messages=list(history))))
    assert first["cache_creation_input_tokens"] >= 80 * 1500
    history += [_assistant(_text("It says...")), _user(_text("And page 4?"))]
    follow = cache.usage(_built(ApiRequest(MODEL, messages=history)))
    assert follow["cache_read_input_tokens"] >= 80 * 1500
    assert follow["cache_creation_input_tokens"] + follow["input_tokens"] < 50
    # An edited question (another branch): the PDF itself is still read from the cache.
    edited = [_user(_pdf("report.pdf", pages=80), _text("Sum it up shortly"))]
    again = cache.usage(_built(ApiRequest(MODEL, messages=edited)))
    assert again["cache_read_input_tokens"] >= 80 * 1500
