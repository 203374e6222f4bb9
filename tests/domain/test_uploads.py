"""Big PDFs sent by file id: uploads, reuse across requests, and a forgotten file uploaded
again, against the loopback server and a real history file."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from claude_desktop.api.client import MessagesClient
from claude_desktop.api.errors import NotFoundError, make_status_error
from claude_desktop.api.files import FILES_BETA
from claude_desktop.domain.request_messages import request_for
from claude_desktop.domain.uploads import (
    FileCache,
    forget_missing_files,
    is_missing_file_error,
    resolve_file_blocks,
    resolve_request_files,
    with_files_beta,
)
from claude_desktop.storage.files import (
    remember_uploaded_file,
    uploaded_file_id,
)
from claude_desktop.storage.store import Store
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, RecordedRequest, api_error

T = TypeVar("T")
BIG = b"%PDF-1.7\n" + bytes(range(256)) * 400  # ~100 KB; tests lower the threshold
SMALL = b"%PDF-1.7\nsmall"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "history.sqlite3") as s:
        yield s


def run(api: FakeAnthropicAPI, use: Callable[[MessagesClient], Awaitable[T]]) -> T:
    async def main() -> T:
        async with MessagesClient("sk-ant-up", base_url=api.base_url) as client:
            return await use(client)

    return asyncio.run(main())


def doc(data: bytes, title: str = "big.pdf") -> dict[str, Any]:
    return {
        "type": "document",
        "source": {
            "type": "base64",
            "media_type": "application/pdf",
            "data": base64.b64encode(data).decode(),
        },
        "title": title,
        "citations": {"enabled": True},
    }


def uploads_as(*ids: str) -> Callable[[RecordedRequest], JSONResponse]:
    pending = list(ids)

    def answer(request: RecordedRequest) -> JSONResponse:
        return JSONResponse(200, {"id": pending.pop(0), "filename": "big.pdf", "size_bytes": 1})

    return answer


def requests(api: FakeAnthropicAPI) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in api.requests]


def test_big_document_is_uploaded_once_then_reused(
    fake_api: FakeAnthropicAPI, store: Store
) -> None:
    fake_api.route("POST", "/v1/files", uploads_as("file_1"))
    content = [doc(BIG), doc(SMALL, "small.pdf"), {"type": "text", "text": "Compare"}]
    progress: list[tuple[str, int, int]] = []

    out, beta = run(
        fake_api,
        lambda c: resolve_file_blocks(
            c, store, content, threshold=1000, progress=lambda *p: progress.append(p)
        ),
    )
    assert beta is True
    assert out[0] == {
        "type": "document",
        "source": {"type": "file", "file_id": "file_1"},
        "title": "big.pdf",
        "citations": {"enabled": True},
    }
    assert out[1:] == content[1:]  # small stays inline, text untouched
    assert progress[-1] == ("big.pdf", len(BIG), len(BIG))
    assert uploaded_file_id(store, hashlib.sha256(BIG).hexdigest()) == "file_1"
    assert requests(fake_api) == [("POST", "/v1/files")]

    # The next turn: checked lately, so no request at all.
    again, beta = run(fake_api, lambda c: resolve_file_blocks(c, store, content, threshold=1000))
    assert again == out and beta is True
    assert len(fake_api.requests) == 1


def test_a_file_known_from_before_is_checked_and_reused_even_when_small(
    fake_api: FakeAnthropicAPI, store: Store
) -> None:
    remember_uploaded_file(store, hashlib.sha256(SMALL).hexdigest(), "file_old")
    fake_api.route("GET", "/v1/files/file_old", JSONResponse(200, {"id": "file_old"}))
    out, beta = run(fake_api, lambda c: resolve_file_blocks(c, store, [doc(SMALL)]))
    assert out[0]["source"] == {"type": "file", "file_id": "file_old"} and beta
    assert requests(fake_api) == [("GET", "/v1/files/file_old")]


def test_a_file_the_api_forgot_is_uploaded_again(fake_api: FakeAnthropicAPI, store: Store) -> None:
    digest = hashlib.sha256(BIG).hexdigest()
    remember_uploaded_file(store, digest, "file_old")
    fake_api.route("GET", "/v1/files/file_old", api_error(404, "not_found_error", "File not found"))
    fake_api.route("POST", "/v1/files", uploads_as("file_new"))
    out, beta = run(fake_api, lambda c: resolve_file_blocks(c, store, [doc(BIG)], threshold=1000))
    assert out[0]["source"] == {"type": "file", "file_id": "file_new"} and beta
    assert requests(fake_api) == [("GET", "/v1/files/file_old"), ("POST", "/v1/files")]
    assert uploaded_file_id(store, digest) == "file_new"


def test_small_documents_and_text_need_no_beta(fake_api: FakeAnthropicAPI, store: Store) -> None:
    text_doc = {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "hello"},
    }
    content = [doc(SMALL), text_doc, {"type": "text", "text": "?"}]
    out, beta = run(fake_api, lambda c: resolve_file_blocks(c, store, content))
    assert out == content and beta is False
    assert not fake_api.requests


def test_after_a_missing_file_error_the_resend_uploads_again(
    fake_api: FakeAnthropicAPI, store: Store
) -> None:
    fake_api.route("POST", "/v1/files", uploads_as("file_1", "file_2"))
    messages = [
        {"role": "user", "content": [doc(BIG), {"type": "text", "text": "Sum up"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "It says..."}]},
        {"role": "user", "content": "And then?"},
    ]
    sent, beta = run(fake_api, lambda c: resolve_request_files(c, store, messages, threshold=1000))
    assert sent[0]["content"][0]["source"]["file_id"] == "file_1" and beta
    assert sent[1:] == messages[1:]

    # The Messages API answers 404 about the file: find the gone ids, forget them, resend.
    error = make_status_error(404, "not_found_error", "File not found: file_1")
    assert is_missing_file_error(error) and isinstance(error, NotFoundError)
    assert not is_missing_file_error(make_status_error(404, "not_found_error", "model: x"))
    fake_api.route("GET", "/v1/files/file_1", api_error(404, "not_found_error", "No such file"))
    assert run(fake_api, lambda c: forget_missing_files(c, store, sent)) == 1
    resent, _ = run(fake_api, lambda c: resolve_request_files(c, store, messages, threshold=1000))
    assert resent[0]["content"][0]["source"]["file_id"] == "file_2"


def test_file_cache_is_one_per_store(store: Store) -> None:
    assert FileCache.of(store) is FileCache.of(store)
    assert with_files_beta(["a"], True) == ["a", FILES_BETA]
    assert with_files_beta([FILES_BETA], True) == [FILES_BETA]
    assert with_files_beta(["a"], False) == ["a"]


def stored_doc(store: Store, data: bytes, title: str = "big.pdf") -> dict[str, Any]:
    """The block as the history keeps it: its bytes in the blobs, referred to by hash."""
    conv = store.create_conversation(model="claude-sonnet-4-6")
    record = store.add_message(conv.id, parent_id=None, role="user", content=[doc(data, title)])
    block = record.content[0]
    assert block["source"]["type"] == "blob"
    return block


def test_references_are_expanded_to_the_base64_they_stand_for(
    fake_api: FakeAnthropicAPI, store: Store
) -> None:
    messages = [{"role": "user", "content": [stored_doc(store, SMALL, "small.pdf")]}]
    out, beta = run(fake_api, lambda c: resolve_request_files(c, store, messages))
    assert out == [{"role": "user", "content": [doc(SMALL, "small.pdf")]}] and beta is False
    assert not fake_api.requests


def test_an_uploaded_document_by_reference_is_sent_by_id_without_reading_its_bytes(
    fake_api: FakeAnthropicAPI, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    block = stored_doc(store, BIG)
    remember_uploaded_file(store, hashlib.sha256(BIG).hexdigest(), "file_big")
    FileCache.of(store).mark_checked("file_big")

    def no_reading(digest: str) -> bytes | None:
        raise AssertionError("the bytes of an uploaded file were read")

    monkeypatch.setattr(store, "read_blob_on_own_connection", no_reading)
    monkeypatch.setattr(store, "blob", no_reading)
    out, beta = run(
        fake_api,
        lambda c: resolve_request_files(c, store, [{"role": "user", "content": [block]}]),
    )
    assert out[0]["content"][0]["source"] == {"type": "file", "file_id": "file_big"} and beta
    assert not fake_api.requests


def test_a_big_document_by_reference_is_uploaded_from_its_blob(
    fake_api: FakeAnthropicAPI, store: Store
) -> None:
    fake_api.route("POST", "/v1/files", uploads_as("file_up"))
    block = stored_doc(store, BIG)
    out, beta = run(fake_api, lambda c: resolve_file_blocks(c, store, [block], threshold=1000))
    assert out[0]["source"] == {"type": "file", "file_id": "file_up"} and beta
    assert fake_api.requests[0].body.count(BIG) == 1


def test_a_reference_whose_bytes_are_gone_is_one_sentence(
    fake_api: FakeAnthropicAPI, store: Store
) -> None:
    from claude_desktop.domain.attachments import AttachmentError

    block = stored_doc(store, SMALL, "gone.pdf")
    store._con.execute("DELETE FROM blobs")
    with pytest.raises(AttachmentError) as caught:
        run(
            fake_api,
            lambda c: resolve_request_files(c, store, [{"role": "user", "content": [block]}]),
        )
    assert caught.value.human.startswith("gone.pdf of this conversation is no longer")


def test_a_question_with_attachments_is_stored_by_reference_and_sent_as_base64(
    fake_api: FakeAnthropicAPI, store: Store
) -> None:
    import io

    from PIL import Image

    from claude_desktop.domain.attachments import prepare_bytes, user_content
    from claude_desktop.domain.history import History, OpenConversation

    out = io.BytesIO()
    Image.new("RGB", (30, 20), "#446688").save(out, "PNG")
    image = prepare_bytes("dot.png", out.getvalue())
    history = History(store)
    conv = OpenConversation(None)
    question = history.add_question(
        conv, "What is it?", model="claude-sonnet-4-6", system="", max_tokens=100,
        attachments=[image],
    )  # fmt: skip
    assert question.meta == {"attachments": ["dot.png"]}
    request = request_for(conv, upto=question.id)
    # The request as built on the UI thread carries the hash, not the bytes ...
    assert request.messages[0]["content"][0]["source"]["type"] == "blob"
    sent, beta = run(fake_api, lambda c: resolve_request_files(c, store, request.messages))
    # ... and goes out exactly as the base64 content it stands for.
    assert sent == [{"role": "user", "content": user_content("What is it?", [image])}]
    assert beta is False


def test_an_image_a_tool_returned_goes_back_as_base64(store: Store, fake_api: Any) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    encoded = base64.b64encode(png).decode("ascii")
    result = {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": [
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": encoded},
            }
        ],
    }
    conv = store.create_conversation(model="claude-sonnet-4-6")
    record = store.add_message(conv.id, parent_id=None, role="user", content=[result])
    assert record.content[0]["content"][0]["source"]["type"] == "blob"
    messages = [{"role": "user", "content": record.content}]
    sent, _ = run(fake_api, lambda c: resolve_request_files(c, store, messages))
    assert sent == [{"role": "user", "content": [result]}]


def test_purged_uploads_are_deleted_from_the_files_api(
    store: Store, fake_api: FakeAnthropicAPI
) -> None:
    from claude_desktop.domain.uploads import delete_purged_files
    from claude_desktop.storage.files import files_to_delete

    conv = store.create_conversation(model="claude-sonnet-4-6")
    store.add_message(conv.id, parent_id=None, role="user", content=[doc(BIG, "big.pdf")])
    remember_uploaded_file(store, hashlib.sha256(BIG).hexdigest(), "file_9")
    store.delete_conversation(conv.id)
    store.purge_deleted(older_than=9e9)
    # Refused for now: kept for the next time.
    fake_api.route("DELETE", "/v1/files/file_9", api_error(403, "permission_error", "not now"))
    assert run(fake_api, lambda c: delete_purged_files(c, store)) == 0
    assert files_to_delete(store) == ["file_9"]
    fake_api.route(
        "DELETE", "/v1/files/file_9", JSONResponse(200, {"id": "file_9", "type": "file_deleted"})
    )
    assert run(fake_api, lambda c: delete_purged_files(c, store)) == 1
    assert files_to_delete(store) == []
    assert [r.method for r in fake_api.requests][-1] == "DELETE"
