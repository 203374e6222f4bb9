"""A real history file with damaged inner pages, made with the real Store.

Each message is big enough to fill a b-tree leaf page of its own, so overwriting the leaf
of one message damages that message and no other: the tests know exactly which
conversations must come back whole.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from claude_desktop.storage.store import Store

MODEL = "claude-sonnet-4-6"
CONVERSATIONS = 4
TURNS = 4
#: Filler that makes one message fill most of a 4 KB page.
_PAD = "lorem " * 500
GARBAGE = b"\xde\xad\xbe\xef" * 1024


@dataclass(frozen=True)
class DamagedHistory:
    path: Path
    #: Conversation id -> the texts of its messages, in order.
    texts: dict[int, list[str]]
    #: The conversation whose message was overwritten.
    damaged: int
    #: The one message id that cannot be read any more.
    lost_message: int


def text(conversation: int, turn: int) -> str:
    return f"Conversation {conversation} turn {turn}. {_PAD}"


def build_history(path: Path) -> dict[int, list[str]]:
    """CONVERSATIONS conversations of TURNS messages each, written and closed."""
    texts: dict[int, list[str]] = {}
    with Store.open(path) as store:
        for c in range(CONVERSATIONS):
            conv = store.create_conversation(model=MODEL, title=f"Conversation {c}")
            parent = None
            texts[conv.id] = []
            for t in range(TURNS):
                body = text(c, t)
                role = "user" if t % 2 == 0 else "assistant"
                content = [{"type": "text", "text": body}]
                parent = store.add_message(conv.id, parent_id=parent, role=role, content=content).id
                texts[conv.id].append(body)
    return texts


def leaf_pages(path: Path, table: str) -> list[int]:
    """The table's leaf pages, in key order (dbstat's paths sort that way)."""
    con = sqlite3.connect(path)  # read-write, so that closing it removes the -wal file
    try:
        rows = con.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path",
            (table,),
        ).fetchall()
    finally:
        con.close()
    return [int(r[0]) for r in rows]


def overwrite_page(path: Path, page: int, page_size: int = 4096) -> None:
    assert page > 1, "page 1 holds the header and the schema"
    with path.open("r+b") as f:
        f.seek((page - 1) * page_size)
        f.write(GARBAGE[:page_size])


def damaged_history(path: Path) -> DamagedHistory:
    """A history whose second conversation lost one message (its leaf page overwritten);
    the file header, the schema and every other conversation are intact."""
    texts = build_history(path)
    with Store.open(path) as store:
        conversation_ids = sorted(texts)
        damaged = conversation_ids[1]
        lost = store.branch(damaged)[1].id
    pages = leaf_pages(path, "messages")
    assert len(pages) == CONVERSATIONS * TURNS, "one message per leaf page"
    overwrite_page(path, pages[lost - 1])
    return DamagedHistory(path, texts, damaged, lost)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
