"""Images: decoded, downscaled to what the API uses, re-encoded within its limits."""

from __future__ import annotations

import hashlib
import io
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

# Pillow is imported where an image is first read, not with this module: ~25 ms of the
# window's cold start otherwise (the app loads it off the UI thread once the window shows).

from .attachment import Attachment, AttachmentError, _base64_length, _quiet, _read_all

log = logging.getLogger(__name__)

#: The API scales anything larger down to this long edge, so sending more only costs time.
MAX_LONG_EDGE = 1568
#: Per image, measured on the base64 text (the API's error says "5242880 bytes").
MAX_IMAGE_BASE64 = 5 * 1024 * 1024
#: Refused before decoding: 100 MP of RGBA is 400 MB of memory.
MAX_PIXELS = 100_000_000
THUMBNAIL_SIZE = 128
JPEG_QUALITIES = (85, 70)

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
