"""One streamed message: its events as they arrive (retried transparently until content
comes), and the message they add up to (complete, or partial after an error).

The client (api/client.py) says how a request is made and its answer decoded; this runs
the attempts: the retry loop, the size limit of a stream, the accumulator, and the last
line of error handling (a server's bytes never become a traceback).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

from . import limits
from .accumulator import MessageAccumulator
from .errors import (
    ClaudeError,
    ProtocolError,
    ResponseTooLargeError,
    StreamInterruptedError,
    StreamTimeoutError,
    make_status_error,
)
from .events import ErrorEvent, MessageStop, RetryScheduled, StreamEvent
from .message import Message
from .responses import check_redirect, decoded_body, read_body
from .retry import log_failure, retry_delay, should_retry

if TYPE_CHECKING:
    import httpx  # imported where used: see client.py

    from .client import BaseMessagesClient

log = logging.getLogger(__name__)


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
                log_failure(error, retrying=retry)
                if not retry:
                    raise
                failure = error
                delay = retry_delay(attempt, error)
            attempt += 1
            yield RetryScheduled(attempt, delay, failure)
            await client._sleep(delay)

    async def _open(self, request: httpx.Request) -> httpx.Response:
        """Send `request`; its response once the head is in and it is a stream.

        The head, and an error's body, get the read timeout in all, from when the head
        is awaited: a gateway dripping them a byte at a time would otherwise hold the turn
        for ever, each byte resetting httpx's per-read timeout.
        """
        client = self._client
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(None) as deadline:

            async def trace(event: str, _info: object) -> None:
                if event.endswith("receive_response_headers.started"):
                    deadline.reschedule(loop.time() + client.read_timeout)

            request.extensions = {**request.extensions, "trace": trace}
            response = await client._http.send(request, stream=True)
            try:
                self.request_id = client._request_id(response)
                check_redirect(response)
                deadline.reschedule(loop.time() + client.read_timeout)
                if response.status_code >= 400:
                    body = await read_body(response, limits.MAX_ERROR_BODY_BYTES)
                    raise client._status_error(response, body)
                expected = client._event_decoder().content_type
                content_type = response.headers.get("content-type", "")
                if not content_type.startswith(expected):
                    body = await read_body(response, limits.MAX_ERROR_BODY_BYTES)
                    if response.status_code == 200 and b'"error"' not in body:
                        raise ProtocolError(f"expected '{expected}', got '{content_type}'")
                    raise client._status_error(response, body)
                deadline.reschedule(None)
            except BaseException:
                await response.aclose()
                raise
        return response

    async def _attempt(self) -> AsyncGenerator[StreamEvent, None]:
        import httpx

        client = self._client
        accumulator = self._accumulator
        client._check_setup()
        request = await client._stream_request(self._body, self._betas)
        try:
            response = await self._open(request)
            try:
                decoder = client._event_decoder()
                chunks = decoded_body(response)
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
        except TimeoutError:  # the head's deadline (_open)
            raise StreamTimeoutError(
                client.read_timeout, host=client.host, service=client.service
            ) from None
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
    import httpx

    try:
        async with asyncio.timeout(1.0):
            async for _chunk in chunks:
                pass
    except (TimeoutError, httpx.HTTPError, ClaudeError):
        pass  # The message is complete; a slow or rude ending costs only the connection.
