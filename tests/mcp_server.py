"""A small real MCP server for the tests, speaking newline-delimited JSON-RPC on stdio.

Tools (over two pages of tools/list): echo, fail, slow (never answers: for cancellation and
timeouts), crash (the process dies mid-call), env (reports an environment variable), picture
(an image), grow (adds a tool and sends notifications/tools/list_changed).
With MCP_TEST_EXIT_WHEN_LISTED set it exits once it has listed its tools (a crash loop).
What it saw is appended, one line each, to the file named by MCP_TEST_EVENTS: its pid at
start, "pong" when the client answered its ping, "cancelled <id>" for notifications/cancelled
(then "reason <id> <reason>", the reason it gave).
"""

from __future__ import annotations

import json
import os
import sys

EVENTS = os.environ.get("MCP_TEST_EVENTS", "")
PAGE_ONE = [
    {
        "name": "echo",
        "description": "Says back its text.",
        "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}},
        "annotations": {"readOnlyHint": True},
    },
    {"name": "fail", "description": "Always fails.", "inputSchema": {"type": "object"}},
    {"name": "slow", "description": "Never finishes.", "inputSchema": {"type": "object"}},
]
PAGE_TWO = [
    {"name": "crash", "description": "Dies mid-call.", "inputSchema": {"type": "object"}},
    {"name": "env", "description": "Reads a variable.", "inputSchema": {"type": "object"}},
    {"name": "picture", "description": "An image.", "inputSchema": {"type": "object"}},
    {"name": "grow", "description": "Adds a tool.", "inputSchema": {"type": "object"}},
]
EXTRA: list[dict[str, object]] = []


def note(line: str) -> None:
    if EVENTS:
        with open(EVENTS, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def send(message: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def result(request_id: object, value: dict[str, object]) -> None:
    send({"jsonrpc": "2.0", "id": request_id, "result": value})


def text(value: str, *, error: bool = False) -> dict[str, object]:
    return {"content": [{"type": "text", "text": value}], "isError": error}


def call(request_id: object, name: str, args: dict[str, object]) -> None:
    if name == "echo":
        result(request_id, text(str(args.get("text", ""))))
    elif name == "fail":
        result(request_id, text("the tool failed on purpose", error=True))
    elif name == "slow":
        note(f"slow {request_id}")  # no answer: the client cancels or times out
    elif name == "crash":
        sys.stderr.write("crashing now\n")
        sys.stderr.flush()
        os._exit(3)
    elif name == "env":
        result(request_id, text(os.environ.get(str(args.get("name")), "(unset)")))
    elif name == "picture":
        image = {"type": "image", "data": "iVBORw0KGgo=", "mimeType": "image/png"}
        result(request_id, {"content": [image, {"type": "text", "text": "a dot"}]})
    elif name == "grow":
        EXTRA.append({"name": "grown", "description": "New.", "inputSchema": {"type": "object"}})
        send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
        result(request_id, text("grown"))
    else:
        send(
            {
                "jsonrpc": "2.0",
                "id": request_id,
                "error": {"code": -32602, "message": "no such tool"},
            }
        )


def main() -> None:
    note(f"pid {os.getpid()}")
    sys.stderr.write("test server starting\n")
    sys.stderr.flush()
    if os.environ.get("MCP_TEST_NOISY_STDOUT"):
        print("a banner a badly written server prints to stdout", flush=True)
    for line in sys.stdin:
        message = json.loads(line)
        method, request_id = message.get("method"), message.get("id")
        params = message.get("params") or {}
        if method is None:  # an answer to our ping
            note("pong" if request_id == "ping-1" else f"answer {request_id}")
        elif method == "initialize":
            result(
                request_id,
                {
                    "protocolVersion": params.get("protocolVersion"),
                    "capabilities": {"tools": {"listChanged": True}},
                    "serverInfo": {"name": "test-server", "version": "1"},
                },
            )
        elif method == "notifications/initialized":
            send(
                {
                    "jsonrpc": "2.0",
                    "method": "notifications/message",
                    "params": {"level": "info", "data": "hello"},
                }
            )
            send({"jsonrpc": "2.0", "id": "ping-1", "method": "ping"})
        elif method == "notifications/cancelled":
            note(f"cancelled {params.get('requestId')}")
            note(f"reason {params.get('requestId')} {params.get('reason')}")
        elif method == "tools/list":
            if params.get("cursor") == "page-2":
                result(request_id, {"tools": PAGE_TWO + EXTRA})
                if os.environ.get("MCP_TEST_EXIT_WHEN_LISTED"):
                    sys.exit(4)
            else:
                result(request_id, {"tools": PAGE_ONE, "nextCursor": "page-2"})
        elif method == "tools/call":
            call(request_id, params.get("name", ""), params.get("arguments") or {})
        elif request_id is not None:
            send({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": "no"}})
    note("stdin closed")


if __name__ == "__main__":
    main()
