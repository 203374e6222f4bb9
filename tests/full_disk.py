"""A full disk for the history, for tests: SQLite's own limit on the real file.

`PRAGMA max_page_count` makes every write that would grow the file fail with the real
SQLITE_FULL ("database or disk is full"), as a full disk does. A small tmpfs would be more
literal, but mounting one needs root (it works in the dev container, not on CI runners).
"""

from __future__ import annotations

from claude_desktop.domain.history import History


def fill_disk(history: History) -> None:
    """No page more for the history file: the next write that grows it fails."""
    con = history.store._con
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.execute(f"PRAGMA max_page_count = {pages}")


def free_disk(history: History) -> None:
    history.store._con.execute("PRAGMA max_page_count = 1073741823")
