"""A conversation's branch as the API's `messages` (what goes back, joined so roles
alternate), and the request that carries them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from claude_desktop.api.models import ModelInfo
from claude_desktop.storage.store import MessageRecord

from .api_request import ApiRequest
from .blocks import is_sendable
from .conversation_settings import ConversationSettings, fit
from .tool_loop import turn_messages

if TYPE_CHECKING:
    from .history import OpenConversation


def _sendable(record: MessageRecord) -> list[dict[str, Any]]:
    """The blocks of a message the API will take back.

    An answer cut short (stopped, failed, interrupted) may end in a thinking block whose
    signature never came or a tool call with half its input; the API refuses those, so
    only what the block registry says is sendable when partial goes back.
    """
    partial = record.role == "assistant" and record.status != "complete"
    return [b for b in record.content if is_sendable(b, partial=partial)]


def request_messages(branch: Sequence[MessageRecord]) -> list[dict[str, Any]]:
    """The branch as the API's `messages`: empty answers (failed turns) left out, and the
    questions they leave side by side joined, since roles must alternate; an answer of
    several tool steps is expanded into its assistant and tool-result messages, and a next
    question joins the tool results an answer ended with, after them."""
    out: list[dict[str, Any]] = []
    for record in branch:
        if record.role == "assistant":
            # A turn of tool steps is one record: its results become user messages between
            # its assistant messages (tool_loop.turn_messages says how and why).
            parts = turn_messages(record.content, partial=record.status != "complete")
        else:
            content = _sendable(record)
            parts = [{"role": record.role, "content": content}] if content else []
        for part in parts:
            if out and out[-1]["role"] == part["role"]:
                out[-1]["content"] = [*out[-1]["content"], *part["content"]]
            else:
                out.append({"role": part["role"], "content": list(part["content"])})
    return out


def request_for(
    conv: OpenConversation, upto: int | None = None, model: ModelInfo | None = None
) -> ApiRequest:
    """The API request for the conversation's branch, up to and including message `upto`,
    with its settings fitted to what `model` (its model's info) accepts. What is added as
    it is sent (citations, uploads, the cache mark) is `build_request`'s."""
    assert conv.record is not None
    branch = conv.branch
    if upto is not None:
        ids = [m.id for m in branch]
        branch = branch[: ids.index(upto) + 1]
    record = conv.record
    settings = fit(ConversationSettings.of(record), model)
    return ApiRequest(
        record.model,
        max_tokens=settings.max_tokens,
        system=settings.system,
        messages=request_messages(branch),
        temperature=settings.sent_temperature,
        thinking=settings.thinking_fragment,
    )
