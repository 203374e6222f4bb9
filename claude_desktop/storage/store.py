"""The conversation history on disk: conversations of branching messages, attachments,
drafts and a full-text index, in one SQLite file.

`Store` is the one door to it: each public method delegates to the repository that owns
the table (conversations, messages, presets, drafts, blobs, the search index, the purge),
and turns SQLite's failures into a StorageError with a sentence.

Every public write has committed when it returns. The file is in WAL mode with
``synchronous=NORMAL``: a killed app loses nothing it was told was saved, an OS crash at
worst the last transaction. A Store belongs to the thread that opened it.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

from claude_desktop.api.message import ContentBlock

from .blobs import BlobRepository
from .conversations import ConversationRepository
from .database import Database
from .drafts import DraftRepository
from .errors import (
    DISK_FULL,
    CorruptDatabaseError,
    DiskFullError,
    MigrationError,
    NewerDatabaseError,
    NotFoundError,
    PresetNameError,
    StorageError,
    query_error,
)
from .fulltext import MATCH_END, MATCH_START, SearchIndex, fts_query
from .messages import MessageRepository
from .opening import connect
from .presets import PresetRepository
from .purge import purge_deleted
from .records import (
    UNSET,
    ConversationRecord,
    Draft,
    MessageRecord,
    PresetRecord,
    SearchHit,
    Unset,
)

__all__ = [
    "DISK_FULL",
    "MATCH_END",
    "MATCH_START",
    "ConversationRecord",
    "CorruptDatabaseError",
    "DiskFullError",
    "Draft",
    "MessageRecord",
    "MigrationError",
    "NewerDatabaseError",
    "NotFoundError",
    "PresetNameError",
    "PresetRecord",
    "SearchHit",
    "StorageError",
    "Store",
    "fts_query",
    "translate_errors",
]

log = logging.getLogger("claude_desktop.storage")

_P = ParamSpec("_P")
_R = TypeVar("_R")


class Store:
    """The history database. Open it with `Store.open`; close it (or use `with`)."""

    def __init__(self, con: sqlite3.Connection, path: Path) -> None:
        self.db = Database(con, path)
        #: Set once a read found damage: from then on nothing that is not asked for (the
        #: statistics at close) writes to the file.
        self.damaged = False
        self.conversations = ConversationRepository(self.db)
        self.messages = MessageRepository(self.db)
        self.saved_presets = PresetRepository(self.db)
        self.drafts = DraftRepository(self.db)
        self.blobs = BlobRepository(self.db)
        self.index = SearchIndex(self.db)
        #: How many times a message was changed (update_message) since the store opened,
        #: and the count at each message's last change: a branch kept in memory since count
        #: n is as stored but for the messages changed after n (History reads only those).
        self.changes = 0
        self._changed_at: dict[int, int] = {}

    @property
    def path(self) -> Path:
        return self.db.path

    @property
    def _con(self) -> sqlite3.Connection:
        return self.db.con

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating it and its directory if needed) and migrate to the latest schema.

        Raises NewerDatabaseError or CorruptDatabaseError without writing to the file,
        MigrationError if an upgrade step fails, StorageError if it cannot be opened.
        """
        path = Path(path)
        return cls(connect(path), path)

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

    # -- conversations (storage/conversations.py) -----------------------------------------

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
        title_is_auto: bool | None = None,
    ) -> ConversationRecord:
        """A new, empty conversation. With no title it counts as auto-titled, so the app
        may name it later; `title_is_auto` says so of a given title (the question's first
        words)."""
        return self.conversations.create(
            model=model,
            system=system,
            max_tokens=max_tokens,
            title=title,
            settings=settings,
            temperature=temperature,
            thinking=thinking,
            title_is_auto=title_is_auto,
        )

    def conversation(self, conversation_id: int) -> ConversationRecord | None:
        """The conversation, deleted or not (check `deleted_at`), or None."""
        return self.conversations.get(conversation_id)

    def list_conversations(self) -> list[ConversationRecord]:
        """Conversations not in the trash, the most recently active first."""
        return self.conversations.not_in_trash()

    def rename(self, conversation_id: int, title: str, *, auto: bool = False) -> None:
        """Set the title (on one line); `auto` marks one the app made up rather than the user."""
        self.conversations.rename(conversation_id, title, auto=auto)

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
        """Change the given settings (see ConversationRepository.update)."""
        self.conversations.update(
            conversation_id,
            model=model,
            system=system,
            max_tokens=max_tokens,
            settings=settings,
            temperature=temperature,
            thinking=thinking,
        )

    def delete_conversation(self, conversation_id: int) -> None:
        """Move it to the trash: hidden from lists and search until restored or purged."""
        self.conversations.delete(conversation_id)

    def restore_conversation(self, conversation_id: int) -> None:
        """Take it out of the trash, back to its old place in the list."""
        self.conversations.restore(conversation_id)

    def purge_deleted(self, older_than: float) -> int:
        """Really delete what went to the trash before `older_than` (storage/purge.py);
        how many conversations went."""
        return purge_deleted(self.db, older_than)

    def visible_message_counts(self) -> dict[int, int]:
        """For each conversation not in the trash, how many messages its visible branch has."""
        return self.conversations.visible_message_counts()

    # -- presets (storage/presets.py) ------------------------------------------------------

    def presets(self) -> list[PresetRecord]:
        """Saved presets, by name."""
        return self.saved_presets.by_name()

    def preset(self, preset_id: int) -> PresetRecord | None:
        return self.saved_presets.get(preset_id)

    def save_preset(
        self,
        name: str,
        *,
        system: str,
        max_tokens: int,
        temperature: float | None,
        thinking: dict[str, Any] | None,
    ) -> PresetRecord:
        """Create a preset, or replace the one with that name; PresetNameError if empty."""
        return self.saved_presets.save(
            name, system=system, max_tokens=max_tokens, temperature=temperature, thinking=thinking
        )

    def rename_preset(self, preset_id: int, name: str) -> None:
        """Raises PresetNameError when the name is empty or another preset has it."""
        self.saved_presets.rename(preset_id, name)

    def delete_preset(self, preset_id: int) -> None:
        self.saved_presets.delete(preset_id)

    # -- messages (storage/messages.py) ----------------------------------------------------

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
        """Add a message under `parent_id` (None: a new root) and make it the current leaf;
        its attachments are kept by reference (storage/blobs.py)."""
        return self.messages.add(
            conversation_id,
            parent_id=parent_id,
            role=role,
            content=content,
            status=status,
            model=model,
            usage=usage,
            meta=meta,
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
        """Replace the given fields (None leaves one as it is; `meta` is replaced whole)."""
        self.messages.update(message_id, content=content, status=status, usage=usage, meta=meta)
        self.changes += 1
        self._changed_at[message_id] = self.changes

    def changed_after(self, count: int, message_id: int) -> bool:
        """Whether message `message_id` was changed after the store's `changes` were `count`."""
        return self._changed_at.get(message_id, 0) > count

    def message(self, message_id: int) -> MessageRecord | None:
        return self.messages.get(message_id)

    def children(self, conversation_id: int, parent_id: int | None) -> list[MessageRecord]:
        """The messages under `parent_id` (None: the roots), oldest first."""
        return self.messages.children(conversation_id, parent_id)

    def branch(self, conversation_id: int, leaf_id: int | None = None) -> list[MessageRecord]:
        """The messages from the root down to `leaf_id` (default: the current leaf)."""
        return self.messages.branch(conversation_id, leaf_id)

    def latest_leaf(self, message_id: int) -> int:
        """Follow the newest child from `message_id` down to a leaf."""
        return self.messages.latest_leaf(message_id)

    def set_current_leaf(self, conversation_id: int, message_id: int) -> None:
        """Show the branch ending at `message_id` (any message of the conversation)."""
        self.messages.set_current_leaf(conversation_id, message_id)

    def recover_interrupted(self) -> int:
        """At start-up: mark answers still streaming (cut off by a crash) interrupted."""
        return self.messages.recover_interrupted()

    # -- search (storage/fulltext.py) ------------------------------------------------------

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Conversations whose title matches, then messages whose text does; `query` is
        plain words, never FTS syntax."""
        return self.index.search(query, limit)

    # -- blobs (storage/blobs.py) ----------------------------------------------------------

    def put_blob(self, data: bytes, media_type: str, digest: str | None = None) -> str:
        """Store an attachment's bytes once; returns their sha256 (hex), its key."""
        return self.blobs.put(data, media_type, digest)

    def has_blob(self, digest: str) -> bool:
        return self.blobs.has(digest)

    def put_blob_on_own_connection(self, data: bytes, media_type: str, digest: str) -> None:
        """`put_blob` on a connection of its own, for a worker thread."""
        self.blobs.put_on_own_connection(data, media_type, digest)

    def read_blob_on_own_connection(self, digest: str) -> bytes | None:
        """The bytes under `digest` (None if none), read on a connection of its own: for a
        worker thread (`expand_references`)."""
        return self.blobs.read_on_own_connection(digest)

    def blob(self, digest: str) -> tuple[bytes, str] | None:
        """The bytes and media type stored under `digest`, or None."""
        return self.blobs.get(digest)

    # -- drafts (storage/drafts.py) --------------------------------------------------------

    def save_draft(
        self,
        conversation_id: int | None,
        text: str,
        attachments: list[dict[str, Any]] | None = None,
    ) -> None:
        """Keep what is typed but not sent (None: the new-chat composer); empty clears it."""
        self.drafts.save(conversation_id, text, attachments)

    def draft(self, conversation_id: int | None) -> Draft | None:
        return self.drafts.get(conversation_id)

    def clear_draft(self, conversation_id: int | None) -> None:
        self.drafts.clear(conversation_id)


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
            error = query_error(self.path, exc)
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


_guard_public_methods()
