"""The turn runner against the loopback API: what its observer is told, block by block, and
what the history keeps, for each way a turn goes (text, thinking, an unknown block, an error
mid-block, Stop mid-block), plus the room it makes for steps and decisions."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claude_desktop.api.client import MessagesClient
from claude_desktop.api.errors import OverloadedError
from claude_desktop.api.message import Message
from claude_desktop.domain import turn_runner
from claude_desktop.domain.api_request import ApiRequest
from claude_desktop.domain.history import History, OpenConversation
from claude_desktop.domain.request_builder import RequestNotSent, build_request
from claude_desktop.domain.request_messages import request_for
from claude_desktop.domain.turn_metrics import footer_from_meta
from claude_desktop.domain.turn_runner import Decision, TurnResult, TurnRunner
from claude_desktop.storage.store import MessageRecord
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, SSEResponse

MODEL = "claude-sonnet-4-6"


class Recorder:
    """A TurnObserver that writes down every call, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.text_seen = asyncio.Event()

    def _note(self, *call: Any) -> None:
        self.calls.append(call)

    def step_started(self, step: int) -> None:
        self._note("step_started", step)

    def block_started(self, index: int, block: dict[str, Any]) -> None:
        self._note("block_started", index, block)

    def text_delta(self, index: int, text: str) -> None:
        self._note("text", index, text)
        if len([c for c in self.calls if c[0] == "text"]) >= 3:
            self.text_seen.set()

    def thinking_delta(self, index: int, text: str) -> None:
        self._note("thinking", index, text)

    def json_delta(self, index: int, partial_json: str) -> None:
        self._note("json", index, partial_json)

    def citation_added(self, index: int, citation: dict[str, Any]) -> None:
        self._note("citation", index, citation)

    def block_stopped(self, index: int, block: dict[str, Any]) -> None:
        self._note("block_stopped", index, block)

    def status(self, text: str | None) -> None:
        self._note("status", text)

    def upload_progress(self, name: str, done: int, total: int) -> None:
        self._note("upload", name, done, total)

    def step_finished(self, step: int, message: Message | None) -> None:
        self._note("step_finished", step, None if message is None else message.content)

    def wants_loop(self) -> bool:
        return False

    def sequence(self) -> list[tuple[Any, ...]]:
        """Every call but the status lines (retries, clearing), which are checked apart."""
        return [c for c in self.calls if c[0] != "status"]


async def _no_sleep(delay: float) -> None:
    pass


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    history = History.open(tmp_path / "history.sqlite3")
    yield history
    history.close()


def asked(history: History, text: str = "Hello") -> tuple[OpenConversation, MessageRecord]:
    conv = OpenConversation(None)
    question = history.add_question(conv, text, model=MODEL, system="", max_tokens=1000)
    return conv, question


def run_turn(
    api: FakeAnthropicAPI, history: History | None = None, **runner_options: Any
) -> tuple[TurnResult, Recorder, MessageRecord | None]:
    """One whole turn through the runner, with the answer kept in `history` if given."""
    observer = Recorder()

    async def go() -> tuple[TurnResult, MessageRecord | None]:
        async with MessagesClient("k", base_url=api.base_url, sleep=_no_sleep) as client:
            runner = TurnRunner(client, observer, history=history, **runner_options)
            if history is None:
                request = ApiRequest(MODEL, messages=[_user("Hello")])
                return await runner.run(request), None
            conv, question = asked(history)
            record = runner.begin_answer(conv, question.id, MODEL)
            result = await runner.run(request_for(conv, upto=question.id))
            return result, history.message(record.id)

    result, record = asyncio.run(go())
    return result, observer, record


def test_a_long_read_lets_the_event_loop_run_when_the_observer_has_work_waiting(
    fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read can bring hundreds of events (the whole answer here, in one chunk), which the
    runner handles one after another; when its observer has work waiting on the event loop (a
    window's render that is due), it lets the loop run in the middle of them."""
    monkeypatch.setattr(turn_runner, "LOOP_CHECK_S", 0.0)  # ask at every event
    parts = [f"word{i} " for i in range(300)]
    fake_api.enqueue(SSEResponse(sse.text_stream(parts)))
    observer = Recorder()
    asked: list[int] = []

    def wants_loop() -> bool:
        texts = sum(1 for c in observer.calls if c[0] == "text")
        asked.append(texts)
        return texts == 100  # once, a third of the way in

    observer.wants_loop = wants_loop  # type: ignore[method-assign]
    seen_by_the_loop: list[int] = []

    async def go() -> TurnResult:
        async def other_work() -> None:  # e.g. the render the window is waiting to do
            while True:
                seen_by_the_loop.append(sum(1 for c in observer.calls if c[0] == "text"))
                await asyncio.sleep(0)

        other = asyncio.create_task(other_work())
        try:
            async with MessagesClient("k", base_url=fake_api.base_url, sleep=_no_sleep) as client:
                return await TurnRunner(client, observer).run(
                    ApiRequest(MODEL, messages=[_user("Hi")])
                )
        finally:
            other.cancel()

    result = asyncio.run(go())
    assert result.ok and [c[2] for c in observer.calls if c[0] == "text"] == parts
    assert 100 in asked
    # The loop ran while the read's events were being handled: after the 100th, before the
    # 101st (without the pause it runs only between reads: before the first or after the last).
    assert 100 in seen_by_the_loop


def _user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": text}]}


TEXT_START = {"type": "text", "text": ""}


def test_text_only(fake_api: FakeAnthropicAPI, history: History) -> None:
    fake_api.enqueue(SSEResponse(sse.text_stream(["Hi ", "there"])))
    result, observer, record = run_turn(fake_api, history)
    answer = {"type": "text", "text": "Hi there"}
    assert observer.sequence() == [
        ("step_started", 0),
        ("block_started", 0, TEXT_START),
        ("text", 0, "Hi "),
        ("text", 0, "there"),
        ("block_stopped", 0, answer),
        ("step_finished", 0, [answer]),
    ]
    assert observer.calls[-1] == ("status", None)  # nothing left saying "retrying…"
    assert result.ok and result.message is not None and result.message.content == [answer]
    assert record is not None and record.status == "complete" and record.content == [answer]
    # Typed metrics, not a display string: the footer is made when it is shown.
    metrics = record.meta["metrics"]
    assert "footer" not in record.meta
    assert metrics["usage"]["input_tokens"] == 12 and metrics["usage"]["output_tokens"] == 3
    assert metrics["total_time"] >= metrics["time_to_first_token"] >= 0
    assert record.meta["message_id"] == sse.DEFAULT_MSG_ID
    assert record.meta["stop_reason"] == "end_turn"
    footer = footer_from_meta(record.meta, "Claude Sonnet 4.6")
    assert footer.startswith("Claude Sonnet 4.6 · ") and "12 in / 3 out" in footer
    assert "$" in footer


def test_thinking_then_text(fake_api: FakeAnthropicAPI, history: History) -> None:
    fake_api.enqueue(SSEResponse(sse.thinking_stream(["Let me ", "see"], "sig", ["Yes."])))
    result, observer, record = run_turn(fake_api, history)
    thought = {"type": "thinking", "thinking": "Let me see", "signature": "sig"}
    text = {"type": "text", "text": "Yes."}
    assert observer.sequence() == [
        ("step_started", 0),
        ("block_started", 0, {"type": "thinking", "thinking": "", "signature": ""}),
        ("thinking", 0, "Let me "),
        ("thinking", 0, "see"),
        ("block_stopped", 0, thought),
        ("block_started", 1, TEXT_START),
        ("text", 1, "Yes."),
        ("block_stopped", 1, text),
        ("step_finished", 0, [thought, text]),
    ]
    assert result.ok and record is not None and record.content == [thought, text]


def test_a_block_type_the_app_does_not_know(fake_api: FakeAnthropicAPI, history: History) -> None:
    mystery = {"type": "mystery_block", "payload": {"a": 1}}
    blocks = [sse.text_block("Before. "), sse.Block(mystery), sse.text_block("After.")]
    fake_api.enqueue(SSEResponse(sse.message_stream(blocks)))
    result, observer, record = run_turn(fake_api, history)
    # Started and stopped with no deltas: still told, never dropped.
    assert ("block_started", 1, mystery) in observer.calls
    assert ("block_stopped", 1, mystery) in observer.calls
    assert [c[:2] for c in observer.sequence()] == [
        ("step_started", 0),
        ("block_started", 0),
        ("text", 0),
        ("block_stopped", 0),
        ("block_started", 1),
        ("block_stopped", 1),
        ("block_started", 2),
        ("text", 2),
        ("block_stopped", 2),
        ("step_finished", 0),
    ]
    assert result.ok and record is not None and record.content[1] == mystery


def test_an_error_mid_block_keeps_the_partial_answer(
    fake_api: FakeAnthropicAPI, history: History
) -> None:
    body = sse.message_stream([sse.text_block(["Half ", "way"])], finish=False)
    body = body.replace(sse.sse_event("content_block_stop", {"index": 0}), b"")
    fake_api.enqueue(SSEResponse(body + sse.error_event("overloaded_error", "Overloaded")))
    result, observer, record = run_turn(fake_api, history)
    partial = {"type": "text", "text": "Half way"}
    assert observer.sequence() == [
        ("step_started", 0),
        ("block_started", 0, TEXT_START),
        ("text", 0, "Half "),
        ("text", 0, "way"),
        ("step_finished", 0, [partial]),
    ]
    assert isinstance(result.error, OverloadedError) and not result.ok
    assert record is not None and record.status == "error" and record.content == [partial]
    assert record.meta["error"] == "Claude is overloaded right now. Try again in a moment."


def test_stop_mid_block_keeps_and_saves_the_partial_answer(
    fake_api: FakeAnthropicAPI, history: History
) -> None:
    deltas = [f"w{i} " for i in range(200)]
    fake_api.enqueue(SSEResponse(sse.events(sse.text_stream(deltas)), delay=0.02))
    observer = Recorder()

    async def go() -> tuple[TurnRunner, MessageRecord]:
        async with MessagesClient("k", base_url=fake_api.base_url) as client:
            runner = TurnRunner(client, observer, history=history)
            conv, question = asked(history)
            record = runner.begin_answer(conv, question.id, MODEL)
            request = request_for(conv, upto=question.id)
            task = asyncio.create_task(runner.run(request))
            await asyncio.wait_for(observer.text_seen.wait(), 5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return runner, record

    runner, record = asyncio.run(go())
    kept = history.message(record.id)
    assert kept is not None and kept.status == "stopped"
    assert kept.content[0]["text"].startswith("w0 w1 w2 ")
    assert runner.result.stopped and runner.result.message is not None
    assert runner.result.message.content == kept.content
    assert [c[0] for c in observer.sequence()][:3] == ["step_started", "block_started", "text"]
    assert "block_stopped" not in [c[0] for c in observer.calls]
    assert fake_api.wait_for_disconnect(timeout=2) is not None


def test_the_answer_is_saved_at_least_once_a_second(
    fake_api: FakeAnthropicAPI, history: History
) -> None:
    deltas = [f"w{i} " for i in range(40)]
    fake_api.enqueue(SSEResponse(sse.events(sse.text_stream(deltas)), delay=0.05))
    saved: list[str] = []
    result, _observer, record = run_turn(
        fake_api, history, flush_interval=0.5, on_flush=lambda m: saved.append(m.text)
    )
    # About 2 s of stream: saved as it grew (not only at the end), each save a prefix.
    assert result.ok and record is not None and record.status == "complete"
    assert len(saved) >= 2
    assert all(result.message is not None and result.message.text.startswith(s) for s in saved)


def test_a_turn_without_a_history(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(SSEResponse(sse.text_stream(["no ", "history"])))
    result, observer, _ = run_turn(fake_api)
    assert result.ok and result.message is not None and result.message.text == "no history"
    assert ("text", 0, "history") in observer.calls


def test_citations_and_tool_input_are_told_per_block(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(SSEResponse(sse.citations_stream()))
    _result, observer, _ = run_turn(fake_api)
    [(_kind, index, citation)] = [c for c in observer.calls if c[0] == "citation"]
    assert index == 1 and citation["cited_text"] == "The launch moves to May."
    stopped = [c for c in observer.calls if c[0] == "block_stopped"]
    assert stopped[1][2]["citations"] == [citation]

    tool = sse.tool_use_stream("", "get_weather", "tu_1", ['{"ci', 'ty":1}'])
    fake_api.enqueue(SSEResponse(tool))
    _result, observer, _ = run_turn(fake_api)
    assert [c for c in observer.calls if c[0] == "json"] == [
        ("json", 0, '{"ci'),
        ("json", 0, 'ty":1}'),
    ]
    assert next(c for c in observer.calls if c[0] == "block_stopped")[2]["input"] == {"city": 1}


def test_a_request_over_the_limits_is_not_sent(
    fake_api: FakeAnthropicAPI, history: History
) -> None:
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA"}}
    conv = OpenConversation(None)
    question = history.add_question(
        conv, "Too many", model=MODEL, system="", max_tokens=100, content=[image] * 101
    )
    observer = Recorder()

    async def go() -> TurnResult:
        async with MessagesClient("k", base_url=fake_api.base_url) as client:
            runner = TurnRunner(client, observer, history=history)
            runner.begin_answer(conv, question.id, MODEL)
            return await runner.run(request_for(conv, upto=question.id))

    result = asyncio.run(go())
    assert isinstance(result.error, RequestNotSent) and result.message is None
    assert result.error_text is not None and "101 images" in result.error_text
    assert not fake_api.requests
    [answer] = [m for m in history.load(question.conversation_id).branch if m.role == "assistant"]  # type: ignore[union-attr]
    assert answer.status == "error" and answer.meta == {"error": result.error_text}


class TwoSteps(TurnRunner):
    """A runner whose first step's tool_use stop asks the person, then takes a second step:
    what the tool-use issue will do, in the room this one makes."""

    async def next_step(self, request: ApiRequest, message: Message) -> ApiRequest | None:
        if message.stop_reason != "tool_use":
            return None
        decision = Decision("Run get_weather?", ("Allow", "Deny"), default="Deny")
        verdict = await self.ask_person(decision)
        tool_id = message.content[-1]["id"]
        result = {"type": "tool_result", "tool_use_id": tool_id, "content": verdict}
        messages = [
            *request.messages,
            message.to_param(),
            {"role": "user", "content": [result]},
        ]
        return ApiRequest(request.model, messages=messages)


def test_a_turn_of_two_steps_numbers_its_blocks_on(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(SSEResponse(sse.tool_use_stream("Checking.", "get_weather", "tu_1", ["{}"])))
    fake_api.enqueue(SSEResponse(sse.text_stream(["Sunny."])))
    picks: list[str] = []

    async def decide(decision: Decision) -> str:
        picks.append(decision.question)
        return "Allow"

    observer = Recorder()

    async def go() -> TurnResult:
        async with MessagesClient("k", base_url=fake_api.base_url) as client:
            runner = TwoSteps(client, observer, decide=decide)
            return await runner.run(ApiRequest(MODEL, messages=[_user("Weather?")]))

    result = asyncio.run(go())
    assert picks == ["Run get_weather?"]
    assert [c[:2] for c in observer.sequence() if c[0] != "text" and c[0] != "json"] == [
        ("step_started", 0),
        ("block_started", 0),
        ("block_stopped", 0),
        ("block_started", 1),
        ("block_stopped", 1),
        ("step_finished", 0),
        ("step_started", 1),
        ("block_started", 2),  # the second step's first block goes under the first's two
        ("block_stopped", 2),
        ("step_finished", 1),
    ]
    sent = fake_api.requests[1].json["messages"]
    assert sent[-1]["content"][0] == {
        "type": "tool_result",
        "tool_use_id": "tu_1",
        "content": "Allow",
    }
    assert result.ok and result.message is not None
    assert [b["type"] for b in result.message.content] == ["text", "tool_use", "text"]
    assert result.message.usage.input_tokens == 24  # both requests paid for


def test_without_a_way_to_ask_the_default_is_taken(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(SSEResponse(sse.tool_use_stream("", "get_weather", "tu_1", ["{}"])))
    fake_api.enqueue(SSEResponse(sse.text_stream(["Not run."])))

    async def go() -> TurnResult:
        async with MessagesClient("k", base_url=fake_api.base_url) as client:
            runner = TwoSteps(client, Recorder())
            return await runner.run(ApiRequest(MODEL, messages=[_user("Weather?")]))

    assert asyncio.run(go()).ok
    assert fake_api.requests[1].json["messages"][-1]["content"][0]["content"] == "Deny"


def test_the_builder_marks_the_newest_attachment_for_the_prompt_cache() -> None:
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA"}}
    question = {"role": "user", "content": [image, {"type": "text", "text": "What is it?"}]}

    async def go() -> ApiRequest:
        async with MessagesClient("k", base_url="http://127.0.0.1:9") as client:
            return await build_request(ApiRequest(MODEL, messages=[question]), client)

    built = asyncio.run(go())
    assert built.messages[0]["content"][0]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in question["content"][0]  # the history's copy is untouched
