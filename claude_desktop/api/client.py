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
import json
import logging
import os
import platform
import unicodedata
import urllib.request
import zlib
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

from . import limits
from .accumulator import MessageAccumulator
from .errors import (
    APIStatusError,
    ClaudeError,
    ConnectionFailedError,
    KeyFormatError,
    ProtocolError,
    ProviderSetupError,
    RedirectError,
    ResponseTooLargeError,
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
from .masking import mask_keys
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
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise ValueError(f"'{text}' has port {parsed.port}, but ports go from 1 to 65535.")
    return text.rstrip("/")


#: The proxies httpx can use (socks5h: the proxy resolves the host name).
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def check_proxy_url(url: str) -> str:
    """`url` checked as a proxy's address, or ValueError with a sentence saying what is wrong."""
    text = url.strip()
    scheme = text.partition("://")[0].lower()
    if scheme in ("socks5", "socks5h"):
        # check_base_url's rules for the rest (host, port), on an http form of the address.
        check_base_url("http" + text[len(scheme) :])
        return text
    return check_base_url(text)


def key_problem(key: str) -> str | None:
    """Why `key` cannot be an API key (a sentence naming the bad character, never the key),
    or None. Keys are printable ASCII: a zero-width space or a non-breaking space pasted
    along with one could not even be sent in a header."""
    for position, char in enumerate(key, 1):
        if not "!" <= char <= "~":
            name = unicodedata.name(char, "a control character")
            what = f"U+{ord(char):04X} {name}"
            return (
                f"The API key contains a character that cannot be part of a key ({what}, "
                f"character {position} of {len(key)}): paste it again."
            )
    return None


_FIX_IN_SETTINGS = "Fix it in Settings → Connection."

# The environment variables a proxy is read from, as httpx and urllib read them.
_PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")


def _environment_proxy_names() -> str:
    names = [n for n in _PROXY_VARIABLES if os.environ.get(n) or os.environ.get(n.lower())]
    return ", ".join(names) or "the environment"


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
            self._setup_problem = f"The API base URL {exc} {_FIX_IN_SETTINGS}"
        if proxy:
            try:
                check_proxy_url(proxy)
            except ValueError as exc:
                self._setup_problem = self._setup_problem or f"The proxy {exc} {_FIX_IN_SETTINGS}"
                proxy = None
        self.max_retries = max_retries
        self.read_timeout = read_timeout
        self.connect_timeout = connect_timeout
        #: The proxy every request goes through (checked), or None for the environment's.
        self.proxy = proxy or None
        self.betas = list(betas)
        self._sleep = sleep
        options: dict[str, Any] = {
            "http2": True,
            "timeout": httpx.Timeout(read_timeout, connect=connect_timeout),
            "headers": {
                "user-agent": user_agent or default_user_agent(),
                "accept": "application/json",
                # What _decoded_body reads, a bounded piece at a time (no br or zstd).
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
            names = _environment_proxy_names()
            self._setup_problem = self._setup_problem or (
                f"The proxy set in {names} cannot be used ({mask_keys(str(exc))})."
                " Fix or unset it, or set a proxy in Settings → Connection."
            )
            self._http = httpx.AsyncClient(trust_env=False, **options)

    @property
    def host(self) -> str:
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
        return _status_error(response, body)

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
            _check_redirect(response)
            if response.status_code >= 400:
                raise self._status_error(
                    response, await _read_body(response, limits.MAX_ERROR_BODY_BYTES)
                )
            body = await _read_body(response, limits.MAX_JSON_BODY_BYTES, truncate=False)
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
    ) -> dict[str, Any]:
        """A JSON request to `path`, retried by the same rules as a stream before content.

        `content` makes the body afresh for each attempt (a streamed upload can't be re-read).
        """
        self._check_setup()
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
                error.redact(client._secrets())
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
        client._check_setup()
        request = await client._stream_request(self._body, self._betas)
        try:
            response = await client._http.send(request, stream=True)
            try:
                self.request_id = client._request_id(response)
                _check_redirect(response)
                if response.status_code >= 400:
                    body = await _read_body(response, limits.MAX_ERROR_BODY_BYTES)
                    raise client._status_error(response, body)
                decoder = client._event_decoder()
                content_type = response.headers.get("content-type", "")
                if not content_type.startswith(decoder.content_type):
                    body = await _read_body(response, limits.MAX_ERROR_BODY_BYTES)
                    if response.status_code == 200 and b'"error"' not in body:
                        raise ProtocolError(
                            f"expected '{decoder.content_type}', got '{content_type}'"
                        )
                    raise client._status_error(response, body)
                chunks = _decoded_body(response)
                received = 0
                async for chunk in chunks:
                    # Decoded bytes: counts what a gzip bomb expands to, and an endless stream.
                    received += len(chunk)
                    if received > limits.MAX_STREAM_BYTES:
                        raise ResponseTooLargeError(
                            f"a stream over {limits.MAX_STREAM_BYTES // limits.MiB} MB"
                        )
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
                raise StreamTimeoutError(
                    client.read_timeout, host=client.host, service=client.service
                ) from None
            raise client._connection_error(type(exc).__name__) from None
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            raise client._connection_error(reason, started=accumulator.started) from None
        except ClaudeError:
            raise
        except Exception as exc:
            # The last line: whatever a server's bytes made the parsing raise, the caller
            # gets one ClaudeError with the partial answer, never a traceback.
            # (CancelledError and GeneratorExit are not Exceptions: they pass.)
            log.debug("Unreadable stream", exc_info=True)
            raise ProtocolError(f"{type(exc).__name__} while reading it") from None
        if not accumulator.started:
            raise ProtocolError("the stream ended before a message started")
        if not accumulator.done:
            raise StreamInterruptedError(
                "the stream ended without message_stop", host=client.host, service=client.service
            )


async def _drain(chunks: AsyncIterator[bytes]) -> None:
    """Read the little that follows message_stop, so the connection can be reused."""
    try:
        async with asyncio.timeout(1.0):
            async for _chunk in chunks:
                pass
    except (TimeoutError, httpx.HTTPError, ClaudeError):
        pass  # The message is complete; a slow or rude ending costs only the connection.


def _check_redirect(response: httpx.Response) -> None:
    """A redirect is not followed (it would resend the key elsewhere): it is reported."""
    if 300 <= response.status_code < 400:
        raise RedirectError(response.status_code, response.headers.get("location", ""))


async def _decoded_body(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body's bytes, decompressed in pieces of at most limits.DECODE_PIECE_BYTES.

    httpx's own decoding inflates a whole network read at once, so a small gzip bomb
    would be hundreds of megabytes before anyone could count them.
    """
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        async for raw in response.aiter_raw():
            yield raw
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise ProtocolError(f"it is compressed as '{encoding}'")
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib headers
    piece = limits.DECODE_PIECE_BYTES
    try:
        async for raw in response.aiter_raw():
            data = inflater.decompress(raw, piece)
            while True:
                if data:
                    yield data
                if not inflater.unconsumed_tail:
                    break
                data = inflater.decompress(inflater.unconsumed_tail, piece)
    except zlib.error:
        raise ProtocolError(f"its {encoding} compression is corrupt") from None


async def _read_body(response: httpx.Response, limit: int, *, truncate: bool = True) -> bytes:
    """The body, decoded, up to `limit` bytes: the rest is left unread (`truncate`), or
    ResponseTooLargeError. The response must be closed afterwards."""
    parts: list[bytes] = []
    size = 0
    async for piece in _decoded_body(response):
        room = limit - size
        if len(piece) > room:
            if not truncate:
                raise ResponseTooLargeError(f"an answer over {limit // limits.MiB} MB")
            parts.append(piece[:room])
            break
        parts.append(piece)
        size += len(piece)
    return b"".join(parts)


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
