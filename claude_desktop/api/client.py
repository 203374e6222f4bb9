"""The Messages API client: one long-lived httpx.AsyncClient, streaming with retries.

A client holds the connection settings and says how a request is made; a stream's
attempts run in api/message_stream.py, responses are read in api/responses.py, the
settings are checked in api/connection_checks.py (all importable from here too).

client = MessagesClient(api_key)
async with client.stream({"model": ..., "max_tokens": ..., "messages": [...]}) as stream:
    async for event in stream:
        ...
answer = stream.message      # complete, or what arrived before an error
await client.aclose()
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self

from claude_desktop import __version__

from . import limits
from .connection_checks import FIX_IN_SETTINGS, environment_proxy_names
from .connection_checks import PROXY_SCHEMES as PROXY_SCHEMES
from .connection_checks import check_base_url as check_base_url
from .connection_checks import check_proxy_url as check_proxy_url
from .connection_checks import key_problem as key_problem
from .errors import (
    ClaudeError,
    ConnectionFailedError,
    KeyFormatError,
    ProtocolError,
    ProviderSetupError,
    StreamInterruptedError,
    StreamTimeoutError,
)
from .event_decoders import EventDecoder as EventDecoder
from .event_decoders import SSEEventDecoder as SSEEventDecoder
from .masking import mask_keys
from .message_stream import MessageStream as MessageStream
from .models import FALLBACK_MODELS, ModelInfo, parse_model
from .responses import check_redirect, read_body, status_error
from .retry import DEFAULT_MAX_RETRIES, log_failure, retry_delay, should_retry

if TYPE_CHECKING:
    # Imported where a client is made or used, never with this module: the window's first
    # paint does not wait for httpx (and ssl, idna, email: ~60 ms of a cold start).
    import httpx

DEFAULT_BASE_URL = "https://api.anthropic.com"
# The one place the API version lives; newer versions change behaviour, so move deliberately.
ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_CONNECT_TIMEOUT = 10.0
# The API sends `ping` events while it works, so a longer silence means a dead stream.
DEFAULT_READ_TIMEOUT = 60.0


def default_base_url() -> str:
    return os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL


def default_user_agent() -> str:
    import platform

    import httpx

    return (
        f"claude-desktop/{__version__} (Python {platform.python_version()};"
        f" httpx {httpx.__version__})"
    )


class BaseMessagesClient:
    """What every provider's client shares: one httpx.AsyncClient, retries, streaming.

    A subclass says how a streamed request is made (`_stream_request`: URL, body, auth),
    how its response is decoded (`_event_decoder`) and how its errors read
    (`_status_error`); the retry loop, the accumulator and the error handling stay here.
    """

    #: Named in errors a person reads ("Could not reach Amazon Bedrock at ...").
    service = "the Anthropic API"

    def __init__(
        self,
        *,
        base_url: str,
        max_retries: int = DEFAULT_MAX_RETRIES,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        proxy: str | None = None,
        betas: Sequence[str] = (),
        headers: Mapping[str, str] | None = None,
        user_agent: str | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        # A bad address (typed in settings.json, or in ANTHROPIC_BASE_URL) must not break the
        # window where the client is made: each request reports it instead, as a sentence.
        self._setup_problem: str | None = None
        try:
            # Empty for a client whose endpoint is resolved on first use (Bedrock).
            self.base_url = check_base_url(base_url) if base_url else ""
        except ValueError as exc:
            self.base_url = ""
            self._setup_problem = f"The API base URL {exc} {FIX_IN_SETTINGS}"
        if proxy:
            try:
                check_proxy_url(proxy)
            except ValueError as exc:
                self._setup_problem = self._setup_problem or f"The proxy {exc} {FIX_IN_SETTINGS}"
                proxy = None
        self.max_retries = max_retries
        self.read_timeout = read_timeout
        self.connect_timeout = connect_timeout
        #: The proxy every request goes through (checked), or None for the environment's.
        self.proxy = proxy or None
        self.betas = list(betas)
        self._sleep = sleep
        import httpx

        options: dict[str, Any] = {
            "http2": True,
            "timeout": httpx.Timeout(read_timeout, connect=connect_timeout),
            "headers": {
                "user-agent": user_agent or default_user_agent(),
                "accept": "application/json",
                # What responses.decoded_body reads, a bounded piece at a time (no br or zstd).
                "accept-encoding": "gzip, deflate",
                **(headers or {}),
            },
            # An explicit proxy wins; without one, HTTPS_PROXY/ALL_PROXY/NO_PROXY apply.
            "proxy": self.proxy,
            "transport": transport,
        }
        try:
            self._http = httpx.AsyncClient(trust_env=True, **options)
        except (ValueError, TypeError, ImportError, RuntimeError, httpx.InvalidURL) as exc:
            # A proxy variable httpx cannot use (an unknown scheme, a broken address): say
            # so at each request, like a bad address in the settings.
            names = environment_proxy_names()
            self._setup_problem = self._setup_problem or (
                f"The proxy set in {names} cannot be used ({mask_keys(str(exc))})."
                " Fix or unset it, or set a proxy in Settings → Connection."
            )
            self._http = httpx.AsyncClient(trust_env=False, **options)

    @property
    def host(self) -> str:
        import httpx

        return httpx.URL(self.base_url).host if self.base_url else ""

    def _check_setup(self) -> None:
        if self._setup_problem is not None:
            raise ProviderSetupError(mask_keys(self._setup_problem))

    def _secrets(self) -> tuple[str, ...]:
        """What this client sends that must never be shown: masked in every error's text."""
        return ()

    def _proxy_for(self, url: str) -> str | None:
        """The proxy a request to `url` goes through (password masked), for error sentences."""
        if self.proxy:
            return mask_keys(self.proxy)
        if not url:
            return None
        import urllib.request  # http.client and email with it: only for an error's sentence

        import httpx

        parsed = httpx.URL(url)
        # As httpx decides it: from the environment only (typeshed lacks this function).
        if urllib.request.proxy_bypass_environment(parsed.host):  # type: ignore[attr-defined]
            return None
        proxies = urllib.request.getproxies_environment()
        proxy = proxies.get(parsed.scheme) or proxies.get("all")
        return mask_keys(proxy) if proxy else None

    def _connection_error(self, reason: str, *, started: bool = False) -> ConnectionFailedError:
        cls = StreamInterruptedError if started else ConnectionFailedError
        return cls(
            reason, host=self.host, service=self.service, proxy=self._proxy_for(self.base_url)
        )

    def _all_betas(self, betas: Sequence[str]) -> list[str]:
        return [*self.betas, *(b for b in betas if b not in self.betas)]

    def _headers(self, betas: Sequence[str] = ()) -> dict[str, str]:
        """Headers of every plain request (a subclass adds its authentication)."""
        return {}

    def stream(self, body: Mapping[str, Any], *, betas: Sequence[str] = ()) -> MessageStream:
        """Start streaming a message; iterate the result to receive its events."""
        return MessageStream(self, dict(body), list(betas))

    async def _stream_request(self, body: dict[str, Any], betas: Sequence[str]) -> httpx.Request:
        """The request of one streaming attempt (made afresh each time: auth can expire)."""
        raise NotImplementedError

    def _event_decoder(self) -> EventDecoder:
        return SSEEventDecoder()

    def _status_error(self, response: httpx.Response, body: bytes) -> ClaudeError:
        return status_error(response, body)

    def _request_id(self, response: httpx.Response) -> str | None:
        request_id: str | None = response.headers.get("request-id")
        return request_id

    async def list_models(self) -> list[ModelInfo]:
        raise NotImplementedError

    async def _send_json(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | int] | None,
        headers: Mapping[str, str],
        content: AsyncIterator[bytes] | None,
    ) -> dict[str, Any]:
        """One attempt of `request_json`: the response read within limits.MAX_JSON_BODY_BYTES."""
        request = self._http.build_request(
            method, self.base_url + path, params=params, headers=headers, content=content
        )
        response = await self._http.send(request, stream=True)
        try:
            check_redirect(response)
            if response.status_code >= 400:
                raise self._status_error(
                    response, await read_body(response, limits.MAX_ERROR_BODY_BYTES)
                )
            body = await read_body(response, limits.MAX_JSON_BODY_BYTES, truncate=False)
        finally:
            await response.aclose()
        try:
            data = json.loads(body)
        except ValueError:
            raise ProtocolError(f"{method} {path} returned invalid JSON") from None
        if not isinstance(data, dict):
            raise ProtocolError(f"{method} {path} did not return a JSON object")
        return data

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        betas: Sequence[str] = (),
        headers: Mapping[str, str] | None = None,
        content: Callable[[], AsyncIterator[bytes]] | None = None,
        max_retries: int | None = None,
    ) -> dict[str, Any]:
        """A JSON request to `path`, retried by the same rules as a stream before content
        (at most `max_retries` times; the client's number when None).

        `content` makes the body afresh for each attempt (a streamed upload can't be re-read).
        """
        import httpx

        self._check_setup()
        retries = self.max_retries if max_retries is None else max_retries
        attempt = 0
        while True:
            try:
                return await self._send_json(
                    method,
                    path,
                    params,
                    {**self._headers(betas), **(headers or {})},
                    content() if content is not None else None,
                )
            except httpx.TimeoutException:
                error: ClaudeError = StreamTimeoutError(
                    self.read_timeout, host=self.host, service=self.service
                )
            except httpx.HTTPError as exc:
                error = self._connection_error(str(exc) or type(exc).__name__)
            except ClaudeError as exc:
                error = exc
            error.redact(self._secrets())
            if attempt >= retries or not should_retry(error):
                log_failure(error)
                raise error
            await self._sleep(retry_delay(attempt, error))
            attempt += 1

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class MessagesClient(BaseMessagesClient):
    """A client for one API key and base URL; share one per app, close it at exit."""

    def __init__(self, api_key: str, *, base_url: str | None = None, **options: Any) -> None:
        super().__init__(
            base_url=base_url or default_base_url(),
            headers={"anthropic-version": ANTHROPIC_VERSION},
            **options,
        )
        self.api_key = api_key
        # Checked here, not when a header is made: httpx would raise UnicodeEncodeError
        # (a ValueError, read as "invalid JSON" by a caller) for a pasted zero-width space.
        self._key_problem = key_problem(api_key)

    def _check_setup(self) -> None:
        super()._check_setup()
        if self._key_problem is not None:
            raise KeyFormatError(self._key_problem)

    def _secrets(self) -> tuple[str, ...]:
        return (self.api_key,)

    def _headers(self, betas: Sequence[str] = ()) -> dict[str, str]:
        headers = {"x-api-key": self.api_key}
        all_betas = self._all_betas(betas)
        if all_betas:
            headers["anthropic-beta"] = ",".join(all_betas)
        return headers

    async def _stream_request(self, body: dict[str, Any], betas: Sequence[str]) -> httpx.Request:
        return self._http.build_request(
            "POST",
            self.base_url + "/v1/messages",
            json={**body, "stream": True},
            headers=self._headers(betas),
        )

    async def count_tokens(
        self, body: Mapping[str, Any], *, betas: Sequence[str] = (), max_retries: int = 0
    ) -> int:
        """The input tokens a Messages request would take (`POST /v1/messages/count_tokens`,
        the same body without `max_tokens` and `stream`, the same headers and betas).
        Not retried by default: a caller asks before sending and sends anyway on failure.
        ProtocolError when the answer holds no count."""
        payload = {k: v for k, v in body.items() if k not in ("max_tokens", "stream")}
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")

        async def content() -> AsyncIterator[bytes]:
            yield data

        answer = await self.request_json(
            "POST",
            "/v1/messages/count_tokens",
            betas=betas,
            # With a length the body goes in one piece, not chunked.
            headers={"content-type": "application/json", "content-length": str(len(data))},
            content=content,
            max_retries=max_retries,
        )
        tokens = answer.get("input_tokens")
        if not isinstance(tokens, int) or isinstance(tokens, bool) or tokens < 0:
            raise ProtocolError("count_tokens returned no input_tokens")
        return tokens

    async def list_models(self) -> list[ModelInfo]:
        """Every model the key can use, following the API's pagination."""
        models: list[ModelInfo] = []
        params: dict[str, str | int] = {"limit": 1000}
        while True:
            page = await self.request_json("GET", "/v1/models", params=params)
            for item in page.get("data") or []:
                if isinstance(item, dict) and item.get("id"):
                    models.append(parse_model(item))
            last_id = page.get("last_id")
            if not page.get("has_more") or not last_id:
                return models
            params["after_id"] = str(last_id)


class CloudMessagesClient(BaseMessagesClient):
    """A client of a cloud that serves Claude under its own model ids and has no model list
    of its own to ask: the picker's ids are mapped (`model_id`), the list is pinned."""

    def __init__(
        self,
        *,
        model_id: Callable[[str], str] = str,
        models: Sequence[ModelInfo] = FALLBACK_MODELS,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self._model_id = model_id
        self._models = list(models)

    async def list_models(self) -> list[ModelInfo]:
        # The clouds list models through another service (and permission), per region.
        return list(self._models)
