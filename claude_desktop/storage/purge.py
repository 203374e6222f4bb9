"""Purging the trash for real: conversations, their search words, drafts, upload records and
attachment bytes nothing else refers to; then the freed pages leave the file."""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import sqlite3
import time

from . import blobs
from .database import Database

log = logging.getLogger("claude_desktop.storage")


def purge_deleted(db: Database, older_than: float) -> int:
    """Really delete conversations trashed before `older_than` (a time.time() value)
    and everything of theirs: messages, search index entries, drafts, the record of
    their PDFs' uploads (unless a kept message has the same PDF), and attachment bytes
    that no draft or message refers to any more (stored before `older_than`). Then
    the freed space leaves the file, so none of it can be read back from the disk.
    Returns how many conversations went.
    """
    with db.transaction() as con:
        doomed = [
            int(row[0])
            for row in con.execute(
                "SELECT id FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at < ?",
                (older_than,),
            )
        ]
        documents = _pdf_sources(con, doomed)
        for conversation_id in doomed:
            # Messages, their index rows (triggers) and drafts go by cascade.
            con.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        forgotten = _forget_uploads(con, documents)
        freed = _delete_unreferenced_blobs(con, older_than)
        if doomed or freed:
            # An FTS5 delete only marks the row deleted; its words stay in the index's
            # segments until they are merged.
            for table in ("message_fts", "title_fts"):
                con.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
    if doomed or freed or forgotten:
        release_free_space(db)
    return len(doomed)


def release_free_space(db: Database) -> None:
    # Freed pages still hold the old bytes: incremental_vacuum moves the file's last
    # pages into them and cuts the file short. The WAL keeps old page images until a
    # checkpoint resets it; TRUNCATE empties it (unless a reader holds it: then the
    # next checkpoint does).
    incremental_vacuum(db.con)
    busy = db.con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    if busy:
        log.info("history %s: WAL in use; it is emptied at a later checkpoint", db.path)


def _pdf_sources(con: sqlite3.Connection, conversation_ids: list[int]) -> dict[str, str | None]:
    """The PDFs in these conversations' messages: content hash -> their base64 for one
    still inline (stored before attachments were by reference and left so), else None."""
    found: dict[str, str | None] = {}
    for conversation_id in conversation_ids:
        rows = con.execute(
            "SELECT json_extract(b.value, '$.source.type'), "
            "json_extract(b.value, '$.source.sha256'), "
            "json_extract(b.value, '$.source.data') FROM messages AS m, "
            "json_each(m.content) AS b WHERE m.conversation_id = ? "
            "AND json_extract(b.value, '$.type') = 'document' "
            "AND json_extract(b.value, '$.source.type') IN ('blob', 'base64')",
            (conversation_id,),
        )
        for kind, digest, data in rows:
            if kind == blobs.BLOB and isinstance(digest, str):
                found[digest] = None
            elif isinstance(data, str):
                try:
                    decoded = base64.b64decode(data, validate=True)
                except (binascii.Error, ValueError):
                    continue  # never uploaded: only valid base64 is
                found.setdefault(hashlib.sha256(decoded).hexdigest(), data)
    return found


def _forget_uploads(con: sqlite3.Connection, documents: dict[str, str | None]) -> int:
    """Drop the upload records of these (purged) PDFs that no kept message still has."""
    if not documents:
        return 0
    kept = blobs.referenced_blobs(con)
    forgotten = 0
    for digest, data in documents.items():
        if digest in kept:
            continue
        # Base64 has no character JSON escapes, so a kept inline copy is this very text.
        if (
            data is not None
            and con.execute(
                "SELECT 1 FROM messages WHERE instr(content, ?) LIMIT 1", (data,)
            ).fetchone()
        ):
            continue
        # The id stays until the API has deleted the file (domain/uploads.py).
        con.execute(
            "INSERT OR IGNORE INTO files_to_delete (file_id, created_at) "
            "SELECT file_id, ? FROM uploaded_files WHERE sha256 = ?",
            (time.time(), digest),
        )
        cur = con.execute("DELETE FROM uploaded_files WHERE sha256 = ?", (digest,))
        forgotten += cur.rowcount
    return forgotten


def _delete_unreferenced_blobs(con: sqlite3.Connection, older_than: float) -> int:
    """Delete attachment bytes stored before `older_than` that no message, draft or
    message metadata refers to. What is newer may have been written ahead of a draft or
    a question still to be saved (the app writes it again if needed)."""
    candidates = {
        str(row[0])
        for row in con.execute(
            "SELECT hash FROM blobs WHERE created_at < ? AND hash NOT IN ("
            "  SELECT json_extract(a.value, '$.sha256') FROM drafts AS d, "
            "  json_each(d.attachments) AS a WHERE a.type = 'object'"
            "  AND json_extract(a.value, '$.sha256') IS NOT NULL)",
            (older_than,),
        )
    }
    if not candidates:
        return 0
    referenced = blobs.referenced_blobs(con) | {
        str(row[0])
        for row in con.execute(
            "SELECT json_extract(a.value, '$.sha256') FROM messages AS m, "
            "json_each(m.meta, '$.attachments') AS a "
            "WHERE m.meta LIKE '%sha256%' AND a.type = 'object'"
        )
    }
    doomed = sorted(candidates - referenced)
    con.executemany("DELETE FROM blobs WHERE hash = ?", [(h,) for h in doomed])
    return len(doomed)


def incremental_vacuum(con: sqlite3.Connection) -> None:
    # Each step of the pragma frees one page, and execute() steps once: run it as a
    # script, which steps it to the end (outside a transaction: nothing to commit).
    con.executescript("PRAGMA incremental_vacuum;")
