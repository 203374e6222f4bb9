"""The Bedrock client against a loopback server speaking AWS event-stream, over real sockets,
signed with real botocore SigV4 and checked by recomputing the signature."""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Callable
from typing import Any

import pytest

from claude_desktop.api.bedrock import BEDROCK_VERSION, BedrockClient
from claude_desktop.api.errors import (
    BadRequestError,
    ClaudeError,
    CloudAuthError,
    CloudNotFoundError,
    CloudPermissionError,
    CloudServerError,
    CloudThrottlingError,
    ProtocolError,
    ProviderSetupError,
    StreamInterruptedError,
)
from claude_desktop.api.events import ContentBlockDelta, RetryScheduled, StreamEvent
from claude_desktop.api.message import Message
from tests import sse
from tests.api.streaming import (
    BODY,
    SleepRecorder,
    cancel_after_first_delta,
    collect,
    collect_error,
)
from tests.fake_clouds import (
    ACCESS_KEY,
    REGION,
    SECRET_KEY,
    SESSION_TOKEN,
    aws_env,
    bedrock_frames,
    bedrock_http_error,
    bedrock_response,
    chunk_message,
    exception_message,
    request_path,
    sigv4_problem,
)
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, RecordedRequest

__all__ = ["aws_env"]

MODEL_ID = "us.anthropic.claude-haiku-4-5-20251001-v1:0"


def _model_id(model: str) -> str:
    return MODEL_ID if model == "claude-sonnet-4-6" else model


def _client(**kw: Any) -> Callable[[], BedrockClient]:
    return lambda: BedrockClient(model_id=_model_id, **{"sleep": SleepRecorder(), **kw})


def stream_all(
    sleep: SleepRecorder | None = None, betas: tuple[str, ...] = (), **kw: Any
) -> tuple[list[StreamEvent], Message]:
    return collect(_client(sleep=sleep or SleepRecorder(), **kw), betas)


def stream_error(**kw: Any) -> tuple[ClaudeError, list[StreamEvent]]:
    return collect_error(_client(**kw))


def test_a_long_answer_streams_signed_and_framed(aws_env: FakeAnthropicAPI) -> None:
    deltas = [f"word{i} " for i in range(2000)]
    # 7-byte pieces cut frames, headers and base64 anywhere.
    aws_env.enqueue(bedrock_response(bedrock_frames(sse.text_stream(deltas)), chunk_size=7))
    events, message = stream_all(betas=("context-1m-2025-08-07",))
    assert message.text == "".join(deltas)
    assert message.stop_reason == "end_turn"
    assert sum(isinstance(e, ContentBlockDelta) for e in events) == 2000

    (request,) = aws_env.requests
    # The model id is in the path, percent-encoded like botocore does it.
    assert request_path(request) == (
        "/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke-with-response-stream"
    )
    body = request.json
    assert body["anthropic_version"] == BEDROCK_VERSION
    assert "model" not in body and "stream" not in body
    assert body["anthropic_beta"] == ["context-1m-2025-08-07"]
    assert body["messages"] == BODY["messages"]
    assert request.headers["accept"] == "application/vnd.amazon.eventstream"
    assert sigv4_problem(request, aws_env.base_url) is None


def test_the_signature_check_catches_a_changed_body(aws_env: FakeAnthropicAPI) -> None:
    aws_env.enqueue(bedrock_response(bedrock_frames(sse.text_stream(["ok"]))))
    stream_all()
    (request,) = aws_env.requests
    request.body = request.body.replace(b"Hi", b"Ho")
    assert "signature" in (sigv4_problem(request, aws_env.base_url) or "")
    assert "credential scope" in (sigv4_problem(request, aws_env.base_url, "us-east-1") or "")


def test_region_from_settings_wins_over_the_environment(aws_env: FakeAnthropicAPI) -> None:
    aws_env.enqueue(bedrock_response(bedrock_frames(sse.text_stream(["ok"]))))
    stream_all(region="ap-southeast-2")
    (request,) = aws_env.requests
    assert "/ap-southeast-2/bedrock/" in request.headers["authorization"]
    assert sigv4_problem(request, aws_env.base_url, "ap-southeast-2") is None
    assert REGION != "ap-southeast-2"


def test_dropped_connection_keeps_the_partial_answer(aws_env: FakeAnthropicAPI) -> None:
    frames = bedrock_frames(sse.text_stream(["one ", "two ", "three"]))
    # message_start, block start, ping and two deltas, then the socket closes mid-frame.
    cut = b"".join(frames[:5]) + frames[5][:9]
    aws_env.enqueue(bedrock_response([cut], then="drop"))
    error, seen = stream_error()
    assert isinstance(error, StreamInterruptedError)
    assert error.partial is not None and error.partial.text == "one two "
    assert "Amazon Bedrock" not in error.human or "connection" in error.human
    assert len(aws_env.requests) == 1  # content had arrived: never retried
    assert sum(isinstance(e, ContentBlockDelta) for e in seen) == 2


def test_throttling_then_retry(aws_env: FakeAnthropicAPI) -> None:
    sleep = SleepRecorder()
    aws_env.enqueue(
        bedrock_http_error(429, "ThrottlingException", "Too many requests, please wait."),
        # Throttled again, this time as an exception inside the stream, before content.
        bedrock_response([exception_message("throttlingException", "Too many tokens")]),
        bedrock_response(bedrock_frames(sse.text_stream(["fine"]))),
    )
    events, message = stream_all(sleep=sleep)
    assert message.text == "fine"
    retries = [e for e in events if isinstance(e, RetryScheduled)]
    assert len(retries) == 2 and len(sleep.delays) == 2
    assert all(isinstance(r.error, CloudThrottlingError) for r in retries)
    assert "throttling" in retries[0].error.human
    for request in aws_env.requests:  # each attempt signed afresh
        assert sigv4_problem(request, aws_env.base_url) is None


def test_an_exception_after_content_keeps_the_partial_and_is_not_retried(
    aws_env: FakeAnthropicAPI,
) -> None:
    frames = bedrock_frames(sse.message_stream([sse.text_block(["Half an ", "answer"])]))
    stream = [*frames[:5], exception_message("modelStreamErrorException", "Model failed")]
    aws_env.enqueue(bedrock_response(stream))
    error, _ = stream_error()
    assert isinstance(error, CloudServerError)
    assert error.partial is not None and error.partial.text == "Half an answer"
    assert "Amazon Bedrock had an internal error" in error.human
    assert len(aws_env.requests) == 1


def test_cancelling_mid_stream_closes_the_connection(aws_env: FakeAnthropicAPI) -> None:
    frames = bedrock_frames(sse.text_stream([f"w{i} " for i in range(200)]))
    aws_env.enqueue(bedrock_response(frames[:40], delay=0.05, then="stall"))

    cancelled_at = cancel_after_first_delta(BedrockClient)
    seen = aws_env.wait_for_disconnect(timeout=2)
    assert seen is not None and seen - cancelled_at < 1.0


def test_a_damaged_frame_is_a_clear_protocol_error(aws_env: FakeAnthropicAPI) -> None:
    frame = bytearray(chunk_message({"type": "ping"}))
    frame[-1] ^= 0x01
    aws_env.enqueue(bedrock_response([bytes(frame)]))
    error, _ = stream_error(max_retries=0)
    assert isinstance(error, ProtocolError)
    assert "damaged" in error.human


def test_a_chunk_that_is_not_base64_json(aws_env: FakeAnthropicAPI) -> None:
    from tests.fake_clouds import encode_message

    bad = encode_message({":message-type": "event", ":event-type": "chunk"}, b'{"bytes": "%%"}')
    aws_env.enqueue(bedrock_response([bad]))
    error, _ = stream_error(max_retries=0)
    assert isinstance(error, ProtocolError)


@pytest.mark.parametrize(
    ("status", "error_type", "cls", "words"),
    [
        (403, "AccessDeniedException", CloudPermissionError, "Model access"),
        (403, "ExpiredTokenException", CloudAuthError, "aws sso login"),
        (403, "UnrecognizedClientException", CloudAuthError, "refused your credentials"),
        (400, "ValidationException", BadRequestError, "refused the request"),
        (404, "ResourceNotFoundException", CloudNotFoundError, "region"),
        (503, "ServiceUnavailableException", CloudServerError, "Try again"),
    ],
)
def test_http_errors_map_to_human_lines(
    aws_env: FakeAnthropicAPI, status: int, error_type: str, cls: type, words: str
) -> None:
    aws_env.enqueue(bedrock_http_error(status, error_type, "The cloud says no."))
    error, _ = stream_error(max_retries=0)
    assert type(error) is cls
    assert words in error.human
    assert error.retryable == (status >= 500)


def test_expired_session_names_the_profile(
    aws_env: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    (tmp_path / "aws-config").write_text("[profile work]\nregion = eu-west-3\n")
    # A named profile takes its keys from the files, not the environment.
    (tmp_path / "aws-credentials").write_text(
        f"[work]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n"
    )
    aws_env.enqueue(bedrock_http_error(403, "ExpiredTokenException", "The token is expired"))
    error, _ = stream_error(profile="work", max_retries=0)
    assert error.human.startswith(
        "Your AWS session has expired: run `aws sso login --profile work`"
    )


def test_no_credentials_is_said_plainly(
    aws_env: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    for name in ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        monkeypatch.delenv(name, raising=False)
    error, _ = stream_error()
    assert isinstance(error, CloudAuthError)
    assert "No AWS credentials were found" in error.human
    assert aws_env.requests == []


def test_unknown_profile_and_missing_region(
    aws_env: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    error, _ = stream_error(profile="nope")
    assert isinstance(error, ProviderSetupError)
    assert "'nope'" in error.human
    monkeypatch.delenv("AWS_REGION")
    error, _ = stream_error()
    assert isinstance(error, ProviderSetupError)
    assert "region" in error.human


def test_without_botocore_it_says_what_to_install(
    aws_env: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "botocore.session", None)  # an import of it fails
    error, _ = stream_error()
    assert isinstance(error, ProviderSetupError)
    assert "claude-desktop[bedrock]" in error.human


def test_chunk_payload_is_base64_of_the_event(aws_env: FakeAnthropicAPI) -> None:
    # The tests' framing itself, checked once by hand against the documented shape.
    from botocore.eventstream import EventStreamBuffer

    buffer = EventStreamBuffer()
    buffer.add_data(chunk_message({"type": "message_stop"}))
    (message,) = list(buffer)
    assert message.headers[":event-type"] == "chunk"
    inner = json.loads(base64.b64decode(json.loads(message.payload)["bytes"]))
    assert inner == {"type": "message_stop"}


def test_a_session_token_the_server_echoes_is_masked(aws_env: FakeAnthropicAPI) -> None:
    def echo(request: RecordedRequest) -> JSONResponse:
        said = f"Bad request, token {request.headers['x-amz-security-token']}"
        return JSONResponse(400, {"message": said}, {"x-amzn-errortype": "ValidationException"})

    aws_env.enqueue(echo)
    error, _ = stream_error(max_retries=0)
    assert SESSION_TOKEN not in error.human and SESSION_TOKEN not in str(error)
    assert "masked" in error.message
