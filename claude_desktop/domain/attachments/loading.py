"""Reading a file (or bytes) into an `Attachment`: recognised by its content, never its name."""

from __future__ import annotations

import asyncio
import importlib
import stat
from pathlib import Path

from .attachment import Attachment, AttachmentError, _read_error
from .images import _prepare_image, sniff_image
from .pdf import _prepare_pdf
from .text import _prepare_text

_HEAD = 4096
#: What reading a PDF or an image first imports: pypdf and the filters its first parse
#: loads (with cryptography's Rust extension, hashlib's OpenSSL and Pillow's C core) and
#: Pillow. Loading an extension module holds the GIL throughout, so importing these in a
#: worker on the first attachment froze the window for ~150 ms.
PARSERS = ("PIL.Image", "pypdf", "pypdf.filters")


def preload_parsers() -> None:
    """Import what the first PDF or image attached needs: for a worker thread, at a moment
    nobody is waiting on the window (the stall moves there, out of the attach)."""
    for name in PARSERS:
        importlib.import_module(name)
    from PIL import Image

    Image.preinit()  # the JPEG, PNG, GIF, BMP and PPM plugins the first Image.open loads


async def load_attachment(path: Path) -> Attachment:
    """`prepare_attachment` in a worker thread: decoding a big photo takes a while."""
    return await asyncio.to_thread(_prepare_for_sending, Path(path))


def _prepare_for_sending(path: Path) -> Attachment:
    attachment = prepare_attachment(path)
    if attachment.kind != "text":
        # Encoded here, in the worker: for a 23 MB PDF base64 takes ~46 ms, which the send
        # would otherwise spend on the UI thread (the property caches it).
        _ = attachment.base64
    return attachment


def prepare_attachment(path: Path) -> Attachment:
    """Read, check and prepare one file; raises AttachmentError saying why it can't be sent."""
    path = Path(path)
    name = path.name or str(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise AttachmentError(f"{name} can't be attached: the file was not found.") from None
    except PermissionError:
        raise AttachmentError(f"{name} can't be attached: permission denied.") from None
    except OSError as exc:
        raise _read_error(name, exc) from None
    if stat.S_ISDIR(st.st_mode):
        raise AttachmentError(f"{name} is a folder; attach the files inside it instead.")
    if not stat.S_ISREG(st.st_mode):
        raise AttachmentError(f"{name} can't be attached: it is not a regular file.")
    if st.st_size == 0:
        raise AttachmentError(f"{name} can't be attached: the file is empty (0 bytes).")
    try:
        with path.open("rb") as f:
            head = f.read(_HEAD)
    except PermissionError:
        raise AttachmentError(f"{name} can't be attached: permission denied.") from None
    except OSError as exc:
        raise _read_error(name, exc) from None
    return _prepare(name, head, st.st_size, path)


def prepare_bytes(name: str, data: bytes) -> Attachment:
    """Like `prepare_attachment`, for bytes already in memory (a pasted image, a blob)."""
    if not data:
        raise AttachmentError(f"{name} can't be attached: it is empty (0 bytes).")
    return _prepare(name, data[:_HEAD], len(data), data)


def _prepare(name: str, head: bytes, size: int, source: Path | bytes) -> Attachment:
    image_format = sniff_image(head)
    if image_format is not None:
        return _prepare_image(name, image_format, size, source)
    if head.startswith(b"%PDF-"):
        return _prepare_pdf(name, size, source)
    return _prepare_text(name, head, size, source)
