"""A turn of several steps (requests) as one answer: the finished steps' blocks, then the
current step's, in one Message with the steps' usage added up."""

from __future__ import annotations

from claude_desktop.api.message import ContentBlock, Message, Usage

from .turn_metrics import added_usage


def joined(
    earlier: list[ContentBlock], earlier_usage: Usage | None, message: Message | None
) -> Message | None:
    """The turn's answer: the `earlier` steps' blocks, then `message`'s (the current step)."""
    if not earlier:
        return message
    if message is None:
        return Message(content=list(earlier), usage=added_usage(earlier_usage))
    return Message(
        id=message.id,
        model=message.model,
        role=message.role,
        content=[*earlier, *message.content],
        stop_reason=message.stop_reason,
        stop_sequence=message.stop_sequence,
        usage=added_usage(earlier_usage, message.usage),
        extra=dict(message.extra),
    )


def between_steps(
    content: list[ContentBlock], last: Message | None, earlier_usage: Usage | None
) -> Message:
    """The turn's answer between steps: `content`, with the `last` step's id and the usage."""
    return Message(
        id=last.id if last else "",
        model=last.model if last else "",
        content=list(content),
        stop_reason=last.stop_reason if last else None,
        usage=added_usage(earlier_usage),
    )
