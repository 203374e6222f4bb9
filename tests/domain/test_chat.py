"""Running turns: the conversation stays valid API input and no answer is lost."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

import pytest

from claude_desktop.api.client import BaseMessagesClient, MessagesClient
from claude_desktop.api.errors import AuthenticationError, ProtocolError, StreamInterruptedError
from claude_desktop.api.message import Message, Usage
from claude_desktop.domain.api_request import ApiRequest
from claude_desktop.domain.request_messages import request_messages
from claude_desktop.domain.turn_events import NullObserver
from claude_desktop.domain.turn_metrics import TurnMetrics
from claude_desktop.domain.turn_runner import FLUSH_INTERVAL, TurnResult, TurnRunner
from claude_desktop.storage.store import StorageError
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, SSEResponse, api_error
from tests.records import message_record


class Sink:
    def __init__(self) -> None:
        self.three_deltas = asyncio.Event()
        self.text: list[str] = []
        self.thinking: list[str] = []
        self.statuses: list[str | None] = []

    def on_text(self, text: str) -> None:
        self.text.append(text)
        if len(self.text) >= 3:
            self.three_deltas.set()

    def on_thinking(self, text: str) -> None:
        self.thinking.append(text)

    def on_status(self, text: str | None) -> None:
        self.statuses.append(text)


class TurnSink(Protocol):
    def on_text(self, text: str) -> None: ...
    def on_thinking(self, text: str) -> None: ...
    def on_status(self, text: str | None) -> None: ...


class SinkObserver(NullObserver):
    """A TurnObserver passing text, thinking and status on to a sink."""

    def __init__(self, sink: TurnSink) -> None:
        self.sink = sink

    def text_delta(self, index: int, text: str) -> None:
        self.sink.on_text(text)

    def thinking_delta(self, index: int, text: str) -> None:
        self.sink.on_thinking(text)

    def status(self, text: str | None) -> None:
        self.sink.on_status(text)


async def run_turn(
    client: BaseMessagesClient,
    request: ApiRequest,
    sink: TurnSink,
    *,
    on_flush: Callable[[Message], None] | None = None,
    flush_interval: float = FLUSH_INTERVAL,
) -> TurnResult:
    """A turn with no history (as `ask` runs it), told to `sink`."""
    runner = TurnRunner(
        client, SinkObserver(sink), on_flush=on_flush, flush_interval=flush_interval
    )
    return await runner.run(request)


def footer_text(result: TurnResult, display_name: str) -> str:
    metrics = TurnMetrics.of(
        result.message,
        total_time=result.total_time,
        time_to_first_token=result.time_to_first_token,
    )
    return metrics.footer(display_name)


async def _no_sleep(delay: float) -> None:
    pass


def asking(text: str, model: str = "m", *, max_tokens: int = 8192, system: str = "") -> ApiRequest:
    user = {"role": "user", "content": [{"type": "text", "text": text}]}
    return ApiRequest(model, max_tokens=max_tokens, system=system, messages=[user])


def turn(api: FakeAnthropicAPI, conversation: ApiRequest) -> tuple[TurnResult, Sink]:
    sink = Sink()

    async def go() -> TurnResult:
        async with MessagesClient("k", base_url=api.base_url, sleep=_no_sleep) as client:
            return await run_turn(client, conversation, sink)

    return asyncio.run(go()), sink


def test_a_turn_streams_and_its_answer_goes_back_unchanged(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(SSEResponse(sse.thinking_stream(["Hm"], "sig", ["Hi ", "there"])))
    conversation = asking("Hello", "claude-sonnet-4-6", max_tokens=100, system="Be kind.")
    result, sink = turn(fake_api, conversation)
    assert result.ok and "".join(sink.text) == "Hi there" and sink.thinking == ["Hm"]
    assert result.time_to_first_token is not None
    assert result.time_to_first_token <= result.total_time
    assert fake_api.requests[0].json["system"] == "Be kind."
    assert result.message is not None
    answer = result.message.to_param()
    assert answer["role"] == "assistant"
    # Thinking goes back unchanged, signature and all.
    assert answer["content"][0] == {
        "type": "thinking",
        "thinking": "Hm",
        "signature": "sig",
    }


def test_multi_turn_requests_carry_the_whole_conversation(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(SSEResponse(sse.text_stream(["One"])))
    fake_api.enqueue(SSEResponse(sse.text_stream(["Two"])))
    conversation = asking("first")
    first, _ = turn(fake_api, conversation)
    assert first.message is not None
    conversation.messages += [
        first.message.to_param(),
        {"role": "user", "content": [{"type": "text", "text": "second"}]},
    ]
    turn(fake_api, conversation)
    sent = fake_api.requests[1].json["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"] == [{"type": "text", "text": "One"}]


def test_a_failed_turn_keeps_the_partial_answer(fake_api: FakeAnthropicAPI) -> None:
    body = sse.message_stream([sse.text_block(["Par", "tial"])], finish=False)
    fake_api.enqueue(SSEResponse(body, then="drop"))
    result, _ = turn(fake_api, asking("q"))
    assert isinstance(result.error, StreamInterruptedError)
    assert result.message is not None and result.message.text == "Partial"
    assert result.message.content == [{"type": "text", "text": "Partial"}]


def test_a_question_after_a_failure_joins_the_unanswered_one(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(api_error(401, "authentication_error", "bad"))
    result, _ = turn(fake_api, asking("first"))
    # Nothing arrived: the question stays unanswered...
    assert isinstance(result.error, AuthenticationError) and result.message is None
    # ...and the next request joins the two questions, as roles must alternate.
    branch = [
        message_record("user", [{"type": "text", "text": "first"}]),
        message_record("assistant", [], status="error"),
        message_record("user", [{"type": "text", "text": "second"}]),
    ]
    assert request_messages(branch) == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "first"}, {"type": "text", "text": "second"}],
        }
    ]


def test_retry_is_reported_to_the_sink(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(api_error(529, "overloaded_error", "Overloaded"))
    fake_api.enqueue(SSEResponse(sse.text_stream(["ok"])))
    result, sink = turn(fake_api, asking("q"))
    assert result.ok
    assert sink.statuses[0] is not None and sink.statuses[0].startswith("Claude is overloaded")
    assert "retrying in" in sink.statuses[0]
    assert sink.statuses[-1] is None  # cleared once the answer starts


def test_cancelling_keeps_the_partial_and_propagates(fake_api: FakeAnthropicAPI) -> None:
    deltas = [f"w{i} " for i in range(100)]
    fake_api.enqueue(SSEResponse(sse.events(sse.text_stream(deltas)), delay=0.02))
    sink = Sink()
    flushed: list[Message] = []

    async def go() -> None:
        async with MessagesClient("k", base_url=fake_api.base_url) as client:
            task = asyncio.create_task(run_turn(client, asking("q"), sink, on_flush=flushed.append))
            await asyncio.wait_for(sink.three_deltas.wait(), 5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(go())
    kept = flushed[-1].to_param()
    assert kept["role"] == "assistant"
    assert kept["content"][0]["text"].startswith("w0 w1 w2 ")
    assert fake_api.wait_for_disconnect(timeout=2) is not None


def test_footer_names_model_time_tokens_and_cost() -> None:
    message = Message(
        id="msg_1",
        model="claude-sonnet-4-6",
        usage=Usage(input_tokens=1000, output_tokens=500, cache_read_input_tokens=10000),
    )
    result = TurnResult(message, time_to_first_token=0.42, total_time=3.2)
    text = footer_text(result, "Claude Sonnet 4.6")
    assert text.startswith("Claude Sonnet 4.6 · 0.4 s to first token · 3.2 s")
    assert "11,000 in / 500 out" in text and "10,000 from cache" in text
    # 1000*3 + 500*15 + 10000*0.3 = 13,500 per million; cache saved 10000*2.7 = 27,000
    assert "$0.0135 · saved $0.0270 with caching" in text


def test_unknown_model_shows_tokens_without_price() -> None:
    message = Message(id="m", model="claude-next", usage=Usage(input_tokens=5, output_tokens=6))
    text = footer_text(TurnResult(message, total_time=1), "claude-next")
    assert "5 in / 6 out" in text and "$" not in text


def test_an_event_with_wrong_types_ends_the_turn_with_the_partial_answer(
    fake_api: FakeAnthropicAPI,
) -> None:
    fake_api.enqueue(SSEResponse(sse.wrong_usage_stream(["Par", "tial"])))
    result, _ = turn(fake_api, asking("q"))
    # The client reports the garbage as a ProtocolError: a sentence, the partial answer kept.
    assert isinstance(result.error, ProtocolError) and not result.ok
    assert result.message is not None and result.message.text == "Partial"
    assert result.error_text is not None
    assert result.error_text.startswith("The server sent a response this app cannot read")


def test_a_sink_that_raises_ends_the_turn_with_what_arrived(fake_api: FakeAnthropicAPI) -> None:
    class BrokenSink(Sink):
        def on_text(self, text: str) -> None:
            if text == "boom":
                raise RuntimeError("the view broke")
            super().on_text(text)

    fake_api.enqueue(SSEResponse(sse.text_stream(["Kept ", "so far ", "boom", "lost"])))

    async def go() -> TurnResult:
        async with MessagesClient("k", base_url=fake_api.base_url) as client:
            return await run_turn(client, asking("q"), BrokenSink())

    result = asyncio.run(go())
    assert isinstance(result.error, RuntimeError)
    assert result.error_text == (
        "Something went wrong while answering: the view broke. The details are in the log."
    )
    assert result.message is not None and result.message.text.startswith("Kept so far ")


def test_a_failing_save_does_not_end_a_healthy_stream(
    fake_api: FakeAnthropicAPI,
) -> None:
    deltas = [f"w{i} " for i in range(20)]
    fake_api.enqueue(SSEResponse(sse.events(sse.text_stream(deltas))))
    tries: list[str] = []

    def full_disk(message: Message) -> None:
        tries.append(message.text)
        raise StorageError("The disk is full: free space and Retry.")

    async def go() -> TurnResult:
        async with MessagesClient("k", base_url=fake_api.base_url) as client:
            return await run_turn(
                client, asking("q"), Sink(), on_flush=full_disk, flush_interval=0.0
            )

    result = asyncio.run(go())
    assert result.ok and result.message is not None
    assert result.message.text == "".join(deltas)
    assert len(tries) > 10  # tried again at every flush
