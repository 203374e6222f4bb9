"""The Files API client against the loopback server: the multipart upload as it goes over
the wire, its progress, and errors."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from claude_desktop.api.client import MessagesClient
from claude_desktop.api.errors import AuthenticationError, BadRequestError
from claude_desktop.api.files import CHUNK_SIZE, FILES_BETA, FileInfo, file_exists, upload_file
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, RecordedRequest, api_error

T = TypeVar("T")


async def _noop_sleep(_delay: float) -> None:
    return None


def with_client(api: FakeAnthropicAPI, use: Callable[[MessagesClient], Awaitable[T]]) -> T:
    async def main() -> T:
        async with MessagesClient("sk-ant-files", base_url=api.base_url, sleep=_noop_sleep) as c:
            return await use(c)

    return asyncio.run(main())


def file_answer(file_id: str = "file_011CNha8iCJcU1wXNR6q4V8w") -> Callable[..., JSONResponse]:
    def answer(request: RecordedRequest) -> JSONResponse:
        _name, filename, media_type, data = parse_multipart(request)
        return JSONResponse(
            200,
            {
                "id": file_id,
                "type": "file",
                "filename": filename,
                "mime_type": media_type,
                "size_bytes": len(data),
                "created_at": "2025-04-14T00:00:00Z",
                "downloadable": False,
            },
        )

    return answer


def parse_multipart(request: RecordedRequest) -> tuple[str, str, str, bytes]:
    """(field name, filename, content type, bytes) of the one part, checked for framing."""
    match = re.fullmatch(r"multipart/form-data; boundary=(\S+)", request.headers["content-type"])
    assert match, request.headers["content-type"]
    boundary = match.group(1).encode()
    body = request.body
    assert body.startswith(b"--" + boundary + b"\r\n")
    assert body.endswith(b"\r\n--" + boundary + b"--\r\n")
    part = body[len(boundary) + 4 : -(len(boundary) + 8)]
    head, _, data = part.partition(b"\r\n\r\n")
    lines = head.decode("utf-8").split("\r\n")
    disposition = re.fullmatch(
        r'Content-Disposition: form-data; name="([^"]+)"; filename="([^"]*)"', lines[0]
    )
    assert disposition, lines[0]
    assert lines[1].startswith("Content-Type: ")
    return disposition.group(1), disposition.group(2), lines[1][len("Content-Type: ") :], data


def test_upload_sends_the_file_as_multipart_with_the_beta_header(
    fake_api: FakeAnthropicAPI,
) -> None:
    data = os.urandom(5 * CHUNK_SIZE + 123)
    fake_api.route("POST", "/v1/files", file_answer())
    seen: list[tuple[int, int]] = []
    info = with_client(
        fake_api,
        lambda c: upload_file(
            c, "Quarterly “report”.pdf", data, "application/pdf", progress=lambda *p: seen.append(p)
        ),
    )
    assert info == FileInfo(
        "file_011CNha8iCJcU1wXNR6q4V8w", "Quarterly “report”.pdf", "application/pdf", len(data)
    )
    request = fake_api.requests[0]
    assert (request.method, request.path) == ("POST", "/v1/files")
    assert request.headers["anthropic-beta"] == FILES_BETA
    assert request.headers["x-api-key"] == "sk-ant-files"
    assert request.headers["content-length"] == str(len(request.body))
    assert "transfer-encoding" not in request.headers
    field, filename, media_type, sent = parse_multipart(request)
    assert (field, filename, media_type) == ("file", "Quarterly “report”.pdf", "application/pdf")
    assert sent == data
    assert seen[0] == (0, len(data)) and seen[-1] == (len(data), len(data))
    assert all(a[0] < b[0] for a, b in itertools.pairwise(seen))  # strictly rising
    assert all(total == len(data) for _sent, total in seen)
    assert len(seen) >= 6


def test_filename_with_quotes_and_newlines_is_escaped(fake_api: FakeAnthropicAPI) -> None:
    fake_api.route("POST", "/v1/files", file_answer())
    with_client(fake_api, lambda c: upload_file(c, 'a"b\nc.txt', b"hi", "text/plain"))
    _field, filename, _type, data = parse_multipart(fake_api.requests[0])
    assert filename == "a%22b%0Ac.txt" and data == b"hi"


def test_upload_is_retried_after_an_overload(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(api_error(529, "overloaded_error", "Overloaded"), file_answer("file_2"))
    info = with_client(fake_api, lambda c: upload_file(c, "x.pdf", b"%PDF-1.4", "application/pdf"))
    assert info.id == "file_2" and len(fake_api.requests) == 2
    assert parse_multipart(fake_api.requests[1])[3] == b"%PDF-1.4"


def test_upload_errors_are_the_client_errors(fake_api: FakeAnthropicAPI) -> None:
    fake_api.route("POST", "/v1/files", api_error(400, "invalid_request_error", "bad file"))
    with pytest.raises(BadRequestError) as info:
        with_client(fake_api, lambda c: upload_file(c, "x.pdf", b"x", "application/pdf"))
    assert info.value.human == "The API refused the request: bad file"
    assert info.value.request_id and info.value.request_id.startswith("req_")


def test_file_exists(fake_api: FakeAnthropicAPI) -> None:
    fake_api.route("GET", "/v1/files/file_here", JSONResponse(200, {"id": "file_here"}))
    fake_api.route("GET", "/v1/files/file_gone", api_error(404, "not_found_error", "No file"))
    fake_api.route("GET", "/v1/files/file_bad", api_error(401, "authentication_error", "key"))
    assert with_client(fake_api, lambda c: file_exists(c, "file_here")) is True
    assert with_client(fake_api, lambda c: file_exists(c, "file_gone")) is False
    with pytest.raises(AuthenticationError):
        with_client(fake_api, lambda c: file_exists(c, "file_bad"))
    assert all(r.headers["anthropic-beta"] == FILES_BETA for r in fake_api.requests)
