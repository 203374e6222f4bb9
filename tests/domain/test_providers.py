"""Providers and network settings: which client, model ids, proxies, base URL, timeouts.

Everything that sends goes over real sockets to loopback servers; the proxy is a second
loopback server, which records the absolute-form request line a client sends a proxy.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator

import pytest

from claude_desktop.api.bedrock import BedrockClient
from claude_desktop.api.client import MessagesClient
from claude_desktop.api.errors import ProviderSetupError, StreamTimeoutError
from claude_desktop.api.models import FALLBACK_MODELS
from claude_desktop.api.vertex import VertexClient
from claude_desktop.domain import providers
from claude_desktop.domain.secrets import KeyStore
from claude_desktop.domain.session import Session
from claude_desktop.domain.settings import Settings
from tests import sse
from tests.fake_clouds import aws_env, bedrock_frames, bedrock_response, request_path
from tests.fakeapi import FakeAnthropicAPI, SSEResponse

__all__ = ["aws_env"]
BODY = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 8,
    "messages": [{"role": "user", "content": "Hi"}],
}


@pytest.fixture
def proxy() -> Iterator[FakeAnthropicAPI]:
    server = FakeAnthropicAPI()
    yield server
    server.close()


def answer(client: MessagesClient | BedrockClient | VertexClient) -> str:
    async def go() -> str:
        async with client, client.stream(BODY) as stream:
            return (await stream.final_message()).text

    return asyncio.run(go())


def test_model_ids_for_each_cloud() -> None:
    assert providers.bedrock_model_id("claude-sonnet-4-6") == "anthropic.claude-sonnet-4-6"
    assert (
        providers.bedrock_model_id("claude-haiku-4-5", "us")
        == "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    )
    assert providers.bedrock_model_id("claude-future-9") == "anthropic.claude-future-9"
    assert (
        providers.bedrock_model_id("eu.anthropic.claude-x-v1:0", "us")
        == "eu.anthropic.claude-x-v1:0"
    )
    assert providers.vertex_model_id("claude-haiku-4-5") == "claude-haiku-4-5@20251001"
    assert providers.vertex_model_id("claude-opus-4-7") == "claude-opus-4-7"
    assert providers.vertex_model_id("claude-x@20990101") == "claude-x@20990101"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("gateway.example.com", "must start with https://"),
        ("ftp://gateway.example.com", "must start with https://"),
        ("https://", "no host name"),
        ("http://exa mple.com", "is not a web address"),
    ],
)
def test_a_bad_base_url_gets_a_sentence(text: str, words: str) -> None:
    problem = providers.base_url_problem(text)
    assert problem is not None and words in problem and problem.startswith("The API base URL")


def test_good_base_urls_and_timeouts_pass() -> None:
    assert providers.base_url_problem("") is None
    assert providers.base_url_problem("https://gateway.example.com/anthropic/") is None
    assert providers.proxy_problem("http://proxy.corp:3128") is None
    assert "proxy" in (providers.proxy_problem("proxy.corp:3128") or "")
    assert providers.timeout_problem(10, 60) is None
    assert "connect timeout" in (providers.timeout_problem(0, 60) or "")
    assert "read timeout" in (providers.timeout_problem(10, 1) or "")


def test_an_explicit_base_url_wins_over_the_environment(
    fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    fake_api.enqueue(SSEResponse(sse.text_stream(["via the setting"])))
    settings = Settings(base_url=fake_api.base_url + "/")
    client = providers.make_client(settings, "sk-ant-x")
    assert answer(client) == "via the setting"  # type: ignore[arg-type]
    # Without the setting, ANTHROPIC_BASE_URL still points the app (the tests rely on it).
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    fake_api.enqueue(SSEResponse(sse.text_stream(["via the environment"])))
    assert answer(providers.make_client(Settings(), "sk-ant-x")) == "via the environment"  # type: ignore[arg-type]


def test_the_proxy_setting_routes_requests_through_the_proxy(
    proxy: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # an explicit proxy wins even so
    proxy.enqueue(SSEResponse(sse.text_stream(["proxied"])))
    settings = Settings(base_url="http://api.upstream.test:8080", proxy=proxy.base_url)
    assert answer(providers.make_client(settings, "sk-ant-x")) == "proxied"  # type: ignore[arg-type]
    (request,) = proxy.requests
    # A client talking to a proxy names the whole target URL in its request line.
    assert request.path == "http://api.upstream.test:8080/v1/messages"
    assert request.headers["host"] == "api.upstream.test:8080"


def test_the_proxy_setting_is_used_by_the_clouds_too(
    aws_env: FakeAnthropicAPI, proxy: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://bedrock.upstream.test")
    proxy.enqueue(bedrock_response(bedrock_frames(sse.text_stream(["through the proxy"]))))
    settings = Settings(provider="bedrock", proxy=proxy.base_url)
    assert answer(providers.make_client(settings, None)) == "through the proxy"  # type: ignore[arg-type]
    (request,) = proxy.requests
    assert request.path.startswith(
        "http://bedrock.upstream.test/model/anthropic.claude-sonnet-4-6/"
    )


def test_environment_proxies_apply_and_no_proxy_keeps_loopback_direct(
    fake_api: FakeAnthropicAPI, proxy: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.base_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    proxy.enqueue(SSEResponse(sse.text_stream(["env proxy"])))
    client = MessagesClient("k", base_url="http://api.upstream.test")
    assert answer(client) == "env proxy"
    assert proxy.requests[0].path == "http://api.upstream.test/v1/messages"

    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    fake_api.enqueue(SSEResponse(sse.text_stream(["direct"])))
    assert answer(MessagesClient("k", base_url=fake_api.base_url)) == "direct"
    assert len(proxy.requests) == 1 and len(fake_api.requests) == 1


def test_timeouts_come_from_the_settings(fake_api: FakeAnthropicAPI) -> None:
    stream = sse.events(sse.text_stream(["a", "b"]))
    fake_api.enqueue(SSEResponse(stream[:3], then="stall"))
    settings = Settings(base_url=fake_api.base_url, read_timeout=0.5, connect_timeout=2.0)
    client = providers.make_client(settings, "k", max_retries=0)
    assert client.read_timeout == 0.5
    with pytest.raises(StreamTimeoutError) as info:
        answer(client)  # type: ignore[arg-type]
    assert "0.5 s" in info.value.human


def test_a_cloud_session_needs_no_key_and_offers_the_pinned_models(
    aws_env: FakeAnthropicAPI,
) -> None:
    settings = Settings(provider="bedrock", bedrock_model_prefix="eu")
    session = Session(settings, KeyStore())
    assert not session.needs_key
    assert isinstance(session.client, BedrockClient)
    models = asyncio.run(session.refresh_models())
    assert [m.id for m in models] == [m.id for m in FALLBACK_MODELS]

    aws_env.enqueue(bedrock_response(bedrock_frames(sse.text_stream(["mapped"]))))
    assert answer(session.client) == "mapped"  # type: ignore[arg-type]
    assert request_path(aws_env.requests[0]).startswith("/model/eu.anthropic.claude-sonnet-4-6/")

    # Switching provider and back keeps each one's settings; the client follows.
    first = session.client
    settings.provider = "vertex"
    session.connection_changed()
    assert isinstance(session.client, VertexClient)
    settings.provider = "bedrock"
    session.connection_changed()
    assert session.client is not first and settings.bedrock_model_prefix == "eu"
    asyncio.run(session.aclose())


def test_the_anthropic_provider_still_needs_a_key() -> None:
    session = Session(Settings(), KeyStore())
    assert session.needs_key
    with pytest.raises(RuntimeError):
        session.client  # noqa: B018


def test_a_missing_extra_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    assert providers.missing_extra("anthropic") is None
    assert providers.missing_extra("bedrock") is None  # installed for the tests
    monkeypatch.setitem(sys.modules, "botocore", None)
    monkeypatch.setitem(sys.modules, "google.auth", None)
    assert "claude-desktop[bedrock]" in (providers.missing_extra("bedrock") or "")
    assert "claude-desktop[vertex]" in (providers.missing_extra("vertex") or "")


def test_a_bad_address_in_the_settings_file_is_a_sentence_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Settings come from a JSON file a person may edit: the client is still made (the window
    # makes it), and each request says what is wrong instead of going anywhere.
    client = providers.make_client(Settings(proxy="proxy.corp:3128"), "k")
    with pytest.raises(ProviderSetupError) as info:
        answer(client)  # type: ignore[arg-type]
    assert info.value.human.startswith("The proxy 'proxy.corp:3128' must start with https://")
    assert info.value.human.endswith("Fix it in Settings → Connection.")

    monkeypatch.setenv("ANTHROPIC_BASE_URL", "localhost:8080")
    with pytest.raises(ProviderSetupError) as info:
        answer(providers.make_client(Settings(), "k"))  # type: ignore[arg-type]
    assert "The API base URL 'localhost:8080'" in info.value.human


@pytest.mark.parametrize(
    "proxy", ["socks5://127.0.0.1:1080", "socks5h://proxy.corp:1080", "socks5://u:p@h:1"]
)
def test_a_socks_proxy_is_accepted_in_the_connection_settings(proxy: str) -> None:
    # The client speaks SOCKS (socksio); the settings must not refuse what it can use.
    assert providers.proxy_problem(proxy) is None


def test_a_socks_proxy_without_a_host_is_refused() -> None:
    assert providers.proxy_problem("socks5://:1080") is not None
