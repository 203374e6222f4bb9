"""Conversations: their settings, titles, the trash, and how long their visible branch is."""

from __future__ import annotations

from typing import Any

from .database import Database, dumps, found, one_line
from .errors import NotFoundError
from .records import _CONVERSATION_COLUMNS, UNSET, ConversationRecord, Unset, conversation_of


class ConversationRepository:
    """The conversations table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self,
        *,
        model: str,
        system: str = "",
        max_tokens: int = 8192,
        title: str = "",
        settings: dict[str, Any] | None = None,
        temperature: float | None = None,
        thinking: dict[str, Any] | None = None,
        title_is_auto: bool | None = None,
    ) -> ConversationRecord:
        """A new, empty conversation. With no title it counts as auto-titled, so the app
        may name it later; `title_is_auto` says so of a given title (the question's first
        words)."""
        title = one_line(title)
        now = self.db.now()
        cur = self.db.con.execute(
            "INSERT INTO conversations (title, title_is_auto, model, system, max_tokens, "
            "settings, created_at, updated_at, temperature, thinking) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                title,
                int(not title if title_is_auto is None else title_is_auto),
                model,
                system,
                max_tokens,
                dumps(settings or {}),
                now,
                now,
                temperature,
                None if thinking is None else dumps(thinking),
            ),
        )
        assert cur.lastrowid is not None
        return self.require(cur.lastrowid)

    def get(self, conversation_id: int) -> ConversationRecord | None:
        """The conversation, deleted or not (check `deleted_at`), or None."""
        row = self.db.con.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations WHERE id = ?",
            (conversation_id,),
        ).fetchone()
        return None if row is None else conversation_of(row)

    def not_in_trash(self) -> list[ConversationRecord]:
        """Conversations not in the trash, the most recently active first."""
        rows = self.db.con.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations WHERE deleted_at IS NULL "
            "ORDER BY updated_at DESC, id DESC"
        ).fetchall()
        return [conversation_of(row) for row in rows]

    def rename(self, conversation_id: int, title: str, *, auto: bool = False) -> None:
        """Set the title (on one line); `auto` marks one the app made up rather than the user.

        Does not count as activity: the conversation keeps its place in the list.
        """
        cur = self.db.con.execute(
            "UPDATE conversations SET title = ?, title_is_auto = ? WHERE id = ?",
            (one_line(title), int(auto), conversation_id),
        )
        found(cur, "conversation", conversation_id)

    def update(
        self,
        conversation_id: int,
        *,
        model: str | None = None,
        system: str | None = None,
        max_tokens: int | None = None,
        settings: dict[str, Any] | None = None,
        temperature: float | Unset | None = UNSET,
        thinking: dict[str, Any] | Unset | None = UNSET,
    ) -> None:
        """Change the given per-conversation settings; None leaves one as it is, except
        for `temperature` and `thinking`, where None means "not set" and leaving them out
        leaves them as they are."""
        changes: dict[str, Any] = {}
        if not isinstance(temperature, Unset):
            changes["temperature"] = temperature
        if not isinstance(thinking, Unset):
            changes["thinking"] = None if thinking is None else dumps(thinking)
        if model is not None:
            changes["model"] = model
        if system is not None:
            changes["system"] = system
        if max_tokens is not None:
            changes["max_tokens"] = max_tokens
        if settings is not None:
            changes["settings"] = dumps(settings)
        self.db.update("conversations", "conversation", conversation_id, changes)

    def delete(self, conversation_id: int) -> None:
        """Move it to the trash: hidden from lists and search until restored or purged."""
        cur = self.db.con.execute(
            "UPDATE conversations SET deleted_at = coalesce(deleted_at, ?) WHERE id = ?",
            (self.db.now(), conversation_id),
        )
        found(cur, "conversation", conversation_id)

    def restore(self, conversation_id: int) -> None:
        """Take it out of the trash, back to its old place in the list."""
        cur = self.db.con.execute(
            "UPDATE conversations SET deleted_at = NULL WHERE id = ?", (conversation_id,)
        )
        found(cur, "conversation", conversation_id)

    def visible_message_counts(self) -> dict[int, int]:
        """For each conversation not in the trash, how many messages its visible branch has
        (conversations without messages are absent)."""
        rows = self.db.con.execute(
            """
            WITH RECURSIVE path (conversation_id, id) AS (
                SELECT id, current_leaf_id FROM conversations
                WHERE deleted_at IS NULL AND current_leaf_id IS NOT NULL
                UNION ALL
                SELECT path.conversation_id, m.parent_id
                FROM messages AS m JOIN path ON m.id = path.id
                WHERE m.parent_id IS NOT NULL
            )
            SELECT conversation_id, count(*) FROM path GROUP BY conversation_id
            """
        ).fetchall()
        return {int(cid): int(n) for cid, n in rows}

    def require(self, conversation_id: int) -> ConversationRecord:
        record = self.get(conversation_id)
        if record is None:
            raise NotFoundError(f"There is no conversation {conversation_id}.")
        return record
