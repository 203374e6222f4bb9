"""A stored question's attachments, found again (for an edit) from its content blocks."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from PIL import Image

from claude_desktop.domain.attachments import AttachmentError, prepare_bytes, user_content
from claude_desktop.domain.saved_attachments import (
    SavedAttachment,
    load_saved_attachment,
    restore_saved,
    saved_attachments,
)
from claude_desktop.storage.files import remember_uploaded_file
from claude_desktop.storage.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "history.sqlite3") as s:
        yield s


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "#228833").save(out, "PNG")
    return out.getvalue()


def pdf_bytes(pages: int) -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_question_sent_with_attachments_gives_them_back_in_order(store: Store) -> None:
    sent = [
        prepare_bytes("report.pdf", pdf_bytes(3)),
        prepare_bytes("photo.png", png_bytes()),
        prepare_bytes("notes.md", b"# Notes\n\nNothing yet.\n"),
    ]
    content = user_content("What are these?", sent)
    saved, problems = saved_attachments(store, content, [a.name for a in sent])
    assert problems == []
    back = [restore_saved(s) for s in saved]
    assert [(a.name, a.kind) for a in back] == [
        ("report.pdf", "pdf"),
        ("photo.png", "image"),
        ("notes.md", "text"),
    ]
    assert back[0].page_count == 3
    assert [a.to_block() for a in back] == [a.to_block() for a in sent]


def test_an_image_without_a_stored_name_gets_one(store: Store) -> None:
    content = user_content("", [prepare_bytes("x.png", png_bytes())])
    saved, _ = saved_attachments(store, content)
    assert [s.name for s in saved] == ["image-1"]


def test_a_document_sent_by_file_id_comes_back_from_its_blob(store: Store) -> None:
    data = pdf_bytes(2)
    attachment = prepare_bytes("scan.pdf", data)
    store.put_blob(data, "application/pdf", attachment.sha256)
    remember_uploaded_file(store, attachment.sha256, "file_011scan")
    content = [
        {
            "type": "document",
            "source": {"type": "file", "file_id": "file_011scan"},
            "title": "scan.pdf",
        },
        {"type": "text", "text": "Read it"},
    ]
    saved, problems = saved_attachments(store, content)
    assert problems == []
    restored = asyncio.run(load_saved_attachment(saved[0]))
    assert restored.name == "scan.pdf" and restored.data == data and restored.page_count == 2


def test_a_file_whose_bytes_are_gone_is_named(store: Store) -> None:
    content = [
        {
            "type": "document",
            "source": {"type": "file", "file_id": "file_gone"},
            "title": "old.pdf",
        },
        {"type": "text", "text": "Read it"},
    ]
    saved, problems = saved_attachments(store, content)
    assert saved == []
    assert problems == [
        "old.pdf is no longer in the history, so the edit can't keep it; attach it again."
    ]


def test_damaged_bytes_are_an_attachment_error_not_a_crash() -> None:
    with pytest.raises(AttachmentError, match="damaged"):
        restore_saved(SavedAttachment("bad.png", encoded="not base64!"))
    with pytest.raises(AttachmentError, match=r"bad\.pdf"):
        restore_saved(
            SavedAttachment("bad.pdf", encoded=base64.b64encode(b"%PDF-1.4 junk").decode())
        )


def test_a_question_kept_by_reference_gives_its_attachments_back(store: Store) -> None:
    from claude_desktop.domain.history import History, OpenConversation

    sent = [
        prepare_bytes("report.pdf", pdf_bytes(2)),
        prepare_bytes("photo.png", png_bytes()),
        prepare_bytes("notes.md", b"# Notes\n"),
    ]
    history = History(store)
    question = history.add_question(
        OpenConversation(None),
        "What are these?",
        model="claude-sonnet-4-6",
        system="",
        max_tokens=100,
        attachments=sent,
    )
    assert [b.get("source", {}).get("type") for b in question.content] == [
        "blob",
        "blob",
        "text",
        None,
    ]
    saved, problems = saved_attachments(store, question.content, question.meta["attachments"])
    assert problems == []
    back = [restore_saved(s) for s in saved]
    assert [a.to_block() for a in back] == [a.to_block() for a in sent]
