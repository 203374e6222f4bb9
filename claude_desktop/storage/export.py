"""Exports of a conversation: Markdown for people, JSON for programs.

Pure functions over the store's records; the caller picks the messages (normally the
visible branch) and writes the result wherever it likes.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from claude_desktop.storage.store import ConversationRecord, MessageRecord

JSON_FORMAT = "claude-desktop-conversation"
JSON_VERSION = 1

UNTITLED = "Untitled conversation"

_SPEAKERS = {"user": "You", "assistant": "Claude"}

_STATUS_NOTES = {
    "streaming": "Incomplete: the answer was still arriving when it was saved.",
    "interrupted": "Interrupted: the answer was cut off before it finished.",
    "stopped": "Stopped before the answer finished.",
    "error": "The answer failed.",
}


def to_markdown(
    conv: ConversationRecord, messages: list[MessageRecord], *, thinking: bool = True
) -> str:
    """The conversation as a readable Markdown document.

    Thinking is quoted under a "Thinking" label, or, with `thinking=False`, replaced by a
    one-line note. Attachments are named, never inlined.
    """
    lines = [f"# {_one_line(conv.title) or UNTITLED}", ""]
    lines.append(f"- Model: `{conv.model}`")
    lines.append(f"- Started: {_local_time(conv.created_at)}")
    lines.append(f"- Last activity: {_local_time(conv.updated_at)}")
    if conv.system.strip():
        lines += ["", "**System prompt**", "", _quote(conv.system)]
    for message in messages:
        lines += ["", "---", "", _heading(conv, message), ""]
        body = [
            part
            for block in message.content
            if (part := _block_markdown(block, thinking=thinking)) is not None
        ]
        sources = _sources(message.content)
        if sources:
            body.append("Sources:\n\n" + "\n".join(sources))
        note = _status_note(message)
        if note:
            body.append(f"_({note})_")
        lines.append("\n\n".join(body) if body else "_(empty)_")
    return "\n".join(lines).rstrip() + "\n"


def to_json(conv: ConversationRecord, messages: list[MessageRecord]) -> dict[str, Any]:
    """The conversation as JSON-ready data. Each message's `role` and `content` are exactly
    the API's, so ``[{"role": m["role"], "content": m["content"]} for m in messages]`` with
    the conversation's model, system and max_tokens (and its thinking, or else its
    temperature, when set) is a valid request body."""
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "conversation": {
            "id": conv.id,
            "title": conv.title,
            "title_is_auto": conv.title_is_auto,
            "model": conv.model,
            "system": conv.system,
            "max_tokens": conv.max_tokens,
            "temperature": conv.temperature,
            "thinking": conv.thinking,
            "settings": conv.settings,
            "created_at": _iso(conv.created_at),
            "updated_at": _iso(conv.updated_at),
        },
        "messages": [
            {
                "id": m.id,
                "parent_id": m.parent_id,
                "role": m.role,
                "content": m.content,
                "status": m.status,
                "model": m.model,
                "usage": m.usage,
                "meta": m.meta,
                "created_at": _iso(m.created_at),
            }
            for m in messages
        ],
    }


def _heading(conv: ConversationRecord, message: MessageRecord) -> str:
    speaker = _SPEAKERS.get(message.role, message.role.capitalize())
    heading = f"## {speaker}"
    if message.role == "assistant" and message.model and message.model != conv.model:
        heading += f" ({message.model})"
    return heading


def _block_markdown(block: dict[str, Any], *, thinking: bool) -> str | None:
    kind = block.get("type")
    if kind == "text":
        text = str(block.get("text", ""))
        return text if text.strip() else None
    if kind == "thinking":
        if not thinking:
            return "_(Claude's thinking is not included in this export.)_"
        text = str(block.get("thinking", ""))
        return "> 💭 **Thinking**\n>\n" + _quote(text) if text.strip() else None
    if kind == "redacted_thinking":
        return "> 💭 _Thinking (encrypted by the API, not readable)._" if thinking else None
    if kind in ("tool_use", "server_tool_use"):
        name = block.get("name", "tool")
        payload = json.dumps(block.get("input", {}), indent=2, ensure_ascii=False)
        return f"**Tool call:** `{name}`\n\n{_fence(payload, 'json')}"
    if kind == "tool_result":
        return "**Tool result:**\n\n" + _tool_result(block.get("content"))
    if kind == "web_search_tool_result":
        content = block.get("content")
        if isinstance(content, list):
            links = [
                f"- [{r.get('title') or r.get('url')}]({r.get('url')})"
                for r in content
                if isinstance(r, dict) and r.get("url")
            ]
            return "**Web search results:**\n\n" + "\n".join(links) if links else None
        return "**Web search failed.**"
    if kind in ("document", "image"):
        return _attachment(block)
    return f"_[{kind or 'unknown'} block]_"


def _attachment(block: dict[str, Any]) -> str:
    source = block.get("source")
    source = source if isinstance(source, dict) else {}
    name = block.get("title") or block.get("name") or source.get("url")
    if not name:
        name = "image" if block.get("type") == "image" else "document"
    media_type = source.get("media_type")
    if not media_type and source.get("type") == "text":
        media_type = "text/plain"
    suffix = f" ({media_type})" if media_type else ""
    return f"📎 {name}{suffix}"


def _tool_result(content: object) -> str:
    if isinstance(content, str):
        return _fence(content, "")
    if isinstance(content, list):
        parts = []
        for item in content:
            if isinstance(item, dict) and item.get("type") == "text":
                parts.append(_fence(str(item.get("text", "")), ""))
            elif isinstance(item, dict) and item.get("type") in ("image", "document"):
                parts.append(_attachment(item))
        if parts:
            return "\n\n".join(parts)
    return _fence(json.dumps(content, indent=2, ensure_ascii=False), "json")


def _sources(content: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, str] = {}
    for block in content:
        citations = block.get("citations") if block.get("type") == "text" else None
        if not isinstance(citations, list):
            continue
        for citation in citations:
            url = citation.get("url") if isinstance(citation, dict) else None
            if url and url not in seen:
                seen[url] = str(citation.get("title") or url)
    return [f"- [{title}]({url})" for url, title in seen.items()]


def _status_note(message: MessageRecord) -> str | None:
    note = _STATUS_NOTES.get(message.status)
    if message.status == "error":
        error = message.meta.get("error")
        if error:
            note = f"The answer failed: {_one_line(str(error))}"
    return note


def _fence(text: str, language: str) -> str:
    # Longer than any run of backticks inside, so the text cannot close the block early.
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines() or [""])


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _local_time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds")
