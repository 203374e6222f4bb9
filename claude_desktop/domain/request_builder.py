"""The request exactly as it is sent, built in one place for the window and `ask` alike:
within the API's limits, big documents uploaded once and referred to by file id, the newest
attachment marked for the prompt cache, the beta headers that needs.
"""

from __future__ import annotations

import dataclasses
from typing import cast

from claude_desktop.api.client import BaseMessagesClient, MessagesClient
from claude_desktop.api.errors import ClaudeError, HumanError
from claude_desktop.storage.store import Store

from .api_request import ApiRequest
from .attachments import AttachmentError, check_conversation_limits, mark_cache_breakpoint
from .citations import with_citations
from .uploads import UploadProgress, resolve_request_files, with_files_beta


class RequestNotSent(HumanError):
    """The request cannot be sent (over a limit, an upload failed); `human` says why."""


async def build_request(
    request: ApiRequest,
    client: BaseMessagesClient,
    *,
    store: Store | None = None,
    progress: UploadProgress | None = None,
    citations: bool = True,
) -> ApiRequest:
    """`request` as it goes out. With a `store` (the history's), big PDFs are uploaded
    through the Files API and remembered there; without one (`ask`) they travel inline.
    Documents ask for citations when `citations` is on. RequestNotSent when it cannot be
    sent."""
    try:
        check_conversation_limits(request.messages)
        messages = list(request.messages)
        needed = False
        if store is not None:
            # Attachments kept by reference in the history become base64 here, in a worker
            # thread (resolve_request_files): the UI thread never reads or hashes their bytes.
            # A cloud client refuses the Files API with its own sentence (send a smaller one).
            messages, needed = await resolve_request_files(
                cast(MessagesClient, client), store, messages, progress=progress
            )
    except AttachmentError as exc:
        raise RequestNotSent(exc.human) from exc
    except ClaudeError as exc:
        raise RequestNotSent(f"Uploading an attachment failed: {exc.human}") from exc
    messages = with_citations(messages, citations)
    return dataclasses.replace(
        request,
        # Documents and images are read from the prompt cache on follow-up questions.
        messages=mark_cache_breakpoint(messages),
        betas=with_files_beta(request.betas, needed),
    )
