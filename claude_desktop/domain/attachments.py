"""Files a person attaches to a question: checked, made fit for the API, and turned into
content blocks.

An attachment is recognised by its content, never its name: images (JPEG, PNG, GIF, WebP)
are decoded and, when larger than the API uses, downscaled and re-encoded; PDFs are
checked for damage, encryption and page count; anything else must read as text. Every
refusal is an `AttachmentError` whose `human` names the file and says what to do.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import itertools
import json
import logging
import math
import re
import stat
import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from claude_desktop.api.errors import HumanError
from claude_desktop.storage.store import StorageError, Store

if TYPE_CHECKING:
    from PIL import Image

# Pillow is imported where an image is first read, not with this module: ~25 ms of the
# window's cold start otherwise (the app loads it off the UI thread once the window shows).

log = logging.getLogger(__name__)

Kind = Literal["image", "pdf", "text"]
ContentBlock = dict[str, Any]

SUPPORTED = "images (JPEG, PNG, GIF, WebP), PDFs and text files"
#: The API scales anything larger down to this long edge, so sending more only costs time.
MAX_LONG_EDGE = 1568
#: Bytes encoded per GIL-holding call (a multiple of 3): about a millisecond each.
_BASE64_SLICE = 3 * 256 * 1024
#: Per image, measured on the base64 text (the API's error says "5242880 bytes").
MAX_IMAGE_BASE64 = 5 * 1024 * 1024
#: The whole request body; decimal on purpose, so an estimate a little low still fits.
MAX_REQUEST_BYTES = 32_000_000
MAX_IMAGES = 100
#: Above this many images in a request, none may be larger than MANY_IMAGES_EDGE square.
MANY_IMAGES = 20
MANY_IMAGES_EDGE = 2000
MAX_PDF_PAGES = 100
#: Refused before decoding: 100 MP of RGBA is 400 MB of memory.
MAX_PIXELS = 100_000_000
THUMBNAIL_SIZE = 128
JPEG_QUALITIES = (85, 70)

_HEAD = 4096
_EPHEMERAL = {"type": "ephemeral"}
_IMAGE_FORMATS = {  # Pillow format -> media type
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}
# What exif_transpose does, applied after the downscale so it turns a small image.
_ORIENTATION = {  # names of Image.Transpose members
    2: "FLIP_LEFT_RIGHT",
    3: "ROTATE_180",
    4: "FLIP_TOP_BOTTOM",
    5: "TRANSPOSE",
    6: "ROTATE_270",
    7: "TRANSVERSE",
    8: "ROTATE_90",
}
_EXIF_ORIENTATION = 0x0112
# C0 and C1 controls other than tab, newlines, form feed and escape (ANSI colours in logs).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
_MAX_CONTROL_SHARE = 0.01
# warnings.catch_warnings swaps process-wide state; two threads inside it at once could
# leave the other's filters behind, so decoding takes turns.
_QUIET_LOCK = threading.Lock()

# pypdf logs every oddity it repairs (a missing EOF marker...) as a warning; a damaged
# file is reported as an AttachmentError instead. An explicit level set elsewhere stays.
_pypdf_log = logging.getLogger("pypdf")
if _pypdf_log.level == logging.NOTSET:
    _pypdf_log.setLevel(logging.ERROR)


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
        # In slices: b64encode holds the GIL for the whole call, and one call on a 23 MB PDF
        # in a worker thread would stall the UI thread for as long (50-100 ms). A slice of a
        # multiple of 3 bytes encodes to whole base64 quanta, so the pieces join exactly.
        data = memoryview(self.data)
        return "".join(
            base64.b64encode(data[i : i + _BASE64_SLICE]).decode("ascii")
            for i in range(0, len(data), _BASE64_SLICE)
        )

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


# -- loading -------------------------------------------------------------------------------


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


def sniff_image(head: bytes) -> str | None:
    """The Pillow format name of a supported image, from its first bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


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


# -- images --------------------------------------------------------------------------------


def _prepare_image(name: str, fmt: str, size: int, source: Path | bytes) -> Attachment:
    from PIL import Image

    # Small files are read whole: their bytes may go out unchanged.
    if isinstance(source, Path) and _base64_length(size) <= MAX_IMAGE_BASE64:
        source = _read_all(name, source)
    fp: Path | io.BytesIO = source if isinstance(source, Path) else io.BytesIO(source)
    try:
        with _quiet(), Image.open(fp, formats=[fmt]) as im:
            return _process_image(name, fmt, size, source, im)
    except AttachmentError:
        raise
    except Image.DecompressionBombError:
        raise _too_many_pixels(name, None) from None
    except MemoryError:
        raise AttachmentError(f"{name} is too large to process.") from None
    except Exception as exc:
        # Pillow reports damage with many types (OSError, SyntaxError, ValueError...).
        log.info("image %s could not be decoded: %r", name, exc)
        raise AttachmentError(
            f"{name} can't be attached: the image is damaged or incomplete."
        ) from None


def _process_image(
    name: str, fmt: str, size: int, source: Path | bytes, im: Image.Image
) -> Attachment:
    from PIL import Image

    width, height = im.size
    if width * height > MAX_PIXELS:
        raise _too_many_pixels(name, (width, height))
    orientation = im.getexif().get(_EXIF_ORIENTATION, 1)
    if orientation not in _ORIENTATION:
        orientation = 1
    animated = getattr(im, "n_frames", 1) > 1
    target = fit_within(width, height, MAX_LONG_EDGE)
    note = "Only the first frame of the animation is sent." if animated else ""

    keep = (
        target == (width, height)
        and orientation == 1
        and not animated
        and isinstance(source, bytes)
        and _base64_length(size) <= MAX_IMAGE_BASE64
    )
    if keep:
        im.load()  # Decoded in full so that damage is caught here, not by the API.
        frame = _normalised(im)
        assert isinstance(source, bytes)
        data, media_type = source, _IMAGE_FORMATS[fmt]
    else:
        if fmt == "JPEG" and target != (width, height):
            # Decodes at 1/2, 1/4 or 1/8 scale straight from the DCT: a 24 MP photo is
            # read as 6 MP, several times faster and in a quarter of the memory.
            im.draft(None, target)
        im.load()
        frame = _normalised(im)
        if frame.size != target:
            frame = frame.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        if orientation != 1:
            frame = frame.transpose(Image.Transpose[_ORIENTATION[orientation]])
        data, media_type, frame = _encode(frame, prefer_png=fmt != "JPEG")
    out_w, out_h = frame.size
    shown_w, shown_h = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    downscaled = (out_w, out_h) != (shown_w, shown_h)
    return Attachment(
        name=name,
        kind="image",
        media_type=media_type,
        size=size,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        width=out_w,
        height=out_h,
        downscaled=downscaled,
        original_width=shown_w,
        original_height=shown_h,
        thumbnail_png=_thumbnail(frame),
        note=note,
    )


def fit_within(width: int, height: int, long_edge: int) -> tuple[int, int]:
    """The size with the same aspect ratio whose long edge is at most `long_edge`."""
    longest = max(width, height)
    if longest <= long_edge:
        return width, height
    scale = long_edge / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _normalised(im: Image.Image) -> Image.Image:
    """RGB, RGBA, L or LA (what JPEG and PNG write), dropping an alpha channel nobody uses."""
    mode = im.mode
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in im.info
        im = im.convert("RGBA" if has_alpha else "RGB")
    elif mode == "1":
        im = im.convert("L")
    elif mode in ("RGBa", "La"):
        im = im.convert("RGBA")
    elif mode not in ("RGB", "RGBA", "L", "LA"):
        im = im.convert("RGB")
    if im.mode in ("RGBA", "LA") and im.getchannel("A").getextrema() == (255, 255):
        im = im.convert("RGB" if im.mode == "RGBA" else "L")
    return im


def _encode(frame: Image.Image, *, prefer_png: bool) -> tuple[bytes, str, Image.Image]:
    """Bytes within the per-image limit: PNG for transparency (and, when it fits, for
    sources that were lossless), else JPEG; smaller until it fits."""
    from PIL import Image

    has_alpha = frame.mode in ("RGBA", "LA")
    while True:
        smallest = 0
        if has_alpha or prefer_png:
            data = _save(frame, "PNG")
            if _base64_length(len(data)) <= MAX_IMAGE_BASE64:
                return data, "image/png", frame
            smallest = len(data)
        if not has_alpha:
            for quality in JPEG_QUALITIES:
                data = _save(frame, "JPEG", quality=quality)
                if _base64_length(len(data)) <= MAX_IMAGE_BASE64:
                    return data, "image/jpeg", frame
            smallest = len(data)
        # Noise-like content can exceed the limit even at 1568 px. The encoded size goes
        # roughly with the pixel count, so one step usually lands within it.
        scale = min(0.75, 0.95 * math.sqrt(MAX_IMAGE_BASE64 * 3 / 4 / smallest))
        w, h = frame.size
        frame = frame.resize(
            (max(1, int(w * scale)), max(1, int(h * scale))), Image.Resampling.LANCZOS
        )


def _save(im: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **options)
    return out.getvalue()


def _thumbnail(frame: Image.Image) -> bytes:
    from PIL import Image

    thumb = frame.resize(
        fit_within(*frame.size, THUMBNAIL_SIZE), Image.Resampling.LANCZOS, reducing_gap=2.0
    )
    return _save(thumb, "PNG")


def _too_many_pixels(name: str, dims: tuple[int, int] | None) -> AttachmentError:
    limit = f"images above {MAX_PIXELS // 1_000_000} megapixels can't be attached"
    if dims is None:
        return AttachmentError(f"{name} is far too large: {limit}.")
    w, h = dims
    return AttachmentError(f"{name} is {w}×{h} ({w * h / 1e6:.0f} megapixels); {limit}.")


# -- PDFs ----------------------------------------------------------------------------------


def _prepare_pdf(name: str, size: int, source: Path | bytes) -> Attachment:
    if _base64_length(size) > MAX_REQUEST_BYTES:
        raise AttachmentError(
            f"{name} is {format_size(size)}; the API takes at most "
            f"{format_size(MAX_REQUEST_BYTES)} per request, which fits about "
            f"{format_size(MAX_REQUEST_BYTES * 3 // 4)} of PDF."
        )
    data = _read_all(name, source)
    pages = pdf_page_count(name, data)
    return Attachment(
        name=name,
        kind="pdf",
        media_type="application/pdf",
        size=size,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        page_count=pages,
    )


def pdf_page_count(name: str, data: bytes) -> int:
    """The pages of a PDF the API can read; raises AttachmentError for an encrypted, damaged,
    empty or too long one."""
    # Imported here: pypdf (with the cryptography it loads) takes ~0.3 s, too much for
    # every start-up of the app.
    import pypdf

    try:
        with _quiet():
            reader = pypdf.PdfReader(io.BytesIO(data))
            encrypted = reader.is_encrypted
            pages = 0 if encrypted else len(reader.pages)
    except MemoryError:
        raise AttachmentError(f"{name} is too large to process.") from None
    except Exception as exc:
        # pypdf raises PdfReadError for most damage, but plain KeyError, ValueError or
        # RecursionError for some malformed object graphs.
        log.info("PDF %s could not be read: %r", name, exc)
        raise AttachmentError(
            f"{name} can't be attached: the PDF is damaged or incomplete."
        ) from None
    if encrypted:
        raise AttachmentError(
            f"{name} is password-protected; the API can't read encrypted PDFs. "
            "Save a copy without protection and attach that."
        )
    if pages == 0:
        raise AttachmentError(f"{name} can't be attached: the PDF has no pages.")
    if pages > MAX_PDF_PAGES:
        raise AttachmentError(
            f"{name} has {pages} pages; the API takes at most {MAX_PDF_PAGES} pages per request."
        )
    return pages


# -- text ----------------------------------------------------------------------------------


def _prepare_text(name: str, head: bytes, size: int, source: Path | bytes) -> Attachment:
    if size > MAX_REQUEST_BYTES:
        # Judged by its beginning: only a text file deserves the "too large" explanation.
        if decode_text(head, partial=True) is None:
            raise _unsupported(name)
        raise AttachmentError(
            f"{name} is {format_size(size)}; the API takes at most "
            f"{format_size(MAX_REQUEST_BYTES)} per request."
        )
    raw = _read_all(name, source)
    text = decode_text(raw)
    if text is None:
        raise _unsupported(name)
    if not text:
        raise AttachmentError(f"{name} can't be attached: it has no text.")
    data = text.encode("utf-8")
    return Attachment(
        name=name,
        kind="text",
        media_type="text/plain",
        size=size,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        text=text,
    )


_BOMS = (
    # UTF-32 first: its little-endian BOM begins with UTF-16's.
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def decode_text(data: bytes, *, partial: bool = False) -> str | None:
    """The text of a file that reads as text, else None (a binary).

    UTF-8 first, then a BOM's encoding, then UTF-16 told by its zero bytes, then
    Windows-1252 and Latin-1; the result must be mostly printable. `partial` allows a
    multi-byte character cut at the end (a file's first bytes).
    """
    text: str | None = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = _decode_tail(data, encoding, partial)
            except UnicodeDecodeError:
                return None
            break
    else:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            try:
                text = _decode_tail(data, utf16, partial)
            except UnicodeDecodeError:
                return None
        elif b"\x00" in data:
            return None
        else:
            try:
                text = _decode_tail(data, "utf-8", partial)
            except UnicodeDecodeError:
                try:
                    text = data.decode("cp1252")
                except UnicodeDecodeError:
                    text = data.decode("latin-1")
    if "\x00" in text or not _mostly_printable(text):
        return None
    return text


def _decode_tail(data: bytes, encoding: str, partial: bool) -> str:
    if not partial:
        return data.decode(encoding)
    # Strict on everything but a character cut off at the end of the sample.
    for cut in range(4):
        try:
            return data[: len(data) - cut].decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode(encoding)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 LE or BE when one byte of each pair is nearly always zero (mostly-ASCII text)."""
    if len(data) < 4:
        return None
    evens, odds = data[0::2], data[1::2]
    zero_even, zero_odd = evens.count(0) / len(evens), odds.count(0) / len(odds)
    if zero_odd > 0.6 and zero_even < 0.05:
        return "utf-16-le"
    if zero_even > 0.6 and zero_odd < 0.05:
        return "utf-16-be"
    return None


def _mostly_printable(text: str) -> bool:
    allowed = int(len(text) * _MAX_CONTROL_SHARE)
    # Stops at the first match over the allowance: a binary is refused quickly.
    return sum(1 for _ in itertools.islice(_CONTROL.finditer(text), allowed + 1)) <= allowed


# -- requests ------------------------------------------------------------------------------


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


def _blocks(messages: Sequence[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            for block in content:
                if isinstance(block, dict):
                    yield block


# -- storage -------------------------------------------------------------------------------


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


# -- helpers -------------------------------------------------------------------------------


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
