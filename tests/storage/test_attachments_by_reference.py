"""Attachments by reference: a message's content refers to its attachments' bytes, which the
history keeps once, and schema 3 converts a history made before that without losing a byte.

The old history is made here as the app before schema 3 made it: its schema by the
migrations up to version 2, its rows by the very INSERT statements that app's Store ran
(content as compact JSON, attachments inline as base64), a draft's attachment in the blobs
and the Files API's upload records in the table that app made on first use.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from claude_desktop.storage import schema
from claude_desktop.storage.blobs import expand_content
from claude_desktop.storage.files import uploaded_file_id
from claude_desktop.storage.store import Store

MODEL = "claude-sonnet-4-6"


def raw_bytes(path: Path) -> bytes:
    """The database file and whatever WAL is beside it, as they are on disk."""
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def pdf(marker: bytes, size: int = 200_000) -> bytes:
    """A PDF-shaped blob of `size` random bytes with `marker` inside, found in no other."""
    return b"%PDF-1.7\n" + marker + os.urandom(size) + b"\n%%EOF\n"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def document(data: bytes, title: str, **extra: Any) -> dict[str, Any]:
    # The block as Attachment.to_block made it before schema 3.
    return {
        "type": "document",
        "source": {"type": "base64", "media_type": "application/pdf", "data": b64(data)},
        "title": title,
        **extra,
    }


def dumps(value: object) -> str:
    # The old Store's _dumps.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def old_history(path: Path, contents: list[list[dict[str, Any]]], draft_blob: bytes) -> None:
    """A version-2 history holding one conversation per entry of `contents` (a question
    with that content, answered), written as the app before schema 3 wrote it."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA auto_vacuum = INCREMENTAL")
        con.execute("PRAGMA journal_mode = WAL")
        schema.migrate(con, target=2)
        con.execute("PRAGMA foreign_keys = ON")
        now = 1_700_000_000.0
        for conversation_id, content in enumerate(contents, 1):
            now += 10
            con.execute(
                "INSERT INTO conversations (title, title_is_auto, model, system, max_tokens, "
                "settings, created_at, updated_at, temperature, thinking) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (f"Chat {conversation_id}", 1, MODEL, "", 8192, "{}", now, now, None, None),
            )
            parent = None
            for role, blocks in (
                ("user", content),
                ("assistant", [{"type": "text", "text": "It says hello."}]),
            ):
                cur = con.execute(
                    "INSERT INTO messages (conversation_id, parent_id, role, content, status, "
                    "model, usage, meta, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        conversation_id,
                        parent,
                        role,
                        dumps(blocks),
                        "complete",
                        None,
                        None,
                        "{}",
                        now,
                    ),
                )
                parent = cur.lastrowid
                con.execute(
                    "UPDATE conversations SET current_leaf_id = ?, updated_at = ? WHERE id = ?",
                    (parent, now, conversation_id),
                )
        # A draft's attachment, kept as a blob (the same bytes as a sent PDF).
        digest = hashlib.sha256(draft_blob).hexdigest()
        con.execute(
            "INSERT INTO blobs (hash, media_type, size, data, created_at) VALUES (?, ?, ?, ?, ?)",
            (digest, "application/pdf", len(draft_blob), draft_blob, now),
        )
        con.execute(
            "INSERT INTO drafts (conversation_id, text, attachments, updated_at) "
            "VALUES (?, ?, ?, ?)",
            (1, "and then?", dumps([{"sha256": digest, "name": "report.pdf"}]), now),
        )
        con.execute(
            "CREATE TABLE IF NOT EXISTS uploaded_files ("
            "sha256 TEXT PRIMARY KEY, file_id TEXT NOT NULL, created_at REAL NOT NULL)"
        )
        con.execute("INSERT INTO uploaded_files VALUES (?, ?, ?)", (digest, "file_011Report", now))
    finally:
        con.close()


def test_a_history_made_before_references_is_converted_without_losing_a_byte(
    tmp_path: Path,
) -> None:
    report = pdf(b"REPORT-MARKER-7f3a9c")
    scan = pdf(b"SCAN-MARKER-41be07", size=300_000)
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(5000)
    # Valid base64 no encoder writes (padding bits set): it must stay exactly as it is.
    odd = {"type": "base64", "media_type": "application/pdf", "data": "QR=="}
    contents = [
        [document(report, "report.pdf"), {"type": "text", "text": "What does it say?"}],
        [
            document(report, "report (copy).pdf", cache_control={"type": "ephemeral"}),
            document(scan, "scan.pdf"),
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": b64(png)},
            },
            {
                "type": "document",
                "source": {"type": "text", "media_type": "text/plain", "data": "plain notes"},
                "title": "notes.txt",
            },
            {"type": "document", "source": odd, "title": "odd.pdf"},
            {"type": "text", "text": "Compare them."},
        ],
    ]
    path = tmp_path / "history.sqlite3"
    old_history(path, contents, draft_blob=report)
    before = len(raw_bytes(path))
    assert before > 2 * len(report) + len(scan)  # base64 inline, and the draft's blob

    with Store.open(path) as store:
        for conversation, content in zip(store.list_conversations()[::-1], contents, strict=True):
            question, answer = store.branch(conversation.id)
            # Every message expands to exactly what it held, key order included.
            expanded = expand_content(question.content, store.read_blob_on_own_connection)
            assert dumps(expanded) == dumps(content)
            assert answer.content == [{"type": "text", "text": "It says hello."}]
        # Only the odd base64 is still inline; the others refer to blobs.
        second = store.list_conversations()[0]  # the most recent
        kinds = [b["source"]["type"] for b in store.branch(second.id)[0].content[:-1]]
        assert kinds == ["blob", "blob", "blob", "text", "base64"]
        hashes = {row[0] for row in store._con.execute("SELECT hash FROM blobs")}
        assert hashes == {hashlib.sha256(d).hexdigest() for d in (report, scan, png)}
        # The draft and the upload record still find what they refer to.
        assert store.draft(1) is not None
        assert uploaded_file_id(store, hashlib.sha256(report).hexdigest()) == "file_011Report"
        # Search still sees the documents' titles.
        assert [h.conversation_id for h in store.search("scan")] == [second.id]

    data = raw_bytes(path)
    # Each PDF's bytes are in the file once, and its base64 is gone from it.
    assert data.count(b"REPORT-MARKER-7f3a9c") == 1
    assert data.count(b"SCAN-MARKER-41be07") == 1
    assert b64(report)[1000:1100].encode() not in data
    assert len(data) < 1.2 * (len(report) + len(scan) + len(png)) + 200_000


def test_a_question_stored_with_base64_is_kept_by_reference_once(tmp_path: Path) -> None:
    data = pdf(b"ONCE-MARKER")
    with Store.open(tmp_path / "history.sqlite3") as store:
        conv = store.create_conversation(model=MODEL)
        first = store.add_message(
            conv.id, parent_id=None, role="user", content=[document(data, "a.pdf")]
        )
        again = store.add_message(
            conv.id, parent_id=None, role="user", content=[document(data, "b.pdf")]
        )
        for record in (first, again):
            (block,) = record.content
            assert block["source"] == {
                "type": "blob",
                "sha256": hashlib.sha256(data).hexdigest(),
                "media_type": "application/pdf",
                "size": len(data),
            }
        assert store._con.execute("SELECT count(*) FROM blobs").fetchone()[0] == 1


def tool_result_with_image(data: bytes) -> dict[str, Any]:
    # What an MCP tool's image comes back to the API as: a block inside the result.
    return {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": [
            {"type": "text", "text": "The screenshot:"},
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": b64(data)},
            },
        ],
    }


def test_an_image_a_tool_returned_is_kept_as_a_blob_and_sent_back_whole(tmp_path: Path) -> None:
    data = pdf(b"TOOL-IMAGE-MARKER")
    path = tmp_path / "history.sqlite3"
    with Store.open(path) as store:
        conv = store.create_conversation(model=MODEL)
        sent = tool_result_with_image(data)
        record = store.add_message(conv.id, parent_id=None, role="user", content=[sent])
        (result,) = record.content
        image = result["content"][1]
        assert image["source"] == {
            "type": "blob",
            "sha256": hashlib.sha256(data).hexdigest(),
            "media_type": "image/png",
            "size": len(data),
        }
        assert expand_content(record.content, store.read_blob_on_own_connection) == [sent]
        # Still referred to: a purge keeps it.
        store.purge_deleted(older_than=0)
        assert store.has_blob(hashlib.sha256(data).hexdigest())
    assert raw_bytes(path).count(b64(data)[:64].encode()) == 0
