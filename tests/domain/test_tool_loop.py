"""The tool loop on the real turn runner against the loopback API, whose tool scenarios check
every follow-up as the real API does (a missing tool_result, a changed thinking block or a
changed earlier block is its 400): single and parallel calls, refusals, timeouts, thinking,
pause_turn, the step limit, Stop mid-tool, and web search with citations."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from claude_desktop.api.client import MessagesClient
from claude_desktop.api.errors import BadRequestError
from claude_desktop.api.message import Message
from claude_desktop.domain import tool_loop
from claude_desktop.domain.api_request import ApiRequest
from claude_desktop.domain.citations import format_sources
from claude_desktop.domain.history import History, OpenConversation
from claude_desktop.domain.request_messages import request_for, request_messages
from claude_desktop.domain.tool_loop import Ask, ToolCall, allow_all
from claude_desktop.domain.tools import ToolOutcome
from claude_desktop.domain.turn_metrics import TurnMetrics
from claude_desktop.domain.turn_runner import Decision, TurnResult, TurnRunner
from claude_desktop.storage.store import MessageRecord
from tests import sse
from tests.domain.test_turn_runner import Recorder
from tests.fakeapi import FakeAnthropicAPI, Step, ToolScenario, check_messages
from tests.tool_fakes import FakeTools, forever, replying, spec, text_outcome

MODEL = "claude-sonnet-4-6"
READ = "files__read_file"
LIST = "files__list_dir"


async def refuse_all(call: ToolCall, ask: Ask) -> bool:
    return False


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    history = History.open(tmp_path / "history.sqlite3")
    yield history
    history.close()


def tools(**extra: Any) -> FakeTools:
    return FakeTools(
        {
            READ: (spec(READ, **extra), replying("hello from notes.md")),
            LIST: (spec(LIST), replying("notes.md\ntodo.md")),
        }
    )


def call_block(name: str, tool_id: str, path: str = "notes.md") -> sse.Block:
    return sse.tool_use_block(name, tool_id, ["", '{"path": ', f'"{path}"}}'])


def asked(history: History, text: str = "Read my notes") -> tuple[OpenConversation, MessageRecord]:
    conv = OpenConversation(None)
    return conv, history.add_question(conv, text, model=MODEL, system="", max_tokens=1000)


async def _turn(
    api: FakeAnthropicAPI,
    history: History,
    observer: Recorder,
    *,
    thinking: dict[str, Any] | None = None,
    web_search: bool = False,
    **options: Any,
) -> tuple[TurnResult, MessageRecord, OpenConversation]:
    async with MessagesClient("k", base_url=api.base_url) as client:
        runner = TurnRunner(client, observer, history=history, **options)
        conv, question = asked(history)
        record = runner.begin_answer(conv, question.id, MODEL)
        request = request_for(conv, upto=question.id)
        request.thinking = thinking
        request.web_search = web_search
        result = await runner.run(request)
    kept = history.message(record.id)
    assert kept is not None
    return result, kept, history.reload(conv)


def run_turn(
    api: FakeAnthropicAPI, history: History, **options: Any
) -> tuple[TurnResult, MessageRecord, OpenConversation, Recorder]:
    observer = Recorder()
    result, kept, conv = asyncio.run(_turn(api, history, observer, **options))
    return result, kept, conv, observer


def next_question_is_valid(history: History, conv: OpenConversation) -> list[dict[str, Any]]:
    """Ask again in the same conversation: the request the history builds must be one the
    API takes (every tool_use answered, roles alternating)."""
    history.add_question(conv, "And then?", model=MODEL, system="", max_tokens=1000)
    messages = request_for(conv).messages
    assert check_messages({"messages": messages}) is None, messages
    return messages


def test_a_single_call(fake_api: FakeAnthropicAPI, history: History) -> None:
    scenario = ToolScenario(
        Step([sse.text_block("Let me look."), call_block(READ, "toolu_1")], "tool_use"),
        Step([sse.text_block("Your notes say hello.")]),
    ).enqueue_on(fake_api)
    provider = tools()
    result, kept, conv, observer = run_turn(
        fake_api, history, tools=provider, tool_policy=allow_all
    )
    assert result.ok, result.error_text
    assert scenario.rejections == []
    assert provider.calls == [(READ, {"path": "notes.md"})]
    offered = scenario.requests[0]["tools"]
    assert [t["name"] for t in offered] == [READ, LIST]
    assert offered[0]["input_schema"]["type"] == "object"
    follow = scenario.requests[1]["messages"]
    assert [m["role"] for m in follow] == ["user", "assistant", "user"]
    result_block = {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": [{"type": "text", "text": "hello from notes.md"}],
    }
    # The step's last block carries the prompt cache's breakpoint: the next step reads it.
    assert follow[-1]["content"] == [{**result_block, "cache_control": {"type": "ephemeral"}}]
    # One answer, stored as it will be shown: every step's blocks, the result between them.
    assert [b["type"] for b in kept.content] == ["text", "tool_use", "tool_result", "text"]
    assert kept.status == "complete" and kept.content[2] == result_block
    assert kept.meta["tool_calls"] == [{"id": "toolu_1", "name": READ, "allowed": True}]
    # The observer numbers on: the result is block 2, the second step's text block 3.
    assert ("block_started", 2, {"type": "tool_result", "tool_use_id": "toolu_1"}) in (
        observer.calls
    )
    assert ("block_stopped", 2, result_block) in observer.calls
    assert ("text", 3, "Your notes say hello.") in observer.calls
    assert result.message is not None and result.message.usage.input_tokens == 24
    messages = next_question_is_valid(history, conv)
    assert messages[1]["content"][1]["type"] == "tool_use"
    assert messages[-1]["content"][-1] == {"type": "text", "text": "And then?"}


def test_parallel_calls_run_at_once_and_go_back_in_one_user_turn(
    fake_api: FakeAnthropicAPI, history: History
) -> None:
    both_running = asyncio.Event()
    running: list[str] = []

    def waiting(name: str) -> Any:
        async def run(arguments: dict[str, Any]) -> ToolOutcome:
            running.append(name)
            if len(running) == 2:
                both_running.set()
            # Each waits for the other: run one after the other, they would time out.
            await asyncio.wait_for(both_running.wait(), 5)
            return text_outcome(f"{name} done")

        return run

    provider = FakeTools({READ: (spec(READ), waiting(READ)), LIST: (spec(LIST), waiting(LIST))})
    scenario = ToolScenario(
        Step([call_block(READ, "toolu_a"), call_block(LIST, "toolu_b", ".")], "tool_use"),
        Step([sse.text_block("Both done.")]),
    ).enqueue_on(fake_api)
    result, kept, conv, _observer = run_turn(
        fake_api, history, tools=provider, tool_policy=allow_all
    )
    assert result.ok, result.error_text
    assert scenario.rejections == []
    last = scenario.requests[1]["messages"][-1]
    assert [(b["type"], b["tool_use_id"]) for b in last["content"]] == [
        ("tool_result", "toolu_a"),
        ("tool_result", "toolu_b"),
    ]
    assert [b["type"] for b in kept.content] == [
        "tool_use",
        "tool_use",
        "tool_result",
        "tool_result",
        "text",
    ]
    next_question_is_valid(history, conv)


class OneResultOnly(TurnRunner):
    """A broken loop that answers only the first of a step's calls."""

    async def next_step(self, request: ApiRequest, message: Message) -> ApiRequest | None:
        if message.stop_reason != "tool_use":
            return None
        first = next(b for b in message.content if b["type"] == "tool_use")
        answer = {"type": "tool_result", "tool_use_id": first["id"], "content": "done"}
        messages = [*request.messages, message.to_param(), {"role": "user", "content": [answer]}]
        return ApiRequest(request.model, messages=messages)


def test_the_loopback_api_refuses_a_follow_up_missing_a_result(
    fake_api: FakeAnthropicAPI,
) -> None:
    ToolScenario(
        Step([call_block(READ, "toolu_a"), call_block(LIST, "toolu_b")], "tool_use"),
        Step([sse.text_block("never")]),
    ).enqueue_on(fake_api)

    async def go() -> TurnResult:
        async with MessagesClient("k", base_url=fake_api.base_url) as client:
            runner = OneResultOnly(client, Recorder())
            return await runner.run(ApiRequest(MODEL, messages=[_user("Hi")]))

    result = asyncio.run(go())
    assert isinstance(result.error, BadRequestError)
    assert "`tool_use` ids were found without `tool_result` blocks immediately after: toolu_b" in (
        str(result.error)
    )


def _user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": text}]}


def test_a_refused_call_gets_an_error_result_and_is_not_run(
    fake_api: FakeAnthropicAPI, history: History
) -> None:
    scenario = ToolScenario(
        Step([call_block(READ, "toolu_1")], "tool_use"),
        Step([sse.text_block("I could not read it.")]),
    ).enqueue_on(fake_api)
    provider = tools()
    result, kept, _conv, observer = run_turn(
        fake_api, history, tools=provider, tool_policy=refuse_all
    )
    assert result.ok and scenario.rejections == []
    assert provider.calls == []
    sent = scenario.requests[1]["messages"][-1]["content"][0]
    assert sent["is_error"] is True and "not allowed" in sent["content"][0]["text"].lower()
    assert kept.meta["tool_calls"] == [{"id": "toolu_1", "name": READ, "allowed": False}]
    told = [c[0] for c in observer.calls if c[0].startswith("block") and c[1] == 1]
    assert told == ["block_started", "block_stopped"]


def test_by_default_the_person_is_asked_about_each_call(
    fake_api: FakeAnthropicAPI, history: History
) -> None:
    ToolScenario(
        Step([call_block(READ, "toolu_1"), call_block(LIST, "toolu_2")], "tool_use"),
        Step([sse.text_block("Half of it.")]),
    ).enqueue_on(fake_api)
    asked_about: list[Decision] = []

    async def decide(decision: Decision) -> str:
        asked_about.append(decision)
        call = decision.subject
        assert isinstance(call, ToolCall)
        return tool_loop.ALLOW if call.name == READ else tool_loop.DENY

    provider = tools()
    result, kept, _conv, _observer = run_turn(fake_api, history, tools=provider, decide=decide)
    assert result.ok
    assert [d.question for d in asked_about] == [
        "Allow Claude to use read_file (files)?",
        "Allow Claude to use list_dir (files)?",
    ]
    assert asked_about[0].choices == ("Allow", "Deny") and asked_about[0].default == "Deny"
    assert provider.calls == [(READ, {"path": "notes.md"})]
    results = [b for b in kept.content if b["type"] == "tool_result"]
    assert [b.get("is_error", False) for b in results] == [False, True]


def test_a_call_that_takes_too_long_times_out(fake_api: FakeAnthropicAPI, history: History) -> None:
    scenario = ToolScenario(
        Step([call_block(READ, "toolu_1")], "tool_use"),
        Step([sse.text_block("It timed out.")]),
    ).enqueue_on(fake_api)
    provider = FakeTools({READ: (spec(READ, timeout=0.2), forever)})
    result, _kept, _conv, _observer = run_turn(
        fake_api, history, tools=provider, tool_policy=allow_all
    )
    assert result.ok and scenario.rejections == []
    sent = scenario.requests[1]["messages"][-1]["content"][0]
    assert sent["is_error"] is True
    assert sent["content"] == [{"type": "text", "text": "The tool timed out after 0.2 s."}]
    assert provider.cancelled == [READ]  # the call itself was cancelled, not left running


def test_a_call_after_thinking_sends_the_thinking_back_unchanged(
    fake_api: FakeAnthropicAPI, history: History
) -> None:
    thought = sse.thinking_block(["I should ", "read the notes."], "c2lnbmF0dXJl")
    scenario = ToolScenario(
        Step([thought, call_block(READ, "toolu_1")], "tool_use"),
        Step([sse.text_block("Done.")]),
    ).enqueue_on(fake_api)
    thinking = {"type": "enabled", "budget_tokens": 1024}
    result, _kept, conv, _observer = run_turn(
        fake_api, history, tools=tools(), tool_policy=allow_all, thinking=thinking
    )
    assert result.ok, result.error_text
    assert scenario.rejections == []
    assistant = scenario.requests[1]["messages"][1]
    assert assistant["content"][0] == {
        "type": "thinking",
        "thinking": "I should read the notes.",
        "signature": "c2lnbmF0dXJl",
    }
    assert scenario.requests[1]["thinking"] == thinking
    # The loopback API refuses a thinking block changed on the way back, as the API does.
    changed = {"messages": [dict(m) for m in scenario.requests[1]["messages"]]}
    changed["messages"][1] = {
        "role": "assistant",
        "content": [
            {**assistant["content"][0], "thinking": "I should read the notes!"},
            *assistant["content"][1:],
        ],
    }
    problem = scenario._problem(changed)
    assert problem == "messages.1.content.0: Invalid `signature` in `thinking` block"
    next_question_is_valid(history, conv)


def test_pause_turn_sends_the_answer_back_to_go_on(
    fake_api: FakeAnthropicAPI, history: History
) -> None:
    search = sse.server_tool_use_block("srvtoolu_1", "weather Paris")
    found = sse.web_search_results_block(
        "srvtoolu_1", [sse.web_search_result("https://example.org/paris", "Paris weather")]
    )
    scenario = ToolScenario(
        Step([sse.text_block("Searching."), search, found], "pause_turn", web_search_requests=1),
        Step([sse.text_block("It is sunny.")], web_search_requests=1),
    ).enqueue_on(fake_api)
    result, kept, conv, _observer = run_turn(fake_api, history, web_search=True)
    assert result.ok, result.error_text
    assert scenario.rejections == []
    follow = scenario.requests[1]["messages"]
    assert [m["role"] for m in follow] == ["user", "assistant"]
    assert [b["type"] for b in follow[1]["content"]] == [
        "text",
        "server_tool_use",
        "web_search_tool_result",
    ]
    assert [b["type"] for b in kept.content] == [
        "text",
        "server_tool_use",
        "web_search_tool_result",
        "text",
    ]
    # Both steps' searches are counted and paid for: $10 per 1,000.
    metrics = TurnMetrics.from_json(kept.meta["metrics"])
    assert metrics is not None and metrics.usage is not None
    assert metrics.usage.extra["server_tool_use"] == {"web_search_requests": 2}
    tokens = (Decimal(24) * 3 + Decimal(metrics.usage.output_tokens) * 15) / 1_000_000
    assert metrics.cost == tokens + Decimal("0.02")
    assert "2 web searches" in metrics.footer("Claude")
    next_question_is_valid(history, conv)


def test_at_the_step_limit_the_person_decides(fake_api: FakeAnthropicAPI, history: History) -> None:
    steps = [Step([call_block(READ, f"toolu_{i}")], "tool_use") for i in range(3)]
    scenario = ToolScenario(*steps, Step([sse.text_block("Done.")])).enqueue_on(fake_api)
    questions: list[str] = []

    async def keep_going(decision: Decision) -> str:
        questions.append(decision.question)
        assert decision.choices == ("Continue", "Stop")
        return "Continue"

    result, _kept, _conv, _observer = run_turn(
        fake_api,
        history,
        tools=tools(),
        tool_policy=allow_all,
        decide=keep_going,
        max_steps=2,
    )
    assert result.ok and scenario.rejections == [] and scenario.served == 4
    # Asked after the second step; Continue allows two more (the last ends the turn).
    assert questions == ["Claude wants to keep going."]


def test_stop_at_the_step_limit_answers_the_last_calls(
    fake_api: FakeAnthropicAPI, history: History
) -> None:
    steps = [Step([call_block(READ, f"toolu_{i}")], "tool_use") for i in range(3)]
    scenario = ToolScenario(*steps).enqueue_on(fake_api)
    provider = tools()
    result, kept, conv, _observer = run_turn(
        fake_api, history, tools=provider, tool_policy=allow_all, max_steps=2
    )
    # Nobody to ask: the default is Stop, after two steps.
    assert result.ok and scenario.served == 2 and len(provider.calls) == 1
    assert kept.content[-1]["tool_use_id"] == "toolu_1"
    assert kept.content[-1]["content"][0]["text"] == tool_loop.NOT_RUN
    messages = next_question_is_valid(history, conv)
    # The next question joins the last results, after them.
    assert [b["type"] for b in messages[-1]["content"]] == ["tool_result", "text"]


def test_stop_mid_tool_cancels_it_and_keeps_a_valid_turn(
    fake_api: FakeAnthropicAPI, history: History
) -> None:
    ToolScenario(
        Step([sse.text_block("Reading."), call_block(READ, "toolu_1")], "tool_use"),
        Step([sse.text_block("never sent")]),
    ).enqueue_on(fake_api)
    provider = FakeTools({READ: (spec(READ), forever)})
    observer = Recorder()

    async def go() -> tuple[TurnRunner, MessageRecord, OpenConversation]:
        async with MessagesClient("k", base_url=fake_api.base_url) as client:
            runner = TurnRunner(
                client, observer, history=history, tools=provider, tool_policy=allow_all
            )
            conv, question = asked(history)
            record = runner.begin_answer(conv, question.id, MODEL)
            task = asyncio.create_task(runner.run(request_for(conv, upto=question.id)))
            await asyncio.wait_for(provider.started.wait(), 5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return runner, record, conv

    _runner, record, conv = asyncio.run(go())
    assert provider.cancelled == [READ]
    kept = history.message(record.id)
    assert kept is not None and kept.status == "stopped"
    assert [b["type"] for b in kept.content] == ["text", "tool_use", "tool_result"]
    assert kept.content[2]["is_error"] is True
    assert kept.content[2]["content"][0]["text"] == tool_loop.STOPPED
    assert ("block_stopped", 2, kept.content[2]) in observer.calls
    messages = next_question_is_valid(history, history.reload(conv))
    assert messages[1]["content"][1]["id"] == "toolu_1"  # the call is kept, answered


def test_calls_and_each_result_are_saved_as_they_happen(
    fake_api: FakeAnthropicAPI, history: History
) -> None:
    # Two parallel calls: one answers at once, the other runs on. A crash now must find the
    # step and the first result saved, not wait for the end of the turn (or of the calls).
    ToolScenario(
        Step(
            [sse.text_block("Reading."), call_block(LIST, "toolu_1"), call_block(READ, "toolu_2")],
            "tool_use",
        ),
        Step([sse.text_block("never sent")]),
    ).enqueue_on(fake_api)
    provider = FakeTools({LIST: (spec(LIST), replying("notes.md")), READ: (spec(READ), forever)})
    saved: list[list[str]] = []

    async def go() -> None:
        async with MessagesClient("k", base_url=fake_api.base_url) as client:
            # A long flush interval: only the saves the tool loop makes itself are seen.
            runner = TurnRunner(
                client,
                Recorder(),
                history=history,
                tools=provider,
                tool_policy=allow_all,
                flush_interval=3600,
            )
            conv, question = asked(history)
            record = runner.begin_answer(conv, question.id, MODEL)
            task = asyncio.create_task(runner.run(request_for(conv, upto=question.id)))
            await asyncio.wait_for(provider.started.wait(), 5)
            while len(provider.calls) < 2:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
            kept = history.message(record.id)
            assert kept is not None
            saved.append([b["type"] for b in kept.content])
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(go())
    assert saved == [["text", "tool_use", "tool_use", "tool_result"]]


def test_a_crash_mid_tool_leaves_a_valid_history(history: History) -> None:
    # What a kill -9 while a tool ran leaves: the call saved, its result never.
    conv, question = asked(history)
    record = history.begin_answer(conv, question.id, MODEL)
    partial = Message(
        content=[
            {"type": "text", "text": "Reading."},
            {"type": "tool_use", "id": "toolu_1", "name": READ, "input": {"path": "x"}},
        ]
    )
    history.flush_answer(record.id, partial)
    history.store.recover_interrupted()
    branch = history.reload(conv).branch
    assert request_messages(branch)[-1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "Reading."}],
    }
    next_question_is_valid(history, history.reload(conv))


def test_web_search_with_citations(fake_api: FakeAnthropicAPI, history: History) -> None:
    scenario = ToolScenario(Step(sse.web_search_answer(), web_search_requests=1)).enqueue_on(
        fake_api
    )
    result, kept, conv, _observer = run_turn(fake_api, history, web_search=True)
    assert result.ok, result.error_text
    assert scenario.requests[0]["tools"] == [
        {"type": "web_search_20250305", "name": "web_search", "max_uses": 5}
    ]
    assert kept.content == [sse.final_block(b) for b in sse.web_search_answer()]
    assert format_sources(kept.content) == [
        '[1] Server-sent events explained, https://example.org/sse: "SSE streams events over'
        ' HTTP."',
        '[2] The EventSource spec, https://example.com/spec: "Use EventSource to read it."',
    ]
    metrics = TurnMetrics.from_json(kept.meta["metrics"])
    assert metrics is not None and metrics.cost is not None and metrics.cost > Decimal("0.01")
    # Sent back unchanged with the next question (encrypted content and index included).
    messages = next_question_is_valid(history, conv)
    assert messages[1]["content"] == kept.content


def test_web_fetch_sends_its_beta() -> None:
    request = ApiRequest(MODEL, messages=[_user("Hi")], web_fetch=True, betas=["files-api"])
    assert request.request_body()["tools"] == [
        {"type": "web_fetch_20250910", "name": "web_fetch", "max_uses": 5}
    ]
    assert request.request_betas() == ["files-api", "web-fetch-2025-09-10"]
    assert "tools" not in ApiRequest(MODEL, messages=[_user("Hi")]).request_body()
