"""A loopback Messages API for the benchmarks, fast enough never to be the bottleneck.

It runs in a process of its own (no GIL shared with what it measures) and sends each
answer as pre-built HTTP bytes: one event per HTTP chunk and per write, as the API sends
them, with no pause (the socket, not the server, sets the pace) or at the pace the question
asks for; or, when the question asks for it, the whole answer in 64 KB chunks with one
`sendall`. `GET /v1/models` answers the app's start-up refresh; `POST /v1/messages` streams
the answer its question asks for (`payload.question`), or a tool round trip's step
(`payload.tool_question`), but a title request (which quotes the question) gets a short
title, as from a model.

    python -m benchmarks.server     # prints "listening http://127.0.0.1:PORT", serves until killed
"""

from __future__ import annotations

import functools
import json
import socket
import socketserver
import sys
import threading
import time

from . import payload

CHUNK = 64 * 1024
MODELS = {
    "data": [
        {"type": "model", "id": "claude-sonnet-4-6", "display_name": "Claude Sonnet 4.6"},
        {"type": "model", "id": "claude-haiku-4-5", "display_name": "Claude Haiku 4.5"},
    ],
    "has_more": False,
}
_build_lock = threading.Lock()


def _response(status: str, content_type: str, body: bytes, *, chunked: bool) -> bytes:
    head = [f"HTTP/1.1 {status}", f"content-type: {content_type}", "request-id: req_bench"]
    if not chunked:
        head.append(f"content-length: {len(body)}")
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body
    head += ["transfer-encoding: chunked", "cache-control: no-cache"]
    pieces = [("\r\n".join(head) + "\r\n\r\n").encode()]
    for start in range(0, len(body), CHUNK):
        piece = body[start : start + CHUNK]
        pieces.append(b"%x\r\n%s\r\n" % (len(piece), piece))
    pieces.append(b"0\r\n\r\n")
    return b"".join(pieces)


@functools.cache
def _stream_response(deltas: int) -> bytes:
    return _response(
        "200 OK", "text/event-stream; charset=utf-8", payload.sse(deltas), chunked=True
    )


@functools.cache
def _event_chunks(deltas: int) -> list[bytes]:
    return _chunked(payload.sse_events(deltas))


@functools.cache
def _long_code_chunks(lines: int) -> list[bytes]:
    return _chunked(payload.long_code_events(lines))


def _chunked(events: list[bytes]) -> list[bytes]:
    return [b"%x\r\n%s\r\n" % (len(event), event) for event in events]


_TITLE_RESPONSE = _response(
    "200 OK",
    "text/event-stream; charset=utf-8",
    payload.text_stream([payload.TITLE]),
    chunked=True,
)
_MODELS_RESPONSE = _response(
    "200 OK", "application/json", json.dumps(MODELS).encode(), chunked=False
)


def _not_found(what: str) -> bytes:
    body = {"type": "error", "error": {"type": "not_found_error", "message": what}}
    return _response("404 Not Found", "application/json", json.dumps(body).encode(), chunked=False)


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = sock.makefile("rb")
        while True:  # keep-alive: one request after another on this connection
            request_line = reader.readline()
            if not request_line:
                return
            method, path, _ = request_line.decode("latin-1").split(" ", 2)
            length = 0
            while (line := reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            body = reader.read(length) if length else b""
            path = path.split("?", 1)[0]
            if (method, path) == ("POST", "/v1/messages") and payload.is_title_request(body):
                sock.sendall(_TITLE_RESPONSE)  # not the answer its quoted question asks for
                continue
            step = payload.tool_step(body) if (method, path) == ("POST", "/v1/messages") else None
            if step is not None:
                stream = "text/event-stream; charset=utf-8"
                sock.sendall(_response("200 OK", stream, step, chunked=True))
                continue
            messages = (method, path) == ("POST", "/v1/messages")
            lines = payload.long_code_asked(body) if messages else None
            if lines is not None:
                with _build_lock:
                    chunks = _long_code_chunks(lines)
                self._per_event(sock, chunks, 0.0)
                continue
            wanted = payload.asked(body) if messages else None
            if wanted is not None and wanted[1] is not None:
                with _build_lock:
                    chunks = _event_chunks(wanted[0])
                self._per_event(sock, chunks, wanted[1])
            else:
                sock.sendall(self._answer(method, path, wanted))

    @staticmethod
    def _answer(method: str, path: str, wanted: tuple[int, float | None] | None) -> bytes:
        if method == "GET" and path == "/v1/models":
            return _MODELS_RESPONSE
        if method == "POST" and path == "/v1/messages":
            if wanted is None:
                return _not_found("the question names no bench-deltas=N")
            with _build_lock:  # built once per size; never while a stream is timed
                return _stream_response(wanted[0])
        return _not_found(f"{method} {path}")

    @staticmethod
    def _per_event(sock: socket.socket, chunks: list[bytes], pace_ms: float) -> None:
        """One event per write, `pace_ms` apart (0: back to back), as the API sends them."""
        head = _response("200 OK", "text/event-stream; charset=utf-8", b"", chunked=True)
        sock.sendall(head[: -len(b"0\r\n\r\n")])
        for chunk in chunks:
            sock.sendall(chunk)
            if pace_ms:
                time.sleep(pace_ms / 1000)
        sock.sendall(b"0\r\n\r\n")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def main() -> None:
    server = Server()
    # Build the usual sizes before saying we are ready, so no timed request waits on it.
    for deltas in (500, 3_000, 10_000):
        _stream_response(deltas)
    _long_code_chunks(payload.LONG_CODE_LINES)
    print(f"listening {server.base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
