"""The API's 100-page limit counts every PDF a request sends: those the conversation
already carries (kept by reference in the history, counted once off the UI thread and
remembered by content hash) and the new ones."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfWriter

from claude_desktop.domain.attachments import (
    MAX_PDF_PAGES,
    Attachment,
    AttachmentError,
    PageCounts,
    prepare_bytes,
)
from claude_desktop.domain.history import History, OpenConversation
from claude_desktop.domain.request_messages import request_messages


def pdf_bytes(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf(name: str, pages: int) -> Attachment:
    return prepare_bytes(name, pdf_bytes(pages))


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    h = History.open(tmp_path / "history.sqlite3")
    yield h
    h.close()


def ask(history: History, conv: OpenConversation, *attachments: Attachment) -> None:
    # Questions alone (their answers add no PDF): the request joins them in one turn.
    history.add_question(
        conv, "Read it", model="claude-sonnet-4-6", system="", max_tokens=100,
        attachments=list(attachments),
    )  # fmt: skip


def test_pages_already_in_the_conversation_count_toward_the_limit(history: History) -> None:
    conv = OpenConversation(None)
    ask(history, conv, pdf("report.pdf", 60))
    ask(history, conv, pdf("annex.pdf", 30))
    earlier = request_messages(conv.branch)
    counts = PageCounts()
    # Not known yet in this process: counted from the history's bytes (in a worker thread).
    assert counts.unknown(earlier) != []
    counts.count_unknown(earlier, history.store.read_blob_on_own_connection)
    assert counts.unknown(earlier) == []
    counts.check(earlier, [pdf("slides.pdf", 9)])  # 99 pages: fine
    with pytest.raises(AttachmentError) as refused:
        counts.check(earlier, [pdf("slides.pdf", 20)])
    human = refused.value.human
    assert "report.pdf (60 pages)" in human and "annex.pdf (30 pages)" in human
    assert "slides.pdf (20 pages)" in human and "110 pages" in human
    assert f"at most {MAX_PDF_PAGES}" in human


def test_a_question_without_a_pdf_is_not_refused_for_what_went_before(history: History) -> None:
    conv = OpenConversation(None)
    ask(history, conv, pdf("report.pdf", 60))
    earlier = request_messages(conv.branch)
    counts = PageCounts()
    counts.count_unknown(earlier, history.store.read_blob_on_own_connection)
    counts.check(earlier, [])


def test_a_pdf_sent_twice_counts_twice_and_is_named_once(history: History) -> None:
    conv = OpenConversation(None)
    report = pdf("report.pdf", 40)
    ask(history, conv, report)
    ask(history, conv, report)
    earlier = request_messages(conv.branch)
    counts = PageCounts()
    counts.remember(report)  # known from the attachment: no reading
    assert counts.unknown(earlier) == []
    with pytest.raises(AttachmentError) as refused:
        counts.check(earlier, [pdf("notes.pdf", 21)])
    assert "report.pdf (40 pages, twice)" in refused.value.human
    assert "101 pages" in refused.value.human
