"""Purging deleted conversations for real: once purged, not a byte of what they held is
left in the history file (or its WAL), search index and attachments included."""

from __future__ import annotations

import base64
import hashlib
import sqlite3
import time
from pathlib import Path

from claude_desktop.storage import schema
from claude_desktop.storage.files import remember_uploaded_file, uploaded_file_id
from claude_desktop.storage.store import Store

MODEL = "claude-sonnet-4-6"
SECRET = "Quetzalcoatlus"
KEPT = "Brachiosaurus"


def raw_bytes(path: Path) -> bytes:
    """The database file and whatever WAL is beside it, as they are on disk."""
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def traces(path: Path, word: str) -> list[str]:
    data = raw_bytes(path)
    forms = {
        "text": word.encode(),
        "lowercase (the index)": word.lower().encode(),
        "base64": base64.b64encode(f"{word} in a PDF".encode()),
    }
    return [name for name, form in forms.items() if form in data]


def pdf_bytes(word: str) -> bytes:
    return f"%PDF-1.4 {word} in a PDF".encode()


def conversation_about(store: Store, word: str) -> int:
    """A conversation full of `word`: title, question, a streamed answer (saved as it
    grew, as the app does), a text document, a PDF, a draft with an attachment blob."""
    conv = store.create_conversation(model=MODEL, title=f"About {word}")
    pdf = base64.b64encode(pdf_bytes(word)).decode()
    question = store.add_message(
        conv.id,
        parent_id=None,
        role="user",
        content=[
            {
                "type": "document",
                "source": {"type": "text", "media_type": "text/plain", "data": f"notes on {word}"},
                "title": f"{word}.txt",
            },
            {
                "type": "document",
                "source": {"type": "base64", "media_type": "application/pdf", "data": pdf},
                "title": "paper.pdf",
            },
            {"type": "text", "text": f"Tell me about {word}."},
        ],
    )
    answer = store.add_message(
        conv.id, parent_id=question.id, role="assistant", content=[], status="streaming"
    )
    text = ""
    for part in [f"{word} was", " a pterosaur", f" ({word} northropi)", " of the Cretaceous."]:
        text += part
        store.update_message(answer.id, content=[{"type": "text", "text": text}])
    store.update_message(answer.id, status="complete")
    digest = store.put_blob(f"draft notes: {word}".encode(), "text/plain")
    store.save_draft(conv.id, f"more about {word}", [{"sha256": digest, "name": "n.txt"}])
    remember_uploaded_file(store, hashlib.sha256(pdf_bytes(word)).hexdigest(), "file_123")
    return conv.id


def test_a_purged_conversation_leaves_no_trace_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with Store.open(path) as store:
        gone = conversation_about(store, SECRET)
        kept = conversation_about(store, KEPT)
        store._con.execute("PRAGMA wal_checkpoint(PASSIVE)")  # some of it in the file itself
        assert traces(path, SECRET)
        store.delete_conversation(gone)
        assert store.purge_deleted(older_than=time.time() + 1) == 1
        # Still open: the WAL and the file hold nothing of it already.
        assert traces(path, SECRET) == []
        # What was kept is all there, and found.
        assert [c.id for c in store.list_conversations()] == [kept]
        assert len(store.branch(kept)) == 2
        assert [h.conversation_id for h in store.search(KEPT)][:1] == [kept]
        assert store.search(SECRET) == []
        draft = store.draft(kept)
        assert draft is not None and store.blob(draft.attachments[0]["sha256"]) is not None
        kept_pdf = hashlib.sha256(pdf_bytes(KEPT)).hexdigest()
        assert uploaded_file_id(store, kept_pdf) == "file_123"
        gone_pdf = hashlib.sha256(pdf_bytes(SECRET)).hexdigest()
        assert uploaded_file_id(store, gone_pdf) is None
    assert traces(path, SECRET) == []
    assert traces(path, KEPT) != []


def test_only_what_was_deleted_before_the_cutoff_goes(tmp_path: Path) -> None:
    with Store.open(tmp_path / "history.sqlite3") as store:
        first = conversation_about(store, "first")
        store.delete_conversation(first)
        cutoff = time.time() + 1
        second = conversation_about(store, "second")
        store.delete_conversation(second)
        store.restore_conversation(second)  # undone: never purged
        assert store.purge_deleted(older_than=cutoff - 10) == 0
        assert store.purge_deleted(older_than=cutoff) == 1
        assert store.conversation(first) is None and store.conversation(second) is not None


def test_a_pdf_still_in_a_kept_conversation_keeps_its_upload(tmp_path: Path) -> None:
    with Store.open(tmp_path / "history.sqlite3") as store:
        gone = conversation_about(store, SECRET)
        kept = store.create_conversation(model=MODEL)
        pdf = base64.b64encode(pdf_bytes(SECRET)).decode()
        block = {
            "type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": pdf},
        }
        store.add_message(kept.id, parent_id=None, role="user", content=[block])
        store.delete_conversation(gone)
        store.purge_deleted(older_than=time.time() + 1)
        assert uploaded_file_id(store, hashlib.sha256(pdf_bytes(SECRET)).hexdigest()) == "file_123"


def test_attachment_bytes_no_draft_refers_to_go_at_the_next_purge(tmp_path: Path) -> None:
    with Store.open(tmp_path / "history.sqlite3") as store:
        in_draft = store.put_blob(b"still attached", "text/plain")
        store.save_draft(None, "", [{"sha256": in_draft, "name": "a.txt"}])
        removed = store.put_blob(f"removed {SECRET}".encode(), "text/plain")
        store.purge_deleted(older_than=time.time() + 1)
        assert store.has_blob(in_draft) and not store.has_blob(removed)
    assert traces(tmp_path / "history.sqlite3", SECRET) == []


def test_a_history_made_before_purging_is_vacuumed_once_then_purges_cleanly(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite3"
    # As the app before this change made it: no auto_vacuum, no secure_delete.
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    schema.migrate(con)
    con.close()
    old = Store.__new__(Store)
    old.__init__(sqlite3.connect(path, isolation_level=None), path)  # type: ignore[misc]
    old._con.execute("PRAGMA foreign_keys = ON")
    gone = conversation_about(old, SECRET)
    kept = conversation_about(old, KEPT)
    old.delete_conversation(gone)  # deleted, never purged: the old app's way
    old._con.close()
    assert sqlite3.connect(path).execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    with Store.open(path) as store:
        assert store._con.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental
        assert [c.id for c in store.list_conversations()] == [kept]
        assert store.conversation(gone) is not None  # purging is the app's call
        store.purge_deleted(older_than=time.time() + 1)
        assert len(store.branch(kept)) == 2
        assert store._con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert traces(path, SECRET) == []
    before = path.read_bytes()
    Store.open(path).close()  # vacuumed once, not at every start
    assert path.read_bytes() == before


def test_a_purged_pdf_s_upload_is_remembered_until_the_api_deletes_it(tmp_path: Path) -> None:
    """Deleting a chat deletes its PDF from Anthropic's Files API too: the purge keeps the
    file id (only that) until the domain has asked the API to delete it."""
    from claude_desktop.storage.files import file_deleted, files_to_delete

    with Store.open(tmp_path / "history.sqlite3") as store:
        gone = conversation_about(store, SECRET)
        assert files_to_delete(store) == []
        store.delete_conversation(gone)
        store.purge_deleted(older_than=time.time() + 1)
        assert files_to_delete(store) == ["file_123"]
        file_deleted(store, "file_123")
        assert files_to_delete(store) == []
