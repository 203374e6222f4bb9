"""Files a person attaches to a question: checked, made fit for the API, turned into
content blocks, and kept in the history by reference.

An attachment is recognised by its content, never its name: images (JPEG, PNG, GIF, WebP)
are decoded and, when larger than the API uses, downscaled and re-encoded; PDFs are
checked for damage, encryption and page count; anything else must read as text. Every
refusal is an `AttachmentError` whose `human` names the file and says what to do.

| module | its one job |
|---|---|
| attachment | the `Attachment` type and `AttachmentError` |
| loading | a file or bytes into an `Attachment`, by its content |
| images, pdf, text | each kind's checks and preparation |
| limits | what one request may carry |
| pages | the PDF pages a whole conversation's request sends |
| request | content blocks, the cache breakpoint, references expanded for sending |
| persistence | bytes into the history's blobs; drafts and questions refer to them |
"""

from .attachment import SUPPORTED, Attachment, AttachmentError, ContentBlock, Kind, format_size
from .images import (
    JPEG_QUALITIES,
    MAX_IMAGE_BASE64,
    MAX_LONG_EDGE,
    MAX_PIXELS,
    THUMBNAIL_SIZE,
    fit_within,
    sniff_image,
)
from .limits import (
    MANY_IMAGES,
    MANY_IMAGES_EDGE,
    MAX_IMAGES,
    MAX_PDF_PAGES,
    MAX_REQUEST_BYTES,
    check_conversation_limits,
    check_question_limits,
    check_request_limits,
)
from .loading import load_attachment, preload_parsers, prepare_attachment, prepare_bytes
from .pages import PageCounts
from .pdf import pdf_page_count
from .persistence import (
    keep_attachment_bytes,
    restore_attachment,
    store_attachment,
    stored_user_content,
)
from .request import expand_references, mark_cache_breakpoint, user_content
from .text import decode_text

__all__ = [
    "JPEG_QUALITIES",
    "MANY_IMAGES",
    "MANY_IMAGES_EDGE",
    "MAX_IMAGES",
    "MAX_IMAGE_BASE64",
    "MAX_LONG_EDGE",
    "MAX_PDF_PAGES",
    "MAX_PIXELS",
    "MAX_REQUEST_BYTES",
    "SUPPORTED",
    "THUMBNAIL_SIZE",
    "Attachment",
    "AttachmentError",
    "ContentBlock",
    "Kind",
    "PageCounts",
    "check_conversation_limits",
    "check_question_limits",
    "check_request_limits",
    "decode_text",
    "expand_references",
    "fit_within",
    "format_size",
    "keep_attachment_bytes",
    "load_attachment",
    "mark_cache_breakpoint",
    "pdf_page_count",
    "preload_parsers",
    "prepare_attachment",
    "prepare_bytes",
    "restore_attachment",
    "sniff_image",
    "store_attachment",
    "stored_user_content",
    "user_content",
]
