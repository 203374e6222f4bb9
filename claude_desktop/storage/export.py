"""Exports of a conversation: Markdown for people, JSON for programs.

Pure functions over the store's records; the caller picks the messages (normally the
visible branch) and writes the result wherever it likes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from claude_desktop.api.blocks import KINDS, block_markdown, kind_of, quote_markdown
from claude_desktop.api.citations import citations_of, cited_text, numbered_citations, source_label
from claude_desktop.storage.database import one_line
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

    Each block is exported as the block registry (api/blocks.py) says. Thinking is quoted
    under a "Thinking" label, or, with `thinking=False`, replaced by a one-line note.
    Attachments are named, never inlined. Cited passages get footnotes ("[^1]") giving
    the quoted text and its source, under the message that cites them.
    """
    notes = _Footnotes()
    lines = [f"# {one_line(conv.title) or UNTITLED}", ""]
    lines.append(f"- Model: `{conv.model}`")
    lines.append(f"- Started: {_local_time(conv.created_at)}")
    lines.append(f"- Last activity: {_local_time(conv.updated_at)}")
    if conv.system.strip():
        lines += ["", "**System prompt**", "", quote_markdown(conv.system)]
    for message in messages:
        lines += ["", "---", "", _heading(conv, message), ""]
        body = _body(message.content, thinking=thinking, notes=notes)
        sources = _sources(message.content)
        if sources:
            body.append("Sources:\n\n" + "\n".join(sources))
        footnotes = notes.take()
        if footnotes:
            body.append(footnotes)
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


def _body(content: list[dict[str, Any]], *, thinking: bool, notes: _Footnotes) -> list[str]:
    """The Markdown of each block; a run of text blocks (a cited answer arrives as many
    short ones) is one text, as it reads."""
    parts: list[str] = []
    text_before = False
    for block in content:
        is_text = kind_of(block) is KINDS["text"]
        if is_text:
            # Whitespace between two cited passages is part of the text they make.
            marks = "".join(notes.add(c) for c in citations_of(block))
            part: str | None = str(block.get("text", "")) + marks
        else:
            part = block_markdown(block, thinking=thinking)
        if part is not None:
            if is_text and text_before:
                parts[-1] += part
            else:
                parts.append(part)
        text_before = is_text
    return [part for part in parts if part.strip()]


class _Footnotes:
    """The citations of an export as Markdown footnotes, numbered through the document
    (footnote labels are the document's, not a message's)."""

    def __init__(self) -> None:
        self.count = 0
        self.pending: list[str] = []

    def add(self, citation: Mapping[str, Any]) -> str:
        self.count += 1
        quote = cited_text(citation)
        source = one_line(source_label(citation))
        note = f'"{quote}" ({source})' if quote else source
        self.pending.append(f"[^{self.count}]: {note}")
        return f"[^{self.count}]"

    def take(self) -> str | None:
        """The footnotes added since the last take, as one Markdown paragraph."""
        notes, self.pending = self.pending, []
        return "\n".join(notes) if notes else None


def _sources(content: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, str] = {}
    for citation in numbered_citations(content):
        url = citation.get("url")
        if isinstance(url, str) and url and url not in seen:
            seen[url] = str(citation.get("title") or url)
    return [f"- [{title}]({url})" for url, title in seen.items()]


def _status_note(message: MessageRecord) -> str | None:
    note = _STATUS_NOTES.get(message.status)
    if message.status == "error":
        error = message.meta.get("error")
        if error:
            note = f"The answer failed: {one_line(str(error))}"
    return note


def _local_time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds")
