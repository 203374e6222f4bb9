"""The conversation history on disk: conversations of branching messages, attachments,
drafts and a full-text index, in one SQLite file.

Every public write has committed when it returns. The file is in WAL mode with
``synchronous=NORMAL``: a killed app loses nothing it was told was saved, an OS crash at
worst the last transaction. A Store belongs to the thread that opened it.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import inspect
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

from claude_desktop.api.message import ContentBlock
from claude_desktop.storage import blobs, schema

log = logging.getLogger("claude_desktop.storage")

#: What search snippets put around each matched word.
# Around each matched word in a search hit's title or snippet: control characters (start
# and end of text) that no one types, so a "«" in a message is never taken for a marker.
MATCH_START = "\x02"
MATCH_END = "\x03"
_SNIPPET_ELLIPSIS = "…"
_SNIPPET_TOKENS = 12

_SQLITE_MAGIC = b"SQLite format 3\x00"

_AUTO_VACUUM_INCREMENTAL = 2

_P = ParamSpec("_P")
_R = TypeVar("_R")


class Unset:
    """The type of UNSET: "leave this as it is" where None is a value of its own."""


UNSET = Unset()


class StorageError(Exception):
    """A problem with the history file; `human` says it to a person in a sentence or two."""

    def __init__(self, human: str) -> None:
        super().__init__(human)
        self.human = human


#: What a full disk means to a person: something they can do, then Retry.
DISK_FULL = "The disk is full: free space and Retry."


class DiskFullError(StorageError):
    """A write found no room on the disk (SQLite's SQLITE_FULL)."""

    def __init__(self) -> None:
        super().__init__(DISK_FULL)


class NewerDatabaseError(StorageError):
    """The file's schema is newer than this app knows; it was not touched."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            "This history was written by a newer version of Claude Desktop "
            f"(schema {found}, this app knows up to {known}). "
            "Update the app; the file was not changed."
        )
        self.found = found
        self.known = known


#: How to rescue a damaged history, said wherever the damage is.
RESCUE_HINT = (
    "`python -m claude_desktop export --all --output FOLDER` saves every conversation "
    "that can still be read from it."
)


class CorruptDatabaseError(StorageError):
    """The file is damaged or is not a history at all; it was not touched."""

    def __init__(self, path: Path, reason: str, *, rescue: bool = False) -> None:
        if rescue:
            # A history of ours that SQLite found damaged inside: part of it can be saved.
            human = (
                f"The history file {path} is damaged ({reason}) and was left as it is. "
                f"{RESCUE_HINT} Then move the file elsewhere and the app will start a new "
                "history."
            )
        else:
            human = (
                f"The history file {path} is damaged or is not a Claude Desktop history "
                f"({reason}). It was left as it is: move it elsewhere and the app will start "
                "a new history."
            )
        super().__init__(human)
        self.path = path
        self.reason = reason


class MigrationError(StorageError):
    """Upgrading the file's schema failed; the failed step was rolled back."""

    def __init__(self, path: Path, version: int, cause: BaseException) -> None:
        super().__init__(
            f"The history file {path} could not be upgraded from schema {version} to "
            f"{version + 1} ({cause}). That step was undone; the file is as it was before it."
        )
        self.version = version


class NotFoundError(StorageError, LookupError):
    """No conversation or message with that id (or not in that conversation)."""


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


class PresetNameError(StorageError, ValueError):
    """A preset name that is empty or already taken."""


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


class Store:
    """The history database. Open it with `Store.open`; close it (or use `with`)."""

    def __init__(self, con: sqlite3.Connection, path: Path) -> None:
        self._con = con
        self.path = path
        self._last_time = 0.0
        #: Set once a read found damage: from then on nothing that is not asked for (the
        #: statistics at close) writes to the file.
        self.damaged = False

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating it and its directory if needed) and migrate to the latest schema.

        Raises NewerDatabaseError or CorruptDatabaseError without writing to the file,
        MigrationError if an upgrade step fails, StorageError if it cannot be opened.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        _check_header(path)
        _check_pages(path)
        try:
            con = sqlite3.connect(path, isolation_level=None, timeout=5.0)
        except sqlite3.Error as exc:
            raise StorageError(f"The history file {path} could not be opened ({exc}).") from exc
        try:
            _prepare(con, path)
        except BaseException:
            con.close()
            raise
        return cls(con, path)

    def close(self) -> None:
        """Close the file; calling it again does nothing."""
        try:
            if not self.damaged:
                # Cheap, and keeps the query planner's statistics useful as the history grows.
                self._con.execute("PRAGMA optimize")
        except sqlite3.ProgrammingError:
            return  # already closed
        except sqlite3.Error:
            log.warning("PRAGMA optimize failed", exc_info=True)
        self._con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- conversations -------------------------------------------------------------------

    def create_conversation(
        self,
        *,
        model: str,
        system: str = "",
        max_tokens: int = 8192,
        title: str = "",
        settings: dict[str, Any] | None = None,
        temperature: float | None = None,
        thinking: dict[str, Any] | None = None,
    ) -> ConversationRecord:
        """A new, empty conversation. With no title it counts as auto-titled, so the app
        may name it later."""
        title = _one_line(title)
        now = self._now()
        cur = self._con.execute(
            "INSERT INTO conversations (title, title_is_auto, model, system, max_tokens, "
            "settings, created_at, updated_at, temperature, thinking) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                title,
                int(not title),
                model,
                system,
                max_tokens,
                _dumps(settings or {}),
                now,
                now,
                temperature,
                None if thinking is None else _dumps(thinking),
            ),
        )
        assert cur.lastrowid is not None
        return self._require_conversation(cur.lastrowid)

    def conversation(self, conversation_id: int) -> ConversationRecord | None:
        """The conversation, deleted or not (check `deleted_at`), or None."""
        row = self._con.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations WHERE id = ?",
            (conversation_id,),
        ).fetchone()
        return None if row is None else _conversation(row)

    def list_conversations(self) -> list[ConversationRecord]:
        """Conversations not in the trash, the most recently active first."""
        rows = self._con.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations WHERE deleted_at IS NULL "
            "ORDER BY updated_at DESC, id DESC"
        ).fetchall()
        return [_conversation(row) for row in rows]

    def rename(self, conversation_id: int, title: str, *, auto: bool = False) -> None:
        """Set the title (on one line); `auto` marks one the app made up rather than the user.

        Does not count as activity: the conversation keeps its place in the list.
        """
        cur = self._con.execute(
            "UPDATE conversations SET title = ?, title_is_auto = ? WHERE id = ?",
            (_one_line(title), int(auto), conversation_id),
        )
        _found(cur, "conversation", conversation_id)

    def update_conversation(
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
            changes["thinking"] = None if thinking is None else _dumps(thinking)
        if model is not None:
            changes["model"] = model
        if system is not None:
            changes["system"] = system
        if max_tokens is not None:
            changes["max_tokens"] = max_tokens
        if settings is not None:
            changes["settings"] = _dumps(settings)
        self._update("conversations", "conversation", conversation_id, changes)

    def delete_conversation(self, conversation_id: int) -> None:
        """Move it to the trash: hidden from lists and search until restored or purged."""
        cur = self._con.execute(
            "UPDATE conversations SET deleted_at = coalesce(deleted_at, ?) WHERE id = ?",
            (self._now(), conversation_id),
        )
        _found(cur, "conversation", conversation_id)

    def restore_conversation(self, conversation_id: int) -> None:
        """Take it out of the trash, back to its old place in the list."""
        cur = self._con.execute(
            "UPDATE conversations SET deleted_at = NULL WHERE id = ?", (conversation_id,)
        )
        _found(cur, "conversation", conversation_id)

    def purge_deleted(self, older_than: float) -> int:
        """Really delete conversations trashed before `older_than` (a time.time() value)
        and everything of theirs: messages, search index entries, drafts, the record of
        their PDFs' uploads (unless a kept message has the same PDF), and attachment bytes
        that no draft or message refers to any more (stored before `older_than`). Then
        the freed space leaves the file, so none of it can be read back from the disk.
        Returns how many conversations went.
        """
        with self._transaction() as con:
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
            blobs = _delete_unreferenced_blobs(con, older_than)
            if doomed or blobs:
                # An FTS5 delete only marks the row deleted; its words stay in the index's
                # segments until they are merged.
                for table in ("message_fts", "title_fts"):
                    con.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
        if doomed or blobs or forgotten:
            self._release_free_space()
        return len(doomed)

    def _release_free_space(self) -> None:
        # Freed pages still hold the old bytes: incremental_vacuum moves the file's last
        # pages into them and cuts the file short. The WAL keeps old page images until a
        # checkpoint resets it; TRUNCATE empties it (unless a reader holds it: then the
        # next checkpoint does).
        _incremental_vacuum(self._con)
        busy = self._con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if busy:
            log.info("history %s: WAL in use; it is emptied at a later checkpoint", self.path)

    def visible_message_counts(self) -> dict[int, int]:
        """For each conversation not in the trash, how many messages its visible branch has
        (conversations without messages are absent)."""
        rows = self._con.execute(
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

    # -- presets -------------------------------------------------------------------------

    def presets(self) -> list[PresetRecord]:
        """Saved presets, by name."""
        rows = self._con.execute(
            f"SELECT {_PRESET_COLUMNS} FROM presets ORDER BY name COLLATE NOCASE, id"
        ).fetchall()
        return [_preset(row) for row in rows]

    def preset(self, preset_id: int) -> PresetRecord | None:
        row = self._con.execute(
            f"SELECT {_PRESET_COLUMNS} FROM presets WHERE id = ?", (preset_id,)
        ).fetchone()
        return None if row is None else _preset(row)

    def save_preset(
        self,
        name: str,
        *,
        system: str,
        max_tokens: int,
        temperature: float | None,
        thinking: dict[str, Any] | None,
    ) -> PresetRecord:
        """Create a preset, or replace the settings of the one with that name (any case).

        Raises PresetNameError for an empty name.
        """
        name = _preset_name(name)
        values = (system, max_tokens, temperature, None if thinking is None else _dumps(thinking))
        with self._transaction() as con:
            row = con.execute("SELECT id FROM presets WHERE name = ?", (name,)).fetchone()
            if row is None:
                cur = con.execute(
                    "INSERT INTO presets (name, system, max_tokens, temperature, thinking, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (name, *values, self._now()),
                )
                preset_id = cur.lastrowid
            else:
                preset_id = row[0]
                con.execute(
                    "UPDATE presets SET system = ?, max_tokens = ?, temperature = ?, "
                    "thinking = ? WHERE id = ?",
                    (*values, preset_id),
                )
        assert preset_id is not None
        record = self.preset(preset_id)
        assert record is not None
        return record

    def rename_preset(self, preset_id: int, name: str) -> None:
        """Raises PresetNameError when the name is empty or another preset has it."""
        name = _preset_name(name)
        try:
            cur = self._con.execute("UPDATE presets SET name = ? WHERE id = ?", (name, preset_id))
        except sqlite3.IntegrityError:
            raise PresetNameError(f"There is already a preset called “{name}”.") from None
        _found(cur, "preset", preset_id)

    def delete_preset(self, preset_id: int) -> None:
        cur = self._con.execute("DELETE FROM presets WHERE id = ?", (preset_id,))
        _found(cur, "preset", preset_id)

    # -- messages ------------------------------------------------------------------------

    def add_message(
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
        usage_json = None if usage is None else _dumps(usage)
        meta_json = _dumps(meta or {})
        now = self._now()
        with self._transaction() as con:
            # Attachments sent inline go to the blobs; the message refers to them.
            content, _ = blobs.to_references(con, content, now)
            content_json = _dumps(content)
            if (
                con.execute(
                    "SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)
                ).fetchone()
                is None
            ):
                raise NotFoundError(f"There is no conversation {conversation_id}.")
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

    def update_message(
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
            if any(blobs.inline_attachment(b) for b in content):
                with self._transaction() as con:
                    content, _ = blobs.to_references(con, content, self._now())
            changes["content"] = _dumps(content)
        if status is not None:
            _check_value("status", status, schema.STATUSES)
            changes["status"] = status
        if usage is not None:
            changes["usage"] = _dumps(usage)
        if meta is not None:
            changes["meta"] = _dumps(meta)
        self._update("messages", "message", message_id, changes)

    def message(self, message_id: int) -> MessageRecord | None:
        row = self._con.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        return None if row is None else _message(row)

    def children(self, conversation_id: int, parent_id: int | None) -> list[MessageRecord]:
        """The messages under `parent_id` (None: the roots), oldest first: the alternatives
        a person pages through with ‹ 2/3 ›."""
        rows = self._con.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages "
            "WHERE conversation_id = ? AND parent_id IS ? ORDER BY id",
            (conversation_id, parent_id),
        ).fetchall()
        return [_message(row) for row in rows]

    def branch(self, conversation_id: int, leaf_id: int | None = None) -> list[MessageRecord]:
        """The messages from the root down to `leaf_id` (default: the current leaf), which is
        what the conversation shows and what a request sends."""
        if leaf_id is None:
            row = self._con.execute(
                "SELECT current_leaf_id FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"There is no conversation {conversation_id}.")
            leaf_id = row[0]
            if leaf_id is None:
                return []
        rows = self._con.execute(
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
        return [_message(row) for row in rows]

    def latest_leaf(self, message_id: int) -> int:
        """Follow the newest child from `message_id` down to a leaf: where to land after
        switching to another alternative."""
        row = self._con.execute(
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
        cur = self._con.execute(
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
        cur = self._con.execute(
            "UPDATE messages SET status = 'interrupted' WHERE status = 'streaming'"
        )
        return cur.rowcount

    # -- search --------------------------------------------------------------------------

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
        title_rows = self._con.execute(
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
        message_rows = self._con.execute(
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

    # -- blobs ---------------------------------------------------------------------------

    def put_blob(self, data: bytes, media_type: str, digest: str | None = None) -> str:
        """Store an attachment's bytes once; returns their sha256 (hex), its key.

        Pass `digest` when it is known: hashing and copying megabytes is what a second
        save of the same attachment (a draft saved as the person types) would cost.
        """
        digest = digest or hashlib.sha256(data).hexdigest()
        if not self.has_blob(digest):
            blobs.insert_blob(self._con, digest, data, media_type, self._now())
        return digest

    def has_blob(self, digest: str) -> bool:
        row = self._con.execute("SELECT 1 FROM blobs WHERE hash = ?", (digest,)).fetchone()
        return row is not None

    def put_blob_on_own_connection(self, data: bytes, media_type: str, digest: str) -> None:
        """`put_blob` on a connection of its own, for a worker thread: writing a large
        attachment then never blocks the thread that owns this store."""
        try:
            con = sqlite3.connect(self.path, isolation_level=None, timeout=5.0)
        except sqlite3.Error as exc:
            raise StorageError(
                f"The history file {self.path} could not be opened ({exc})."
            ) from exc
        try:
            con.execute("PRAGMA synchronous = NORMAL")
            blobs.insert_blob(con, digest, data, media_type, time.time())
        except sqlite3.Error as exc:
            raise StorageError(f"The attachment could not be saved ({exc}).") from exc
        finally:
            con.close()

    def read_blob_on_own_connection(self, digest: str) -> bytes | None:
        """The bytes stored under `digest` (None if none), read on a connection of its own:
        safe in a worker thread, so a request's attachments are read off the UI thread."""
        try:
            con = sqlite3.connect(self.path, timeout=5.0)
        except sqlite3.Error as exc:
            raise StorageError(
                f"The history file {self.path} could not be opened ({exc})."
            ) from exc
        try:
            row = con.execute("SELECT data FROM blobs WHERE hash = ?", (digest,)).fetchone()
        except sqlite3.Error as exc:
            raise _query_error(self.path, exc) from exc
        finally:
            con.close()
        return None if row is None else bytes(row[0])

    def blob(self, digest: str) -> tuple[bytes, str] | None:
        """The bytes and media type stored under `digest`, or None."""
        row = self._con.execute(
            "SELECT data, media_type FROM blobs WHERE hash = ?", (digest,)
        ).fetchone()
        return None if row is None else (bytes(row[0]), str(row[1]))

    # -- drafts --------------------------------------------------------------------------

    def save_draft(
        self,
        conversation_id: int | None,
        text: str,
        attachments: list[dict[str, Any]] | None = None,
    ) -> None:
        """Keep what is typed but not sent (None: the new-chat composer). An empty draft
        (no text, no attachments) clears it."""
        if not text and not attachments:
            self.clear_draft(conversation_id)
            return
        attachments_json = _dumps(attachments or [])
        with self._transaction() as con:
            if (
                conversation_id is not None
                and con.execute(
                    "SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)
                ).fetchone()
                is None
            ):
                raise NotFoundError(f"There is no conversation {conversation_id}.")
            con.execute("DELETE FROM drafts WHERE conversation_id IS ?", (conversation_id,))
            con.execute(
                "INSERT INTO drafts (conversation_id, text, attachments, updated_at) "
                "VALUES (?, ?, ?, ?)",
                (conversation_id, text, attachments_json, self._now()),
            )

    def draft(self, conversation_id: int | None) -> Draft | None:
        row = self._con.execute(
            "SELECT text, attachments FROM drafts WHERE conversation_id IS ?", (conversation_id,)
        ).fetchone()
        return None if row is None else Draft(row[0], json.loads(row[1]))

    def clear_draft(self, conversation_id: int | None) -> None:
        self._con.execute("DELETE FROM drafts WHERE conversation_id IS ?", (conversation_id,))

    # -- internals -----------------------------------------------------------------------

    def _now(self) -> float:
        # Strictly increasing within a Store, so "most recent first" never ties on a
        # coarse clock and never goes backwards when the wall clock does.
        now = max(time.time(), self._last_time + 1e-6)
        self._last_time = now
        return now

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front: a second app instance waits (busy
        # timeout) instead of failing halfway through.
        self._con.execute("BEGIN IMMEDIATE")
        try:
            yield self._con
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    def _update(self, table: str, noun: str, row_id: int, changes: dict[str, Any]) -> None:
        if not changes:
            if self._con.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone():
                return
            raise NotFoundError(f"There is no {noun} {row_id}.")
        # Column names come from this module, never from the caller.
        assignments = ", ".join(f"{column} = ?" for column in changes)
        cur = self._con.execute(
            f"UPDATE {table} SET {assignments} WHERE id = ?", (*changes.values(), row_id)
        )
        _found(cur, noun, row_id)

    def _require_conversation(self, conversation_id: int) -> ConversationRecord:
        record = self.conversation(conversation_id)
        if record is None:
            raise NotFoundError(f"There is no conversation {conversation_id}.")
        return record


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


def _check_header(path: Path) -> None:
    # Before SQLite sees the file: it would otherwise only complain at the first query,
    # after the connection had already been set up to write.
    try:
        with path.open("rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StorageError(f"The history file {path} could not be read ({exc}).") from exc
    if head and head != _SQLITE_MAGIC:
        raise CorruptDatabaseError(path, "it is not an SQLite database")


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot change the file, nor leave -wal and -shm files beside it."""
    uri = Path(path).absolute().as_uri()
    if Path(f"{path}-wal").exists():
        # Committed changes may wait in the WAL: read through it (it stays as it is).
        return sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=5.0)
    # Nothing is in a WAL, so the file alone is the whole history: reading it as
    # immutable takes no locks and creates no files.
    return sqlite3.connect(f"{uri}?immutable=1", uri=True)


def _check_pages(path: Path) -> None:
    # A file whose header is fine can still have damaged pages, which SQLite only reports
    # when a query reaches them, possibly after start-up has written to the file. So the
    # b-trees are walked first, on a read-only connection that cannot change a byte. It
    # costs about 0.4 ms per MB of history.
    try:
        if path.stat().st_size == 0:
            return
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StorageError(f"The history file {path} could not be read ({exc}).") from exc
    try:
        con = connect_read_only(path)
    except sqlite3.Error:
        log.warning("history %s: no read-only check", path, exc_info=True)
        return  # The read-write open below reports what is wrong, if anything.
    try:
        result = con.execute("PRAGMA quick_check(1)").fetchone()[0]
    except sqlite3.Error as exc:
        error = _open_error(path, exc)
        if isinstance(error, CorruptDatabaseError):
            log.error("history %s: quick_check: %s", path, exc)
            raise CorruptDatabaseError(
                path, "some of its pages cannot be read", rescue=True
            ) from exc
        log.warning("history %s: read-only check failed: %s", path, exc)
        return
    finally:
        con.close()
    if result != "ok":
        detail = " ".join(str(result).replace("*** in database main ***", "").split())
        log.error("history %s: quick_check: %s", path, detail)
        raise CorruptDatabaseError(path, "some of its pages cannot be read", rescue=True)


def _query_error(path: Path, exc: sqlite3.Error) -> StorageError:
    """What an SQLite error met while using an open history means to a person."""
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or type(exc) is sqlite3.DatabaseError:
        return CorruptDatabaseError(path, str(exc), rescue=True)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StorageError(f"The history file {path} is busy in another program; try again.")
    if name.startswith("SQLITE_FULL"):
        return DiskFullError()
    return StorageError(f"The history file {path} could not be read or written ({exc}).")


# Mistakes in the calling code, not problems with the file: they stay what they are.
_PROGRAMMING_ERRORS = (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError)


def translate_errors(
    method: Callable[Concatenate[Store, _P], _R],
) -> Callable[Concatenate[Store, _P], _R]:
    """`method` of Store, with SQLite's errors (and stored JSON that no longer decodes)
    turned into StorageError with a sentence."""

    @functools.wraps(method)
    def guarded(self: Store, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(self, *args, **kwargs)
        except _PROGRAMMING_ERRORS:
            raise
        except sqlite3.Error as exc:
            error = _query_error(self.path, exc)
            if isinstance(error, CorruptDatabaseError):
                self.damaged = True
            log.error("history %s: %s failed: %r", self.path, method.__name__, exc)
            raise error from exc
        except json.JSONDecodeError as exc:
            self.damaged = True
            log.error("history %s: %s read bad JSON: %r", self.path, method.__name__, exc)
            raise CorruptDatabaseError(
                self.path, f"a stored value is not valid JSON: {exc}", rescue=True
            ) from exc

    return guarded


def _guard_public_methods() -> None:
    # Every public method, whoever adds it later: one place, not a try in each.
    for name, value in list(vars(Store).items()):
        if not name.startswith("_") and inspect.isfunction(value) and name != "close":
            setattr(Store, name, translate_errors(value))


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


def _prepare(con: sqlite3.Connection, path: Path) -> None:
    # Only reads until the version is known to be ours: a newer or foreign file must be
    # left exactly as it was.
    try:
        # One statement, so one snapshot: another instance may be creating the schema.
        version, app_id, tables = con.execute(
            "SELECT (SELECT user_version FROM pragma_user_version), "
            "(SELECT application_id FROM pragma_application_id), "
            "(SELECT count(*) FROM sqlite_master)"
        ).fetchone()
    except sqlite3.Error as exc:
        raise _open_error(path, exc) from exc
    new_file = app_id == 0 and version == 0 and tables == 0
    if app_id != schema.APPLICATION_ID and not new_file:
        raise CorruptDatabaseError(path, "it belongs to another program")
    if version > schema.LATEST_VERSION:
        raise NewerDatabaseError(version, schema.LATEST_VERSION)
    try:
        if new_file:
            # Before the first table is made: only then does it take without a VACUUM.
            con.execute("PRAGMA auto_vacuum = INCREMENTAL")
        mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            # Some network file systems cannot share memory for WAL; the rollback journal
            # is slower but just as safe.
            log.warning("history %s: journal mode %s, not WAL", path, mode)
        con.execute("PRAGMA synchronous = NORMAL")
        # What a delete or an update frees inside a page that stays in use is zeroed, at
        # no extra I/O: deleted text does not linger beside the rows that remain. Freed
        # whole pages leave the file with incremental_vacuum (Store.purge_deleted).
        con.execute("PRAGMA secure_delete = FAST")
        schema.migrate(con)
        con.execute("PRAGMA foreign_keys = ON")
    except schema.MigrationFailed as exc:
        raise MigrationError(path, exc.version, exc.cause) from exc
    except sqlite3.Error as exc:
        raise _open_error(path, exc) from exc
    _use_incremental_vacuum(con, path)
    if 0 < version < schema.BLOBS_BY_REFERENCE:
        # The attachments' base64 left the messages for the blobs: the pages it took
        # leave the file, or the history would stay the size it was.
        try:
            _incremental_vacuum(con)
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            log.warning("history %s: releasing space after the upgrade failed: %s", path, exc)


def _incremental_vacuum(con: sqlite3.Connection) -> None:
    # Each step of the pragma frees one page, and execute() steps once: run it as a
    # script, which steps it to the end (outside a transaction: nothing to commit).
    con.executescript("PRAGMA incremental_vacuum;")


def _use_incremental_vacuum(con: sqlite3.Connection, path: Path) -> None:
    # A history made before purging existed has auto_vacuum off, and switching it on
    # takes one VACUUM, which also rewrites the file without what earlier deletes and
    # updates left in free space. Once per file: afterwards the setting is in the header.
    if con.execute("PRAGMA auto_vacuum").fetchone()[0] == _AUTO_VACUUM_INCREMENTAL:
        return
    started = time.perf_counter()
    try:
        con.execute("PRAGMA auto_vacuum = INCREMENTAL")
        con.execute("VACUUM")
    except sqlite3.Error as exc:
        # Busy, or no room for the copy: the history works as it is; next start tries again.
        log.warning("history %s: VACUUM for incremental vacuum failed: %s", path, exc)
        return
    log.info("history %s: vacuumed once, %.0f ms", path, (time.perf_counter() - started) * 1000)


def _open_error(path: Path, exc: sqlite3.Error) -> StorageError:
    # Only damage is called damage: a read-only disk or a busy file must not send the
    # person off to move a good history aside.
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or type(exc) is sqlite3.DatabaseError:
        return CorruptDatabaseError(path, str(exc))
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StorageError(f"The history file {path} is busy in another program; try again.")
    return StorageError(f"The history file {path} could not be opened ({exc}).")


def _conversation(row: tuple[Any, ...]) -> ConversationRecord:
    return ConversationRecord(
        id=row[0],
        title=row[1],
        title_is_auto=bool(row[2]),
        model=row[3],
        system=row[4],
        max_tokens=row[5],
        settings=json.loads(row[6]),
        created_at=row[7],
        updated_at=row[8],
        current_leaf_id=row[9],
        deleted_at=row[10],
        temperature=row[11],
        thinking=None if row[12] is None else json.loads(row[12]),
    )


def _preset(row: tuple[Any, ...]) -> PresetRecord:
    return PresetRecord(
        id=row[0],
        name=row[1],
        system=row[2],
        max_tokens=row[3],
        temperature=row[4],
        thinking=None if row[5] is None else json.loads(row[5]),
        created_at=row[6],
    )


def _preset_name(name: str) -> str:
    name = _one_line(name)
    if not name:
        raise PresetNameError("A preset needs a name.")
    return name


def _message(row: tuple[Any, ...]) -> MessageRecord:
    return MessageRecord(
        id=row[0],
        conversation_id=row[1],
        parent_id=row[2],
        role=row[3],
        content=json.loads(row[4]),
        status=row[5],
        model=row[6],
        usage=None if row[7] is None else json.loads(row[7]),
        meta=json.loads(row[8]),
        created_at=row[9],
    )


_dumps = blobs.dumps


def _checked_content(content: list[ContentBlock]) -> list[ContentBlock]:
    if not isinstance(content, list) or not all(isinstance(b, dict) for b in content):
        raise TypeError("content must be a list of content-block dicts")
    return content


def _check_value(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")


def _one_line(title: str) -> str:
    return " ".join(title.split())


def _found(cur: sqlite3.Cursor, noun: str, row_id: int) -> None:
    if cur.rowcount == 0:
        raise NotFoundError(f"There is no {noun} {row_id}.")


_guard_public_methods()
