"""The sidebar's groups of conversations: Today, Yesterday, Previous 7 days, Older."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from claude_desktop.storage.store import ConversationRecord

RECENCY_GROUPS = ("Today", "Yesterday", "Previous 7 days", "Older")


def recency_group(timestamp: float, now: dt.datetime) -> str:
    day = dt.datetime.fromtimestamp(timestamp, now.tzinfo).date()
    days = (now.date() - day).days
    if days <= 0:
        return "Today"
    if days == 1:
        return "Yesterday"
    if days < 7:
        return "Previous 7 days"
    return "Older"


def group_by_recency(
    records: Sequence[ConversationRecord], now: dt.datetime | None = None
) -> list[tuple[str, list[ConversationRecord]]]:
    """Conversations under Today / Yesterday / Previous 7 days / Older, newest first."""
    now = now or dt.datetime.now().astimezone()
    groups: dict[str, list[ConversationRecord]] = {}
    for record in sorted(records, key=lambda r: r.updated_at, reverse=True):
        groups.setdefault(recency_group(record.updated_at, now), []).append(record)
    return [(name, groups[name]) for name in RECENCY_GROUPS if name in groups]
