"""The streamable HTTP transport: each message is POSTed; the answer comes back as JSON or as
an event stream; the session is the `Mcp-Session-Id` header the server gives at initialize.

Not done (yet): the GET stream for messages the server starts on its own (so a remote
server's `tools/list_changed` is not seen), the older HTTP+SSE transport, OAuth.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from claude_desktop.api.sse import SSEDecoder
from claude_desktop.domain.mcp.client import McpConnectionLost, Message

log = logging.getLogger(__name__)

_TIMEOUT = httpx.Timeout(connect=15.0, read=None, write=30.0, pool=15.0)
_LOG_LINES = 50


class StreamableHttpTransport:
    def __init__(
        self, url: str, headers: Mapping[str, str] | None = None, *, name: str = ""
    ) -> None:
        self.url = url
        self.headers = dict(headers or {})
        self.name = name
        self.session_id: str | None = None
        self.protocol_version: str | None = None
        self._client: httpx.AsyncClient | None = None
        self._deliver: Callable[[Message], None] | None = None
        self._lost: Callable[[str], None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._log: list[str] = []

    def log_tail(self) -> list[str]:
        return self._log[-_LOG_LINES:]

    async def open(self, deliver: Callable[[Message], None], lost: Callable[[str], None]) -> None:
        self._deliver, self._lost = deliver, lost
        self._client = httpx.AsyncClient(timeout=_TIMEOUT, follow_redirects=True)

    async def send(self, message: Message) -> None:
        if self._client is None:
            raise McpConnectionLost("the connection is closed")
        # Each POST runs on its own, so a slow call does not hold up a cancellation.
        task = asyncio.get_running_loop().create_task(self._post(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if "id" not in message or "method" not in message:
            await task  # notifications and replies are short: send them in order

    async def _post(self, message: Message) -> None:
        assert self._client is not None and self._deliver is not None
        headers = {
            **self.headers,
            "Accept": "application/json, text/event-stream",
            "Content-Type": "application/json",
        }
        if self.session_id:
            headers["Mcp-Session-Id"] = self.session_id
        if self.protocol_version:
            headers["MCP-Protocol-Version"] = self.protocol_version
        try:
            async with self._client.stream(
                "POST", self.url, json=message, headers=headers
            ) as response:
                if message.get("method") == "initialize":
                    self.session_id = response.headers.get("mcp-session-id") or None
                if response.status_code == 404 and self.session_id:
                    self._end("the server ended the session")
                    return
                if response.status_code >= 400:
                    await response.aread()
                    self._fail(message, f"the server answered HTTP {response.status_code}")
                    return
                kind = response.headers.get("content-type", "").split(";")[0].strip()
                if kind == "text/event-stream":
                    decoder = SSEDecoder()
                    async for chunk in response.aiter_bytes():
                        for event in decoder.feed(chunk):
                            self._take(event.data)
                    for event in decoder.close():
                        self._take(event.data)
                elif kind == "application/json":
                    self._take((await response.aread()).decode("utf-8", "replace"))
        except httpx.HTTPError as exc:
            self._fail(message, f"the connection failed ({type(exc).__name__})")

    def _take(self, data: str) -> None:
        assert self._deliver is not None
        if not data.strip():
            return
        try:
            payload: Any = json.loads(data)
        except ValueError:
            self._log.append(f"not JSON: {data[:200]}")
            return
        for message in payload if isinstance(payload, list) else [payload]:
            if isinstance(message, dict):
                if isinstance(message.get("result"), dict) and not self.protocol_version:
                    version = message["result"].get("protocolVersion")
                    self.protocol_version = version if isinstance(version, str) else None
                self._deliver(message)

    def _fail(self, message: Message, reason: str) -> None:
        self._log.append(reason)
        if "id" in message and "method" in message and self._deliver is not None:
            error = {"code": -32000, "message": reason}
            self._deliver({"jsonrpc": "2.0", "id": message["id"], "error": error})

    def _end(self, reason: str) -> None:
        self._log.append(reason)
        if self._lost is not None:
            self._lost(reason)

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.session_id:
            try:  # tell the server the session is over; it may not care
                headers = {**self.headers, "Mcp-Session-Id": self.session_id}
                await client.delete(self.url, headers=headers, timeout=5.0)
            except httpx.HTTPError:
                pass
        await client.aclose()
        self._end("closed")
