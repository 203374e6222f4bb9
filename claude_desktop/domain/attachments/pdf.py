"""PDFs: checked for damage, encryption and page count before they are sent."""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path

from .attachment import Attachment, AttachmentError, _base64_length, _quiet, _read_all, format_size
from .limits import MAX_PDF_PAGES, MAX_REQUEST_BYTES

log = logging.getLogger(__name__)

# pypdf logs every oddity it repairs (a missing EOF marker...) as a warning; a damaged
# file is reported as an AttachmentError instead. An explicit level set elsewhere stays.
_pypdf_log = logging.getLogger("pypdf")
if _pypdf_log.level == logging.NOTSET:
    _pypdf_log.setLevel(logging.ERROR)


def _prepare_pdf(name: str, size: int, source: Path | bytes) -> Attachment:
    if _base64_length(size) > MAX_REQUEST_BYTES:
        raise AttachmentError(
            f"{name} is {format_size(size)}; the API takes at most "
            f"{format_size(MAX_REQUEST_BYTES)} per request, which fits about "
            f"{format_size(MAX_REQUEST_BYTES * 3 // 4)} of PDF."
        )
    data = _read_all(name, source)
    pages = pdf_page_count(name, data)
    return Attachment(
        name=name,
        kind="pdf",
        media_type="application/pdf",
        size=size,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        page_count=pages,
    )


def pdf_page_count(name: str, data: bytes) -> int:
    """The pages of a PDF the API can read; raises AttachmentError for an encrypted, damaged,
    empty or too long one."""
    # Imported here: pypdf (with the cryptography it loads) takes ~0.3 s, too much for
    # every start-up of the app.
    import pypdf

    try:
        with _quiet():
            # Not a bare BytesIO: pypdf sizes a stream by getbuffer() when it has one, which
            # on a BytesIO sharing `data` copies all of it holding the GIL (~50 ms of frozen
            # window for a 23 MB PDF). A BufferedReader has no getbuffer: pypdf seeks.
            reader = pypdf.PdfReader(io.BufferedReader(io.BytesIO(data)))
            encrypted = reader.is_encrypted
            pages = 0 if encrypted else len(reader.pages)
    except MemoryError:
        raise AttachmentError(f"{name} is too large to process.") from None
    except Exception as exc:
        # pypdf raises PdfReadError for most damage, but plain KeyError, ValueError or
        # RecursionError for some malformed object graphs.
        log.info("PDF %s could not be read: %r", name, exc)
        raise AttachmentError(
            f"{name} can't be attached: the PDF is damaged or incomplete."
        ) from None
    if encrypted:
        raise AttachmentError(
            f"{name} is password-protected; the API can't read encrypted PDFs. "
            "Save a copy without protection and attach that."
        )
    if pages == 0:
        raise AttachmentError(f"{name} can't be attached: the PDF has no pages.")
    if pages > MAX_PDF_PAGES:
        raise AttachmentError(
            f"{name} has {pages} pages; the API takes at most {MAX_PDF_PAGES} pages per request."
        )
    return pages
