"""Where a request asks the API to cache its prompt, so a follow-up pays 0.1x for what it
shares with the request before it instead of the full price again.

The API caches the prefix of a request (tools, then system, then messages) up to each block
that carries `cache_control`, for 5 minutes, and a later request reads it when its own prefix
up to one of its breakpoints is the same; at most 4 breakpoints a request. This app puts them:

1. on the last block of the newest user message: the whole prompt is written to the cache,
   ready for the next request (a follow-up question, or the next step of a tool loop);
2. on the last block of the user message before it: that is where the previous request put
   (1), so this one reads everything up to it from the cache;
3. on the newest attachment (image or document) before the question's text
   (`attachments.mark_cache_breakpoint`): an edited question or a regenerated answer about
   the same PDF still reads the PDF from the cache;
4. on the system prompt (or the last tool when there is none), only when tools and system
   together are long enough to be cached at all: a new chat with the same long preset or the
   same many MCP tools starts from the cache.

User messages only: an assistant turn's blocks may be thinking blocks, which cannot carry
`cache_control` (they are cached as part of the prefix all the same).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

#: The API refuses a request with more blocks marked than this.
MAX_BREAKPOINTS = 4
#: The smallest prefix any model caches (Sonnet and Opus; Haiku needs 2,048), in tokens.
MIN_CACHEABLE_TOKENS = 1024
#: Roughly how many characters of JSON make a token: enough to tell 200 from 1,000.
CHARS_PER_TOKEN = 4
EPHEMERAL: dict[str, str] = {"type": "ephemeral"}
#: Blocks the API refuses `cache_control` on.
_UNMARKABLE = frozenset({"thinking", "redacted_thinking"})


def with_rolling_breakpoints(
    messages: Sequence[Mapping[str, Any]], *, budget: int = MAX_BREAKPOINTS - 1
) -> list[dict[str, Any]]:
    """A copy of `messages`, as `mark_cache_breakpoint` left them (no mark but (3)), with
    the breakpoints (1) and (2) added, at most `budget` in all (the rest of the 4 is the
    system's): (3) is the one left out when there is no room. Blocks that need no change are shared
    with `messages`, not copied."""
    out = [_copied(m) for m in messages]
    attachment = _marked(out)
    users = [i for i, m in enumerate(out) if m.get("role") == "user"]
    # In order of worth: what the next request reads, what this one reads, the attachment.
    wanted: list[tuple[int, int]] = []
    for i in reversed(users[-2:]):
        j = _last_markable(out[i].get("content"))
        if j is not None:
            wanted.append((i, j))
    wanted += attachment
    keep: list[tuple[int, int]] = []
    for spot in wanted:
        if spot not in keep and len(keep) < budget:
            keep.append(spot)
    for i, j in attachment:
        if (i, j) not in keep:
            content = out[i]["content"]
            content[j] = {k: v for k, v in content[j].items() if k != "cache_control"}
    for i, j in keep:
        content = out[i]["content"]
        if isinstance(content, str):  # a plain question: as the one text block it means
            content = out[i]["content"] = [{"type": "text", "text": content}]
        content[j] = {**content[j], "cache_control": dict(EPHEMERAL)}
    return out


def with_prefix_breakpoint(
    tools: list[dict[str, Any]], system: str
) -> tuple[list[dict[str, Any]], str | list[dict[str, Any]]]:
    """`tools` and `system` as a request carries them, with breakpoint (4) when they are
    long enough to be cached: `system` then becomes one text block carrying it (the same
    prompt to the model), else the last tool carries it. Unchanged when they are short, so
    a plain chat's request stays as it was."""
    text = system if system.strip() else ""
    size = len(json.dumps(tools)) + len(text)
    if size < MIN_CACHEABLE_TOKENS * CHARS_PER_TOKEN or not (text or tools):
        return tools, text
    if text:
        return tools, [{"type": "text", "text": text, "cache_control": dict(EPHEMERAL)}]
    return [*tools[:-1], {**tools[-1], "cache_control": dict(EPHEMERAL)}], text


def count_breakpoints(body: Mapping[str, Any]) -> int:
    """How many blocks of a request body carry `cache_control` (tools, system, messages and
    the blocks inside tool results), as the API counts them against its limit of 4."""
    count = 0
    stack: list[Any] = [body.get("tools"), body.get("system"), body.get("messages")]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            count += "cache_control" in item
            stack.extend(v for k, v in item.items() if k == "content" and isinstance(v, list))
    return count


def _copied(message: Mapping[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    return {**message, "content": list(content) if isinstance(content, list) else content}


def _marked(messages: list[dict[str, Any]]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, m in enumerate(messages)
        if isinstance(m.get("content"), list)
        for j, b in enumerate(m["content"])
        if isinstance(b, dict) and "cache_control" in b
    ]


def _last_markable(content: object) -> int | None:
    """Where the breakpoint at a message's end goes: its last block that may carry one."""
    if isinstance(content, str):
        return 0 if content else None
    if not isinstance(content, list):
        return None
    for j in range(len(content) - 1, -1, -1):
        block = content[j]
        if not isinstance(block, dict) or block.get("type") in _UNMARKABLE:
            continue
        if block.get("type") == "text" and not block.get("text"):
            continue  # the API refuses cache_control on an empty text block
        return j
    return None
