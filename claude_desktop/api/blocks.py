"""Every kind of content block the Messages API sends or takes, known in one place.

For each block type: whether it may go back to the API when the answer it belongs to was
cut short, its searchable text, its Markdown in an export (JSON exports keep the API's own
form), and the name of the view that shows it (the ui maps the name to a widget class). A
type this table does not know gets `UNKNOWN`: never sent back from a partial answer, shown
as its type and a one-line summary, exported as a note; never silently dropped.

It lives in api/ because every layer needs it: storage (export), the domain (history,
requests) and the ui (views). It is pure data and functions over the API's dicts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "KINDS",
    "UNKNOWN",
    "BlockKind",
    "attachment_markdown",
    "block_markdown",
    "is_sendable",
    "kind_of",
    "searchable_text",
    "summary",
    "text_of",
]

Block = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class BlockKind:
    """What the app knows about one type of content block."""

    type: str
    #: The view that shows it: "text", "thinking", "attachment", "tool" (a call and its
    #: result as one card), or "unknown" for a block
    #: the app does not render yet (the ui shows its type and a one-line summary).
    view: str
    #: Whether the block may go back to the API from an answer that was cut short.
    sendable_when_partial: Callable[[Block], bool]
    #: The JSON field the search index reads (storage/schema.py), if any.
    search_field: str | None
    #: Its Markdown in an export (`thinking`: whether thinking is included), or None.
    markdown: Callable[[Block, bool], str | None]

    def search_text(self, block: Block) -> str:
        value = block.get(self.search_field) if self.search_field else None
        if isinstance(value, list):  # a tool result's blocks: their text, never image data
            texts = (
                b.get("text") for b in value if isinstance(b, dict) and b.get("type") == "text"
            )
            return "\n".join(t for t in texts if isinstance(t, str))
        return value if isinstance(value, str) else ""


def _never(_block: Block) -> bool:
    return False


def _always(_block: Block) -> bool:
    return True


def _signed(block: Block) -> bool:
    # A thinking block whose signature never came is refused by the API.
    return bool(block.get("signature"))


def _fence(text: str, language: str) -> str:
    # Longer than any run of backticks inside, so the text cannot close the block early.
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def quote_markdown(text: str) -> str:
    """`text` as a Markdown block quote (an empty line stays inside it)."""
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines() or [""])


def _text_md(block: Block, _thinking: bool) -> str | None:
    text = str(block.get("text", ""))
    return text if text.strip() else None


def _thinking_md(block: Block, thinking: bool) -> str | None:
    if not thinking:
        return "_(Claude's thinking is not included in this export.)_"
    text = str(block.get("thinking", ""))
    return "> 💭 **Thinking**\n>\n" + quote_markdown(text) if text.strip() else None


def _redacted_md(_block: Block, thinking: bool) -> str | None:
    return "> 💭 _Thinking (encrypted by the API, not readable)._" if thinking else None


def _tool_use_md(block: Block, _thinking: bool) -> str | None:
    name = block.get("name", "tool")
    payload = json.dumps(block.get("input", {}), indent=2, ensure_ascii=False)
    return f"**Tool call:** `{name}`\n\n{_fence(payload, 'json')}"


def _tool_result_md(block: Block, _thinking: bool) -> str | None:
    content = block.get("content")
    if isinstance(content, str):
        return "**Tool result:**\n\n" + _fence(content, "")
    if isinstance(content, list):
        parts = []
        for item in content:
            if not isinstance(item, dict):
                continue
            kind = kind_of(item)
            if kind is KINDS["text"]:
                parts.append(_fence(str(item.get("text", "")), ""))
            elif kind.view == "attachment":
                parts.append(attachment_markdown(item))
        if parts:
            return "**Tool result:**\n\n" + "\n\n".join(parts)
    payload = json.dumps(content, indent=2, ensure_ascii=False)
    return "**Tool result:**\n\n" + _fence(payload, "json")


def _web_results_md(block: Block, _thinking: bool) -> str | None:
    content = block.get("content")
    if isinstance(content, list):
        links = [
            f"- [{r.get('title') or r.get('url')}]({r.get('url')})"
            for r in content
            if isinstance(r, dict) and r.get("url")
        ]
        return "**Web search results:**\n\n" + "\n".join(links) if links else None
    return "**Web search failed.**"


def attachment_markdown(block: Block) -> str:
    """An image or document named, never inlined: "📎 report.pdf (application/pdf)"."""
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


def _attachment_md(block: Block, _thinking: bool) -> str | None:
    return attachment_markdown(block)


def _unknown_md(block: Block, _thinking: bool) -> str | None:
    return f"_[{block.get('type') or 'unknown'} block]_"


KINDS: dict[str, BlockKind] = {
    kind.type: kind
    for kind in (
        BlockKind("text", "text", _always, "text", _text_md),
        BlockKind("thinking", "thinking", _signed, "thinking", _thinking_md),
        BlockKind("redacted_thinking", "thinking", _always, None, _redacted_md),
        BlockKind("image", "attachment", _never, None, _attachment_md),
        BlockKind("document", "attachment", _never, "title", _attachment_md),
        # A call cut short has half its input, which the API refuses.
        BlockKind("tool_use", "tool", _never, None, _tool_use_md),
        BlockKind("server_tool_use", "tool", _never, None, _tool_use_md),
        BlockKind("tool_result", "tool", _never, "content", _tool_result_md),
        # Needs its server_tool_use before it, which a cut-short answer may lack.
        BlockKind("web_search_tool_result", "tool", _never, None, _web_results_md),
    )
}

#: Any type not in KINDS.
UNKNOWN = BlockKind("", "unknown", _never, None, _unknown_md)


def kind_of(block: Block) -> BlockKind:
    kind = block.get("type")
    return KINDS.get(kind, UNKNOWN) if isinstance(kind, str) else UNKNOWN


def is_sendable(block: Block, *, partial: bool) -> bool:
    """Whether `block` goes back to the API: never an empty text block (the API refuses
    them), and from an answer cut short (`partial`) only what its kind allows."""
    kind = kind_of(block)
    if kind is KINDS["text"] and not block.get("text"):
        return False
    return not partial or kind.sendable_when_partial(block)


def text_of(content: Sequence[Block]) -> str:
    """The text of a message's text blocks, joined as they read."""
    text = KINDS["text"]
    return "".join(str(b.get("text", "")) for b in content if kind_of(b) is text)


def searchable_text(content: Sequence[Block]) -> str:
    """What search finds a message by, one block per line (as the index in storage/schema)."""
    parts = (kind_of(b).search_text(b) for b in content)
    return "\n".join(p for p in parts if p)


def block_markdown(block: Block, *, thinking: bool = True) -> str | None:
    return kind_of(block).markdown(block, thinking)


def summary(block: Block, width: int = 80) -> str:
    """One line about a block the app does not render: its type and what it holds."""
    kind = str(block.get("type") or "unknown")
    detail = ""
    if isinstance(block.get("name"), str):
        detail = block["name"]
        if "input" in block:
            detail += " " + json.dumps(block.get("input"), ensure_ascii=False)
    else:
        rest = {k: v for k, v in block.items() if k not in ("type", "id", "tool_use_id")}
        if rest:
            detail = json.dumps(rest, ensure_ascii=False, default=str)
    line = " ".join(f"{kind}: {detail}".split()) if detail else kind
    return line if len(line) <= width else line[: width - 1] + "…"
