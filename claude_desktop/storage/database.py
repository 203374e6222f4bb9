"""The open history file as the repositories share it: one connection, one clock, one way
to write in a transaction, one form of stored JSON."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import NotFoundError


class Database:
    """The connection (rows as `sqlite3.Row`) and what every repository needs around it."""

    def __init__(self, con: sqlite3.Connection, path: Path) -> None:
        con.row_factory = sqlite3.Row
        self.con = con
        self.path = path
        self._last_time = 0.0

    def now(self) -> float:
        # Strictly increasing within a Store, so "most recent first" never ties on a
        # coarse clock and never goes backwards when the wall clock does.
        now = max(time.time(), self._last_time + 1e-6)
        self._last_time = now
        return now

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front: a second app instance waits (busy
        # timeout) instead of failing halfway through.
        self.con.execute("BEGIN IMMEDIATE")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def update(self, table: str, noun: str, row_id: int, changes: dict[str, Any]) -> None:
        """Set `changes` (column -> value) on one row; NotFoundError if there is none."""
        if not changes:
            if self.con.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone():
                return
            raise NotFoundError(f"There is no {noun} {row_id}.")
        # Column names come from this package, never from the caller.
        assignments = ", ".join(f"{column} = ?" for column in changes)
        cur = self.con.execute(
            f"UPDATE {table} SET {assignments} WHERE id = ?", (*changes.values(), row_id)
        )
        found(cur, noun, row_id)


def found(cur: sqlite3.Cursor, noun: str, row_id: int) -> None:
    """NotFoundError when `cur`'s statement changed no row."""
    if cur.rowcount == 0:
        raise NotFoundError(f"There is no {noun} {row_id}.")


def require_conversation(con: sqlite3.Connection, conversation_id: int) -> None:
    """NotFoundError unless conversation `conversation_id` exists (trashed ones do)."""
    if (
        con.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
        is None
    ):
        raise NotFoundError(f"There is no conversation {conversation_id}.")


def one_line(title: str) -> str:
    return " ".join(title.split())


def dumps(value: object) -> str:
    """JSON as the history stores it: compact, UTF-8 where it can be."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (json.loads accepts "\ud800") cannot be UTF-8 text; as \u escapes
        # they are valid JSON and still read back exactly.
        text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    return text
