"""The request exactly as it is sent, built in one place for the window and `ask` alike:
within the API's limits, big documents uploaded once and referred to by file id, the prompt
cache's breakpoints placed (cache_breakpoints.py says where and why), the beta headers that
needs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, cast

from claude_desktop.api.client import BaseMessagesClient, MessagesClient
from claude_desktop.api.errors import ClaudeError, HumanError
from claude_desktop.storage.store import Store

from .api_request import ApiRequest
from .attachments import AttachmentError, check_conversation_limits, mark_cache_breakpoint
from .cache_breakpoints import with_rolling_breakpoints
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
    follow_up: bool = True,
) -> ApiRequest:
    """`request` as it goes out. With a `store` (the history's), big PDFs are uploaded
    through the Files API and remembered there; without one (`ask`) they travel inline.
    Documents ask for citations when `citations` is on. With `follow_up` (a conversation
    that goes on, not `ask`'s one question), the whole prompt is written to the cache for
    the next question. RequestNotSent when it cannot be sent."""
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
        # A follow-up reads everything before its question from the prompt cache. A single
        # question would pay the cache write's 1.25x for nothing: only its attachments are
        # marked, for the next `ask` about the same file.
        messages=with_cache_breakpoints(messages) if follow_up else mark_cache_breakpoint(messages),
        betas=with_files_beta(request.betas, needed),
        cache_prefix=True,
    )


def with_cache_breakpoints(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A copy of `messages` with the prompt cache's breakpoints where they belong (the
    newest attachment, the end of the previous user turn, the end of the newest one) and no
    other; a tool loop's next step calls it again as its messages grow."""
    return with_rolling_breakpoints(mark_cache_breakpoint(messages))
