"""The AWS event-stream binary framing (what Bedrock streams in), decoded without botocore.

Each message is: a 12-byte prelude (total length, headers length, CRC32 of those 8 bytes,
all big-endian), the headers, the payload, and a CRC32 of everything before it. A header
is a 1-byte name length, the name, a 1-byte value type and the value. `feed` takes bytes
cut anywhere (a TCP read ends where it likes) and returns the whole messages they finish.
"""

from __future__ import annotations

import struct
import uuid
import zlib
from dataclasses import dataclass, field

from .errors import ProtocolError

PRELUDE_LENGTH = 12
CRC_LENGTH = 4
MIN_MESSAGE_LENGTH = PRELUDE_LENGTH + CRC_LENGTH
# AWS caps a message at 16 MB (and its headers at 128 kB); more means a broken stream.
MAX_MESSAGE_LENGTH = 16 * 1024 * 1024
MAX_HEADERS_LENGTH = 128 * 1024

HeaderValue = bool | int | bytes | str | uuid.UUID


class EventStreamError(ProtocolError):
    """The bytes are not a valid event stream (bad checksum, impossible lengths)."""

    @property
    def human(self) -> str:
        return f"The stream from the server was damaged in transit ({self.message})."


@dataclass(slots=True)
class EventStreamMessage:
    headers: dict[str, HeaderValue] = field(default_factory=dict)
    payload: bytes = b""

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return value if isinstance(value, str) else None


class EventStreamDecoder:
    """Incremental decoder: `feed(chunk)` returns the messages completed by `chunk`."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._needed = PRELUDE_LENGTH  # bytes the next message needs before it can be read

    def feed(self, chunk: bytes) -> list[EventStreamMessage]:
        self._buffer += chunk
        messages: list[EventStreamMessage] = []
        while len(self._buffer) >= self._needed:
            if self._needed == PRELUDE_LENGTH:
                self._needed = self._read_prelude()
                continue
            total = self._needed
            messages.append(_parse_message(bytes(self._buffer[:total])))
            del self._buffer[:total]
            self._needed = PRELUDE_LENGTH
        return messages

    def close(self) -> None:
        """At the end of the stream: refuse a message cut short."""
        if self._buffer:
            raise EventStreamError(f"the stream ended inside a message ({len(self._buffer)} bytes)")

    def _read_prelude(self) -> int:
        total, headers_length, prelude_crc = struct.unpack_from(">III", self._buffer)
        if zlib.crc32(self._buffer[:8]) != prelude_crc:
            raise EventStreamError("prelude checksum mismatch")
        if not MIN_MESSAGE_LENGTH <= total <= MAX_MESSAGE_LENGTH:
            raise EventStreamError(f"impossible message length {total}")
        if headers_length > min(MAX_HEADERS_LENGTH, total - MIN_MESSAGE_LENGTH):
            raise EventStreamError(f"impossible headers length {headers_length}")
        return int(total)


def _parse_message(data: bytes) -> EventStreamMessage:
    (message_crc,) = struct.unpack_from(">I", data, len(data) - CRC_LENGTH)
    if zlib.crc32(memoryview(data)[: len(data) - CRC_LENGTH]) != message_crc:
        raise EventStreamError("message checksum mismatch")
    (headers_length,) = struct.unpack_from(">I", data, 4)
    headers_end = PRELUDE_LENGTH + headers_length
    return EventStreamMessage(
        headers=_parse_headers(data, PRELUDE_LENGTH, headers_end),
        payload=data[headers_end : len(data) - CRC_LENGTH],
    )


# Fixed-size value types: struct format by type code.
_FIXED = {2: ">b", 3: ">h", 4: ">i", 5: ">q", 8: ">q"}


def _parse_headers(data: bytes, pos: int, end: int) -> dict[str, HeaderValue]:
    headers: dict[str, HeaderValue] = {}
    try:
        while pos < end:
            name_length = data[pos]
            name = data[pos + 1 : pos + 1 + name_length].decode("utf-8")
            pos += 1 + name_length
            kind = data[pos]
            pos += 1
            value: HeaderValue
            if kind in (0, 1):
                value = kind == 0
            elif kind in _FIXED:
                fmt = _FIXED[kind]
                (value,) = struct.unpack_from(fmt, data, pos)
                pos += struct.calcsize(fmt)
            elif kind in (6, 7):
                (length,) = struct.unpack_from(">H", data, pos)
                raw = data[pos + 2 : pos + 2 + length]
                value = raw.decode("utf-8") if kind == 7 else bytes(raw)
                pos += 2 + length
            elif kind == 9:
                value = uuid.UUID(bytes=data[pos : pos + 16])
                pos += 16
            else:
                raise EventStreamError(f"unknown header value type {kind}")
            headers[name] = value
    except (IndexError, struct.error, ValueError) as exc:
        raise EventStreamError(f"malformed headers ({exc})") from None
    if pos != end:
        raise EventStreamError("headers overrun their declared length")
    return headers
