"""Citations: asking for them in a request, and the sources of an answer as lines of text.

With citations enabled on its documents (PDFs and text documents), the API answers in many
short text blocks, some carrying the passages they quote. The flag is added when a request
is built and never stored, so turning the setting off takes effect at the next question.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from claude_desktop.api.citations import cited_text, numbered_citations, source_label
from claude_desktop.api.message import Message

from .blocks import KINDS, kind_of

__all__ = ["format_sources", "with_citations"]

_ENABLED = {"enabled": True}


def _cited_document(block: Mapping[str, Any]) -> dict[str, Any]:
    return {**block, "citations": dict(_ENABLED)}


def with_citations(messages: Sequence[dict[str, Any]], enabled: bool) -> list[dict[str, Any]]:
    """`messages` with `"citations": {"enabled": true}` on every document block (PDF, text;
    inside tool results too), when `enabled`; else as they are. The input is not changed."""
    if not enabled:
        return list(messages)
    document = KINDS["document"]
    out: list[dict[str, Any]] = []
    for message in messages:
        content = message.get("content")
        if not isinstance(content, list):
            out.append(message)
            continue
        blocks: list[Any] = []
        for block in content:
            if isinstance(block, dict) and kind_of(block) is document:
                block = _cited_document(block)
            elif isinstance(block, dict) and isinstance(block.get("content"), list):
                inner = [
                    _cited_document(b) if isinstance(b, dict) and kind_of(b) is document else b
                    for b in block["content"]
                ]
                block = {**block, "content": inner}
            blocks.append(block)
        out.append({**message, "content": blocks})
    return out


def format_sources(message: Message | Sequence[Mapping[str, Any]]) -> list[str]:
    """The sources of an answer, one line each, numbered as its markers:
    `[1] report.pdf, p. 4: "the quoted passage"`. Empty when it cites nothing."""
    content = message.content if isinstance(message, Message) else message
    lines = []
    for number, citation in enumerate(numbered_citations(content), 1):
        quote = cited_text(citation)
        line = f"[{number}] {source_label(citation)}"
        lines.append(f'{line}: "{quote}"' if quote else line)
    return lines
