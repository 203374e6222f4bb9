"""The attachments of a stored question, made ready to send again when it is edited.

A question keeps its attachments as content blocks: images and PDFs referring to their
bytes in the history's blobs by hash (storage/blobs.py), text documents inline, and in
histories older than that, base64 the upgrade could not convert, or a Files API reference
whose bytes the blobs keep. Finding the bytes reads the store (on its own thread); making
them an `Attachment` again decodes and checks them, which `load_saved_attachment` does in
a worker thread.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from claude_desktop.storage.files import uploaded_file_sha256
from claude_desktop.storage.store import Store

from .attachments import Attachment, AttachmentError, prepare_bytes


@dataclass(frozen=True)
class SavedAttachment:
    """One attachment of a stored question: its name and its bytes (base64 still encoded,
    so the decoding happens off the UI thread), or its text for a text document."""

    name: str
    encoded: str | None = field(default=None, repr=False)
    data: bytes | None = field(default=None, repr=False)
    text: str | None = field(default=None, repr=False)


def saved_attachments(
    store: Store, content: Sequence[Mapping[str, Any]], names: Sequence[str] = ()
) -> tuple[list[SavedAttachment], list[str]]:
    """The attachments in a question's `content`, in order, and a sentence for each one
    whose bytes are gone. `names` are the file names the question was sent with (image
    blocks carry none), one per image or document block."""
    found: list[SavedAttachment] = []
    problems: list[str] = []
    for name, _kind, source in attachment_blocks(content, names):
        if source is None:
            problems.append(_gone(name))
            continue
        data = source.get("data")
        if source.get("type") == "base64" and isinstance(data, str):
            found.append(SavedAttachment(name, encoded=data))
        elif source.get("type") == "text" and isinstance(data, str):
            found.append(SavedAttachment(name, text=data))
        else:
            blob = _blob_of(store, source)
            if blob is None:
                problems.append(_gone(name))
            else:
                found.append(SavedAttachment(name, data=blob))
    return found, problems


def restore_saved(saved: SavedAttachment) -> Attachment:
    """The attachment again, checked as when it was first attached (CPU work: call it off
    the UI thread). Raises AttachmentError saying why it can't be."""
    if saved.text is not None:
        data = saved.text.encode("utf-8")
        return Attachment(
            name=saved.name,
            kind="text",
            media_type="text/plain",
            size=len(data),
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
            text=saved.text,
        )
    if saved.data is not None:
        data = saved.data
    else:
        try:
            data = base64.b64decode(saved.encoded or "", validate=True)
        except (binascii.Error, ValueError):
            raise AttachmentError(_damaged(saved.name)) from None
    attachment = prepare_bytes(saved.name, data)
    if attachment.kind != "text":
        _ = attachment.base64  # encoded here, in the worker (the property caches it)
    return attachment


async def load_saved_attachment(saved: SavedAttachment) -> Attachment:
    """`restore_saved` in a worker thread."""
    return await asyncio.to_thread(restore_saved, saved)


def attachment_blocks(
    content: Sequence[Mapping[str, Any]], names: Sequence[str] = ()
) -> Iterator[tuple[str, str, Mapping[str, Any] | None]]:
    """(name, "image" or "document", source or None) of each attachment block of a stored
    question's `content`, in order; `names` are the file names it was sent with, one per
    image or document block (image blocks carry none)."""
    index = 0
    for block in content:
        kind = block.get("type")
        if kind not in ("image", "document"):
            continue
        name = attachment_name(block, names, index, kind)
        index += 1
        source = block.get("source")
        yield name, str(kind), source if isinstance(source, Mapping) else None


def attachment_name(
    block: Mapping[str, Any], names: Sequence[str], index: int, kind: object
) -> str:
    """A stored attachment block's name: its title, else the name it was sent with, else
    `<kind>-<n>`."""
    title = block.get("title")
    if isinstance(title, str) and title:
        return title
    if index < len(names) and names[index]:
        return str(names[index])
    return f"{kind}-{index + 1}"


def _blob_of(store: Store, source: Mapping[str, Any]) -> bytes | None:
    digest = source.get("sha256")
    file_id = source.get("file_id")
    if not isinstance(digest, str) and isinstance(file_id, str):
        digest = uploaded_file_sha256(store, file_id)
    if not isinstance(digest, str):
        return None
    found = store.blob(digest)
    return None if found is None else found[0]


def _gone(name: str) -> str:
    return f"{name} is no longer in the history, so the edit can't keep it; attach it again."


def _damaged(name: str) -> str:
    return f"{name} is damaged in the history, so the edit can't keep it; attach it again."
