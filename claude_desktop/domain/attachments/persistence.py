"""Attachments kept in the history: their bytes as blobs, referred to by drafts and messages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from claude_desktop.storage.blobs import blob_source
from claude_desktop.storage.store import StorageError, Store

from .attachment import Attachment, AttachmentError, ContentBlock
from .loading import prepare_bytes

log = logging.getLogger(__name__)


def store_attachment(store: Store, attachment: Attachment) -> dict[str, Any]:
    """Keep the bytes (once per content) and return the reference a draft or a message's
    metadata holds."""
    digest = store.put_blob(attachment.data, attachment.media_type, attachment.sha256)
    return {
        "sha256": digest,
        "name": attachment.name,
        "kind": attachment.kind,
        "media_type": attachment.media_type,
        "size": attachment.size,
        "page_count": attachment.page_count,
        "downscaled": attachment.downscaled,
    }


async def keep_attachment_bytes(store: Store, attachment: Attachment) -> None:
    """Write the attachment's bytes to the store from a worker thread, ahead of the draft
    or message that will refer to them; `store_attachment` then finds them already there.

    A failure is logged and forgotten: `store_attachment` writes them itself later.
    """
    if store.has_blob(attachment.sha256):
        return
    try:
        await asyncio.to_thread(
            store.put_blob_on_own_connection,
            attachment.data,
            attachment.media_type,
            attachment.sha256,
        )
    except StorageError as exc:
        log.warning("Could not keep %s in the history ahead of time: %s", attachment.name, exc)


def restore_attachment(store: Store, ref: Mapping[str, Any]) -> Attachment:
    """The attachment behind a reference from `store_attachment` (a saved draft's)."""
    name = str(ref.get("name") or "attachment")
    found = store.blob(str(ref.get("sha256") or ""))
    if found is None:
        raise AttachmentError(f"{name} is no longer in the history; attach it again.")
    data, _media_type = found
    attachment = prepare_bytes(name, data)
    size = ref.get("size")
    return replace(
        attachment,
        size=size if isinstance(size, int) else attachment.size,
        downscaled=bool(ref.get("downscaled")) or attachment.downscaled,
    )


def stored_user_content(
    store: Store, text: str, attachments: Sequence[Attachment]
) -> list[ContentBlock]:
    """A question's content as the history keeps it: `user_content`, each attachment's
    bytes in the blobs (already there when kept ahead: then nothing is written or hashed
    again) and its block referring to them."""
    content: list[ContentBlock] = []
    for attachment in attachments:
        if attachment.kind == "text":
            content.append(attachment.to_block())
            continue
        store.put_blob(attachment.data, attachment.media_type, attachment.sha256)
        source = blob_source(attachment.sha256, attachment.media_type, len(attachment.data))
        if attachment.kind == "image":
            content.append({"type": "image", "source": source})
        else:
            content.append({"type": "document", "source": source, "title": attachment.name})
    if text or not content:
        content.append({"type": "text", "text": text})
    return content
