"""An attachment's part of a request: content blocks and the prompt-caching breakpoint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from claude_desktop.storage.blobs import (
    MissingBlobError,
    ReadBlob,
    expand_content,
    refers_to_blob,
)

from .attachment import _EPHEMERAL, Attachment, AttachmentError, ContentBlock


def user_content(text: str, attachments: Sequence[Attachment]) -> list[ContentBlock]:
    """A question's content: its attachments first (Anthropic recommends documents
    before the question), then its text (left out when empty: the API refuses that)."""
    content = [a.to_block() for a in attachments]
    if text or not content:
        content.append({"type": "text", "text": text})
    return content


def mark_cache_breakpoint(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A copy of `messages` with one prompt-caching breakpoint: on the last image or
    document that comes before the newest question's text, so a follow-up about the same
    PDF reads it from the cache. Every other `cache_control` is removed. Blocks that need
    no change are shared with `messages`, not copied."""
    out: list[dict[str, Any]] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            content = [_without_cache_control(b) for b in content]
        out.append({**message, "content": content})
    target: tuple[int, int] | None = None
    last_user = next((i for i in range(len(out) - 1, -1, -1) if out[i].get("role") == "user"), None)
    if last_user is None:
        return out
    for i, message in enumerate(out[: last_user + 1]):
        content = message["content"]
        if not isinstance(content, list):
            continue
        end = len(content)
        if i == last_user:
            texts = [j for j, b in enumerate(content) if _is(b, "text")]
            end = texts[-1] if texts else end
        for j, block in enumerate(content[:end]):
            if _is(block, "image") or _is(block, "document"):
                target = (i, j)
    if target is not None:
        i, j = target
        content = out[i]["content"]
        content[j] = {**content[j], "cache_control": dict(_EPHEMERAL)}
    return out


def _is(block: object, kind: str) -> bool:
    return isinstance(block, dict) and block.get("type") == kind


def _without_cache_control(block: Any) -> Any:
    if not isinstance(block, dict):
        return block
    inner = block.get("content")
    if block.get("type") == "tool_result" and isinstance(inner, list):
        cleaned = [_without_cache_control(b) for b in inner]
        if any(a is not b for a, b in zip(cleaned, inner, strict=True)):
            block = {**block, "content": cleaned}
    if "cache_control" in block:
        block = {k: v for k, v in block.items() if k != "cache_control"}
    return block


def expand_references(
    messages: Sequence[Mapping[str, Any]], read_blob: ReadBlob
) -> list[dict[str, Any]]:
    """`messages` with every attachment the history keeps by reference back as the
    base64 the API takes (the shape: storage/blobs.py). Reads and encodes megabytes: run
    it in a worker thread, with a `read_blob` that opens its own connection
    (`Store.read_blob_on_own_connection`). Messages without references are shared, not
    copied. Raises AttachmentError when the history no longer has an attachment's bytes.
    """
    cache: dict[str, str] = {}
    out: list[dict[str, Any]] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list) and any(refers_to_blob(b) for b in content):
            try:
                content = expand_content(content, read_blob, cache)
            except MissingBlobError as exc:
                title = exc.block.get("title")
                name = title if isinstance(title, str) and title else f"An {exc.block['type']}"
                raise AttachmentError(
                    f"{name} of this conversation is no longer in the history, so it can't "
                    "be sent again. Ask in a new chat, attaching it again."
                ) from None
            out.append({**message, "content": content})
        else:
            out.append(dict(message))
    return out
