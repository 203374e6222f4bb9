"""The Vertex AI client against a loopback server: a real google-auth token exchange (a
signed JWT, checked with google-auth's own decoder) and the SSE stream over real sockets."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest

from claude_desktop.api.errors import (
    BadRequestError,
    ClaudeError,
    CloudAuthError,
    CloudNotFoundError,
    CloudPermissionError,
    CloudServerError,
    CloudThrottlingError,
    OverloadedError,
    ProviderSetupError,
    StreamInterruptedError,
)
from claude_desktop.api.events import RetryScheduled, StreamEvent
from claude_desktop.api.message import Message
from claude_desktop.api.vertex import VERTEX_VERSION, VertexClient, vertex_base_url
from tests import sse
from tests.api.streaming import (
    BODY,
    SleepRecorder,
    cancel_after_first_delta,
    collect,
    collect_error,
    run,
)
from tests.fake_clouds import GoogleAccount, google_account, request_path, vertex_path
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, SSEResponse, api_error

__all__ = ["google_account"]


def _model_id(model: str) -> str:
    return "claude-sonnet-4-6@20260101" if model == "claude-sonnet-4-6" else model


def _client(**kw: Any) -> Callable[[], VertexClient]:
    return lambda: VertexClient(model_id=_model_id, **{"sleep": SleepRecorder(), **kw})


def stream_all(
    sleep: SleepRecorder | None = None, betas: tuple[str, ...] = (), **kw: Any
) -> tuple[list[StreamEvent], Message]:
    return collect(_client(sleep=sleep or SleepRecorder(), **kw), betas)


def stream_error(**kw: Any) -> tuple[ClaudeError, list[StreamEvent]]:
    return collect_error(_client(**kw))


def stream_requests(api: FakeAnthropicAPI) -> list[Any]:
    return [r for r in api.requests if request_path(r) != "/token"]


def test_a_long_answer_with_a_real_token_exchange(
    fake_api: FakeAnthropicAPI, google_account: GoogleAccount
) -> None:
    deltas = [f"word{i} " for i in range(2000)]
    fake_api.enqueue(SSEResponse(sse.text_stream(deltas), chunk_size=11))
    _, message = stream_all(region="europe-west1", betas=("a-beta",))
    assert message.text == "".join(deltas)

    (token_request,) = [r for r in fake_api.requests if request_path(r) == "/token"]
    (claims,) = google_account.assertions  # the JWT verified against the key's certificate
    assert claims["iss"] == google_account.client_email
    assert "cloud-platform" in claims["scope"]
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"

    (request,) = stream_requests(fake_api)
    assert request.headers["authorization"] == f"Bearer {google_account.issued[0]}"
    assert request_path(request) == vertex_path(
        google_account.project, "europe-west1", "claude-sonnet-4-6@20260101"
    )
    body = request.json
    assert body["anthropic_version"] == VERTEX_VERSION
    assert "model" not in body and body["stream"] is True
    assert request.headers["anthropic-beta"] == "a-beta"


def test_the_token_is_reused_until_near_expiry(
    fake_api: FakeAnthropicAPI, google_account: GoogleAccount
) -> None:
    async def three_answers() -> None:
        async with VertexClient(project="other-project") as client:
            for _ in range(3):
                async with client.stream(BODY) as stream:
                    await stream.final_message()

    fake_api.enqueue(*(SSEResponse(sse.text_stream(["ok"])) for _ in range(3)))
    run(three_answers)
    assert len(google_account.issued) == 1
    requests = stream_requests(fake_api)
    assert {r.headers["authorization"] for r in requests} == {f"Bearer {google_account.issued[0]}"}
    paths = {request_path(r) for r in requests}
    assert paths == {vertex_path("other-project", "global", "claude-sonnet-4-6")}

    # Tokens that expire within the margin are renewed before each use.
    google_account.expires_in = 60
    fake_api.enqueue(*(SSEResponse(sse.text_stream(["ok"])) for _ in range(3)))
    run(three_answers)
    assert len(google_account.issued) == 1 + 3


def test_dropped_connection_keeps_the_partial(
    fake_api: FakeAnthropicAPI, google_account: GoogleAccount
) -> None:
    fake_api.enqueue(
        SSEResponse(sse.events(sse.text_stream(["one ", "two ", "three"]))[:5], then="drop")
    )
    error, _ = stream_error()
    assert isinstance(error, StreamInterruptedError)
    assert error.partial is not None and error.partial.text == "one two "


def test_throttling_then_retry(fake_api: FakeAnthropicAPI, google_account: GoogleAccount) -> None:
    google_error = {
        "error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}
    }
    fake_api.enqueue(
        JSONResponse(429, google_error),
        api_error(529, "overloaded_error", "Overloaded"),  # the model's own error, passed through
        SSEResponse(sse.text_stream(["fine"])),
    )
    events, message = stream_all()
    assert message.text == "fine"
    retries = [e for e in events if isinstance(e, RetryScheduled)]
    assert [type(r.error) for r in retries] == [CloudThrottlingError, OverloadedError]
    assert "Google Vertex AI is limiting your requests" in retries[0].error.human


def test_cancelling_mid_stream_closes_the_connection(
    fake_api: FakeAnthropicAPI, google_account: GoogleAccount
) -> None:
    deltas = [f"w{i} " for i in range(200)]
    fake_api.enqueue(SSEResponse(sse.events(sse.text_stream(deltas)), delay=0.05))

    cancelled_at = cancel_after_first_delta(VertexClient)
    seen = fake_api.wait_for_disconnect(timeout=2)
    assert seen is not None and seen - cancelled_at < 1.0


@pytest.mark.parametrize(
    ("status", "google_status", "cls", "words"),
    [
        (401, "UNAUTHENTICATED", CloudAuthError, "gcloud auth application-default login"),
        (403, "PERMISSION_DENIED", CloudPermissionError, "Model Garden"),
        (404, "NOT_FOUND", CloudNotFoundError, "region"),
        (400, "INVALID_ARGUMENT", BadRequestError, "refused the request"),
        (503, "UNAVAILABLE", CloudServerError, "Try again"),
    ],
)
def test_google_errors_map_to_human_lines(
    fake_api: FakeAnthropicAPI,
    google_account: GoogleAccount,
    status: int,
    google_status: str,
    cls: type,
    words: str,
) -> None:
    body = {"error": {"code": status, "message": "Nope.", "status": google_status}}
    fake_api.enqueue(JSONResponse(status, [body]))  # Google sometimes wraps it in a list
    error, _ = stream_error(max_retries=0)
    assert type(error) is cls
    assert words in error.human


def test_a_refused_token_exchange(
    fake_api: FakeAnthropicAPI, google_account: GoogleAccount
) -> None:
    fake_api.route(
        "POST",
        "/token",
        JSONResponse(400, {"error": "invalid_grant", "error_description": "Invalid JWT"}),
    )
    error, _ = stream_error()
    assert isinstance(error, CloudAuthError)
    assert "expired or were revoked" in error.human
    assert stream_requests(fake_api) == []


def test_no_credentials(
    fake_api: FakeAnthropicAPI, google_account: GoogleAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(google_account.key_file) + ".gone")
    error, _ = stream_error()
    assert isinstance(error, CloudAuthError)
    assert "GOOGLE_APPLICATION_CREDENTIALS" in error.human


def test_without_google_auth_it_says_what_to_install(
    fake_api: FakeAnthropicAPI, google_account: GoogleAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "google.auth", None)
    error, _ = stream_error()
    assert isinstance(error, ProviderSetupError)
    assert "claude-desktop[vertex]" in error.human


def test_regional_and_global_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_VERTEX_BASE_URL", raising=False)
    assert vertex_base_url("global") == "https://aiplatform.googleapis.com"
    assert vertex_base_url("us-east5") == "https://us-east5-aiplatform.googleapis.com"


def test_a_token_the_server_echoes_is_masked(
    fake_api: FakeAnthropicAPI, google_account: GoogleAccount
) -> None:
    def echo(request: Any) -> JSONResponse:
        said = f"Bad request with {request.headers['authorization']}"
        return JSONResponse(400, {"error": {"code": 400, "message": said}})

    fake_api.enqueue(echo)
    error, _ = stream_error(max_retries=0)
    token = google_account.issued[-1]
    assert token not in error.human and token not in str(error) and "masked" in error.human
