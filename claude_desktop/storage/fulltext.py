"""Full-text search over titles and messages (SQLite FTS5, kept up to date by triggers)."""

from __future__ import annotations

from .database import Database
from .records import SearchHit

# Around each matched word in a search hit's title or snippet: control characters (start
# and end of text) that no one types, so a "«" in a message is never taken for a marker.
MATCH_START = "\x02"
MATCH_END = "\x03"
_SNIPPET_ELLIPSIS = "…"
_SNIPPET_TOKENS = 12


class SearchIndex:
    """The title and message indexes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Conversations whose title matches, then messages whose text does, each group
        best match first (bm25), newer conversations first among equals.

        `query` is plain words, never FTS syntax: every word must occur, the last one as a
        prefix so that results follow typing. Trashed conversations are left out.
        """
        match = fts_query(query)
        if match is None or limit <= 0:
            return []
        marks = (MATCH_START, MATCH_END)
        title_rows = self.db.con.execute(
            """
            SELECT c.id, c.title, highlight(title_fts, 0, ?, ?)
            FROM title_fts JOIN conversations AS c ON c.id = title_fts.rowid
            WHERE title_fts MATCH ? AND c.deleted_at IS NULL
            ORDER BY bm25(title_fts), c.updated_at DESC, c.id DESC
            LIMIT ?
            """,
            (*marks, match, limit),
        ).fetchall()
        hits = [SearchHit(cid, None, title, snippet) for cid, title, snippet in title_rows]
        if len(hits) >= limit:
            return hits
        message_rows = self.db.con.execute(
            """
            SELECT m.conversation_id, m.id, c.title,
                   snippet(message_fts, 0, ?, ?, ?, ?)
            FROM message_fts
            JOIN messages AS m ON m.id = message_fts.rowid
            JOIN conversations AS c ON c.id = m.conversation_id
            WHERE message_fts MATCH ? AND c.deleted_at IS NULL
            ORDER BY bm25(message_fts), c.updated_at DESC, m.id DESC
            LIMIT ?
            """,
            (*marks, _SNIPPET_ELLIPSIS, _SNIPPET_TOKENS, match, limit - len(hits)),
        ).fetchall()
        hits += [SearchHit(cid, mid, title, snippet) for cid, mid, title, snippet in message_rows]
        return hits


def fts_query(text: str) -> str | None:
    """An FTS5 query matching every word of `text` (the last one as a prefix), or None
    when `text` has no searchable word.

    Each word becomes a quoted phrase, so nothing a person types is read as FTS syntax
    (AND, NEAR, quotes, *, column filters). A word's punctuation splits it into a phrase,
    as the tokenizer splits the indexed text: "foo-bar" finds "foo bar".
    """
    raw = text.split()
    words = [w for w in raw if any(ch.isalnum() for ch in w)]
    if not words:
        return None
    phrases = ['"' + w.replace('"', '""') + '"' for w in words]
    if words[-1] is raw[-1] and not text[-1].isspace():
        phrases[-1] += "*"
    return " ".join(phrases)
