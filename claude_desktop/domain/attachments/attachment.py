"""One attached file, ready to send: `Attachment`, and `AttachmentError`, whose `human`
says why a file cannot be attached.
"""

from __future__ import annotations

import json
import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from claude_desktop.api.errors import HumanError
from claude_desktop.storage.blobs import encode_base64

log = logging.getLogger(__name__)

Kind = Literal["image", "pdf", "text"]
ContentBlock = dict[str, Any]

SUPPORTED = "images (JPEG, PNG, GIF, WebP), PDFs and text files"

_HEAD = 4096
_EPHEMERAL = {"type": "ephemeral"}
# warnings.catch_warnings swaps process-wide state; two threads inside it at once could
# leave the other's filters behind, so decoding takes turns.
_QUIET_LOCK = threading.Lock()


class AttachmentError(HumanError):
    """A file that cannot be attached (or a set that cannot be sent); `human` says why."""


@dataclass(frozen=True, eq=False)
class Attachment:
    """One file, ready to send: `data` are the bytes that go out (maybe downscaled)."""

    name: str
    kind: Kind
    media_type: str
    #: The original file's size in bytes.
    size: int
    data: bytes = field(repr=False)
    #: Of `data`, hex: also its key in the store's blobs.
    sha256: str
    page_count: int | None = None
    #: Of the image as sent (after any downscale and EXIF rotation).
    width: int | None = None
    height: int | None = None
    downscaled: bool = False
    original_width: int | None = None
    original_height: int | None = None
    text: str | None = field(default=None, repr=False)
    #: A PNG at most THUMBNAIL_SIZE px on its long edge, for images.
    thumbnail_png: bytes | None = field(default=None, repr=False)
    #: Something worth telling the person ("Only the first frame..."), or "".
    note: str = ""

    @cached_property
    def base64(self) -> str:
        # In slices: one b64encode call on a 23 MB PDF in a worker thread would hold the
        # GIL, and so stall the UI thread, for as long as it takes (50-100 ms).
        return encode_base64(self.data)

    @cached_property
    def wire_size(self) -> int:
        """About how many bytes this adds to a request body."""
        if self.kind == "text":
            return len(json.dumps(self.text or "", ensure_ascii=False).encode("utf-8"))
        return _base64_length(len(self.data))

    @property
    def summary(self) -> str:
        """A short description for a tooltip: "1568×1045, downscaled from 6000×4000"."""
        if self.kind == "image":
            text = f"{self.width}×{self.height}"
            if self.downscaled and self.original_width:
                text += f", downscaled from {self.original_width}×{self.original_height}"
        elif self.kind == "pdf":
            pages = self.page_count or 0
            text = f"PDF, {pages} page{'s' if pages != 1 else ''}, {format_size(self.size)}"
        else:
            text = f"Text, {format_size(self.size)}"
        return f"{text}. {self.note}" if self.note else text

    def to_block(self, cache: bool = False) -> ContentBlock:
        """The API content block; `cache` makes it a prompt-caching breakpoint."""
        block: ContentBlock
        if self.kind == "image":
            block = {
                "type": "image",
                "source": {"type": "base64", "media_type": self.media_type, "data": self.base64},
            }
        elif self.kind == "pdf":
            block = {
                "type": "document",
                "source": {"type": "base64", "media_type": "application/pdf", "data": self.base64},
                "title": self.name,
            }
        else:
            block = {
                "type": "document",
                "source": {"type": "text", "media_type": "text/plain", "data": self.text or ""},
                "title": self.name,
            }
        if cache:
            block["cache_control"] = dict(_EPHEMERAL)
        return block


def _read_all(name: str, source: Path | bytes) -> bytes:
    if isinstance(source, bytes):
        return source
    try:
        return source.read_bytes()
    except PermissionError:
        raise AttachmentError(f"{name} can't be attached: permission denied.") from None
    except OSError as exc:
        raise _read_error(name, exc) from None


def _read_error(name: str, exc: OSError) -> AttachmentError:
    reason = exc.strerror or type(exc).__name__
    return AttachmentError(f"{name} can't be read ({reason}).")


def _unsupported(name: str) -> AttachmentError:
    return AttachmentError(f"{name} can't be attached: only {SUPPORTED} are supported.")


@contextmanager
def _quiet() -> Iterator[None]:
    """No library warning escapes (Pillow on odd EXIF, the decompression-bomb warning):
    a real problem surfaces as an exception, which becomes an AttachmentError."""
    with _QUIET_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _base64_length(n: int) -> int:
    return 4 * ((n + 2) // 3)


def format_size(n: int) -> str:
    """`n` bytes for a person: "812 bytes", "48 KB", "3.2 MB" (decimal units)."""
    if n < 1000:
        return f"{n} bytes"
    if n < 1_000_000:
        return f"{n / 1000:.0f} KB"
    value = n / 1_000_000
    return f"{value:.1f} MB" if value < 10 else f"{value:.0f} MB"
