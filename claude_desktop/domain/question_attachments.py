"""What a question shows of its attachments above its bubble: a thumbnail per image, a file
card per PDF or text document.

`shown_attachments` reads a question's content blocks (cheap, on the UI thread: no bytes are
read). The bytes behind a thumbnail are read from the history's blobs and scaled with Pillow
by `load_thumbnail`, and written out for the system viewer by `write_copy`: both read and
decode, so both run in a worker thread, with a `read_blob` that opens its own connection
(`Store.read_blob_on_own_connection`).
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .attachments import Attachment
from .saved_attachments import attachment_blocks
from .temp_files import session_dir

#: Reads an attachment's bytes from the history by hash (None when gone).
ReadBlob = Callable[[str], bytes | None]

Kind = Literal["image", "pdf", "text", "file"]
#: `load_thumbnail`'s answer when the bytes are no longer in the history.
GONE = "gone"
#: Its answer when they are there but are not an image Pillow can read.
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class ShownAttachment:
    """One attachment as a question shows it."""

    name: str
    kind: Kind
    #: The sha256 (hex) of its bytes, their key in the blobs (None: not in the blobs).
    digest: str | None = None
    #: Its size in bytes, when known.
    size: int | None = None
    media_type: str = ""
    #: Its page count, when known (PDFs).
    pages: int | None = None
    #: The image's bytes when they are at hand (a question just sent), else read by digest.
    data: bytes | None = field(default=None, repr=False, compare=False)
    #: base64 kept inline by histories older than the blobs.
    encoded: str | None = field(default=None, repr=False, compare=False)

    @property
    def has_image(self) -> bool:
        """Whether there are bytes to make a thumbnail of."""
        return self.kind == "image" and (
            self.digest is not None or self.data is not None or self.encoded is not None
        )


@dataclass(frozen=True)
class Thumbnail:
    """An image scaled to fit a box: RGBA pixels, row after row."""

    width: int
    height: int
    rgba: bytes = field(repr=False)


def shown_attachments(
    content: Sequence[Mapping[str, Any]], names: Sequence[str] = ()
) -> list[ShownAttachment]:
    """The attachments of a stored question's `content`, in order. `names` are the file
    names it was sent with (image blocks carry none), one per image or document block."""
    return [
        _shown(name, kind, source or {}) for name, kind, source in attachment_blocks(content, names)
    ]


def shown_from(attachment: Attachment) -> ShownAttachment:
    """A composer's attachment as its question shows it (the bytes at hand)."""
    kind: Kind = attachment.kind if attachment.kind in ("image", "pdf", "text") else "file"
    return ShownAttachment(
        name=attachment.name,
        kind=kind,
        digest=attachment.sha256,
        size=attachment.size,
        media_type=attachment.media_type,
        pages=attachment.page_count,
        data=attachment.data if kind == "image" else None,
    )


def load_thumbnail(
    item: ShownAttachment, read_blob: ReadBlob, max_width: int, max_height: int
) -> Thumbnail | str:
    """`item`'s image scaled down (never up) to fit max_width × max_height, its aspect
    kept; GONE when its bytes are no longer in the history, UNREADABLE when they are not
    an image. Reads and decodes: call it in a worker thread."""
    data = _bytes_of(item, read_blob)
    if data is None:
        return GONE
    try:
        return _scaled(data, max_width, max_height)
    except Exception:  # Pillow raises many kinds for a damaged file: all mean the same here
        return UNREADABLE


def write_copy(item: ShownAttachment, read_blob: ReadBlob) -> Path | None:
    """A copy of `item`'s bytes under its own name in the app's temporary folder (removed
    at quit), for the system viewer; None when the bytes are gone. Call it in a worker."""
    data = _bytes_of(item, read_blob)
    if data is None:
        return None
    folder = session_dir() / "opened" / (item.digest or "inline")[:16]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _safe_name(item.name)
    path.write_bytes(data)
    return path


def _shown(name: str, block_type: str, source: Mapping[str, Any]) -> ShownAttachment:
    media_type = str(source.get("media_type") or "")
    size = source.get("size")
    size = size if isinstance(size, int) else None
    data = source.get("data")
    kind: Kind
    if block_type == "image":
        kind = "image"
    elif source.get("type") == "text" or media_type.startswith("text/"):
        kind = "text"
        if isinstance(data, str) and size is None:
            size = len(data.encode("utf-8"))
    elif media_type == "application/pdf" or name.lower().endswith(".pdf"):
        kind = "pdf"
    else:
        kind = "file"
    digest = source.get("sha256")
    encoded = data if source.get("type") == "base64" and isinstance(data, str) else None
    if encoded is not None and size is None:
        size = len(encoded) * 3 // 4
    return ShownAttachment(
        name=name,
        kind=kind,
        digest=digest if isinstance(digest, str) else None,
        size=size,
        media_type=media_type,
        encoded=encoded,
    )


def _bytes_of(item: ShownAttachment, read_blob: ReadBlob) -> bytes | None:
    if item.data is not None:
        return item.data
    if item.digest is not None:
        return read_blob(item.digest)
    if item.encoded is not None:
        try:
            return base64.b64decode(item.encoded, validate=True)
        except (binascii.Error, ValueError):
            return None
    return None


def _scaled(data: bytes, max_width: int, max_height: int) -> Thumbnail:
    from PIL import Image  # imported in the worker: ~25 ms the UI thread never waits for

    with Image.open(io.BytesIO(data)) as image:
        # A JPEG decodes straight at a fraction of its size: far less work for a photo.
        image.draft("RGB", (max_width, max_height))
        image.thumbnail((max_width, max_height), Image.Resampling.LANCZOS)
        rgba = image.convert("RGBA")
    return Thumbnail(rgba.width, rgba.height, rgba.tobytes())


def _safe_name(name: str) -> str:
    """`name` as one file name: no folders, nothing a file system refuses."""
    base = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name).strip(" .")
    return base[:120] or "attachment"
