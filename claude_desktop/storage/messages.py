"""Messages: each conversation's tree of them, its current leaf, answers as they stream."""

from __future__ import annotations

import json
from typing import Any

from claude_desktop.api.message import ContentBlock

from . import blobs, schema
from .database import Database, dumps, require_conversation
from .errors import NotFoundError
from .records import _M_MESSAGE_COLUMNS, _MESSAGE_COLUMNS, MessageRecord, message_of


class MessageRepository:
    """The messages table (and each conversation's current leaf)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(
        self,
        conversation_id: int,
        *,
        parent_id: int | None,
        role: str,
        content: list[ContentBlock],
        status: str = "complete",
        model: str | None = None,
        usage: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> MessageRecord:
        """Add a message under `parent_id` (None: a new root) and make it the current leaf.

        An edit or a regeneration is a new child of the same parent, a sibling of the old
        message, which stays. Counts as activity: the conversation moves to the top.
        """
        _check_value("role", role, schema.ROLES)
        _check_value("status", status, schema.STATUSES)
        _checked_content(content)
        usage_json = None if usage is None else dumps(usage)
        meta_json = dumps(meta or {})
        now = self.db.now()
        with self.db.transaction() as con:
            # Attachments sent inline go to the blobs; the message refers to them.
            content, _ = blobs.to_references(con, content, now)
            content_json = dumps(content)
            require_conversation(con, conversation_id)
            if parent_id is not None:
                row = con.execute(
                    "SELECT conversation_id FROM messages WHERE id = ?", (parent_id,)
                ).fetchone()
                if row is None or row[0] != conversation_id:
                    raise NotFoundError(
                        f"There is no message {parent_id} in conversation {conversation_id}."
                    )
            cur = con.execute(
                "INSERT INTO messages (conversation_id, parent_id, role, content, status, "
                "model, usage, meta, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    conversation_id,
                    parent_id,
                    role,
                    content_json,
                    status,
                    model,
                    usage_json,
                    meta_json,
                    now,
                ),
            )
            message_id = cur.lastrowid
            assert message_id is not None
            con.execute(
                "UPDATE conversations SET current_leaf_id = ?, updated_at = ? WHERE id = ?",
                (message_id, now, conversation_id),
            )
        # Decoded from what was stored, so the record shares nothing with the caller's
        # lists (which the stream accumulator keeps mutating).
        return MessageRecord(
            id=message_id,
            conversation_id=conversation_id,
            parent_id=parent_id,
            role=role,
            content=json.loads(content_json),
            status=status,
            model=model,
            usage=None if usage_json is None else json.loads(usage_json),
            meta=json.loads(meta_json),
            created_at=now,
        )

    def update(
        self,
        message_id: int,
        *,
        content: list[ContentBlock] | None = None,
        status: str | None = None,
        usage: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        """Replace the given fields (None leaves one as it is; `meta` is replaced whole).

        One UPDATE statement, committed: cheap enough to call every second while an
        answer streams. The search index follows the content.
        """
        changes: dict[str, Any] = {}
        if content is not None:
            _checked_content(content)
            if any(blobs.has_inline_attachment(b) for b in content):
                with self.db.transaction() as con:
                    content, _ = blobs.to_references(con, content, self.db.now())
            changes["content"] = dumps(content)
        if status is not None:
            _check_value("status", status, schema.STATUSES)
            changes["status"] = status
        if usage is not None:
            changes["usage"] = dumps(usage)
        if meta is not None:
            changes["meta"] = dumps(meta)
        self.db.update("messages", "message", message_id, changes)

    def get(self, message_id: int) -> MessageRecord | None:
        row = self.db.con.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        return None if row is None else message_of(row)

    def children(self, conversation_id: int, parent_id: int | None) -> list[MessageRecord]:
        """The messages under `parent_id` (None: the roots), oldest first: the alternatives
        a person pages through with ‹ 2/3 ›."""
        rows = self.db.con.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages "
            "WHERE conversation_id = ? AND parent_id IS ? ORDER BY id",
            (conversation_id, parent_id),
        ).fetchall()
        return [message_of(row) for row in rows]

    def branch(self, conversation_id: int, leaf_id: int | None = None) -> list[MessageRecord]:
        """The messages from the root down to `leaf_id` (default: the current leaf), which is
        what the conversation shows and what a request sends."""
        if leaf_id is None:
            row = self.db.con.execute(
                "SELECT current_leaf_id FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"There is no conversation {conversation_id}.")
            leaf_id = row[0]
            if leaf_id is None:
                return []
        rows = self.db.con.execute(
            f"""
            WITH RECURSIVE path (id, depth) AS (
                SELECT id, 0 FROM messages WHERE id = ? AND conversation_id = ?
                UNION ALL
                SELECT m.parent_id, path.depth + 1
                FROM messages AS m JOIN path ON m.id = path.id
                WHERE m.parent_id IS NOT NULL
            )
            SELECT {_M_MESSAGE_COLUMNS}
            FROM path JOIN messages AS m ON m.id = path.id
            ORDER BY path.depth DESC
            """,
            (leaf_id, conversation_id),
        ).fetchall()
        if not rows:
            raise NotFoundError(f"There is no message {leaf_id} in conversation {conversation_id}.")
        return [message_of(row) for row in rows]

    def latest_leaf(self, message_id: int) -> int:
        """Follow the newest child from `message_id` down to a leaf: where to land after
        switching to another alternative."""
        row = self.db.con.execute(
            """
            WITH RECURSIVE down (id, depth) AS (
                SELECT id, 0 FROM messages WHERE id = ?
                UNION ALL
                SELECT (SELECT max(c.id) FROM messages AS c WHERE c.parent_id = down.id),
                       down.depth + 1
                FROM down WHERE down.id IS NOT NULL
            )
            SELECT id FROM down WHERE id IS NOT NULL ORDER BY depth DESC LIMIT 1
            """,
            (message_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no message {message_id}.")
        return int(row[0])

    def set_current_leaf(self, conversation_id: int, message_id: int) -> None:
        """Show the branch ending at `message_id` (any message of the conversation)."""
        cur = self.db.con.execute(
            "UPDATE conversations SET current_leaf_id = ? WHERE id = ? AND EXISTS "
            "(SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?)",
            (message_id, conversation_id, message_id, conversation_id),
        )
        if cur.rowcount == 0:
            raise NotFoundError(
                f"There is no message {message_id} in conversation {conversation_id}."
            )

    def recover_interrupted(self) -> int:
        """At start-up: answers still marked streaming were cut off by a crash or a kill;
        mark them interrupted. Returns how many."""
        cur = self.db.con.execute(
            "UPDATE messages SET status = 'interrupted' WHERE status = 'streaming'"
        )
        return cur.rowcount


def _checked_content(content: list[ContentBlock]) -> list[ContentBlock]:
    if not isinstance(content, list) or not all(isinstance(b, dict) for b in content):
        raise TypeError("content must be a list of content-block dicts")
    return content


def _check_value(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
