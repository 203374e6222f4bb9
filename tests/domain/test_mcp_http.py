"""A remote MCP server over streamable HTTP, on loopback: the session header, JSON and
event-stream answers, a bearer token read from the keyring, and a server that errors."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from claude_desktop.domain.mcp.config import KEYRING_VALUE, ServerConfig, header_secret_store
from claude_desktop.domain.mcp.servers import McpServers, ServerState

TOKEN = "Bearer remote-token-123"
SESSION = "session-abc"


class Seen:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        self.fail_with: int | None = None


class Handler(BaseHTTPRequestHandler):
    seen: Seen

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_DELETE(self) -> None:
        self.seen.requests.append(("DELETE", dict(self.headers), None))
        self.send_response(204)
        self.end_headers()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.requests.append(("POST", dict(self.headers), body))
        if self.seen.fail_with:
            return self.reply(self.seen.fail_with, b"{}")
        if self.headers.get("Authorization") != TOKEN:
            return self.reply(401, b"{}")
        method = body.get("method")
        if method != "initialize" and self.headers.get("Mcp-Session-Id") != SESSION:
            return self.reply(400, b"{}")
        if "id" not in body:
            return self.reply(202, b"")
        if method == "initialize":
            result = {
                "protocolVersion": "2025-06-18",
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "remote", "version": "1"},
            }
            return self.json(body["id"], result, {"Mcp-Session-Id": SESSION})
        if method == "tools/list":
            tool = {"name": "echo", "description": "Echo.", "inputSchema": {"type": "object"}}
            message = {"jsonrpc": "2.0", "id": body["id"], "result": {"tools": [tool]}}
            note = {"jsonrpc": "2.0", "method": "notifications/message", "params": {}}
            stream = f"event: message\ndata: {json.dumps(note)}\n\n"
            stream += f"event: message\ndata: {json.dumps(message)}\n\n"
            return self.reply(200, stream.encode(), "text/event-stream")
        if method == "tools/call":
            text = body["params"]["arguments"]["text"]
            result = {"content": [{"type": "text", "text": f"remote: {text}"}]}
            return self.json(body["id"], result)
        return self.reply(400, b"{}")

    def json(self, request_id: Any, result: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps({"jsonrpc": "2.0", "id": request_id, "result": result}).encode()
        self.reply(200, data, "application/json", headers)

    def reply(
        self,
        status: int,
        data: bytes,
        kind: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def remote() -> Iterator[tuple[str, Seen]]:
    seen = Seen()
    handler = type("BoundHandler", (Handler,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/mcp", seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_call_over_streamable_http(remote: tuple[str, Seen]) -> None:
    url, seen = remote
    header_secret_store("remote", "Authorization").save(TOKEN)
    config = ServerConfig(
        "remote", url=url, type="http", headers={"Authorization": KEYRING_VALUE, "X-Team": "core"}
    )

    async def go() -> None:
        manager = await McpServers.start([config])
        try:
            [tool] = await manager.tools()
            assert tool.name == "remote__echo"
            outcome = await manager.call("remote__echo", {"text": "hi"})
            assert outcome.content == [{"type": "text", "text": "remote: hi"}]
            assert not outcome.is_error
        finally:
            await manager.close()

    asyncio.run(go())
    methods = [body["method"] if body else "DELETE" for _, _, body in seen.requests]
    assert methods == [
        "initialize",
        "notifications/initialized",
        "tools/list",
        "tools/call",
        "DELETE",
    ]
    for _, headers, _ in seen.requests[1:]:
        assert headers["Mcp-Session-Id"] == SESSION
        assert headers["X-Team"] == "core"
    assert seen.requests[2][1]["MCP-Protocol-Version"] == "2025-06-18"
    assert "text/event-stream" in seen.requests[0][1]["Accept"]


def test_a_remote_server_that_errors_fails_in_one_sentence(remote: tuple[str, Seen]) -> None:
    url, seen = remote
    seen.fail_with = 500

    async def go() -> None:
        manager = await McpServers.start([ServerConfig("remote", url=url)])
        try:
            assert await manager.tools() == []
            [status] = manager.status()
            assert status.state is ServerState.FAILED
            assert status.error == "the server answered HTTP 500"
        finally:
            await manager.close()

    asyncio.run(go())


def test_the_older_sse_transport_says_it_is_not_supported() -> None:
    async def go() -> None:
        manager = await McpServers.start(
            [ServerConfig("old", url="http://127.0.0.1:9/sse", type="sse")]
        )
        try:
            await manager.tools()
            [status] = manager.status()
            assert status.state is ServerState.FAILED
            assert "older HTTP+SSE transport is not supported" in status.error
        finally:
            await manager.close()

    asyncio.run(go())
