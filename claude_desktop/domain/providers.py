"""Who answers: the Anthropic API, Amazon Bedrock or Google Vertex AI, chosen in Settings.

This module turns the connection settings into a client (with the proxy and timeouts that
apply to every provider), checks what a person typed (base URL, proxy, timeouts), says what
to install when a provider's optional package is missing, and maps the model picker's ids
to each cloud's own.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, get_args

from claude_desktop.api.connection_checks import check_base_url, check_proxy_url
from claude_desktop.api.errors import ProviderSetupError
from claude_desktop.api.models import FALLBACK_MODELS, ModelInfo

from .settings import Provider, Settings

if TYPE_CHECKING:  # the streaming client and the turn runner load with the first request
    from claude_desktop.api.client import BaseMessagesClient

PROVIDER_IDS: tuple[Provider, ...] = get_args(Provider)


@dataclass(frozen=True)
class ProviderInfo:
    id: Provider
    name: str
    #: The importable module its optional extra brings, or "" when it needs none.
    module: str
    #: The api/ module of its client (imported when used: not at start-up, for a cloud few
    #: people use), or "" for the Anthropic API's.
    client_module: str = ""

    @property
    def install_hint(self) -> str:
        """What to install for its optional package ("" when it needs none)."""
        if not self.client_module:
            return ""
        hint: str = importlib.import_module(self.client_module).INSTALL_HINT
        return hint


PROVIDERS: dict[Provider, ProviderInfo] = {
    "anthropic": ProviderInfo("anthropic", "Anthropic API (API key)", ""),
    "bedrock": ProviderInfo("bedrock", "Amazon Bedrock", "botocore", "claude_desktop.api.bedrock"),
    "vertex": ProviderInfo(
        "vertex", "Google Vertex AI", "google.auth", "claude_desktop.api.vertex"
    ),
}

# The picker's ids on each cloud. Newer models share the API's id there; a few older ones
# carry a date (and Bedrock a version). An id the table lacks is tried as is, prefixed.
BEDROCK_MODEL_IDS: Mapping[str, str] = {
    "claude-opus-4-7": "anthropic.claude-opus-4-7",
    "claude-sonnet-4-6": "anthropic.claude-sonnet-4-6",
    "claude-haiku-4-5": "anthropic.claude-haiku-4-5-20251001-v1:0",
}
VERTEX_MODEL_IDS: Mapping[str, str] = {
    "claude-opus-4-7": "claude-opus-4-7",
    "claude-sonnet-4-6": "claude-sonnet-4-6",
    "claude-haiku-4-5": "claude-haiku-4-5@20251001",
}
BEDROCK_PREFIXES = ("", "us", "eu", "apac", "jp", "au", "global")


def bedrock_model_id(model: str, prefix: str = "") -> str:
    """The Bedrock id (or cross-region inference profile) for a picker id."""
    if model.startswith("arn:") or "anthropic." in model:
        return model  # already Bedrock's (someone typed an id or an inference profile ARN)
    base = BEDROCK_MODEL_IDS.get(model, f"anthropic.{model}")
    return f"{prefix}.{base}" if prefix else base


def vertex_model_id(model: str) -> str:
    """The Vertex AI model name for a picker id."""
    return model if "@" in model else VERTEX_MODEL_IDS.get(model, model)


def missing_extra(provider: Provider) -> str | None:
    """The sentence saying what to install, when the provider's optional package is absent."""
    info = PROVIDERS[provider]
    if not info.module:
        return None
    try:
        found = importlib.util.find_spec(info.module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a broken install
        found = False
    return None if found else info.install_hint


def needs_key(settings: Settings) -> bool:
    """Only the Anthropic API takes an API key; the clouds use their own credentials."""
    return settings.provider == "anthropic"


def base_url_problem(text: str) -> str | None:
    """Why `text` cannot be the API's base URL, or None (empty means the default)."""
    if not text.strip():
        return None
    try:
        check_base_url(text)
    except ValueError as exc:
        return f"The API base URL {exc}"
    return None


def proxy_problem(text: str) -> str | None:
    """Why `text` cannot be a proxy address, or None (empty means none, or the environment's)."""
    if not text.strip():
        return None
    try:
        check_proxy_url(text)  # http, https, and SOCKS5 (socksio is installed)
    except ValueError as exc:
        return f"The proxy {exc}"
    return None


def timeout_problem(connect: float, read: float) -> str | None:
    if not 1 <= connect <= 300:
        return "The connect timeout must be between 1 and 300 seconds."
    if not 5 <= read <= 3600:
        return "The read timeout must be between 5 and 3600 seconds."
    return None


def connection_options(settings: Settings) -> dict[str, Any]:
    """What every provider's client takes from the Connection settings."""
    return {
        "proxy": settings.proxy.strip() or None,
        "connect_timeout": float(settings.connect_timeout),
        "read_timeout": float(settings.read_timeout),
    }


#: What `load_http_stack` imports, in order.
HTTP_STACK = (
    "httpx",
    "httpcore",
    "claude_desktop.api.client",
    "claude_desktop.domain.turn_runner",
    # What Send builds its request with: imported when first used, not at start-up.
    "claude_desktop.domain.request_messages",
    "claude_desktop.domain.context_check",
)


def http_stack_loaded() -> bool:
    """Whether the first request and answer would import nothing more (`load_http_stack`)."""
    return all(name in sys.modules for name in HTTP_STACK)


def load_http_stack() -> None:
    """Import what the first client, request and answer import: httpx (with idna, email,
    http.client: ~60 ms), httpcore (with h2, hpack and anyio: ~100 ms), the app's client,
    the turn runner and what builds a request.

    For a worker thread at start-up, so the window's first paint does not wait for it:
    nothing the window imports before then imports httpx (api/ imports it where used).
    """
    for name in HTTP_STACK:
        importlib.import_module(name)


def make_client(settings: Settings, key: str | None, **options: Any) -> BaseMessagesClient:
    """The client of the active provider (ProviderSetupError for the Anthropic API without
    a key). A cloud's missing package or credentials are reported by its first request, so
    they show where the answer would be, with Retry."""
    from claude_desktop.api.client import MessagesClient

    options = {**connection_options(settings), **options}
    provider = settings.provider
    if provider == "bedrock":
        from claude_desktop.api.bedrock import BedrockClient

        prefix = settings.bedrock_model_prefix.strip()
        return BedrockClient(
            region=settings.bedrock_region,
            profile=settings.bedrock_profile,
            model_id=lambda model: bedrock_model_id(model, prefix),
            models=cloud_models(),
            **options,
        )
    if provider == "vertex":
        from claude_desktop.api.vertex import VertexClient

        return VertexClient(
            project=settings.vertex_project,
            region=settings.vertex_region,
            model_id=vertex_model_id,
            models=cloud_models(),
            **options,
        )
    if not key:
        raise ProviderSetupError("Set your Anthropic API key first.")
    return MessagesClient(key, base_url=settings.base_url.strip() or None, **options)


def cloud_models() -> list[ModelInfo]:
    """The pinned models a cloud offers in the picker (ids mapped when a request is sent)."""
    return list(FALLBACK_MODELS)


def describe(settings: Settings) -> str:
    """One line for the status bar: which provider answers, and where."""
    if settings.provider == "bedrock":
        where = settings.bedrock_region or "the AWS profile's region"
        profile = f", profile {settings.bedrock_profile}" if settings.bedrock_profile else ""
        return f"Using Amazon Bedrock ({where}{profile})"
    if settings.provider == "vertex":
        project = settings.vertex_project or "the default project"
        return f"Using Google Vertex AI ({project}, {settings.vertex_region or 'global'})"
    return "Using the Anthropic API"


async def check_connection(settings: Settings, key: str | None, model: str) -> str:
    """Ask the active provider for one token, as a person's first question would; returns a
    sentence saying it works, or raises ClaudeError saying why not."""
    from claude_desktop.api.client import MessagesClient

    from .api_request import ApiRequest
    from .turn_events import NullObserver
    from .turn_runner import TurnRunner

    async with make_client(settings, key, max_retries=0) as client:
        if isinstance(client, MessagesClient):
            models = await client.list_models()
            return f"The connection works: {len(models)} models available."
        # One token through the turn runner, as a person's first question goes.
        question = {"role": "user", "content": "Hi"}
        request = ApiRequest(model, max_tokens=1, messages=[question])
        result = await TurnRunner(client, NullObserver()).run(request)
        if result.error is not None:
            raise result.error
        return f"The connection works: {client.service} answered."
