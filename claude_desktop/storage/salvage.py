"""Reading what is still readable from a damaged history, without writing to it.

SQLite stops a query at the first damaged page it meets. Here each table is read in rowid
order, and where a read fails it starts again just past the last row it got, so a damaged
page costs the rows on it and nothing else. Conversations come out with their visible
branch when every message of it was read, else with every message of theirs that was.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .errors import CorruptDatabaseError, StorageError
from .opening import connect_read_only
from .records import (
    _CONVERSATION_COLUMNS,
    _MESSAGE_COLUMNS,
    ConversationRecord,
    MessageRecord,
    conversation_of,
    message_of,
)

log = logging.getLogger(__name__)

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Rescued:
    conversation: ConversationRecord
    #: The visible branch, or when it is broken, every message read, oldest first.
    messages: list[MessageRecord]
    #: Some of its messages (or its own row) could not be read.
    incomplete: bool


@dataclass(frozen=True, slots=True)
class Salvage:
    #: Conversations not in the trash, the most recently active first.
    conversations: list[Rescued]

    @property
    def incomplete(self) -> int:
        return sum(1 for r in self.conversations if r.incomplete)


def salvage(path: Path) -> Salvage:
    """Every conversation of the history at `path` that can still be read, in part or
    whole. Opens the file read-only: not a byte of it changes.

    Raises CorruptDatabaseError when nothing at all can be read, StorageError when the
    file cannot be opened.
    """
    try:
        con = connect_read_only(path)
    except sqlite3.Error as exc:
        raise StorageError(f"The history file {path} could not be opened ({exc}).") from exc
    con.row_factory = sqlite3.Row
    try:
        conversations = _read(
            con,
            "conversations",
            _CONVERSATION_COLUMNS,
            conversation_of,
            "SELECT max(rowid) FROM title_fts_docsize",
            "SELECT max(conversation_id) FROM messages INDEXED BY messages_by_parent",
        )
        messages = _read(
            con,
            "messages",
            _MESSAGE_COLUMNS,
            message_of,
            "SELECT max(rowid) FROM message_fts_docsize",
            "SELECT max(current_leaf_id) FROM conversations",
        )
    finally:
        con.close()
    if conversations is None or messages is None:
        raise CorruptDatabaseError(path, "none of its conversations can be read")
    return Salvage(_assemble(conversations, messages))


def _read(
    con: sqlite3.Connection,
    table: str,
    wanted: str,
    decode: Callable[[sqlite3.Row], _T],
    *bounds: str,
) -> list[_T] | None:
    """The table's rows that can be read (None if not even its columns can be)."""
    try:
        present = {row[1] for row in con.execute(f"PRAGMA table_info({table})")}
    except sqlite3.Error:
        return None
    if not present:
        return None
    # Columns a file of an older schema lacks read as NULL, the value they start with.
    columns = ", ".join(c if c in present else f"NULL AS {c}" for c in _names(wanted))
    upper = _upper_bound(con, table, bounds)
    rows: list[_T] = []

    def keep(row: sqlite3.Row) -> None:
        try:
            rows.append(decode(row))
        except (ValueError, TypeError) as exc:  # JSON that no longer decodes
            log.warning("salvage: %s row %s unreadable: %s", table, row[0], exc)

    select = f"SELECT {columns} FROM {table} NOT INDEXED"
    next_id = 1
    while True:
        try:
            for row in con.execute(f"{select} WHERE id >= ? ORDER BY id", (next_id,)):
                next_id = int(str(row[0])) + 1
                keep(row)
            return rows
        except sqlite3.DatabaseError as exc:
            log.debug("salvage: %s after id %s: %s", table, next_id - 1, exc)
        # A scan can fail a row early (it reads one ahead), and a damaged page costs the
        # ids on it: from here on, one id at a time until a scan can go on.
        while next_id <= upper:
            try:
                row = con.execute(f"{select} WHERE id = ?", (next_id,)).fetchone()
            except sqlite3.DatabaseError:
                next_id += 1
                continue
            next_id += 1
            if row is not None:
                keep(row)
            break
        else:
            return rows


def _names(columns: str) -> list[str]:
    return [c.strip() for c in columns.split(",")]


def _upper_bound(con: sqlite3.Connection, table: str, others: tuple[str, ...]) -> int:
    """The highest id the table may hold, from whichever of several places still reads:
    past it, a failing read means the rows are gone, not further on."""
    found = 0
    for query in (f"SELECT max(id) FROM {table}", *others):
        try:
            value = con.execute(query).fetchone()[0]
        except sqlite3.Error:
            continue
        if isinstance(value, int):
            found = max(found, value)
    return found


def _assemble(
    conversations: list[ConversationRecord], messages: list[MessageRecord]
) -> list[Rescued]:
    records = {c.id: c for c in conversations}
    by_conversation: dict[int, list[MessageRecord]] = {}
    for m in messages:
        by_conversation.setdefault(m.conversation_id, []).append(m)
    rescued: list[Rescued] = []
    for cid in sorted(records.keys() | by_conversation.keys()):
        record = records.get(cid)
        own = by_conversation.get(cid, [])
        if record is None:
            rescued.append(Rescued(_stand_in(cid, own), own, True))
        elif record.deleted_at is None:
            branch = _branch(record, own)
            rescued.append(Rescued(record, own if branch is None else branch, branch is None))
    rescued.sort(key=lambda r: (r.conversation.updated_at, r.conversation.id), reverse=True)
    return rescued


def _branch(
    record: ConversationRecord, messages: list[MessageRecord]
) -> list[MessageRecord] | None:
    """The visible branch, or None when a message of it was not read."""
    by_id = {m.id: m for m in messages}
    branch: list[MessageRecord] = []
    current = record.current_leaf_id
    while current is not None:
        message = by_id.get(current)
        if message is None or len(branch) > len(by_id):
            return None
        branch.append(message)
        current = message.parent_id
    branch.reverse()
    if not branch and messages:
        return None  # Messages, but the pointer to the branch shown was lost.
    return branch


def _stand_in(cid: int, messages: list[MessageRecord]) -> ConversationRecord:
    """For messages whose conversation's own row was lost."""
    times = [m.created_at for m in messages]
    model = next((m.model for m in messages if m.model), None) or "unknown"
    return ConversationRecord(
        id=cid,
        title=f"Recovered conversation {cid}",
        title_is_auto=False,
        model=model,
        system="",
        max_tokens=1,
        settings={},
        created_at=min(times),
        updated_at=max(times),
        current_leaf_id=None,
    )
