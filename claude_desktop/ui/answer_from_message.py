"""An answer shown from its finished message rather than from its stream: one loaded from
history (nothing streamed), or one that streamed as bare text whose blocks hold more than
text and thinking deltas can carry (citations, other kinds, redacted thinking).

The answer's own observer methods (block_started, text_delta, block_stopped) build the
views, so a finished block is shown exactly as a streamed one would be.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from claude_desktop.api.citations import citations_of
from claude_desktop.api.message import Message
from claude_desktop.domain.blocks import kind_of

from .thinking_block_view import ThinkingSection

if TYPE_CHECKING:
    from .answer_view import AssistantMessageWidget


def show_from_message(answer: AssistantMessageWidget, message: Message) -> None:
    """Show what the finished `message` holds that `answer`, streamed as bare text deltas
    (or not at all), does not show yet."""
    if _needs_blocks(answer, message):
        _show_blocks(answer, message.content)
    else:
        _complete_from(answer, message)


def _needs_blocks(answer: AssistantMessageWidget, message: Message) -> bool:
    """Whether `message` has what bare text and thinking deltas cannot have shown."""
    if not answer.markdown_text() and not answer.column.views:
        return True  # nothing streamed: an answer from history
    return any(
        kind_of(b).view not in ("text", "thinking") or citations_of(b) for b in message.content
    )


def _complete_from(answer: AssistantMessageWidget, message: Message) -> None:
    """After a bare-text stream: what its deltas cannot carry (redacted thinking)."""
    if any(kind_of(b).view == "thinking" for b in message.content):
        answer.thinking.show_blocks(message.content)


def _show_blocks(answer: AssistantMessageWidget, content: Sequence[Mapping[str, Any]]) -> None:
    """Show the answer from its finished blocks, replacing whatever streamed."""
    answer.clear_blocks()
    for index, block in enumerate(content):
        block = dict(block)
        kind = kind_of(block)
        if kind.view == "thinking":
            section = answer.column.view_for("thinking", block)
            assert isinstance(section, ThinkingSection)
            section.show_blocks([block])
            answer.column.by_index[index] = section
            continue
        start = {**block, "text": ""} if kind.view == "text" else block
        answer.block_started(index, start)
        if kind.view == "text":
            answer.text_delta(index, str(block.get("text", "")))
        answer.block_stopped(index, block)
