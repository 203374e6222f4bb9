"""Stored-message records built in memory, for tests of what reads them (no database)."""

from __future__ import annotations

from typing import Any

from claude_desktop.storage.store import MessageRecord


def message_record(
    role: str, content: list[dict[str, Any]], *, mid: int = 1, status: str = "complete"
) -> MessageRecord:
    """A message of conversation 1 with no parent, model, usage or meta."""
    return MessageRecord(
        id=mid,
        conversation_id=1,
        parent_id=None,
        role=role,
        content=content,
        status=status,
        model=None,
        usage=None,
        meta={},
        created_at=0.0,
    )
