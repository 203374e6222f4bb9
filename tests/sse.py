"""Builders for Anthropic Messages API server-sent-event streams, byte for byte as the API sends
them, plus the project's own recorded-style fixtures in tests/fixtures/.

Everything returns the full wire bytes (`event: T\\ndata: JSON\\n\\n` per event, UTF-8 unescaped,
compact JSON as the API writes it). Block helpers (`text_block`, `thinking_block`, ...) feed the
generic `message_stream`; the `*_stream` functions are the common shapes. Stream transformers
(`with_line_endings`, `interleave`, `insert_after`) produce the framing variants a parser must
survive. Ping placement follows real recordings: right after the first content_block_start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIXTURES_DIR = Path(__file__).parent / "fixtures"
DEFAULT_MODEL = "claude-sonnet-4-6"
DEFAULT_MSG_ID = "msg_01FakeStreamK7q2Wm9xRb4Tz"


# ---- single events -------------------------------------------------------------------------


def sse_event(
    type: str,
    data: dict[str, Any],
    *,
    pad: int = 0,
    multiline: bool = False,
    space: bool = True,
) -> bytes:
    """One event. `data` gets `"type": type` first unless it has its own `type`.

    `pad` adds that many spaces before the closing brace (the real API does this); `multiline`
    spreads the JSON over several `data:` lines, which a parser must join with "\\n"; `space=False`
    writes `data:{...}` with no space after the colon.
    """
    payload = data if "type" in data else {"type": type, **data}
    if multiline:
        text = json.dumps(payload, ensure_ascii=False, indent=1)
    else:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        if pad:
            text = text[:-1] + " " * pad + "}"
    prefix = "data: " if space else "data:"
    lines = "".join(f"{prefix}{line}\n" for line in text.split("\n"))
    return f"event: {type}\n{lines}\n".encode()


# The API writes this one with a space after the colon, unlike every other event.
_PING = b'event: ping\ndata: {"type": "ping"}\n\n'


def ping() -> bytes:
    return _PING


def error_event(type: str = "overloaded_error", message: str = "Overloaded") -> bytes:
    """An `error` event, as the API sends mid-stream after a 200."""
    return sse_event("error", {"type": "error", "error": {"type": type, "message": message}})


def comment(text: str = "keep-alive") -> bytes:
    """An SSE comment line; it must never dispatch anything."""
    return f": {text}\n".encode()


def unknown_event(type: str = "future_event", **fields: Any) -> bytes:
    """An event type the client has never heard of; the versioning policy says ignore it."""
    return sse_event(type, {"type": type, **fields})


def unknown_delta(index: int = 0, type: str = "future_delta", **fields: Any) -> bytes:
    """A content_block_delta with an unknown delta type; it must be skipped, not fatal."""
    delta = {"type": type, **fields}
    return sse_event("content_block_delta", {"index": index, "delta": delta})


# ---- content blocks ------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One content block: its `content_block_start` payload and its deltas, in order.

    `stop=False` leaves out `content_block_stop`, as when max_tokens cuts a block off.
    """

    start: dict[str, Any]
    deltas: list[dict[str, Any]] = field(default_factory=list)
    stop: bool = True


def _parts(text: str | list[str]) -> list[str]:
    return [text] if isinstance(text, str) else list(text)


def text_block(parts: str | list[str]) -> Block:
    return Block(
        {"type": "text", "text": ""}, [{"type": "text_delta", "text": p} for p in _parts(parts)]
    )


def thinking_block(parts: str | list[str], signature: str) -> Block:
    """Thinking deltas, then the signature_delta just before the block stops."""
    deltas = [{"type": "thinking_delta", "thinking": p} for p in _parts(parts)]
    deltas.append({"type": "signature_delta", "signature": signature})
    return Block({"type": "thinking", "thinking": "", "signature": ""}, deltas)


def redacted_thinking_block(data: str) -> Block:
    """Arrives whole in content_block_start; no deltas."""
    return Block({"type": "redacted_thinking", "data": data})


def tool_use_block(
    name: str,
    tool_id: str,
    json_parts: list[str],
    *,
    stop: bool = True,
    **extra: Any,
) -> Block:
    """Input streams as raw JSON text pieces (the first is often ""); `extra` adds start fields
    such as `caller={"type": "direct"}`."""
    start = {"type": "tool_use", "id": tool_id, "name": name, "input": {}, **extra}
    deltas = [{"type": "input_json_delta", "partial_json": p} for p in json_parts]
    return Block(start, deltas, stop)


def char_location(
    cited_text: str,
    start: int,
    end: int,
    *,
    document_index: int = 0,
    document_title: str | None = None,
) -> dict[str, Any]:
    return {
        "type": "char_location",
        "cited_text": cited_text,
        "document_index": document_index,
        "document_title": document_title,
        "start_char_index": start,
        "end_char_index": end,
    }


def cited_text_block(parts: str | list[str], citations: list[dict[str, Any]]) -> Block:
    """A text block whose citations arrive as citations_delta events ahead of its text."""
    deltas = [{"type": "citations_delta", "citation": c} for c in citations]
    deltas += [{"type": "text_delta", "text": p} for p in _parts(parts)]
    return Block({"type": "text", "text": "", "citations": []}, deltas)


def server_tool_use_block(tool_id: str, query: str, name: str = "web_search") -> Block:
    """A server tool call (web search): its input streams as input_json_delta, like a client
    tool's."""
    start = {"type": "server_tool_use", "id": tool_id, "name": name, "input": {}}
    payload = json.dumps({"query": query}, separators=(",", ":"))
    cut = len(payload) // 2
    deltas = [
        {"type": "input_json_delta", "partial_json": part}
        for part in ("", payload[:cut], payload[cut:])
    ]
    return Block(start, deltas)


def web_search_result(url: str, title: str, page_age: str | None = None) -> dict[str, Any]:
    return {
        "type": "web_search_result",
        "url": url,
        "title": title,
        "encrypted_content": "RW5jcnlwdGVk" + title.replace(" ", ""),
        "page_age": page_age,
    }


def web_search_results_block(tool_id: str, results: list[dict[str, Any]]) -> Block:
    """The search's results: they arrive whole in content_block_start."""
    return Block({"type": "web_search_tool_result", "tool_use_id": tool_id, "content": results})


def web_citation(url: str, title: str, cited_text: str) -> dict[str, Any]:
    return {
        "type": "web_search_result_location",
        "url": url,
        "title": title,
        "cited_text": cited_text,
        "encrypted_index": "RW5jcnlwdGVkSW5kZXg=",
    }


def final_block(block: Block) -> dict[str, Any]:
    """The content block `block` accumulates to, as the API's final message has it (and as
    a client must send it back)."""
    out = dict(block.start)
    joined = ""
    for delta in block.deltas:
        kind = delta["type"]
        if kind == "text_delta":
            out["text"] = out.get("text", "") + delta["text"]
        elif kind == "thinking_delta":
            out["thinking"] = out.get("thinking", "") + delta["thinking"]
        elif kind == "signature_delta":
            out["signature"] = delta["signature"]
        elif kind == "citations_delta":
            out["citations"] = [*out.get("citations", []), delta["citation"]]
        elif kind == "input_json_delta":
            joined += delta["partial_json"]
    if out.get("type") in ("tool_use", "server_tool_use"):
        out["input"] = json.loads(joined) if joined.strip() else {}
    return out


# ---- whole messages ------------------------------------------------------------------------


def message_stream(
    blocks: list[Block],
    *,
    model: str = DEFAULT_MODEL,
    msg_id: str = DEFAULT_MSG_ID,
    input_tokens: int = 12,
    output_tokens: int | None = None,
    stop_reason: str | None = "end_turn",
    stop_sequence: str | None = None,
    stop_details: dict[str, Any] | None = None,
    cache_creation_input_tokens: int = 0,
    cache_read_input_tokens: int = 0,
    web_search_requests: int | None = None,
    ping: bool = True,
    finish: bool = True,
) -> bytes:
    """message_start, the blocks (ping after the first start), message_delta, message_stop.

    `output_tokens` defaults to one per delta plus one. `finish=False` stops after the blocks,
    so a test can append `error_event()` or cut the stream there.
    """
    cache = {
        "cache_creation_input_tokens": cache_creation_input_tokens,
        "cache_read_input_tokens": cache_read_input_tokens,
    }
    start_usage = {
        "input_tokens": input_tokens,
        **cache,
        "cache_creation": {
            "ephemeral_5m_input_tokens": cache_creation_input_tokens,
            "ephemeral_1h_input_tokens": 0,
        },
        "output_tokens": 1,
        "service_tier": "standard",
    }
    message = {
        "model": model,
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": start_usage,
    }
    out = [sse_event("message_start", {"message": message})]
    if ping and not blocks:
        out.append(_PING)
    for index, block in enumerate(blocks):
        out.append(sse_event("content_block_start", {"index": index, "content_block": block.start}))
        if ping and index == 0:
            out.append(_PING)
        for delta in block.deltas:
            out.append(sse_event("content_block_delta", {"index": index, "delta": delta}))
        if block.stop:
            out.append(sse_event("content_block_stop", {"index": index}))
    if finish:
        if output_tokens is None:
            output_tokens = 1 + sum(len(b.deltas) for b in blocks)
        delta: dict[str, Any] = {"stop_reason": stop_reason, "stop_sequence": stop_sequence}
        if stop_details is not None:
            delta["stop_details"] = stop_details
        # message_delta usage is cumulative and, in current API versions, repeats the input side.
        usage: dict[str, Any] = {
            "input_tokens": input_tokens,
            **cache,
            "output_tokens": output_tokens,
        }
        if web_search_requests is not None:
            usage["server_tool_use"] = {"web_search_requests": web_search_requests}
        out.append(sse_event("message_delta", {"delta": delta, "usage": usage}))
        out.append(sse_event("message_stop", {}))
    return b"".join(out)


def text_stream(
    deltas: list[str],
    *,
    model: str = DEFAULT_MODEL,
    msg_id: str = DEFAULT_MSG_ID,
    input_tokens: int = 12,
    output_tokens: int | None = None,
    stop_reason: str | None = "end_turn",
    ping: bool = True,
) -> bytes:
    """One text block made of `deltas`."""
    return message_stream(
        [text_block(deltas)],
        model=model,
        msg_id=msg_id,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        stop_reason=stop_reason,
        ping=ping,
    )


def wrong_usage_stream(parts: list[str]) -> bytes:
    """A text block of `parts`, then a message_delta whose output_tokens is a list, not a
    number: an event whose fields have the wrong types."""
    body = message_stream([text_block(parts)], finish=False)
    usage = {"output_tokens": [len(parts)]}
    body += sse_event("message_delta", {"delta": {"stop_reason": "end_turn"}, "usage": usage})
    return body + sse_event("message_stop", {})


def thinking_stream(
    thinking_parts: list[str],
    signature: str,
    text_parts: list[str],
    **kwargs: Any,
) -> bytes:
    """A thinking block (with its signature) then a text block; kwargs go to message_stream."""
    blocks = [thinking_block(thinking_parts, signature), text_block(text_parts)]
    return message_stream(blocks, **kwargs)


def tool_use_stream(
    text: str | list[str],
    tool_name: str,
    tool_id: str,
    json_parts: list[str],
    **kwargs: Any,
) -> bytes:
    """Optional lead-in text, then a tool_use block; stop_reason "tool_use" unless overridden."""
    blocks = [text_block(text)] if text else []
    blocks.append(tool_use_block(tool_name, tool_id, json_parts))
    kwargs.setdefault("stop_reason", "tool_use")
    return message_stream(blocks, **kwargs)


def citations_stream(**kwargs: Any) -> bytes:
    """Uncited text, a cited text block carrying one char_location citation, uncited text.

    Final content: [{"type": "text", "text": "Per the notes, "},
    {"type": "text", "text": "the launch moved to May", "citations": [CITATION]},
    {"type": "text", "text": "."}] where CITATION is `char_location("The launch moves to
    May.", 41, 65, document_title="Team notes")`.
    """
    citation = char_location("The launch moves to May.", 41, 65, document_title="Team notes")
    blocks = [
        text_block("Per the notes, "),
        cited_text_block(["the launch ", "moved to May"], [citation]),
        text_block("."),
    ]
    return message_stream(blocks, **kwargs)


def web_search_answer() -> list[Block]:
    """A web search answer: a lead-in, the search (call and results), then text citing two
    pages (web_search_result_location). Usage should count one search."""
    first = web_search_result("https://example.org/sse", "Server-sent events explained")
    second = web_search_result("https://example.com/spec", "The EventSource spec")
    return [
        text_block("I'll search for that."),
        server_tool_use_block("srvtoolu_01WebA", "server-sent events"),
        web_search_results_block("srvtoolu_01WebA", [first, second]),
        text_block("In short: "),
        cited_text_block(
            "SSE streams events over one HTTP response",
            [web_citation(first["url"], first["title"], "SSE streams events over HTTP.")],
        ),
        text_block(", and "),
        cited_text_block(
            "browsers read it with EventSource",
            [web_citation(second["url"], second["title"], "Use EventSource to read it.")],
        ),
        text_block("."),
    ]


# ---- framing variants ----------------------------------------------------------------------


def events(data: bytes) -> list[bytes]:
    """Split an LF-framed stream into its events, each ending with its blank line."""
    return [part + b"\n\n" for part in data.split(b"\n\n") if part]


def with_line_endings(data: bytes, eol: str | bytes) -> bytes:
    """Rewrite every line ending; JSON escapes newlines in strings, so every raw LF is framing."""
    return data.replace(b"\n", eol.encode() if isinstance(eol, str) else eol)


def insert_after(data: bytes, n: int, extra: bytes) -> bytes:
    """Put `extra` (raw bytes: events, comments, blank lines) after the first `n` events."""
    evs = events(data)
    return b"".join([*evs[:n], extra, *evs[n:]])


def interleave(data: bytes, extra: bytes, every: int = 1) -> bytes:
    """Put `extra` after every `every` events, e.g. `interleave(s, comment())`."""
    out = []
    for i, ev in enumerate(events(data), 1):
        out.append(ev)
        if i % every == 0:
            out.append(extra)
    return b"".join(out)


# ---- the project's fixture files -----------------------------------------------------------

#: The citations in tests/fixtures/cited_answer.sse.
CITED_PAGE = {
    "type": "page_location",
    "cited_text": (
        "Revenue for the year rose 12% to $4.1 million, driven by the new subscription plans. "
    ),
    "document_index": 0,
    "document_title": "report.pdf",
    "start_page_number": 4,
    "end_page_number": 5,
}
CITED_PAGES = {
    "type": "page_location",
    "cited_text": "Operating costs fell by 3% as the data centre migration completed. ",
    "document_index": 0,
    "document_title": "report.pdf",
    "start_page_number": 6,
    "end_page_number": 8,
}
CITED_CHARS = {
    "type": "char_location",
    "cited_text": "Q3 churn: 2.1%, down from 2.9%.",
    "document_index": 1,
    "document_title": "notes.txt",
    "start_char_index": 118,
    "end_char_index": 149,
}

#: What each tests/fixtures/*.sse file holds once accumulated: the message after message_stop.
#: `truncated_tool_use` is cut by max_tokens: its tool input never completes, so the expectation
#: records the raw joined `partial_json` instead of a parsed `input`, plus what a lenient
#: partial-JSON parse (dropping the unterminated string) yields.
FIXTURE_EXPECTED: dict[str, dict[str, Any]] = {
    "text_with_ping": {
        "id": "msg_01Hd3pLwVx8QeZr5nTgKc2Ma",
        "model": "claude-sonnet-4-6",
        "stop_reason": "end_turn",
        "content": [{"type": "text", "text": "Bonjour ! Ça va très bien — et vous ? 🙂"}],
        "usage": {"input_tokens": 19, "output_tokens": 17},
    },
    "thinking_then_text": {
        "id": "msg_01Tq8NbWc4YrLs7Xp2VhKd9E",
        "model": "claude-opus-4-7",
        "stop_reason": "end_turn",
        "content": [
            {
                "type": "thinking",
                "thinking": "17 × 3 = 51, and 51 + 4 = 55. Double-check: 17 × 3 is 51.",
                "signature": "RXhhbXBsZVNpZ25hdHVyZUZvclRlc3RzT25seQ==",
            },
            {"type": "redacted_thinking", "data": "RW5jcnlwdGVkVGhpbmtpbmdGaXh0dXJl"},
            {"type": "text", "text": "The answer is **55**."},
        ],
        "usage": {"input_tokens": 41, "output_tokens": 58},
    },
    # Citations on a PDF and a text document: the answer arrives as short text blocks, the
    # cited ones opening with "citations": [] and carrying their citations_delta first.
    "cited_answer": {
        "id": "msg_01Ct7QwRz4XbNe8Kp2HsVa5J",
        "model": "claude-sonnet-4-6",
        "stop_reason": "end_turn",
        "content": [
            {"type": "text", "text": "According to the report, "},
            {"type": "text", "text": "revenue rose 12% to $4.1 million", "citations": [CITED_PAGE]},
            {"type": "text", "text": ", and "},
            {"type": "text", "text": "operating costs fell by 3%", "citations": [CITED_PAGES]},
            {"type": "text", "text": ". Your notes add that "},
            {"type": "text", "text": "churn dropped to 2.1% in Q3", "citations": [CITED_CHARS]},
            {"type": "text", "text": "."},
        ],
        "usage": {"input_tokens": 2810, "output_tokens": 96},
    },
    "tool_use": {
        "id": "msg_01Jm6RkZs2UfYw9Bq4NcTe7L",
        "model": "claude-haiku-4-5",
        "stop_reason": "tool_use",
        "content": [
            {"type": "text", "text": "Let me look up the time in Tokyo."},
            {
                "type": "tool_use",
                "id": "toolu_01Wz5KcQm8VtXa3Ly6PbRn2D",
                "name": "get_time",
                "input": {"city": "Tokyo", "format": "24h"},
            },
        ],
        "usage": {"input_tokens": 402, "output_tokens": 71},
    },
    "truncated_tool_use": {
        "id": "msg_01Pf4YtDk7NwHs2Zc9QxMb6V",
        "model": "claude-sonnet-4-6",
        "stop_reason": "max_tokens",
        "content": [
            {"type": "text", "text": "I'll write the shopping list to a file."},
            {
                "type": "tool_use",
                "id": "toolu_01Rb8GmVq3KxTe6Wn2YsLd5H",
                "name": "write_file",
                "partial_json": (
                    '{"path": "notes/groceries.md", "lines": [\n"# Groceries",\n"",\n'
                    '"- oat milk",\n"- rye br'
                ),
                "lenient_input": {
                    "path": "notes/groceries.md",
                    "lines": ["# Groceries", "", "- oat milk"],
                },
            },
        ],
        "usage": {"input_tokens": 233, "output_tokens": 40},
    },
}


def load_fixture(name: str) -> bytes:
    """The bytes of tests/fixtures/<name>.sse (see FIXTURE_EXPECTED for what they hold)."""
    return (FIXTURES_DIR / f"{name}.sse").read_bytes()
