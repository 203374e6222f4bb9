"""Reading an API response within limits: a redirect refused, the body decompressed in
bounded pieces (the app's own gzip/deflate decoding), an error status made a ClaudeError.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from . import limits
from .errors import (
    APIStatusError,
    ProtocolError,
    RedirectError,
    ResponseTooLargeError,
    error_from_body,
)
from .retry import parse_retry_after, parse_should_retry

if TYPE_CHECKING:
    import httpx  # only annotations here: see client.py


def check_redirect(response: httpx.Response) -> None:
    """A redirect is not followed (it would resend the key elsewhere): it is reported."""
    if 300 <= response.status_code < 400:
        raise RedirectError(response.status_code, response.headers.get("location", ""))


async def decoded_body(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body's bytes, decompressed in pieces of at most limits.DECODE_PIECE_BYTES.

    httpx's own decoding inflates a whole network read at once, so a small gzip bomb
    would be hundreds of megabytes before anyone could count them.
    """
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        async for raw in response.aiter_raw():
            yield raw
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise ProtocolError(f"it is compressed as '{encoding}'")
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib headers
    piece = limits.DECODE_PIECE_BYTES
    try:
        async for raw in response.aiter_raw():
            data = inflater.decompress(raw, piece)
            while True:
                if data:
                    yield data
                if not inflater.unconsumed_tail:
                    break
                data = inflater.decompress(inflater.unconsumed_tail, piece)
    except zlib.error:
        raise ProtocolError(f"its {encoding} compression is corrupt") from None


async def read_body(response: httpx.Response, limit: int, *, truncate: bool = True) -> bytes:
    """The body, decoded, up to `limit` bytes: the rest is left unread (`truncate`), or
    ResponseTooLargeError. The response must be closed afterwards."""
    parts: list[bytes] = []
    size = 0
    async for piece in decoded_body(response):
        room = limit - size
        if len(piece) > room:
            if not truncate:
                raise ResponseTooLargeError(f"an answer over {limit // limits.MiB} MB")
            parts.append(piece[:room])
            break
        parts.append(piece)
        size += len(piece)
    return b"".join(parts)


def status_error(response: httpx.Response, body: bytes) -> APIStatusError:
    """The error an API response with an error status stands for (its body already read)."""
    headers = response.headers
    return error_from_body(
        response.status_code,
        body,
        request_id=headers.get("request-id"),
        retry_after=parse_retry_after(headers),
        should_retry=parse_should_retry(headers),
    )
