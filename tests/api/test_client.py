"""The Messages client against the loopback API server, over real sockets."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from claude_desktop.api.client import ANTHROPIC_VERSION, MessagesClient
from claude_desktop.api.errors import (
    AuthenticationError,
    BadRequestError,
    ClaudeError,
    ConnectionFailedError,
    InternalServerError,
    OverloadedError,
    ProtocolError,
    RateLimitError,
    RequestTooLargeError,
    StreamInterruptedError,
    StreamTimeoutError,
)
from claude_desktop.api.events import (
    ContentBlockDelta,
    Ping,
    RetryScheduled,
    StreamEvent,
    TextDelta,
)
from claude_desktop.api.message import Message
from tests import sse
from tests.api.streaming import (
    BODY,
    SleepRecorder,
    cancel_after_first_delta,
    collect,
    collect_error,
    run,
)
from tests.fakeapi import (
    DropConnection,
    FakeAnthropicAPI,
    JSONResponse,
    SSEResponse,
    api_error,
)


def _client(api: FakeAnthropicAPI, **kw: Any) -> Callable[[], MessagesClient]:
    return lambda: MessagesClient(
        "sk-ant-test-key", base_url=api.base_url, **{"sleep": SleepRecorder(), **kw}
    )


def stream_all(
    api: FakeAnthropicAPI, sleep: SleepRecorder | None = None, **client_kw: Any
) -> tuple[list[StreamEvent], Message]:
    return collect(_client(api, sleep=sleep or SleepRecorder(), **client_kw))


def stream_error(api: FakeAnthropicAPI, **kw: Any) -> tuple[ClaudeError, list[StreamEvent]]:
    return collect_error(_client(api, **kw))


def texts(events: list[StreamEvent]) -> str:
    return "".join(
        e.delta.text
        for e in events
        if isinstance(e, ContentBlockDelta) and isinstance(e.delta, TextDelta)
    )


def test_text_stream_and_request_shape(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(SSEResponse(sse.text_stream(["Hello", " there", "!"])))
    events, message = stream_all(fake_api)
    assert texts(events) == "Hello there!"
    assert message.text == "Hello there!" and message.stop_reason == "end_turn"
    assert message.usage.input_tokens == 12 and message.usage.output_tokens == 4
    assert any(isinstance(e, Ping) for e in events)
    request = fake_api.requests[0]
    assert (request.method, request.path) == ("POST", "/v1/messages")
    assert request.headers["x-api-key"] == "sk-ant-test-key"
    assert request.headers["anthropic-version"] == ANTHROPIC_VERSION
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("claude-desktop/")
    assert request.json == {**BODY, "stream": True}


def test_thinking_tool_use_and_citations(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(
        SSEResponse(
            sse.message_stream(
                [
                    sse.thinking_block(["Let me ", "see."], "c2lnbmF0dXJl"),
                    sse.redacted_thinking_block("cmVkYWN0ZWQ="),
                    sse.cited_text_block(
                        ["The sky", " is blue."], [sse.char_location("The sky", 0, 7)]
                    ),
                    sse.tool_use_block("get_weather", "toolu_01", ["", '{"city"', ': "Oslo"}']),
                ],
                stop_reason="tool_use",
            )
        )
    )
    _, message = stream_all(fake_api)
    kinds = [b["type"] for b in message.content]
    assert kinds == ["thinking", "redacted_thinking", "text", "tool_use"]
    assert message.content[0]["thinking"] == "Let me see."
    assert message.content[0]["signature"] == "c2lnbmF0dXJl"
    assert message.content[1]["data"] == "cmVkYWN0ZWQ="
    assert message.content[2]["text"] == "The sky is blue."
    assert len(message.content[2]["citations"]) == 1
    assert message.content[3]["input"] == {"city": "Oslo"}
    assert message.stop_reason == "tool_use"


def test_unknown_events_comments_crlf_and_tiny_chunks(fake_api: FakeAnthropicAPI) -> None:
    reference = sse.text_stream(["Grüße ", "🙂 ", "世界"])
    noisy = sse.insert_after(reference, 1, sse.comment() + sse.unknown_event())
    noisy = sse.insert_after(noisy, 3, sse.unknown_delta(0))
    fake_api.enqueue(SSEResponse(reference))
    fake_api.enqueue(SSEResponse(sse.with_line_endings(noisy, "\r\n"), chunk_size=1))
    fake_api.enqueue(SSEResponse(sse.with_line_endings(noisy, "\r"), chunk_size=3))
    expected = stream_all(fake_api)[1]
    assert expected.text == "Grüße 🙂 世界"
    assert stream_all(fake_api)[1] == expected
    assert stream_all(fake_api)[1] == expected


@pytest.mark.parametrize("name", sorted(sse.FIXTURE_EXPECTED))
def test_recorded_style_fixtures(fake_api: FakeAnthropicAPI, name: str) -> None:
    expected = sse.FIXTURE_EXPECTED[name]
    fake_api.enqueue(SSEResponse(sse.load_fixture(name), chunk_size=7))
    _, message = stream_all(fake_api)
    assert (message.id, message.model) == (expected["id"], expected["model"])
    assert message.stop_reason == expected["stop_reason"]
    assert (message.usage.input_tokens, message.usage.output_tokens) == (
        expected["usage"]["input_tokens"],
        expected["usage"]["output_tokens"],
    )
    assert len(message.content) == len(expected["content"])
    for got, want in zip(message.content, expected["content"], strict=True):
        if "lenient_input" in want:
            assert got["input"] == want["lenient_input"]
            want = {k: v for k, v in want.items() if k not in ("partial_json", "lenient_input")}
        # Unknown fields in the stream (e.g. "caller") are kept, so compare what is expected.
        assert {k: got[k] for k in want} == want


def test_error_event_after_content_is_not_retried_and_keeps_partial(
    fake_api: FakeAnthropicAPI,
) -> None:
    body = sse.message_stream([sse.text_block(["Half ", "an answer"])], finish=False)
    fake_api.enqueue(SSEResponse(body + sse.error_event("overloaded_error", "Overloaded")))
    err, events = stream_error(fake_api)
    assert isinstance(err, OverloadedError) and err.status_code == 529 and err.mid_stream
    assert err.partial is not None and err.partial.text == "Half an answer"
    assert texts(events) == "Half an answer"
    assert err.human == "Claude is overloaded right now. Try again in a moment."
    assert len(fake_api.requests) == 1


def test_overloaded_event_before_content_is_retried(fake_api: FakeAnthropicAPI) -> None:
    start_only = sse.events(sse.text_stream(["x"]))[0]
    fake_api.enqueue(SSEResponse(start_only + sse.error_event("overloaded_error", "Overloaded")))
    fake_api.enqueue(SSEResponse(sse.text_stream(["Fine now"])))
    sleep = SleepRecorder()
    events, message = stream_all(fake_api, sleep)
    retries = [e for e in events if isinstance(e, RetryScheduled)]
    assert len(retries) == 1 and isinstance(retries[0].error, OverloadedError)
    assert "retrying in" in retries[0].human
    assert message.text == "Fine now" and len(sleep.delays) == 1


@pytest.mark.parametrize(
    ("status", "kind", "cls"),
    [
        (400, "invalid_request_error", BadRequestError),
        (401, "authentication_error", AuthenticationError),
        (413, "request_too_large", RequestTooLargeError),
    ],
)
def test_client_errors_are_raised_at_once(
    fake_api: FakeAnthropicAPI, status: int, kind: str, cls: type[ClaudeError]
) -> None:
    response = api_error(status, kind, "nope")
    fake_api.enqueue(response)
    err, _ = stream_error(fake_api)
    assert type(err) is cls
    assert err.request_id == response.headers["request-id"]
    assert len(fake_api.requests) == 1
    assert "nope" in str(err)


def test_401_has_a_human_line(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(api_error(401, "authentication_error", "invalid x-api-key"))
    err, _ = stream_error(fake_api)
    assert err.human == "Your API key was rejected. Check it in Settings or set a new one."


def test_429_honours_retry_after(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(api_error(429, "rate_limit_error", "slow down", retry_after="3"))
    fake_api.enqueue(SSEResponse(sse.text_stream(["ok"])))
    sleep = SleepRecorder()
    events, message = stream_all(fake_api, sleep)
    assert sleep.delays == [3.0]
    retry = next(e for e in events if isinstance(e, RetryScheduled))
    assert retry.delay == 3.0 and isinstance(retry.error, RateLimitError)
    assert message.text == "ok"


def test_529_then_success_and_529_until_retries_run_out(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(api_error(529, "overloaded_error", "Overloaded"))
    fake_api.enqueue(SSEResponse(sse.text_stream(["ok"])))
    assert stream_all(fake_api)[1].text == "ok"
    for _ in range(3):
        fake_api.enqueue(api_error(529, "overloaded_error", "Overloaded"))
    sleep = SleepRecorder()
    err, events = stream_error(fake_api, sleep=sleep)
    assert isinstance(err, OverloadedError)
    assert len(fake_api.requests) == 2 + 3
    assert [e.attempt for e in events if isinstance(e, RetryScheduled)] == [1, 2]
    assert 0.375 <= sleep.delays[0] <= 0.5 and 0.75 <= sleep.delays[1] <= 1.0


def test_x_should_retry_false_is_obeyed(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(api_error(500, "api_error", "boom", x_should_retry="false"))
    err, _ = stream_error(fake_api)
    assert isinstance(err, InternalServerError) and len(fake_api.requests) == 1


def test_non_json_error_body(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(JSONResponse(502, b"<html>Bad gateway</html>"))
    fake_api.enqueue(JSONResponse(502, b"<html>Bad gateway</html>"))
    fake_api.enqueue(JSONResponse(502, b"<html>Bad gateway</html>"))
    err, _ = stream_error(fake_api)
    assert isinstance(err, InternalServerError) and "Bad gateway" in err.message


@pytest.mark.parametrize("then", ["end", "drop", "reset"])
def test_truncated_stream_is_an_error_that_keeps_the_partial(
    fake_api: FakeAnthropicAPI, then: str
) -> None:
    body = sse.message_stream([sse.text_block(["Once ", "upon"])], finish=False)
    fake_api.enqueue(SSEResponse(body, then=then))  # type: ignore[arg-type]
    err, _ = stream_error(fake_api)
    assert isinstance(err, StreamInterruptedError)
    assert err.partial is not None and err.partial.text == "Once upon"
    assert err.human == "The connection was lost before the answer finished."
    assert len(fake_api.requests) == 1  # content had arrived: never retried


def test_stalled_stream_times_out_with_partial(fake_api: FakeAnthropicAPI) -> None:
    body = sse.message_stream([sse.text_block(["Wait"])], finish=False)
    fake_api.enqueue(SSEResponse(body, then="stall"))
    started = time.monotonic()
    err, _ = stream_error(fake_api, read_timeout=0.3)
    assert isinstance(err, StreamTimeoutError)
    assert err.partial is not None and err.partial.text == "Wait"
    assert time.monotonic() - started < 5
    assert "went silent" in err.human


def test_dropped_connection_before_answer_is_retried(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(DropConnection())
    fake_api.enqueue(SSEResponse(sse.text_stream(["back"])))
    events, message = stream_all(fake_api)
    assert message.text == "back"
    assert isinstance(
        next(e for e in events if isinstance(e, RetryScheduled)).error, ConnectionFailedError
    )


def test_unreachable_server_gives_a_connection_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connection refused

    async def go() -> None:
        async with MessagesClient(
            "k", base_url=f"http://127.0.0.1:{port}", sleep=SleepRecorder()
        ) as c:
            await c.stream(BODY).final_message()

    with pytest.raises(ConnectionFailedError) as info:
        run(go)
    assert info.value.human.startswith("Could not reach the Anthropic API at 127.0.0.1")


def test_cancelling_the_consumer_closes_the_connection(fake_api: FakeAnthropicAPI) -> None:
    deltas = [f"word{i} " for i in range(200)]
    fake_api.enqueue(SSEResponse(sse.events(sse.text_stream(deltas)), delay=0.05))

    cancelled_at = cancel_after_first_delta(_client(fake_api))
    seen = fake_api.wait_for_disconnect(timeout=2)
    assert seen is not None and seen - cancelled_at < 1.0


def test_models_follow_pagination(fake_api: FakeAnthropicAPI) -> None:
    pages = {
        None: {
            "data": [{"type": "model", "id": "m1", "display_name": "M1"}],
            "has_more": True,
            "first_id": "m1",
            "last_id": "m1",
        },
        "m1": {
            "data": [{"type": "model", "id": "m2", "display_name": "M2", "lifecycle": "retired"}],
            "has_more": False,
            "first_id": "m2",
            "last_id": "m2",
        },
    }
    fake_api.route(
        "GET", "/v1/models", lambda req: JSONResponse(200, pages[req.query.get("after_id")])
    )

    async def go() -> list[str]:
        async with MessagesClient("k", base_url=fake_api.base_url) as client:
            return [m.id for m in await client.list_models()]

    assert run(go) == ["m1", "m2"]
    assert fake_api.requests[1].query["after_id"] == "m1"


def test_models_with_a_bad_key(fake_api: FakeAnthropicAPI) -> None:
    fake_api.route("GET", "/v1/models", api_error(401, "authentication_error", "bad key"))

    async def go() -> None:
        async with MessagesClient("k", base_url=fake_api.base_url) as client:
            await client.list_models()

    with pytest.raises(AuthenticationError):
        run(go)


def test_betas_join_into_one_header(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(SSEResponse(sse.text_stream(["ok"])))

    async def go() -> None:
        async with MessagesClient("k", base_url=fake_api.base_url, betas=["a-1"]) as client:
            await client.stream(BODY, betas=["b-2"]).final_message()

    run(go)
    assert fake_api.requests[0].headers["anthropic-beta"] == "a-1,b-2"


def test_200_that_is_not_an_event_stream(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(JSONResponse(200, {"hello": "proxy page"}))
    err, _ = stream_error(fake_api)
    assert isinstance(err, ProtocolError)
    assert json.dumps(BODY["messages"]) in json.dumps(fake_api.requests[0].json)


# -- count_tokens ---------------------------------------------------------------------------


def test_count_tokens_sends_the_request_without_max_tokens_and_stream(
    fake_api: FakeAnthropicAPI,
) -> None:
    async def go() -> int:
        async with MessagesClient("sk-ant-test-key", base_url=fake_api.base_url) as client:
            return await client.count_tokens({**BODY, "stream": True}, betas=["files-api-x"])

    tokens = run(go)
    request = fake_api.requests[0]
    assert (request.method, request.path) == ("POST", "/v1/messages/count_tokens")
    assert request.headers["x-api-key"] == "sk-ant-test-key"
    assert request.headers["anthropic-version"] == ANTHROPIC_VERSION
    assert request.headers["anthropic-beta"] == "files-api-x"
    assert request.headers["content-type"] == "application/json"
    assert request.json == {k: v for k, v in BODY.items() if k != "max_tokens"}
    assert tokens == fake_api.count_tokens(request).body["input_tokens"]  # type: ignore[union-attr,index]
    assert tokens > 0


def test_count_tokens_is_not_retried_and_says_why_it_failed(fake_api: FakeAnthropicAPI) -> None:
    fake_api.route("POST", "/v1/messages/count_tokens", api_error(529, "overloaded_error", "busy"))

    async def go() -> int:
        async with MessagesClient("k", base_url=fake_api.base_url) as client:
            return await client.count_tokens(BODY)

    with pytest.raises(OverloadedError):
        run(go)
    assert len(fake_api.requests) == 1


def test_count_tokens_without_a_count_is_a_protocol_error(fake_api: FakeAnthropicAPI) -> None:
    fake_api.route("POST", "/v1/messages/count_tokens", JSONResponse(200, {"tokens": "12"}))

    async def go() -> int:
        async with MessagesClient("k", base_url=fake_api.base_url) as client:
            return await client.count_tokens(BODY)

    with pytest.raises(ProtocolError):
        run(go)
