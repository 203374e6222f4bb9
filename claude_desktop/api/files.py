"""The Files API (beta): upload a file once, then refer to it by id in any message.

info = await upload_file(client, "report.pdf", data, "application/pdf", progress=cb)
block = {"type": "document", "source": {"type": "file", "file_id": info.id}}
# ...and send the message with betas=[FILES_BETA].
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from .client import MessagesClient
from .errors import (
    APIStatusError,
    ProtocolError,
)

log = logging.getLogger(__name__)

FILES_BETA = "files-api-2025-04-14"
#: Small enough that progress moves smoothly, large enough to cost nothing per chunk.
CHUNK_SIZE = 64 * 1024

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class FileInfo:
    id: str
    filename: str
    mime_type: str
    size_bytes: int


async def upload_file(
    client: MessagesClient,
    name: str,
    data: bytes,
    media_type: str,
    *,
    progress: Progress | None = None,
) -> FileInfo:
    """POST the file as multipart field `file`; `progress(sent, total)` follows its bytes.

    Retried like other requests (429, 5xx, connection failures); progress never goes
    backwards across a retry.
    """
    boundary = secrets.token_hex(16)
    head, tail = _multipart_envelope(boundary, name, media_type)
    total = len(data)
    reported = -1

    def report(sent: int) -> None:
        nonlocal reported
        if progress is not None and sent > reported:
            reported = sent
            progress(sent, total)

    async def body() -> AsyncIterator[bytes]:
        yield head
        view = memoryview(data)
        for start in range(0, total, CHUNK_SIZE):
            # Resumed only once the previous chunk went to the socket: `start` bytes sent.
            report(start)
            yield bytes(view[start : start + CHUNK_SIZE])
        yield tail
        report(total)

    headers = {
        "content-type": f"multipart/form-data; boundary={boundary}",
        # A known length: the upload goes out whole instead of chunk-encoded.
        "content-length": str(len(head) + total + len(tail)),
    }
    result = await client.request_json(
        "POST", "/v1/files", betas=[FILES_BETA], headers=headers, content=body
    )
    report(total)
    return _file_info(result)


async def file_exists(client: MessagesClient, file_id: str) -> bool:
    """Whether the API still has the file (uploads can be deleted or expire)."""
    try:
        await client.request_json("GET", f"/v1/files/{file_id}", betas=[FILES_BETA])
    except APIStatusError as exc:
        if exc.status_code == 404:
            return False
        raise
    return True


async def delete_file(client: MessagesClient, file_id: str) -> None:
    """Delete an uploaded file; one the API does not have (404) is as good as deleted."""
    try:
        await client.request_json("DELETE", f"/v1/files/{file_id}", betas=[FILES_BETA])
    except APIStatusError as exc:
        if exc.status_code != 404:
            raise


def _multipart_envelope(boundary: str, name: str, media_type: str) -> tuple[bytes, bytes]:
    # Quoted the way browsers (and httpx) do: UTF-8 as is, `"` and newlines escaped.
    filename = (
        name.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    )
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {media_type}\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head, tail


def _file_info(data: dict[str, Any]) -> FileInfo:
    file_id = data.get("id")
    if not isinstance(file_id, str) or not file_id:
        raise ProtocolError("the Files API answered without a file id")
    size = data.get("size_bytes")
    return FileInfo(
        id=file_id,
        filename=str(data.get("filename") or ""),
        mime_type=str(data.get("mime_type") or ""),
        size_bytes=size if isinstance(size, int) else 0,
    )
