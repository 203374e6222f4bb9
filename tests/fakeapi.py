"""A loopback fake of the Anthropic API that speaks real HTTP/1.1 over real sockets.

Tests queue scripted responses (SSE streams cut into arbitrary chunks, JSON errors, dropped or
stalled connections); the server records every request and notices when the client hangs up
mid-response. It runs its own asyncio loop in a daemon thread, so it works under any loop the
test uses (none, asyncio, or qasync). Loaded as a pytest plugin: the `fake_api` fixture lives here.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import re
import secrets
import socket
import string
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import pytest

__all__ = [
    "CACHE_LIFETIME",
    "DropConnection",
    "FakeAnthropicAPI",
    "FakeClock",
    "Headers",
    "JSONResponse",
    "PromptCache",
    "RawResponse",
    "RecordedRequest",
    "Response",
    "SSEResponse",
    "Step",
    "ToolScenario",
    "api_error",
    "check_cache_control",
    "check_messages",
    "checked",
    "minimum_cacheable_tokens",
    "new_request_id",
]

_ALPHABET = string.ascii_letters + string.digits
_REASONS = {529: "Overloaded"}  # not in http.HTTPStatus


def new_request_id() -> str:
    """A fresh id shaped like the API's (`req_011C...`, 28 characters)."""
    return "req_011C" + "".join(secrets.choice(_ALPHABET) for _ in range(20))


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only header map; repeated headers are joined with ", "."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self.raw: list[tuple[str, str]] = list(items)
        self._map: dict[str, str] = {}
        for name, value in self.raw:
            key = name.lower()
            self._map[key] = f"{self._map[key]}, {value}" if key in self._map else value

    def __getitem__(self, name: str) -> str:
        return self._map[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._map

    def __iter__(self) -> Iterator[str]:
        return iter(self._map)

    def __len__(self) -> int:
        return len(self._map)

    def __repr__(self) -> str:
        return f"Headers({self._map!r})"


@dataclass
class RecordedRequest:
    """One request as the server read it off the socket."""

    method: str
    path: str  # including the query string
    query: dict[str, str]  # last value wins for repeated keys
    headers: Headers
    body: bytes
    request_id: str | None = None  # the `request-id` the server answered with, if it answered

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass
class SSEResponse:
    """A `text/event-stream` answer sent with chunked transfer encoding.

    `body` goes out as the given list of chunks, or as `chunk_size`-byte pieces of the joined bytes
    (which cut UTF-8 characters and lines anywhere, on purpose), or, given an iterator, as the
    chunks it makes, lazily (an endless stream: each is made only when the client takes it).
    `then` says how it ends: "end" sends the terminating 0-chunk, "drop" closes the socket
    without it (FIN), "reset" aborts with a TCP RST, "stall" keeps the socket open, sending
    nothing, until the client leaves.
    """

    body: bytes | list[bytes] | Iterator[bytes]
    chunk_size: int | None = None
    delay: float = 0.0  # seconds between chunks
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    then: Literal["end", "drop", "reset", "stall"] = "end"
    headers_delay: float = 0.0  # seconds before the status line, for first-byte timeouts

    def chunks(self) -> Iterable[bytes]:
        if not isinstance(self.body, bytes | list):
            return self.body
        data = b"".join(self.body) if isinstance(self.body, list) else self.body
        if self.chunk_size:
            n = self.chunk_size
            return [data[i : i + n] for i in range(0, len(data), n)]
        return list(self.body) if isinstance(self.body, list) else [data]


@dataclass
class JSONResponse:
    """A complete JSON answer with Content-Length; `body` may be raw bytes for malformed JSON."""

    status: int
    body: dict[str, Any] | list[Any] | bytes
    headers: dict[str, str] = field(default_factory=dict)
    headers_delay: float = 0.0  # seconds before answering, for timeout tests


@dataclass
class RawResponse:
    """Bytes written to the socket exactly as given: status line, headers and body, any of them
    broken on purpose (a status line whose headers never end, a Content-Length of a gigabyte).
    `parts` may be an endless iterator, consumed only as fast as the client reads. Then the
    socket is closed ("close"), or kept open, silent, until the client leaves ("stall")."""

    parts: Iterable[bytes]
    then: Literal["close", "stall"] = "close"
    #: Seconds between parts: a gateway dripping its headers a few bytes at a time.
    gap: float = 0.0


@dataclass
class DropConnection:
    """Read the request, then close the socket without answering."""


Response = SSEResponse | JSONResponse | RawResponse | DropConnection
Handler = Callable[[RecordedRequest], Response]


def api_error(status: int, type: str, message: str, **headers: str) -> JSONResponse:
    """The API's error answer, e.g. `api_error(429, "rate_limit_error", "wait", retry_after="3")`.

    Keyword names become headers with `_` turned into `-`. The same fresh id goes into the body's
    `request_id` and the `request-id` header, as the real API does.
    """
    request_id = new_request_id()
    body = {"type": "error", "error": {"type": type, "message": message}, "request_id": request_id}
    hdrs = {"request-id": request_id}
    hdrs.update({k.replace("_", "-"): v for k, v in headers.items()})
    return JSONResponse(status, body, hdrs)


class _ClientGone(Exception):
    """The client closed or reset the connection while we were answering."""


class _BadRequest(Exception):
    pass


class _Conn:
    """A client connection with our own read buffer.

    While a response is being written, a watcher keeps reading so that EOF is seen at once even
    while the response sleeps; bytes it reads early (a pipelined request) stay in `buf`.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.buf = bytearray()
        self.eof_at: float | None = None

    async def _fill(self) -> bool:
        try:
            data = await self.reader.read(65536)
        except OSError:
            data = b""
        if not data:
            if self.eof_at is None:
                self.eof_at = time.monotonic()
            return False
        self.buf += data
        return True

    async def watch(self) -> None:
        while await self._fill():
            pass

    async def read_until(self, sep: bytes, limit: int = 1 << 16) -> bytes | None:
        """Bytes up to and including `sep`; None on EOF before it."""
        while (i := self.buf.find(sep)) < 0:
            if len(self.buf) > limit:
                raise _BadRequest("header section too long")
            if not await self._fill():
                return None
        out = bytes(self.buf[: i + len(sep)])
        del self.buf[: i + len(sep)]
        return out

    async def read_exact(self, n: int) -> bytes | None:
        while len(self.buf) < n:
            if not await self._fill():
                return None
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    async def write(self, data: bytes) -> None:
        if self.eof_at is not None or self.writer.is_closing():
            raise _ClientGone
        self.writer.write(data)
        try:
            await self.writer.drain()
        except OSError as exc:
            if self.eof_at is None:
                self.eof_at = time.monotonic()
            raise _ClientGone from exc


class FakeAnthropicAPI:
    """The fake server. Construct it, point the client at `base_url`, `close()` it at the end."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        # A client hung up while a response was still going out (not an idle keep-alive close).
        self.client_disconnected = threading.Event()
        self.disconnect_times: list[float] = []  # time.monotonic() when each was noticed
        # Scenario mistakes (nothing queued, a handler raised): the fixture fails the test on them.
        self.errors: list[str] = []
        self.connections = 0  # TCP connections accepted, to check that clients reuse them
        # The API's prompt cache: `cached_answer` handlers read and write it; tests move its
        # clock (`prompt_cache.clock.advance(301)`) to let entries expire.
        self.prompt_cache = PromptCache()
        self._queue: deque[Response | Handler] = deque()
        self._routes: dict[tuple[str, str], Response | Handler] = {
            # Answered like the real API unless a test routes it elsewhere.
            ("POST", COUNT_TOKENS_PATH): self.count_tokens,
        }
        self._lock = threading.Lock()
        self._request_seen = threading.Condition(self._lock)
        self._tasks: set[asyncio.Task[None]] = set()
        self._port = 0
        self._closed = False
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="fake-anthropic-api", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._startup_error is not None:
            raise RuntimeError("fake API failed to start") from self._startup_error
        if not self._port:
            raise RuntimeError("fake API did not start within 10 s")

    # ---- test-facing API -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    def enqueue(self, *responses: Response | Handler) -> None:
        """Answer the next unrouted requests with these, in order (callables get the request)."""
        with self._lock:
            self._queue.extend(responses)

    def cached_answer(self, *blocks: Any, stop_reason: str = "end_turn") -> Handler:
        """A handler streaming `blocks` (tests.sse.Block, or a str for one text block) with
        the usage the real API would report for the request: its cache reads and writes
        from `prompt_cache`, after the checks the API makes (`check_messages`)."""
        return self.prompt_cache.answer(*blocks, stop_reason=stop_reason)

    def count_tokens(self, request: RecordedRequest) -> Response:
        """`POST /v1/messages/count_tokens` as the API answers it: the request's input tokens
        by the estimate the prompt cache uses (`block_tokens`), a 400 for a body the Messages
        API would refuse or one carrying `max_tokens` or `stream`."""
        body = request.json
        if not isinstance(body, dict):
            return api_error(400, "invalid_request_error", "The body is not a JSON object")
        for extra in ("max_tokens", "stream"):
            if extra in body:
                return api_error(
                    400, "invalid_request_error", f"{extra}: Extra inputs are not permitted"
                )
        problem = check_messages(body)
        if problem is not None:
            return api_error(400, "invalid_request_error", problem)
        _points, total = self.prompt_cache.breakpoints(body)
        return JSONResponse(200, {"input_tokens": total})

    def count_requests(self) -> list[RecordedRequest]:
        """The count_tokens requests received so far."""
        return [r for r in self.requests if urlsplit(r.path).path == COUNT_TOKENS_PATH]

    def route(self, method: str, path: str, response: Response | Handler) -> None:
        """Answer every `method path` (query string ignored) with `response`, leaving the queue."""
        with self._lock:
            self._routes[(method.upper(), path)] = response

    @property
    def pending(self) -> int:
        """How many queued responses have not been served yet."""
        with self._lock:
            return len(self._queue)

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> bool:
        """Block until at least `n` requests have arrived in total."""
        with self._request_seen:
            return self._request_seen.wait_for(lambda: len(self.requests) >= n, timeout)

    def wait_for_disconnect(self, timeout: float = 5.0) -> float | None:
        """Block until a client hangs up mid-response; when it was noticed (monotonic) or None."""
        if not self.client_disconnected.wait(timeout):
            return None
        return self.disconnect_times[0]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop may already have finished
                loop.call_soon_threadsafe(stop.set)
        self._thread.join(10)
        if self._thread.is_alive():
            raise RuntimeError("fake API thread did not stop")

    def __enter__(self) -> FakeAnthropicAPI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- server thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # surfaced to the constructor if startup failed
            self._startup_error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self._port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        conn = _Conn(reader, writer)
        try:
            if not self._stop or not self._stop.is_set():
                while await self._serve_one(conn):
                    pass
        except (_ClientGone, OSError, asyncio.CancelledError):
            pass
        except _BadRequest as exc:
            self._note_error(f"malformed request: {exc}")
        except Exception as exc:  # a bug here must not kill the server or print a traceback
            self._note_error(f"fake API crashed on a connection: {exc!r}")
        finally:
            self._tasks.discard(task)
            if conn.eof_at is not None:
                writer.transport.abort()
            else:
                writer.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await writer.wait_closed()

    async def _serve_one(self, conn: _Conn) -> bool:
        """Read and answer one request; False when the connection should close."""
        request = await self._read_request(conn)
        if request is None:
            return False
        with self._request_seen:
            self.requests.append(request)
            self._request_seen.notify_all()
        response = self._pick(request)
        if isinstance(response, DropConnection):
            return False
        keep_alive = request.headers.get("connection", "").lower() != "close"
        watcher = asyncio.create_task(conn.watch())
        try:
            if isinstance(response, JSONResponse):
                return await self._send_json(conn, request, response, watcher) and keep_alive
            if isinstance(response, RawResponse):
                return await self._send_raw(conn, response, watcher)
            return await self._send_sse(conn, request, response, watcher) and keep_alive
        except _ClientGone:
            self._note_disconnect(conn)
            return False
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    async def _read_request(self, conn: _Conn) -> RecordedRequest | None:
        head = await conn.read_until(b"\r\n\r\n")
        if head is None:
            return None
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, _version = lines[0].split(" ", 2)
        except ValueError:
            raise _BadRequest(f"bad request line {lines[0]!r}") from None
        items: list[tuple[str, str]] = []
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                items.append((name.strip(), value.strip()))
        headers = Headers(items)
        if headers.get("expect", "").lower() == "100-continue":
            await conn.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await self._read_chunked(conn)
        else:
            body = await conn.read_exact(int(headers.get("content-length", "0")))
        if body is None:
            return None  # the client left halfway through its own request
        return RecordedRequest(
            method=method.upper(),
            path=target,
            query=dict(parse_qsl(urlsplit(target).query, keep_blank_values=True)),
            headers=headers,
            body=body,
        )

    async def _read_chunked(self, conn: _Conn) -> bytes | None:
        body = bytearray()
        while True:
            size_line = await conn.read_until(b"\r\n")
            if size_line is None:
                return None
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while True:  # skip trailers up to the blank line
                    line = await conn.read_until(b"\r\n")
                    if line is None:
                        return None
                    if line == b"\r\n":
                        return bytes(body)
            chunk = await conn.read_exact(size + 2)
            if chunk is None:
                return None
            body += chunk[:-2]

    def _pick(self, request: RecordedRequest) -> Response:
        path = urlsplit(request.path).path
        with self._lock:
            handler = self._routes.get((request.method, path))
            if handler is None and self._queue:
                handler = self._queue.popleft()
        if handler is None:
            message = f"fake API: no scenario queued for {request.method} {request.path}"
            self._note_error(message)
            # x-should-retry: false so a retrying client fails at once instead of backing off.
            return api_error(500, "api_error", message, x_should_retry="false")
        if callable(handler):
            try:
                return handler(request)
            except Exception as exc:
                message = f"fake API: handler for {request.method} {request.path} raised {exc!r}"
                self._note_error(message)
                return api_error(500, "api_error", message, x_should_retry="false")
        return handler

    def _note_error(self, message: str) -> None:
        with self._lock:
            self.errors.append(message)

    def _note_disconnect(self, conn: _Conn) -> None:
        self.disconnect_times.append(conn.eof_at if conn.eof_at is not None else time.monotonic())
        self.client_disconnected.set()

    @staticmethod
    async def _pause(seconds: float, watcher: asyncio.Future[None]) -> None:
        """Sleep, but wake at once and raise if the client hangs up meanwhile."""
        if seconds > 0:
            await asyncio.wait({watcher}, timeout=seconds)
        if watcher.done():
            raise _ClientGone

    @staticmethod
    def _head(status: int, defaults: dict[str, str], extra: Mapping[str, str]) -> bytes:
        headers = dict(defaults)
        for name, value in extra.items():
            headers[name.lower()] = str(value)
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = _REASONS.get(status, "Unknown")
        lines = [f"HTTP/1.1 {status} {reason}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def _send_raw(
        self, conn: _Conn, response: RawResponse, watcher: asyncio.Future[None]
    ) -> bool:
        for part in response.parts:
            await conn.write(part)
            await self._pause(response.gap, watcher)
        if response.then == "stall":
            await watcher
            raise _ClientGone
        return False

    async def _send_json(
        self,
        conn: _Conn,
        request: RecordedRequest,
        response: JSONResponse,
        watcher: asyncio.Future[None],
    ) -> bool:
        await self._pause(response.headers_delay, watcher)
        body = response.body
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request.request_id = _header(response.headers, "request-id") or new_request_id()
        defaults = {
            "content-type": "application/json",
            "content-length": str(len(data)),
            "connection": "keep-alive",
            "request-id": request.request_id,
        }
        await conn.write(self._head(response.status, defaults, response.headers) + data)
        return True

    async def _send_sse(
        self,
        conn: _Conn,
        request: RecordedRequest,
        response: SSEResponse,
        watcher: asyncio.Future[None],
    ) -> bool:
        await self._pause(response.headers_delay, watcher)
        request.request_id = _header(response.headers, "request-id") or new_request_id()
        defaults = {
            "content-type": "text/event-stream; charset=utf-8",
            "transfer-encoding": "chunked",
            "connection": "keep-alive",
            "cache-control": "no-cache",
            "request-id": request.request_id,
        }
        await conn.write(self._head(response.status, defaults, response.headers))
        first = True
        for piece in response.chunks():
            if not piece:
                continue  # an empty chunk would end the body
            if not first:
                await self._pause(response.delay, watcher)
            first = False
            await conn.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        if response.then == "end":
            await conn.write(b"0\r\n\r\n")
            return True
        if response.then == "stall":
            await watcher  # until the client leaves (or the server shuts down)
            raise _ClientGone
        if response.then == "reset":
            # SO_LINGER with a zero timeout turns close() into an RST.
            sock = conn.writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.writer.transport.abort()
        return False  # "drop": the caller closes the socket without the final chunk


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


# ---- tool use, checked as the real API checks it ---------------------------------------------


def _blocks(message: Any) -> list[Any]:
    content = message.get("content") if isinstance(message, dict) else None
    return content if isinstance(content, list) else []


def _ids(content: list[Any], kind: str, key: str) -> list[str]:
    return [str(b.get(key)) for b in content if isinstance(b, dict) and b.get("type") == kind]


def check_messages(body: Any, signatures: Mapping[str, str] | None = None) -> str | None:
    """What the real API says (a 400's message) about a request's `messages`, or None when it
    takes them: roles alternate from a user turn; every tool_use of an assistant turn has its
    tool_result first in the next user turn, and no tool_result answers a call that is not
    there; `cache_control` only where the API takes it (`check_cache_control`). With
    `signatures` (the thinking blocks a scenario sent, by signature), a thinking block sent
    back changed, or signed by no one, is refused as its signature is."""
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    problem = check_cache_control(body)
    if problem is not None:
        return problem
    roles = [m.get("role") if isinstance(m, dict) else None for m in messages]
    if roles[0] != "user":
        return 'messages: first message must use the "user" role'
    for i in range(1, len(roles)):
        if roles[i] == roles[i - 1]:
            return (
                'messages: roles must alternate between "user" and "assistant", but found'
                f' multiple "{roles[i]}" roles in a row'
            )
    for i, message in enumerate(messages):
        content = _blocks(message)
        if roles[i] == "assistant":
            calls = _ids(content, "tool_use", "id")
            following = _blocks(messages[i + 1]) if i + 1 < len(messages) else []
            leading: list[str] = []
            for block in following:
                if not (isinstance(block, dict) and block.get("type") == "tool_result"):
                    break
                leading.append(str(block.get("tool_use_id")))
            missing = [c for c in calls if c not in leading]
            if missing:
                return (
                    f"messages.{i + 1}: `tool_use` ids were found without `tool_result` blocks"
                    f" immediately after: {', '.join(missing)}. Each `tool_use` block must have"
                    " a corresponding `tool_result` block in the next message."
                )
            if signatures is not None:
                for j, block in enumerate(content):
                    if not (isinstance(block, dict) and block.get("type") == "thinking"):
                        continue
                    if signatures.get(str(block.get("signature"))) != block.get("thinking"):
                        return f"messages.{i}.content.{j}: Invalid `signature` in `thinking` block"
        else:
            previous = _blocks(messages[i - 1]) if i > 0 else []
            calls = _ids(previous, "tool_use", "id")
            for j, block in enumerate(content):
                if not (isinstance(block, dict) and block.get("type") == "tool_result"):
                    continue
                if str(block.get("tool_use_id")) not in calls:
                    return (
                        f"messages.{i}.content.{j}: unexpected `tool_use_id` found in"
                        f" `tool_result` blocks: {block.get('tool_use_id')}. Each `tool_result`"
                        " block must have a corresponding `tool_use` block in the previous"
                        " message."
                    )
    return None


def checked(response: Response) -> Handler:
    """`response`, for a request whose messages the real API would take; else its 400."""

    def handler(request: RecordedRequest) -> Response:
        problem = check_messages(request.json)
        if problem is not None:
            return api_error(400, "invalid_request_error", problem)
        return response

    return handler


@dataclass
class Step:
    """One step (request) of a scripted turn: the blocks its answer streams, how it stops."""

    blocks: list[Any]  # tests.sse.Block
    stop_reason: str = "end_turn"
    web_search_requests: int | None = None


class ToolScenario:
    """A turn of several steps answered as the real API answers them: each request is
    checked (`check_messages`, the thinking blocks this scenario sent compared by signature,
    and every block of its earlier steps sent back unchanged); a request that fails gets the
    API's 400, one that passes the next step's stream. `enqueue_on(api)` queues it.
    `requests` holds the bodies it was sent, `rejections` the 400s' messages."""

    def __init__(self, *steps: Step, chunk_size: int | None = 17) -> None:
        self.steps = list(steps)
        self.chunk_size = chunk_size
        self.served = 0
        self.sent: list[dict[str, Any]] = []  # every block streamed so far, as accumulated
        self.requests: list[Any] = []
        self.rejections: list[str] = []

    def enqueue_on(self, api: FakeAnthropicAPI) -> ToolScenario:
        api.enqueue(*[self] * len(self.steps))
        return self

    def _problem(self, body: Any) -> str | None:
        signatures = {
            str(b.get("signature")): str(b.get("thinking"))
            for b in self.sent
            if b.get("type") == "thinking"
        }
        problem = check_messages(body, signatures)
        if problem is not None:
            return problem
        returned = [b for m in body["messages"] if m.get("role") == "assistant" for b in _blocks(m)]
        for block in self.sent:
            if block not in returned:
                return (
                    "messages: a block of the assistant's earlier turn was not sent back"
                    f" unchanged: {json.dumps(block)[:200]}"
                )
        return None

    def __call__(self, request: RecordedRequest) -> Response:
        from tests import sse  # the stream builders (fakeapi is loaded as a plugin first)

        body = request.json
        self.requests.append(body)
        problem = self._problem(body)
        if problem is not None:
            self.rejections.append(problem)
            return api_error(400, "invalid_request_error", problem)
        step = self.steps[self.served]
        self.served += 1
        self.sent.extend(sse.final_block(b) for b in step.blocks)
        stream = sse.message_stream(
            step.blocks,
            msg_id=f"msg_01Step{self.served}",
            stop_reason=step.stop_reason,
            web_search_requests=step.web_search_requests,
        )
        return SSEResponse(stream, chunk_size=self.chunk_size)


# ---- the prompt cache, kept as the real API keeps it ----------------------------------------

#: How long a cache entry lives after it was last written or read, in seconds ("5m").
CACHE_LIFETIME = 300.0
COUNT_TOKENS_PATH = "/v1/messages/count_tokens"
#: Tokens a PDF page counts (its text and its picture; the API says 1,500-3,000 a page).
PDF_PAGE_TOKENS = 1500
#: Tokens an image counts at the size the API scales it to (~1.15 MP / 750).
IMAGE_TOKENS = 1600
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-z])")


class FakeClock:
    """The prompt cache's time, in seconds: it moves only when a test moves it."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def minimum_cacheable_tokens(model: str) -> int:
    """The shortest prefix `model` caches: 2,048 tokens for Haiku, 1,024 for the others."""
    return 2048 if "haiku" in model else 1024


def check_cache_control(body: Any) -> str | None:
    """The API's 400 about where a request's `cache_control` marks are, or None: at most 4
    in all (tools, system, messages, inside tool results), never on a thinking block or an
    empty text block."""
    if not isinstance(body, dict):
        return None
    found = 0
    places: list[tuple[str, Any]] = []
    for i, tool in enumerate(_as_list(body.get("tools"))):
        places.append((f"tools.{i}", tool))
    for j, block in enumerate(_system_blocks(body.get("system"))):
        places.append((f"system.{j}", block))
    for i, message in enumerate(_as_list(body.get("messages"))):
        for j, block in enumerate(_blocks(message)):
            places.append((f"messages.{i}.content.{j}", block))
            if isinstance(block, dict) and block.get("type") == "tool_result":
                for k, inner in enumerate(_as_list(block.get("content"))):
                    places.append((f"messages.{i}.content.{j}.content.{k}", inner))
    for where, block in places:
        if not (isinstance(block, dict) and "cache_control" in block):
            continue
        found += 1
        kind = block.get("type")
        if kind in ("thinking", "redacted_thinking"):
            return f"{where}.{kind}.cache_control: Extra inputs are not permitted"
        if kind == "text" and not block.get("text"):
            return f"{where}.text: cache_control cannot be set for empty text blocks"
    if found > 4:
        return f"A maximum of 4 blocks with cache_control may be provided. Found {found}."
    return None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _system_blocks(system: Any) -> list[Any]:
    if isinstance(system, str):
        return [{"type": "text", "text": system}] if system else []
    return _as_list(system)


def _canonical(block: Any) -> str:
    """A block as the cache compares it: its JSON without the marks, keys sorted (moving a
    breakpoint does not change the prefix it caches)."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if k != "cache_control"}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return json.dumps(clean(block), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def block_tokens(block: Any) -> int:
    """Roughly what the API counts for a block: characters / 4, a PDF's pages at
    PDF_PAGE_TOKENS each and an image at IMAGE_TOKENS instead of their base64."""
    if isinstance(block, dict) and block.get("type") in ("document", "image"):
        source = block.get("source")
        if isinstance(source, dict) and source.get("type") == "base64":
            rest = {**block, "source": {**source, "data": ""}}
            if block["type"] == "image":
                return IMAGE_TOKENS + len(_canonical(rest)) // 4
            try:
                pdf = base64.b64decode(str(source.get("data", "")))
            except ValueError:
                pdf = b""
            pages = max(1, len(_PDF_PAGE.findall(pdf)))
            return pages * PDF_PAGE_TOKENS + len(_canonical(rest)) // 4
    return max(1, len(_canonical(block)) // 4)


@dataclass
class _Breakpoint:
    key: str  # the prefix's hash
    tokens: int  # the prefix's length


class PromptCache:
    """The API's prompt cache: a request's prefix up to a block marked `cache_control` (tools,
    then system, then messages, compared as canonical JSON: `_canonical`) is written when it
    reaches the model's minimum (`minimum_cacheable_tokens`) and lives CACHE_LIFETIME seconds
    of `clock` from its last write or read. A request reads the longest of its breakpoints'
    prefixes found alive, writes from there to its last breakpoint, and pays full price for
    the rest; `usage` reports it as the API does (input_tokens excludes the cached parts)."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.clock = clock or FakeClock()
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def breakpoints(self, body: dict[str, Any]) -> tuple[list[_Breakpoint], int]:
        """The request's breakpoints, in order, and its length in tokens."""
        digest = hashlib.sha256(str(body.get("model", "")).encode())
        found: list[_Breakpoint] = []
        total = 0
        segments: list[Any] = [*_as_list(body.get("tools")), *_system_blocks(body.get("system"))]
        for message in _as_list(body.get("messages")):
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str):
                content = [{"type": "text", "text": content}]
            role = message.get("role") if isinstance(message, dict) else None
            segments.append({"role": role})  # a turn boundary is part of the prefix
            segments.extend(_as_list(content))
        for segment in segments:
            digest.update(_canonical(segment).encode())
            digest.update(b"\x00")
            total += 3 if set(segment) == {"role"} else block_tokens(segment)
            if _marked(segment):
                found.append(_Breakpoint(digest.hexdigest(), total))
        return found, total

    def usage(self, body: dict[str, Any]) -> dict[str, int]:
        """The usage the API reports for `body`, reading and writing the cache as it does."""
        points, total = self.breakpoints(body)
        minimum = minimum_cacheable_tokens(str(body.get("model", "")))
        with self._lock:
            now = self.clock()
            read, hit = 0, -1
            for index in range(len(points) - 1, -1, -1):
                if self._expiry.get(points[index].key, -1.0) > now:
                    read, hit = points[index].tokens, index
                    break
            written = 0
            for index, point in enumerate(points):
                if index <= hit and point.key in self._expiry:
                    self._expiry[point.key] = now + CACHE_LIFETIME  # a read refreshes it
                elif index > hit and point.tokens >= minimum:
                    self._expiry[point.key] = now + CACHE_LIFETIME
                    written = point.tokens - read
        return {
            "input_tokens": total - read - written,
            "cache_creation_input_tokens": written,
            "cache_read_input_tokens": read,
        }

    def clear(self) -> None:
        with self._lock:
            self._expiry.clear()

    def answer(self, *blocks: Any, stop_reason: str = "end_turn") -> Handler:
        """A handler: `blocks` streamed with the usage `usage` gives for each request (a 400
        for a request the API refuses)."""
        from tests import sse  # the stream builders (fakeapi is loaded as a plugin first)

        built = [sse.text_block(b) if isinstance(b, str) else b for b in blocks]

        def handler(request: RecordedRequest) -> Response:
            body = request.json
            problem = check_messages(body)
            if problem is not None:
                return api_error(400, "invalid_request_error", problem)
            stream = sse.message_stream(
                built,
                model=str(body.get("model")),
                stop_reason=stop_reason,
                **self.usage(body),
            )
            return SSEResponse(stream)

        return handler


def _marked(block: Any) -> bool:
    if not isinstance(block, dict):
        return False
    if "cache_control" in block:
        return True
    inner = block.get("content") if block.get("type") == "tool_result" else None
    return any(isinstance(b, dict) and "cache_control" in b for b in _as_list(inner))


@pytest.fixture
def fake_api() -> Iterator[FakeAnthropicAPI]:
    """A running FakeAnthropicAPI; fails the test if a request found no scenario or a handler
    raised. Tests point the client at it themselves (ANTHROPIC_BASE_URL)."""
    api = FakeAnthropicAPI()
    try:
        yield api
    finally:
        api.close()
    if api.errors:
        pytest.fail("fake API problems:\n" + "\n".join(api.errors), pytrace=False)
