"""Self-tests of the loopback fake API (tests/fakeapi.py) and the SSE builders (tests/sse.py),
driven by plain httpx so that a bug in the fake cannot hide behind a bug in the app's client."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from typing import Any

import httpx
import pytest

from tests import sse
from tests.fakeapi import (
    DropConnection,
    FakeAnthropicAPI,
    JSONResponse,
    RecordedRequest,
    SSEResponse,
    api_error,
)

MESSAGES = "/v1/messages"


def _client(api: FakeAnthropicAPI, **kwargs: Any) -> httpx.Client:
    return httpx.Client(base_url=api.base_url, timeout=kwargs.pop("timeout", 5.0), **kwargs)


def _stream_raw(api: FakeAnthropicAPI) -> tuple[httpx.Response, bytes]:
    with _client(api) as client, client.stream("POST", MESSAGES, json={"stream": True}) as resp:
        return resp, b"".join(resp.iter_raw())


# ---- a minimal reference SSE reader, only to check the builders and fixtures -----------------


def _parse(data: bytes) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    name, lines = "", []
    for line in re.split(r"\r\n|\r|\n", data.decode()):
        if not line:
            if lines:
                out.append((name or "message", json.loads("\n".join(lines))))
            name, lines = "", []
        elif line.startswith(":"):
            continue
        else:
            key, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if key == "event":
                name = value
            elif key == "data":
                lines.append(value)
    return out


def _accumulate(data: bytes) -> dict[str, Any]:
    """Fold events into the final message; unknown events, deltas and fields are ignored."""
    msg: dict[str, Any] = {}
    partial: dict[int, str] = {}
    for name, ev in _parse(data):
        assert name == ev["type"]
        if name == "message_start":
            m = ev["message"]
            msg = {"id": m["id"], "model": m["model"], "content": [], "usage": dict(m["usage"])}
        elif name == "content_block_start":
            assert ev["index"] == len(msg["content"])
            block = dict(ev["content_block"])
            block.pop("caller", None)
            if block["type"] == "tool_use":
                partial[ev["index"]] = ""
            msg["content"].append(block)
        elif name == "content_block_delta":
            block, delta = msg["content"][ev["index"]], ev["delta"]
            kind = delta["type"]
            if kind == "text_delta":
                block["text"] += delta["text"]
            elif kind == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif kind == "signature_delta":
                block["signature"] = delta["signature"]
            elif kind == "citations_delta":
                block.setdefault("citations", []).append(delta["citation"])
            elif kind == "input_json_delta":
                partial[ev["index"]] += delta["partial_json"]
        elif name == "content_block_stop":
            i = ev["index"]
            if i in partial:
                msg["content"][i]["input"] = json.loads(partial.pop(i))
        elif name == "message_delta":
            msg["stop_reason"] = ev["delta"]["stop_reason"]
            msg["usage"].update(ev["usage"])
        elif name == "message_stop":
            msg["stopped"] = True
    for i, text in partial.items():  # blocks that never stopped keep their raw JSON text
        block = msg["content"][i]
        del block["input"]
        block["partial_json"] = text
    for block in msg["content"]:
        if block.get("citations") == []:
            del block["citations"]
    return msg


# ---- transport ---------------------------------------------------------------------------


def test_sse_arrives_byte_exact_through_tiny_chunks(fake_api: FakeAnthropicAPI) -> None:
    body = sse.text_stream(["Grüße ", "aus 東京 ", "🙂"])
    fake_api.enqueue(SSEResponse(body, chunk_size=3))
    resp, raw = _stream_raw(fake_api)
    assert raw == body
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert resp.headers["transfer-encoding"] == "chunked"
    assert re.fullmatch(r"req_011C\w{20}", resp.headers["request-id"])
    assert fake_api.requests[0].request_id == resp.headers["request-id"]


def test_chunks_are_real_http_chunks_on_the_wire(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(SSEResponse([b"event: ping\n", b'data: {"type": "ping"}\n\n']))
    host, port = "127.0.0.1", fake_api.port
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        wire = b""
        while not wire.endswith(b"0\r\n\r\n"):
            wire += sock.recv(4096)
    head, _, chunked = wire.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert chunked == b'c\r\nevent: ping\n\r\n18\r\ndata: {"type": "ping"}\n\n\r\n0\r\n\r\n'


def test_json_error_with_headers(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(
        api_error(429, "rate_limit_error", "Slow down", retry_after="3", x_should_retry="true")
    )
    with _client(fake_api) as client:
        resp = client.post(MESSAGES, json={})
    assert resp.status_code == 429
    assert resp.headers["retry-after"] == "3"
    assert resp.headers["x-should-retry"] == "true"
    body = resp.json()
    assert body["error"] == {"type": "rate_limit_error", "message": "Slow down"}
    assert body["request_id"] == resp.headers["request-id"]


def test_529_and_raw_json_bytes(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(JSONResponse(529, b"{not json", {"Request-Id": "req_given"}))
    with _client(fake_api) as client:
        resp = client.post(MESSAGES, json={})
    assert (resp.status_code, resp.reason_phrase) == (529, "Overloaded")
    assert resp.content == b"{not json"
    assert resp.headers["request-id"] == "req_given"


def test_queue_is_fifo_and_requests_are_recorded(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(*(JSONResponse(200, {"n": n}) for n in range(3)))
    with _client(fake_api) as client:
        got = [
            client.post(
                f"{MESSAGES}?beta=true", json={"n": n}, headers={"X-Api-Key": "sk-test"}
            ).json()["n"]
            for n in range(3)
        ]
    assert got == [0, 1, 2]
    assert fake_api.pending == 0
    assert fake_api.connections == 1  # keep-alive: one socket for all three
    req = fake_api.requests[2]
    assert (req.method, req.path, req.query) == ("POST", "/v1/messages?beta=true", {"beta": "true"})
    assert req.headers["x-api-key"] == req.headers["X-API-KEY"] == "sk-test"
    assert req.json == {"n": 2}
    assert json.loads(req.body) == {"n": 2}


def test_chunked_request_body(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(JSONResponse(200, {}))
    with _client(fake_api) as client:
        client.post(MESSAGES, content=iter([b'{"a":', b" 1}"]))
    req = fake_api.requests[0]
    assert req.headers["transfer-encoding"] == "chunked"
    assert req.json == {"a": 1}


def test_route_with_pagination_callable(fake_api: FakeAnthropicAPI) -> None:
    ids = [f"claude-model-{i}" for i in range(5)]

    def models(req: RecordedRequest) -> JSONResponse:
        start = ids.index(req.query["after_id"]) + 1 if "after_id" in req.query else 0
        page = ids[start : start + int(req.query.get("limit", "2"))]
        data = [{"type": "model", "id": i, "display_name": i} for i in page]
        more = start + len(page) < len(ids)
        return JSONResponse(
            200, {"data": data, "has_more": more, "first_id": page[0], "last_id": page[-1]}
        )

    fake_api.route("GET", "/v1/models", models)
    fake_api.enqueue(JSONResponse(200, {"queued": True}))
    seen: list[str] = []
    with _client(fake_api) as client:
        params: dict[str, str] = {"limit": "2"}
        while True:
            page = client.get("/v1/models", params=params).json()
            seen += [m["id"] for m in page["data"]]
            if not page["has_more"]:
                break
            params["after_id"] = page["last_id"]
    assert seen == ids
    assert len(fake_api.requests) == 3
    assert fake_api.pending == 1  # routes leave the queue alone


def test_handler_exception_is_a_loud_500(fake_api: FakeAnthropicAPI) -> None:
    def broken(req: RecordedRequest) -> JSONResponse:
        raise KeyError("oops")

    fake_api.enqueue(broken)
    with _client(fake_api) as client:
        resp = client.post(MESSAGES, json={})
    assert resp.status_code == 500
    assert "KeyError" in resp.json()["error"]["message"]
    assert len(fake_api.errors) == 1
    fake_api.errors.clear()


def test_unqueued_request_gets_500(fake_api: FakeAnthropicAPI) -> None:
    with _client(fake_api) as client:
        resp = client.post(MESSAGES, json={})
    assert resp.status_code == 500
    assert resp.headers["x-should-retry"] == "false"
    assert "no scenario queued" in resp.json()["error"]["message"]
    assert fake_api.errors == ["fake API: no scenario queued for POST /v1/messages"]
    fake_api.errors.clear()  # or the fixture fails this test at teardown


# ---- endings and disconnects ---------------------------------------------------------------


def test_drop_ends_without_final_chunk(fake_api: FakeAnthropicAPI) -> None:
    body = sse.text_stream(["partial"])
    fake_api.enqueue(SSEResponse(body, chunk_size=50, then="drop"))
    received = b""
    with (
        pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"),
        _client(fake_api) as client,
        client.stream("POST", MESSAGES) as resp,
    ):
        for piece in resp.iter_raw():
            received += piece
    assert received == body


def test_reset_aborts_the_connection(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(SSEResponse(sse.ping(), then="reset"))
    with (
        pytest.raises(httpx.ReadError),
        _client(fake_api) as client,
        client.stream("POST", MESSAGES) as resp,
    ):
        for _ in resp.iter_raw():
            pass


def test_drop_connection_sends_nothing(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(DropConnection(), JSONResponse(200, {"ok": True}))
    with _client(fake_api) as client:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            client.post(MESSAGES, json={})
        assert client.post(MESSAGES, json={}).json() == {"ok": True}
    assert not fake_api.client_disconnected.is_set()


def test_stalled_stream_client_close_is_noticed_promptly(fake_api: FakeAnthropicAPI) -> None:
    first = sse.ping()
    fake_api.enqueue(SSEResponse(first, then="stall"), JSONResponse(200, {"alive": True}))
    with _client(fake_api) as client:
        with client.stream("POST", MESSAGES) as resp:
            assert next(resp.iter_raw()) == first
            closed_at = time.monotonic()
        # Leaving the block closes the unfinished response and with it the socket.
        seen = fake_api.wait_for_disconnect(timeout=1.0)
        assert seen is not None and seen - closed_at < 1.0
        # The server thread survived: the next request on a fresh connection works.
        assert client.post(MESSAGES, json={}).json() == {"alive": True}
    assert len(fake_api.disconnect_times) == 1


def test_disconnect_noticed_during_a_long_pause_between_chunks(
    fake_api: FakeAnthropicAPI,
) -> None:
    fake_api.enqueue(SSEResponse([sse.ping(), sse.ping()], delay=30.0))

    async def main() -> float:
        async with (
            httpx.AsyncClient(base_url=fake_api.base_url) as client,
            client.stream("POST", MESSAGES) as resp,
        ):
            await anext(resp.aiter_raw())
            return time.monotonic()

    closed_at = asyncio.run(main())
    seen = fake_api.wait_for_disconnect(timeout=1.0)
    assert seen is not None and seen - closed_at < 1.0


def test_headers_delay_trips_a_read_timeout(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(JSONResponse(200, {}, headers_delay=5.0))
    with _client(fake_api, timeout=0.2) as client, pytest.raises(httpx.ReadTimeout):
        client.post(MESSAGES, json={})
    assert fake_api.wait_for_disconnect(timeout=1.0) is not None


def test_close_with_a_stalled_client_connected() -> None:
    api = FakeAnthropicAPI()
    api.enqueue(SSEResponse(sse.ping(), then="stall"))
    with httpx.Client(base_url=api.base_url) as client, client.stream("POST", MESSAGES) as resp:
        raw = resp.iter_raw()
        next(raw)
        started = time.monotonic()
        api.close()
        assert time.monotonic() - started < 1.0
        with pytest.raises(httpx.RemoteProtocolError):
            list(raw)


# ---- builders and fixtures ---------------------------------------------------------------


def test_text_stream_shape() -> None:
    data = sse.text_stream(["Hel", "lo"], input_tokens=5)
    names = [name for name, _ in _parse(data)]
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert data.endswith(b'data: {"type":"message_stop"}\n\n')
    msg = _accumulate(data)
    assert msg["content"] == [{"type": "text", "text": "Hello"}]
    assert msg["usage"]["output_tokens"] == 3 and msg["stop_reason"] == "end_turn"


def test_builders_accumulate_to_expected_messages() -> None:
    thinking = _accumulate(sse.thinking_stream(["Hm", "m."], "c2ln", ["Yes."]))
    assert thinking["content"] == [
        {"type": "thinking", "thinking": "Hmm.", "signature": "c2ln"},
        {"type": "text", "text": "Yes."},
    ]
    tool = _accumulate(sse.tool_use_stream("Checking.", "lookup", "toolu_X", ["", '{"q":', '"a"}']))
    assert tool["stop_reason"] == "tool_use"
    assert tool["content"][1] == {
        "type": "tool_use",
        "id": "toolu_X",
        "name": "lookup",
        "input": {"q": "a"},
    }
    cited = _accumulate(sse.citations_stream())
    assert [b["text"] for b in cited["content"]] == [
        "Per the notes, ",
        "the launch moved to May",
        ".",
    ]
    assert cited["content"][1]["citations"][0]["type"] == "char_location"
    redacted = sse.message_stream([sse.redacted_thinking_block("ZGF0YQ=="), sse.text_block("ok")])
    assert _accumulate(redacted)["content"][0] == {"type": "redacted_thinking", "data": "ZGF0YQ=="}


def test_framing_variants_parse_the_same() -> None:
    base = sse.text_stream(["a\nb", "c"])
    expected = _accumulate(base)
    noisy = sse.interleave(base, sse.comment())
    noisy = sse.insert_after(noisy, 2, sse.unknown_event(payload={"x": 1}) + sse.unknown_delta(0))
    for variant in (
        sse.with_line_endings(base, "\r\n"),
        sse.with_line_endings(base, "\r"),
        noisy,
        sse.sse_event("message_start", _parse(base)[0][1], multiline=True, space=False)
        + b"".join(sse.events(base)[1:]),
    ):
        assert _accumulate(variant) == expected
    assert b"\r\n\r\n" in sse.with_line_endings(base, "\r\n")
    assert sse.error_event() == (
        b'event: error\ndata: {"type":"error","error":'
        b'{"type":"overloaded_error","message":"Overloaded"}}\n\n'
    )


@pytest.mark.parametrize("name", sorted(sse.FIXTURE_EXPECTED))
def test_fixture_files_match_their_description(name: str) -> None:
    data = sse.load_fixture(name)
    assert data.endswith(b"\n\n") and b"\r" not in data
    assert b'event: ping\ndata: {"type": "ping"}\n\n' in data
    expected = dict(sse.FIXTURE_EXPECTED[name])
    content = [dict(b) for b in expected.pop("content")]
    lenient = [b.pop("lenient_input", None) for b in content]
    msg = _accumulate(data)
    assert msg.pop("stopped")
    assert msg["content"] == content
    assert {k: msg[k] for k in ("id", "model", "stop_reason")} == {
        k: expected[k] for k in ("id", "model", "stop_reason")
    }
    assert {k: msg["usage"][k] for k in expected["usage"]} == expected["usage"]
    for block, want in zip(msg["content"], lenient, strict=True):
        if want is not None:  # what a lenient parser keeps: drop the unterminated string
            text = block["partial_json"]
            assert json.loads(text[: text.rindex(",")] + "]}") == want
