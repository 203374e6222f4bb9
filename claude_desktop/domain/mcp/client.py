"""A small MCP client: JSON-RPC 2.0 requests and notifications over any `Transport`.

It does what a tool host needs and no more: the handshake, `tools/list` (every page),
`tools/call` with a timeout and cancellation, answering the server's `ping`, and noticing
`notifications/tools/list_changed`. Other notifications and requests are ignored or refused.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Callable
from typing import Any, Protocol

from claude_desktop import __version__
from claude_desktop.api.errors import HumanError
from claude_desktop.domain.tools import ToolOutcome

log = logging.getLogger(__name__)

PROTOCOL_VERSION = "2025-11-25"
#: Revisions whose tool methods this client speaks; a server may answer with any of them.
SUPPORTED_VERSIONS = frozenset({"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"})
_MAX_PAGES = 100  # a server that keeps giving cursors is broken, not big

Message = dict[str, Any]


class McpError(HumanError):
    """Something about an MCP server a person can read in one sentence."""


class McpRequestError(McpError):
    """The server answered a request with a JSON-RPC error."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class McpConnectionLost(McpError):
    """The server went away (its process ended, its connection broke)."""


class McpTimeout(McpError):
    """A request took longer than it may."""


class Transport(Protocol):
    """Moves JSON-RPC messages to and from one server."""

    async def open(self, deliver: Callable[[Message], None], lost: Callable[[str], None]) -> None:
        """Connect; then call `deliver` for each message and `lost` once when it ends."""
        ...

    async def send(self, message: Message) -> None: ...

    async def close(self) -> None:
        """Disconnect and free everything (a child process ends); safe to call twice."""
        ...

    def log_tail(self) -> list[str]:
        """The last lines the server logged (a child's stderr), oldest first."""
        ...


class McpClient:
    """One session with one server."""

    def __init__(self, transport: Transport, *, name: str = "") -> None:
        self.transport = transport
        self.name = name
        self.server_info: dict[str, Any] = {}
        self.protocol_version = ""
        self.on_tools_changed: Callable[[], None] | None = None
        self.on_lost: Callable[[str], None] | None = None
        self.lost = asyncio.Event()
        self.lost_reason = ""
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}

    # -- the session ------------------------------------------------------------------------

    async def connect(self, seconds: float = 60.0) -> None:
        """Open the transport and shake hands (initialize, then notifications/initialized)."""
        await self.transport.open(self._deliver, self._lost)
        result = await self.request(
            "initialize",
            {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {},
                "clientInfo": {"name": "claude-desktop", "version": __version__},
            },
            seconds=seconds,
        )
        version = str(result.get("protocolVersion", "")) if isinstance(result, dict) else ""
        if version not in SUPPORTED_VERSIONS:
            raise McpError(f"it speaks MCP revision {version or '(none)'}, which is not supported")
        self.protocol_version = version
        self.server_info = result.get("serverInfo") or {}
        await self.notify("notifications/initialized")

    async def close(self) -> None:
        await self.transport.close()
        self._lost("closed")

    async def list_tools(self, seconds: float = 60.0) -> list[dict[str, Any]]:
        """Every tool of the server, following `nextCursor` page by page."""
        tools: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            params = {"cursor": cursor} if cursor else {}
            page = await self.request("tools/list", params, seconds=seconds)
            if not isinstance(page, dict):
                break
            tools.extend(t for t in page.get("tools", []) if isinstance(t, dict) and t.get("name"))
            cursor = page.get("nextCursor")
            if not cursor or not isinstance(cursor, str):
                break
        return tools

    async def call_tool(self, name: str, arguments: dict[str, Any], seconds: float) -> ToolOutcome:
        """Run a tool; a tool's failure, a timeout or a lost server is an `is_error` outcome.

        Cancelling the awaiting task tells the server (notifications/cancelled) and re-raises;
        the reason it gives is the cancellation's message if it has one (`task.cancel("timed
        out after 5 s")`: the tool loop's own timeout), else "cancelled by the user".
        """
        try:
            result = await self.request(
                "tools/call", {"name": name, "arguments": arguments}, seconds=seconds
            )
        except McpTimeout:
            return error_outcome(timed_out_text(seconds))
        except McpConnectionLost as exc:
            return error_outcome(f"The server stopped during the call ({exc.human}).")
        except McpRequestError as exc:
            return error_outcome(f"The server refused the call: {exc.human}")
        return outcome_from_result(result)

    # -- JSON-RPC ---------------------------------------------------------------------------

    async def request(self, method: str, params: dict[str, Any], *, seconds: float) -> Any:
        if self.lost.is_set():
            raise McpConnectionLost(self.lost_reason or "the server is not running")
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await self.transport.send(
                {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
            )
            return await asyncio.wait_for(asyncio.shield(future), seconds)
        except TimeoutError:
            await self._cancel(request_id, f"timed out after {seconds:g} s")
            raise McpTimeout(f"{method} took longer than {seconds:g} seconds") from None
        except asyncio.CancelledError as exc:
            reason = exc.args[0] if exc.args and isinstance(exc.args[0], str) else ""
            await self._cancel(request_id, reason or "cancelled by the user")
            raise
        finally:
            self._pending.pop(request_id, None)
            if not future.done():
                future.cancel()

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        message: Message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        await self.transport.send(message)

    async def _cancel(self, request_id: int, reason: str) -> None:
        if self.lost.is_set():
            return
        try:
            # Shielded: this runs while our own task is being cancelled.
            await asyncio.shield(
                self.notify("notifications/cancelled", {"requestId": request_id, "reason": reason})
            )
        except (OSError, McpError, asyncio.CancelledError) as exc:
            log.debug("MCP %s: could not send the cancellation: %r", self.name, exc)

    def _deliver(self, message: Message) -> None:
        method = message.get("method")
        if method is None:
            self._answer(message)
        elif "id" in message:
            asyncio.get_running_loop().create_task(self._serve(message))
        elif method == "notifications/tools/list_changed" and self.on_tools_changed is not None:
            self.on_tools_changed()
        # Other notifications (log messages, progress) need nothing from us.

    def _answer(self, message: Message) -> None:
        request_id = message.get("id")
        future = self._pending.get(request_id) if isinstance(request_id, int) else None
        if future is None or future.done():
            return  # an answer to a request we gave up on
        error = message.get("error")
        if isinstance(error, dict):
            text = str(error.get("message") or "an error")
            code = error.get("code")
            future.set_exception(McpRequestError(text, code if isinstance(code, int) else 0))
        else:
            future.set_result(message.get("result"))

    async def _serve(self, message: Message) -> None:
        """Answer a request from the server: `ping`; anything else is refused."""
        reply: Message = {"jsonrpc": "2.0", "id": message["id"]}
        if message["method"] == "ping":
            reply["result"] = {}
        else:
            reply["error"] = {"code": -32601, "message": f"Method not found: {message['method']}"}
        try:
            await self.transport.send(reply)
        except (OSError, McpError) as exc:
            log.debug("MCP %s: could not answer %s: %r", self.name, message["method"], exc)

    def _lost(self, reason: str) -> None:
        if self.lost.is_set():
            return
        self.lost_reason = reason
        self.lost.set()
        for future in self._pending.values():
            if not future.done():
                future.set_exception(McpConnectionLost(reason))
        if self.on_lost is not None:
            self.on_lost(reason)


# -- results ----------------------------------------------------------------------------------


def timed_out_text(seconds: float) -> str:
    """What Claude and the card are told of a call that ran out of time."""
    return f"The tool timed out after {seconds:g} s."


def error_outcome(text: str) -> ToolOutcome:
    return ToolOutcome([{"type": "text", "text": text}], is_error=True)


def outcome_from_result(result: Any) -> ToolOutcome:
    """A `tools/call` result as tool_result content: text and images; the rest as text."""
    if not isinstance(result, dict):
        return error_outcome("The server gave a result that is not an object.")
    blocks = [b for item in result.get("content") or [] if (b := _block(item)) is not None]
    if not blocks and result.get("structuredContent") is not None:
        text = json.dumps(result["structuredContent"], ensure_ascii=False)
        blocks.append({"type": "text", "text": text})
    return ToolOutcome(blocks, is_error=bool(result.get("isError", False)))


def _block(item: Any) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        return None
    kind = item.get("type")
    if kind == "text":
        return {"type": "text", "text": str(item.get("text", ""))}
    if kind == "image" and item.get("data") and item.get("mimeType"):
        source = {"type": "base64", "media_type": item["mimeType"], "data": item["data"]}
        return {"type": "image", "source": source}
    if kind == "resource" and isinstance(item.get("resource"), dict):
        resource = item["resource"]
        if "text" in resource:
            return {"type": "text", "text": str(resource["text"])}
        return {"type": "text", "text": f"[binary resource {resource.get('uri', '')}]"}
    if kind == "resource_link":
        return {"type": "text", "text": f"[resource {item.get('name', '')}: {item.get('uri', '')}]"}
    if kind == "audio":
        return {"type": "text", "text": "[audio the API cannot take was left out]"}
    return None
