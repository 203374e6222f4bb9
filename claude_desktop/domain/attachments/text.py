"""Text files: anything that reads as text in a common encoding, sent as a text document."""

from __future__ import annotations

import hashlib
import itertools
import re
from pathlib import Path

from .attachment import Attachment, AttachmentError, _read_all, _unsupported, format_size
from .limits import MAX_REQUEST_BYTES

# C0 and C1 controls other than tab, newlines, form feed and escape (ANSI colours in logs).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
_MAX_CONTROL_SHARE = 0.01


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
