"""Best-effort parsing of JSON cut off mid-way, for tool input of a truncated answer.

When an answer stops at the token limit, a tool_use block's input may end in the middle
of a string. Rather than lose it, keep every value that was complete.
"""

from __future__ import annotations

import json
from typing import Any


def parse_partial_json(text: str) -> Any:
    """Parse `text`; if it is cut off, return what its complete values amount to.

    An unfinished string, number or literal is dropped, along with a key whose value is
    missing; open arrays and objects are closed. Returns {} when nothing usable remains.
    """
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except ValueError:
        pass
    for candidate in _completions(text):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return {}


def _completions(text: str) -> list[str]:
    """Closings of `text` to try, cut back to safe points, most complete first."""
    stack: list[str] = []
    in_string = False
    escaped = False
    # Each safe point: (position just after a complete value or an opening bracket,
    # the brackets open at that point).
    safe: list[tuple[int, str]] = []
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
                safe.append((i + 1, "".join(stack)))
            continue
        if ch == '"':
            in_string = True
        elif ch in "[{":
            stack.append("]" if ch == "[" else "}")
            safe.append((i + 1, "".join(stack)))
        elif ch in "]}":
            if stack:
                stack.pop()
            safe.append((i + 1, "".join(stack)))
        elif ch in "0123456789eE.+-tfalsenru":
            # Numbers and literals count once the next delimiter shows they are complete.
            continue
        elif ch in ",":
            safe.append((i, "".join(stack)))
        elif ch in " \t\r\n:":
            continue
    out = []
    for pos, closers in reversed(safe):
        head = text[:pos].rstrip().rstrip(",")
        # A key whose value never came ("key": or "key") must go too.
        if closers.endswith("}"):
            head = _drop_dangling_key(head)
        out.append(head + closers[::-1])
    return out


def _drop_dangling_key(head: str) -> str:
    stripped = head.rstrip()
    if stripped.endswith(":"):
        stripped = stripped[:-1].rstrip()
        return _strip_last_string(stripped)
    if stripped.endswith('"'):
        before = _strip_last_string(stripped).rstrip()
        if before.endswith("{") or before.endswith(","):
            return before.rstrip(",")
    return stripped


def _strip_last_string(s: str) -> str:
    """Remove the trailing JSON string literal from `s`."""
    if not s.endswith('"'):
        return s
    i = len(s) - 2
    while i >= 0:
        if s[i] == '"':
            backslashes = 0
            j = i - 1
            while j >= 0 and s[j] == "\\":
                backslashes += 1
                j -= 1
            if backslashes % 2 == 0:
                return s[:i].rstrip().rstrip(",")
        i -= 1
    return s
