"""Before a question with large attachments goes out: how long it makes the chat, asked
of the API (`/v1/messages/count_tokens`, the Anthropic API only) within a short timeout.

Sending never depends on it: when the count cannot be had (another provider, offline, an
error, the timeout) the question goes as it would have. Only a count past the model's
input limit stops it, with a sentence saying so (`too_long`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from claude_desktop.api.errors import ClaudeError
from claude_desktop.storage.blobs import ReadBlob
from claude_desktop.storage.errors import StorageError

from .api_request import ApiRequest
from .attachments import Attachment, AttachmentError, expand_references, user_content
from .citations import with_citations

if TYPE_CHECKING:  # the streaming client loads with the first request (providers.make_client)
    from claude_desktop.api.client import BaseMessagesClient

log = logging.getLogger(__name__)

#: Attachments estimated past this many tokens are counted before they are sent.
LARGE_ATTACHMENTS = 20_000
#: About what a PDF page costs: its text and its picture (the API: 1,500–3,000).
PDF_PAGE_TOKENS = 2_000
#: An image costs about width × height / 750 tokens (after the API's own downscale).
IMAGE_PIXELS_PER_TOKEN = 750
#: How long the count may take before the question goes anyway (seconds).
COUNT_TIMEOUT = 5.0


def estimate_tokens(attachments: Sequence[Attachment]) -> int:
    """A rough count of what `attachments` add to a request, with no request made."""
    total = 0
    for a in attachments:
        if a.kind == "pdf":
            total += (a.page_count or 1) * PDF_PAGE_TOKENS
        elif a.kind == "image":
            total += (a.width or 0) * (a.height or 0) // IMAGE_PIXELS_PER_TOKEN
        else:
            total += len(a.text or "") // 4
    return total


def worth_counting(attachments: Sequence[Attachment]) -> bool:
    return estimate_tokens(attachments) > LARGE_ATTACHMENTS


def question_request(
    base: ApiRequest,
    earlier: Sequence[Mapping[str, Any]],
    text: str,
    attachments: Sequence[Attachment],
) -> ApiRequest:
    """`base` (model, system, thinking, tools) carrying the `earlier` messages and a new
    question, joined to a last user turn as the history's request joins them."""
    messages = [dict(m) for m in earlier]
    content = user_content(text, attachments)
    if messages and messages[-1].get("role") == "user":
        messages[-1] = {**messages[-1], "content": [*messages[-1]["content"], *content]}
    else:
        messages.append({"role": "user", "content": content})
    return dataclasses.replace(base, messages=messages)


def _count_body(
    request: ApiRequest, read_blob: ReadBlob, citations: bool
) -> tuple[dict[str, Any], list[str]]:
    # Base64 for every attachment the history keeps by reference: megabytes, so this runs
    # in a worker thread.
    messages = with_citations(expand_references(request.messages, read_blob), citations)
    body = dataclasses.replace(request, messages=messages).request_body()
    body.pop("max_tokens", None)
    return body, request.request_betas()


async def count_tokens(
    client: BaseMessagesClient,
    request: ApiRequest,
    read_blob: ReadBlob,
    *,
    citations: bool = True,
) -> int | None:
    """The input tokens `request` would take, or None when that cannot be known in time
    (a provider without count_tokens, offline, an error, COUNT_TIMEOUT seconds passed)."""
    from claude_desktop.api.client import MessagesClient

    if not isinstance(client, MessagesClient):
        return None
    limit = COUNT_TIMEOUT  # read at use: a test shortens it
    try:
        async with asyncio.timeout(limit):
            body, betas = await asyncio.to_thread(_count_body, request, read_blob, citations)
            return await client.count_tokens(body, betas=betas)
    except TimeoutError:
        log.info("count_tokens took longer than %.1f s; sending without a count", limit)
    except (ClaudeError, AttachmentError, StorageError) as exc:
        log.info("count_tokens failed (%s); sending without a count", exc)
    return None


def too_long(
    model_name: str,
    used: int,
    limit: int,
    attachments: Sequence[Attachment],
    *,
    new_chat: bool,
) -> str:
    """The sentence refusing a question that would take the chat past `limit` tokens;
    `new_chat` when starting a new chat with it would help (the chat has earlier turns)."""
    if len(attachments) == 1:
        what = {"pdf": "This document", "image": "This image"}.get(attachments[0].kind, "This file")
        verb = "makes"
    else:
        what, verb = "These attachments", "make"
    pdfs = any(a.kind == "pdf" for a in attachments)
    remove = "remove a page range" if pdfs else "remove an attachment"
    counts = f"({used:,} of {limit:,} tokens)"
    if new_chat:
        return (
            f"{what} {verb} the chat too long for {model_name} {counts}. "
            f"Start a new chat with it, or {remove}."
        )
    return f"{what} {verb} the chat too long for {model_name} {counts}. {remove.capitalize()}."
