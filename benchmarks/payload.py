"""The answers the benchmarks stream: realistic Markdown (headings, lists, code, tables).

The question names how many deltas the answer has (`question(n)`), so the server can tell
what to send from the request alone, whoever made it: bare httpx, the client or the app.
"""

from __future__ import annotations

import ast
import functools
import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.sse import message_stream, text_block, text_stream, tool_use_block

_MARKER = re.compile(r"bench-deltas=(\d+)")
_PACE = re.compile(r"bench-pace-ms=([\d.]+)")
_COALESCED = "bench-coalesced"
_TOOL = re.compile(r"bench-tool=([A-Za-z0-9_-]+)")
_LONG_CODE = re.compile(r"bench-long-code=(\d+)")
_CONFTEST = Path(__file__).resolve().parent.parent / "tests" / "ui" / "conftest.py"
_BUILDERS = ("_SECTIONS", "realistic_answer", "cut_into_deltas", "answer_of_deltas")


def _answer_builders() -> dict[str, Any]:
    """The UI tests' answer builders (tests/ui/conftest.py), so the benchmarks stream the
    answers the tests do. Only their definitions are run: importing that module would load
    pytest and the test harness, 20 MB that the memory figures would charge to the app."""
    source = _CONFTEST.read_text(encoding="utf-8")
    names = set(_BUILDERS)
    parts = [
        ast.get_source_segment(source, node) or ""
        for node in ast.parse(source).body
        if (isinstance(node, ast.FunctionDef) and node.name in names)
        or (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id in names for t in node.targets)
        )
    ]
    # As that module has them: annotations stay unevaluated (they may name its imports).
    code = "\n\n".join(["from __future__ import annotations", *parts])
    namespace: dict[str, Any] = {"random": random}
    exec(compile(code, str(_CONFTEST), "exec"), namespace)
    missing = [name for name in _BUILDERS if name not in namespace]
    if missing:
        raise RuntimeError(f"{_CONFTEST} no longer defines {', '.join(missing)}")
    return namespace


_builders = _answer_builders()
#: An answer of at least `min_chars` characters.
realistic_answer: Callable[[int], str] = _builders["realistic_answer"]
_answer_of_deltas: Callable[[int], tuple[str, list[str]]] = _builders["answer_of_deltas"]
_cut_into_deltas: Callable[[str], list[str]] = _builders["cut_into_deltas"]


def question(deltas: int, pace_ms: float | None = None, *, coalesced: bool = False) -> str:
    """A question whose answer has `deltas` deltas.

    The server sends one event per write, as the API does, `pace_ms` apart if given, else as
    fast as the socket takes them. With `coalesced`, it sends the whole answer in 64 KB
    writes instead: the lowest floor a reader can have, but not how a real stream arrives.
    """
    pace = f" bench-pace-ms={pace_ms}" if pace_ms else ""
    mode = f" {_COALESCED}" if coalesced else ""
    return f"Write a long guide with code and tables. bench-deltas={deltas}{pace}{mode}"


def is_title_request(body: bytes) -> bool:
    """Whether a Messages request is the app's title request (after a first answer): it
    quotes the question, marker included, but must get a title, not the long answer."""
    from claude_desktop.domain.titles import is_title_request as is_title

    try:
        return is_title(json.loads(body))
    except (ValueError, TypeError):
        return False


#: The whole answer to a title request.
TITLE = "Benchmark guide"


def _messages(body: bytes) -> list[Any]:
    """The messages of a Messages request's body (none if it is not one)."""
    try:
        messages = json.loads(body)["messages"]
    except (ValueError, KeyError, TypeError):
        return []
    return messages if isinstance(messages, list) else []


def _events(stream: bytes) -> list[bytes]:
    """SSE bytes cut into their events, each with its blank line."""
    return [event + b"\n\n" for event in stream.split(b"\n\n") if event]


def asked(body: bytes) -> tuple[int, float | None] | None:
    """What the last message of a Messages request asks for: (deltas, pace_ms), if anything.

    pace_ms is None for the coalesced 64 KB writes, 0 for one event per write at full speed.
    """
    messages = _messages(body)
    last = json.dumps(messages[-1]) if messages else ""
    found = _MARKER.search(last)
    if not found:
        return None
    if _COALESCED in last:
        return int(found.group(1)), None
    pace = _PACE.search(last)
    return int(found.group(1)), float(pace.group(1)) if pace else 0.0


@functools.cache
def answer(deltas: int) -> tuple[str, tuple[str, ...]]:
    """The answer's full text and its deltas (the same for every reader of the stream)."""
    text, parts = _answer_of_deltas(deltas)
    return text, tuple(parts)


@functools.cache
def sse(deltas: int) -> bytes:
    """The answer as the API's wire bytes: message_start ... message_stop."""
    return text_stream(list(answer(deltas)[1]))


def sse_events(deltas: int) -> list[bytes]:
    """The same bytes cut into its events, each with its blank line."""
    return _events(sse(deltas))


# -- one long code block -----------------------------------------------------------------------


#: The long code block's lines in the streaming benchmark (the server builds it beforehand).
LONG_CODE_LINES = 300


def long_code_question(lines: int) -> str:
    """A question whose answer is mostly one Python code block of `lines` lines."""
    return f"Write the whole module. bench-long-code={lines}"


@functools.cache
def long_code_answer(lines: int) -> tuple[str, tuple[str, ...]]:
    """That answer's text and its deltas (2-6 characters, as the realistic answers')."""
    body = "\n".join(
        f'    """Step {n}: what follows."""' if n % 10 == 0
        else f"    value_{n} = compute({n}, 'text', retries=3)  # step {n}"
        for n in range(lines)
    )  # fmt: skip
    text = f"Here is the module:\n\n```python\ndef build():\n{body}\n```\n\nThat is all."
    return text, tuple(_cut_into_deltas(text))


def long_code_asked(body: bytes) -> int | None:
    """How many lines of code a Messages request's last message asks for, if it does."""
    messages = _messages(body)
    found = _LONG_CODE.search(json.dumps(messages[-1])) if messages else None
    return int(found.group(1)) if found else None


@functools.cache
def long_code_events(lines: int) -> list[bytes]:
    """That answer as the API's wire bytes, cut into its events, each with its blank line."""
    return _events(text_stream(list(long_code_answer(lines)[1])))


# -- a tool round trip (benchmarks.tools) ----------------------------------------------------

#: The continued answer of a tool round trip, once the tool's result is back.
TOOL_ANSWER = [f"The tool said hello ({i}). " for i in range(40)]


def tool_question(tool: str) -> str:
    """A question whose answer calls `tool` once, then answers once its result is back."""
    return f"Use the tool, then tell me what it said. bench-tool={tool}"


def tool_step(body: bytes) -> bytes | None:
    """The stream for a request of a tool round trip, or None if it is not one: a call of
    the tool the question names (with some text first), or, once the request sends a
    tool_result back, a short text answer."""
    messages = _messages(body)
    found = _TOOL.search(json.dumps(messages[0])) if messages else None
    if not found:
        return None
    last = messages[-1].get("content")
    answered = isinstance(last, list) and any(
        isinstance(b, dict) and b.get("type") == "tool_result" for b in last
    )
    if answered:
        return message_stream([text_block(TOOL_ANSWER)])
    call = tool_use_block(found.group(1), "toolu_bench", ['{"text": ', '"hello"}'])
    return message_stream([text_block(["Let me ", "check."]), call], stop_reason="tool_use")
