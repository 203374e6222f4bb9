"""The Messages API client: one long-lived httpx.AsyncClient, streaming with retries.

client = MessagesClient(api_key)
async with client.stream({"model": ..., "max_tokens": ..., "messages": [...]}) as stream:
    async for event in stream:
        ...
answer = stream.message      # complete, or what arrived before an error
await client.aclose()
"""

from __future__ import annotations

import asyncio
import logging
import os
import platform
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from types import TracebackType
from typing import Any, Protocol, Self

import httpx

from claude_desktop import __version__

from .accumulator import MessageAccumulator
from .errors import (
    APIStatusError,
    ClaudeError,
    ConnectionFailedError,
    ProtocolError,
    ProviderSetupError,
    StreamInterruptedError,
    StreamTimeoutError,
    error_from_body,
    make_status_error,
)
from .events import (
    ErrorEvent,
    MessageStop,
    RetryScheduled,
    StreamEvent,
    parse_event,
)
from .message import Message
from .models import FALLBACK_MODELS, ModelInfo, parse_model
from .retry import (
    DEFAULT_MAX_RETRIES,
    parse_retry_after,
    parse_should_retry,
    retry_delay,
    should_retry,
)
from .sse import SSEDecoder

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.anthropic.com"
# The one place the API version lives; newer versions change behaviour, so move deliberately.
ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_CONNECT_TIMEOUT = 10.0
# The API sends `ping` events while it works, so a longer silence means a dead stream.
DEFAULT_READ_TIMEOUT = 60.0


def default_base_url() -> str:
    return os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL


def default_user_agent() -> str:
    return (
        f"claude-desktop/{__version__} (Python {platform.python_version()};"
        f" httpx {httpx.__version__})"
    )


def check_base_url(url: str) -> str:
    """`url` stripped of a trailing slash, or ValueError with a sentence saying what is wrong."""
    text = url.strip()
    try:
        parsed = httpx.URL(text)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"'{text}' is not a web address ({exc}).") from None
    if parsed.scheme not in ("http", "https"):
        raise ValueError(f"'{text}' must start with https:// (or http:// for a local gateway).")
    if not parsed.host:
        raise ValueError(f"'{text}' has no host name: write it like https://gateway.example.com.")
    if any(c.isspace() for c in text) or "%" in parsed.host:
        raise ValueError(f"'{text}' is not a web address (a space or odd character in it).")
    return text.rstrip("/")


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
            self._setup_problem = f"The API base URL {exc}"
        if proxy:
            try:
                check_base_url(proxy)
            except ValueError as exc:
                self._setup_problem = self._setup_problem or f"The proxy {exc}"
                proxy = None
        self.max_retries = max_retries
        self.read_timeout = read_timeout
        self.connect_timeout = connect_timeout
        #: The proxy every request goes through (checked), or None for the environment's.
        self.proxy = proxy or None
        self.betas = list(betas)
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            http2=True,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            headers={
                "user-agent": user_agent or default_user_agent(),
                "accept": "application/json",
                **(headers or {}),
            },
            # An explicit proxy wins; without one, HTTPS_PROXY/ALL_PROXY/NO_PROXY apply.
            proxy=self.proxy,
            trust_env=True,
            transport=transport,
        )

    @property
    def host(self) -> str:
        return httpx.URL(self.base_url).host if self.base_url else ""

    def _check_setup(self) -> None:
        if self._setup_problem is not None:
            raise ProviderSetupError(f"{self._setup_problem} Fix it in Settings → Connection.")

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
        return _status_error(response, body)

    def _request_id(self, response: httpx.Response) -> str | None:
        request_id: str | None = response.headers.get("request-id")
        return request_id

    async def list_models(self) -> list[ModelInfo]:
        raise NotImplementedError

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        betas: Sequence[str] = (),
        headers: Mapping[str, str] | None = None,
        content: Callable[[], AsyncIterator[bytes]] | None = None,
    ) -> dict[str, Any]:
        """A JSON request to `path`, retried by the same rules as a stream before content.

        `content` makes the body afresh for each attempt (a streamed upload can't be re-read).
        """
        self._check_setup()
        attempt = 0
        while True:
            try:
                response = await self._http.request(
                    method,
                    self.base_url + path,
                    params=params,
                    headers={**self._headers(betas), **(headers or {})},
                    content=content() if content is not None else None,
                )
                if response.status_code >= 400:
                    raise self._status_error(response, response.content)
                data = response.json()
                if not isinstance(data, dict):
                    raise ProtocolError(f"{method} {path} did not return a JSON object")
                return data
            except ValueError as exc:
                raise ProtocolError(f"{method} {path} returned invalid JSON") from exc
            except httpx.TimeoutException:
                error: ClaudeError = StreamTimeoutError(
                    self.read_timeout, host=self.host, service=self.service
                )
            except httpx.TransportError as exc:
                error = ConnectionFailedError(
                    str(exc) or type(exc).__name__, host=self.host, service=self.service
                )
            except ClaudeError as exc:
                error = exc
            if attempt >= self.max_retries or not should_retry(error):
                _log_failure(error)
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


class EventDecoder(Protocol):
    """Bytes of a streamed response in, typed events out (None entries are skipped)."""

    content_type: str

    def feed(self, chunk: bytes) -> Iterable[StreamEvent | None]: ...
    def close(self) -> None: ...


class SSEEventDecoder:
    """The Messages API's own framing: server-sent events (the direct API and Vertex AI)."""

    content_type = "text/event-stream"

    def __init__(self) -> None:
        self._sse = SSEDecoder()

    def feed(self, chunk: bytes) -> Iterable[StreamEvent | None]:
        events = self._sse.feed(chunk)
        if len(events) == 1:  # the usual chunk, as the API writes them: no generator
            return (parse_event(events[0]),)
        # Lazy, so the events before a malformed one still reach the accumulator.
        return (parse_event(sse) for sse in events)

    def close(self) -> None:
        self._sse.close()


class MessageStream:
    """The events of one streamed message, retried transparently until content arrives."""

    def __init__(self, client: BaseMessagesClient, body: dict[str, Any], betas: list[str]) -> None:
        self._client = client
        self._body = body
        self._betas = betas
        self._accumulator = MessageAccumulator()
        self._events = self._run()
        self.request_id: str | None = None

    @property
    def message(self) -> Message:
        """The message so far: complete after the stream ends, partial after an error."""
        return self._accumulator.message

    @property
    def done(self) -> bool:
        return self._accumulator.done

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        # The events themselves, not this wrapper: `async for` then skips a call per event.
        return self._events

    async def __anext__(self) -> StreamEvent:
        return await self._events.__anext__()

    async def __aenter__(self) -> MessageStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP response now (also what cancelling the consuming task does)."""
        await self._events.aclose()

    async def final_message(self) -> Message:
        async for _event in self:
            pass
        return self.message

    async def _run(self) -> AsyncGenerator[StreamEvent, None]:
        client = self._client
        attempt = 0
        while True:
            self._accumulator = MessageAccumulator()
            try:
                async for event in self._attempt():
                    yield event
                return
            except ClaudeError as error:
                accumulator = self._accumulator
                if accumulator.started:
                    error.partial = accumulator.message
                error.request_id = error.request_id or self.request_id
                retry = (
                    not accumulator.has_content
                    and attempt < client.max_retries
                    and should_retry(error)
                )
                _log_failure(error, retrying=retry)
                if not retry:
                    raise
                failure = error
                delay = retry_delay(attempt, error)
            attempt += 1
            yield RetryScheduled(attempt, delay, failure)
            await client._sleep(delay)

    async def _attempt(self) -> AsyncGenerator[StreamEvent, None]:
        client = self._client
        accumulator = self._accumulator
        host, service = client.host, client.service
        client._check_setup()
        request = await client._stream_request(self._body, self._betas)
        try:
            response = await client._http.send(request, stream=True)
            try:
                self.request_id = client._request_id(response)
                if response.status_code >= 400:
                    raise client._status_error(response, await response.aread())
                decoder = client._event_decoder()
                content_type = response.headers.get("content-type", "")
                if not content_type.startswith(decoder.content_type):
                    body = await response.aread()
                    if response.status_code == 200 and b'"error"' not in body:
                        raise ProtocolError(
                            f"expected '{decoder.content_type}', got '{content_type}'"
                        )
                    raise client._status_error(response, body)
                chunks = response.aiter_bytes()
                async for chunk in chunks:
                    for event in decoder.feed(chunk):
                        if event is None:
                            continue
                        if isinstance(event, ErrorEvent):
                            raise make_status_error(
                                None, event.error_type, event.message, request_id=self.request_id
                            )
                        accumulator.feed(event)
                        yield event
                        if isinstance(event, MessageStop):
                            await _drain(chunks)
                            return
                decoder.close()
            finally:
                await response.aclose()
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ReadTimeout):
                raise StreamTimeoutError(client.read_timeout, host=host, service=service) from None
            raise ConnectionFailedError(type(exc).__name__, host=host, service=service) from None
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__
            if accumulator.started:
                raise StreamInterruptedError(reason, host=host, service=service) from None
            raise ConnectionFailedError(reason, host=host, service=service) from None
        if not accumulator.started:
            raise ProtocolError("the stream ended before a message started")
        if not accumulator.done:
            raise StreamInterruptedError(
                "the stream ended without message_stop", host=host, service=service
            )


async def _drain(chunks: AsyncIterator[bytes]) -> None:
    """Read the little that follows message_stop, so the connection can be reused."""
    try:
        async with asyncio.timeout(1.0):
            async for _chunk in chunks:
                pass
    except (TimeoutError, httpx.HTTPError):
        pass  # The message is complete; a slow or rude ending costs only the connection.


def _status_error(response: httpx.Response, body: bytes) -> APIStatusError:
    headers = response.headers
    return error_from_body(
        response.status_code,
        body,
        request_id=headers.get("request-id"),
        retry_after=parse_retry_after(headers),
        should_retry=parse_should_retry(headers),
    )


def _log_failure(error: ClaudeError, *, retrying: bool = False) -> None:
    what = "retrying" if retrying else "failed"
    log.warning(
        "API request %s: %s: %s (request id %s)",
        what,
        type(error).__name__,
        error,
        error.request_id or "none",
    )
