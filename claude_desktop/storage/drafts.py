"""Drafts: what is typed (and attached) but not sent; one per conversation, one for a new chat."""

from __future__ import annotations

import json
from typing import Any

from .database import Database, dumps, require_conversation
from .records import Draft


class DraftRepository:
    """The drafts table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def save(
        self,
        conversation_id: int | None,
        text: str,
        attachments: list[dict[str, Any]] | None = None,
    ) -> None:
        """Keep what is typed but not sent (None: the new-chat composer). An empty draft
        (no text, no attachments) clears it."""
        if not text and not attachments:
            self.clear(conversation_id)
            return
        attachments_json = dumps(attachments or [])
        with self.db.transaction() as con:
            if conversation_id is not None:
                require_conversation(con, conversation_id)
            con.execute("DELETE FROM drafts WHERE conversation_id IS ?", (conversation_id,))
            con.execute(
                "INSERT INTO drafts (conversation_id, text, attachments, updated_at) "
                "VALUES (?, ?, ?, ?)",
                (conversation_id, text, attachments_json, self.db.now()),
            )

    def get(self, conversation_id: int | None) -> Draft | None:
        row = self.db.con.execute(
            "SELECT text, attachments FROM drafts WHERE conversation_id IS ?", (conversation_id,)
        ).fetchone()
        return None if row is None else Draft(row[0], json.loads(row[1]))

    def clear(self, conversation_id: int | None) -> None:
        self.db.con.execute("DELETE FROM drafts WHERE conversation_id IS ?", (conversation_id,))
