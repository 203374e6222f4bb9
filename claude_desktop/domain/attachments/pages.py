"""PDF pages a request sends: the API takes at most MAX_PDF_PAGES in one, counting every
document of every turn (each earlier turn's PDFs travel again with a new question).

The history keeps a conversation's PDFs by reference (storage/blobs.py), without their page
counts; `PageCounts` remembers them by content hash: from the attachment itself when it is
attached, else counted once from the history's bytes (`count_unknown`, in a worker thread).
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from claude_desktop.storage.blobs import is_blob_source

from .attachment import Attachment, AttachmentError, _quiet
from .limits import MAX_PDF_PAGES

log = logging.getLogger(__name__)

#: Reads an attachment's bytes from the history by hash (None when gone).
ReadBlob = Callable[[str], bytes | None]
#: How many documents a refusal names before "and N more".
NAMED = 4


class PageCounts:
    """Page counts of PDFs by sha256 (hex), for as long as the app runs."""

    def __init__(self) -> None:
        self._pages: dict[str, int] = {}
        # count_unknown runs in a worker thread while the UI thread may read.
        self._lock = threading.Lock()

    def remember(self, attachment: Attachment) -> None:
        if attachment.kind == "pdf" and attachment.page_count:
            with self._lock:
                self._pages[attachment.sha256] = attachment.page_count

    def pages(self, sha256: str) -> int | None:
        with self._lock:
            return self._pages.get(sha256)

    def unknown(self, messages: Sequence[Mapping[str, Any]]) -> list[str]:
        """The hashes of the stored PDFs in `messages` whose pages are not known yet."""
        return [digest for digest, _title in _stored_pdfs(messages) if self.pages(digest) is None]

    def count_unknown(self, messages: Sequence[Mapping[str, Any]], read_blob: ReadBlob) -> None:
        """Count the pages of each PDF of `messages` not known yet, from its bytes. Reads
        and parses megabytes: run it in a worker thread, with a `read_blob` that opens its
        own connection. A PDF whose bytes are gone or unreadable counts as 0 pages (sending
        it fails with its own sentence)."""
        for digest in dict.fromkeys(self.unknown(messages)):
            data = read_blob(digest)
            pages = _count_pages(data) if data is not None else 0
            with self._lock:
                self._pages[digest] = pages

    def check(
        self, earlier: Sequence[Mapping[str, Any]], attachments: Sequence[Attachment]
    ) -> None:
        """Raise AttachmentError, naming the documents, if a question with `attachments`
        after the `earlier` messages would send more than MAX_PDF_PAGES pages. Only a
        question that adds a PDF is refused: one without may still ask about them."""
        added = [(a.name, a.page_count or 0) for a in attachments if a.kind == "pdf"]
        if not added:
            return
        carried = [(title, self.pages(digest) or 0) for digest, title in _stored_pdfs(earlier)]
        total = sum(pages for _name, pages in carried + added)
        if total <= MAX_PDF_PAGES:
            return
        new = _named(added)
        if not carried:
            raise AttachmentError(
                f"{new} come to {total} pages; the API takes at most {MAX_PDF_PAGES} pages "
                "per request. Remove one, or a page range."
            )
        raise AttachmentError(
            f"This chat already sends {_named(carried)}; with {new} this question would "
            f"send {total} pages, and the API takes at most {MAX_PDF_PAGES} per request. "
            "Start a new chat with it, or remove a page range."
        )


def _named(documents: Sequence[tuple[str, int]]) -> str:
    """ "report.pdf (60 pages) and annex.pdf (30 pages, twice)": each document once."""
    seen: dict[tuple[str, int], int] = {}
    for document in documents:
        seen[document] = seen.get(document, 0) + 1
    parts = []
    for (name, pages), times in seen.items():
        count = f"{pages} page{'s' if pages != 1 else ''}"
        if times == 2:
            count += ", twice"
        elif times > 2:
            count += f", {times} times"
        parts.append(f"{name} ({count})")
    if len(parts) > NAMED:
        rest = len(parts) - (NAMED - 1)
        parts = [*parts[: NAMED - 1], f"{rest} more"]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _stored_pdfs(messages: Sequence[Mapping[str, Any]]) -> Iterator[tuple[str, str]]:
    """(sha256, title) of each PDF document block the history keeps by reference."""
    for message in messages:
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for block in content:
            if not isinstance(block, dict) or block.get("type") != "document":
                continue
            source = block.get("source")
            if (
                is_blob_source(source)
                and isinstance(source, dict)
                and source.get("media_type") == "application/pdf"
                and isinstance(source.get("sha256"), str)
            ):
                title = block.get("title")
                yield source["sha256"], title if isinstance(title, str) and title else "a PDF"


def _count_pages(data: bytes) -> int:
    import pypdf  # ~0.3 s to import: not at start-up (see pdf.py)

    try:
        with _quiet():
            return len(pypdf.PdfReader(io.BytesIO(data)).pages)
    except Exception as exc:
        log.info("A stored PDF's pages could not be counted: %r", exc)
        return 0
