"""What one request may carry (images, pages, bytes), checked before anything is sent."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from claude_desktop.storage.blobs import is_blob_source

from .attachment import Attachment, AttachmentError, _base64_length, format_size

#: The whole request body; decimal on purpose, so an estimate a little low still fits.
MAX_REQUEST_BYTES = 32_000_000
MAX_IMAGES = 100
#: Above this many images in a request, none may be larger than MANY_IMAGES_EDGE square.
MANY_IMAGES = 20
MANY_IMAGES_EDGE = 2000
MAX_PDF_PAGES = 100


def check_request_limits(attachments: Sequence[Attachment]) -> None:
    """Raise AttachmentError if these attachments can't go in one request."""
    images = sum(1 for a in attachments if a.kind == "image")
    if images > MAX_IMAGES:
        raise AttachmentError(
            f"You can attach at most {MAX_IMAGES} images to one message; this would be {images}."
        )
    pages = sum(a.page_count or 0 for a in attachments if a.kind == "pdf")
    if pages > MAX_PDF_PAGES:
        raise AttachmentError(
            f"These PDFs have {pages} pages together; the API takes at most "
            f"{MAX_PDF_PAGES} pages per request."
        )
    total = sum(a.wire_size for a in attachments)
    if total > MAX_REQUEST_BYTES:
        raise AttachmentError(
            f"These attachments come to {format_size(total)}; the API takes at most "
            f"{format_size(MAX_REQUEST_BYTES)} per request. Remove some."
        )


def check_question_limits(
    earlier: Sequence[Mapping[str, Any]], attachments: Sequence[Attachment]
) -> None:
    """Raise AttachmentError if a question with these attachments can't be sent after the
    `earlier` messages of its conversation, whose attachments travel again with it."""
    check_request_limits(attachments)
    carried, carried_bytes = _carried(earlier)
    added = sum(1 for a in attachments if a.kind == "image")
    images = carried + added
    if added and images > MAX_IMAGES:
        raise AttachmentError(
            f"This conversation already carries {carried} images, so {added} more would make "
            f"{images}; the API takes at most {MAX_IMAGES} images per request."
        )
    if images > MANY_IMAGES:
        for a in attachments:
            if a.kind == "image" and max(a.width or 0, a.height or 0) > MANY_IMAGES_EDGE:
                raise AttachmentError(
                    f"{a.name} is {a.width}×{a.height}; with more than {MANY_IMAGES} images "
                    f"in a request the API takes none larger than "
                    f"{MANY_IMAGES_EDGE}×{MANY_IMAGES_EDGE} pixels."
                )
    total = carried_bytes + sum(a.wire_size for a in attachments)
    if attachments and total > MAX_REQUEST_BYTES:
        raise AttachmentError(
            f"With what this conversation already carries, these attachments come to "
            f"{format_size(total)}; the API takes at most {format_size(MAX_REQUEST_BYTES)} "
            "per request. Remove some, or ask in a new chat."
        )


def _carried(messages: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """How many images, and about how many bytes of attachments and text, `messages` send.
    File references count as nothing."""
    images = 0
    total = 0
    for block in _blocks(messages):
        source = block.get("source")
        if block.get("type") == "image":
            images += 1
        if isinstance(source, dict) and isinstance(source.get("data"), str):
            total += len(source["data"])
        elif (
            isinstance(source, dict)
            and is_blob_source(source)
            and isinstance(source.get("size"), int)
        ):
            # Kept by reference in the history: the base64 it is sent as.
            total += _base64_length(source["size"])
        elif block.get("type") == "text" and isinstance(block.get("text"), str):
            total += len(block["text"])
    return images, total


def check_conversation_limits(messages: Sequence[Mapping[str, Any]]) -> None:
    """Raise AttachmentError if a whole request (every earlier turn's attachments travel
    again) has too many images or too many bytes. File references count as nothing."""
    images, total = _carried(messages)
    if images > MAX_IMAGES:
        raise AttachmentError(
            f"This conversation now carries {images} images; the API takes at most "
            f"{MAX_IMAGES} per request. Start a new chat to attach more."
        )
    if total > MAX_REQUEST_BYTES:
        raise AttachmentError(
            f"This conversation's attachments now come to {format_size(total)}; the API "
            f"takes at most {format_size(MAX_REQUEST_BYTES)} per request. "
            "Start a new chat to attach more."
        )


def _blocks(messages: Sequence[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            for block in content:
                if isinstance(block, dict):
                    yield block
