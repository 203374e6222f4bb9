"""What the history holds, as the rest of the app sees it: frozen records made from rows."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from claude_desktop.api.message import ContentBlock


class Unset:
    """The type of UNSET: "leave this as it is" where None is a value of its own."""


UNSET = Unset()


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    id: int
    title: str
    title_is_auto: bool
    model: str
    system: str
    max_tokens: int
    settings: dict[str, Any]
    created_at: float
    updated_at: float
    current_leaf_id: int | None
    #: When it went to the trash (soft delete), or None.
    deleted_at: float | None = None
    #: None: not sent (the API's default).
    temperature: float | None = None
    #: The request's `thinking` object, or None for no thinking.
    thinking: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PresetRecord:
    """Saved per-conversation settings a new chat can start from."""

    id: int
    name: str
    system: str
    max_tokens: int
    temperature: float | None
    thinking: dict[str, Any] | None
    created_at: float


@dataclass(frozen=True, slots=True)
class MessageRecord:
    id: int
    conversation_id: int
    parent_id: int | None
    role: str
    #: The API's content blocks exactly as sent or received.
    content: list[ContentBlock]
    status: str
    model: str | None
    usage: dict[str, Any] | None
    meta: dict[str, Any]
    created_at: float


@dataclass(frozen=True, slots=True)
class SearchHit:
    conversation_id: int
    #: None when the conversation's title matched.
    message_id: int | None
    title: str
    #: A short excerpt, matched words between MATCH_START and MATCH_END.
    snippet: str


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    attachments: list[dict[str, Any]]


_CONVERSATION_COLUMNS = (
    "id, title, title_is_auto, model, system, max_tokens, settings, created_at, updated_at, "
    "current_leaf_id, deleted_at, temperature, thinking"
)
_PRESET_COLUMNS = "id, name, system, max_tokens, temperature, thinking, created_at"
_MESSAGE_COLUMNS = (
    "id, conversation_id, parent_id, role, content, status, model, usage, meta, created_at"
)
_M_MESSAGE_COLUMNS = ", ".join(f"m.{c.strip()}" for c in _MESSAGE_COLUMNS.split(","))


#: The columns, in any table, that hold JSON.
_JSON_COLUMNS = frozenset({"settings", "thinking", "content", "usage", "meta"})


def _fields(row: sqlite3.Row) -> dict[str, Any]:
    """The row's columns by name, JSON ones decoded (json.JSONDecodeError if damaged)."""
    fields = {}
    for name in row.keys():  # noqa: SIM118 (iterating a Row gives its values)
        value = row[name]
        if name in _JSON_COLUMNS and value is not None:
            value = json.loads(value)
        fields[name] = value
    return fields


def conversation_of(row: sqlite3.Row) -> ConversationRecord:
    fields = _fields(row)
    fields["title_is_auto"] = bool(fields["title_is_auto"])
    return ConversationRecord(**fields)


def message_of(row: sqlite3.Row) -> MessageRecord:
    return MessageRecord(**_fields(row))


def preset_of(row: sqlite3.Row) -> PresetRecord:
    return PresetRecord(**_fields(row))
