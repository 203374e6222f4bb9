"""Opening history files of every schema version, and refusing the ones this app must not
touch (newer, damaged, foreign) without changing a byte."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import pytest

from claude_desktop.storage import schema
from claude_desktop.storage.store import (
    CorruptDatabaseError,
    MigrationError,
    NewerDatabaseError,
    StorageError,
    Store,
)


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def snapshot(directory: Path) -> dict[str, str]:
    """Every file in `directory` and the sha256 of its bytes."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


def build(path: Path, version: int) -> None:
    """A file at schema `version` holding the seed data, made by the migrations themselves.

    The seed is written with version 1's SQL and carried up by the migrations, so every
    start version is checked against the same data."""
    con = connect(path)
    try:
        schema.migrate(con, target=1)
        seed_v1(con)
        schema.migrate(con, target=version)
        assert schema.user_version(con) == version
    finally:
        con.close()


def seed_v1(con: sqlite3.Connection) -> None:
    con.execute("PRAGMA foreign_keys = ON")
    con.execute(
        "INSERT INTO conversations (id, title, title_is_auto, model, system, max_tokens, "
        "settings, created_at, updated_at) VALUES "
        "(1, 'Seeded title', 0, 'claude-x', 'Sys', 100, '{\"k\": 1}', 10.0, 20.0)"
    )
    con.execute(
        "INSERT INTO messages (id, conversation_id, parent_id, role, content, status, model, "
        "usage, meta, created_at) VALUES "
        '(1, 1, NULL, \'user\', \'[{"type":"text","text":"seeded question"}]\', '
        "'complete', NULL, NULL, '{}', 11.0), "
        '(2, 1, 1, \'assistant\', \'[{"type":"text","text":"seeded answer"}]\', '
        "'streaming', 'claude-x', '{\"output_tokens\":5}', '{\"total_time\":1.5}', 12.0)"
    )
    con.execute("UPDATE conversations SET current_leaf_id = 2 WHERE id = 1")
    con.execute(
        "INSERT INTO drafts (conversation_id, text, attachments, updated_at) "
        "VALUES (1, 'half typed', '[]', 13.0), (NULL, 'new chat', '[]', 14.0)"
    )
    con.execute(
        "INSERT INTO blobs (hash, media_type, size, data, created_at) "
        "VALUES (?, 'text/plain', 3, ?, 15.0)",
        (hashlib.sha256(b"abc").hexdigest(), b"abc"),
    )


def test_a_new_file_gets_the_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    Store.open(path).close()
    con = connect(path)
    try:
        assert schema.user_version(con) == schema.LATEST_VERSION
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
        assert app_id == schema.APPLICATION_ID
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"conversations", "messages", "blobs", "drafts", "message_fts"} <= tables
    finally:
        con.close()


def test_an_empty_file_gets_the_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.touch()
    with Store.open(path) as store:
        assert store.list_conversations() == []
    con = connect(path)
    try:
        assert schema.user_version(con) == schema.LATEST_VERSION
    finally:
        con.close()


@pytest.mark.parametrize("version", range(1, schema.LATEST_VERSION + 1))
def test_every_version_migrates_to_the_latest_keeping_data(tmp_path: Path, version: int) -> None:
    path = tmp_path / "history.sqlite3"
    build(path, version)
    with Store.open(path) as store:
        (conv,) = store.list_conversations()
        assert (conv.id, conv.title, conv.title_is_auto, conv.model) == (
            1,
            "Seeded title",
            False,
            "claude-x",
        )
        assert (conv.system, conv.max_tokens, conv.settings) == ("Sys", 100, {"k": 1})
        question, answer = store.branch(1)
        assert question.content == [{"type": "text", "text": "seeded question"}]
        assert answer.content == [{"type": "text", "text": "seeded answer"}]
        assert answer.usage == {"output_tokens": 5} and answer.meta == {"total_time": 1.5}
        assert store.recover_interrupted() == 1
        assert {h.message_id for h in store.search("seeded")} == {None, 1, 2}
        draft = store.draft(1)
        assert draft is not None and draft.text == "half typed"
        new_chat = store.draft(None)
        assert new_chat is not None and new_chat.text == "new chat"
        assert store.blob(hashlib.sha256(b"abc").hexdigest()) == (b"abc", "text/plain")
    con = connect(path)
    try:
        assert schema.user_version(con) == schema.LATEST_VERSION
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()


def test_reopening_a_current_file_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    Store.open(path).close()
    before = snapshot(tmp_path)
    Store.open(path).close()
    assert snapshot(tmp_path) == before


def test_a_newer_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with Store.open(path) as store:
        store.create_conversation(model="m", title="From the future")
    newer = schema.LATEST_VERSION + 1
    con = connect(path)
    con.execute(f"PRAGMA user_version = {newer}")
    con.close()
    before = snapshot(tmp_path)
    with pytest.raises(NewerDatabaseError) as info:
        Store.open(path)
    assert info.value.human == (
        "This history was written by a newer version of Claude Desktop "
        f"(schema {newer}, this app knows up to {schema.LATEST_VERSION}). "
        "Update the app; the file was not changed."
    )
    assert isinstance(info.value, StorageError)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "data",
    [
        b"this is not a database at all\n" * 100,
        b"\x00" * 4096,
        b"SQLite format 3\x00" + b"\xff" * 4000,
        b"PK\x03\x04 a zip file",
    ],
    ids=["text", "zeros", "damaged-after-header", "zip"],
)
def test_a_damaged_file_is_refused_untouched(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(data)
    before = snapshot(tmp_path)
    with pytest.raises(CorruptDatabaseError) as info:
        Store.open(path)
    assert str(path) in info.value.human and "damaged" in info.value.human
    assert snapshot(tmp_path) == before


def test_another_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    con = connect(path)
    con.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance REAL)")
    con.close()
    before = snapshot(tmp_path)
    with pytest.raises(CorruptDatabaseError) as info:
        Store.open(path)
    assert "another program" in info.value.human
    assert snapshot(tmp_path) == before


def _failing_step(con: sqlite3.Connection) -> None:
    con.execute("CREATE TABLE half_done (x)")
    con.execute("INSERT INTO messages (id) VALUES (NULL)")  # violates NOT NULL


def test_a_failing_step_is_rolled_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "history.sqlite3"
    build(path, schema.LATEST_VERSION)
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, _failing_step))
    monkeypatch.setattr(schema, "LATEST_VERSION", schema.LATEST_VERSION + 1)
    with pytest.raises(MigrationError) as info:
        Store.open(path)
    assert f"from schema {schema.LATEST_VERSION - 1} to {schema.LATEST_VERSION}" in (
        info.value.human
    )
    con = connect(path)
    try:
        assert schema.user_version(con) == schema.LATEST_VERSION - 1
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        assert "half_done" not in names
        assert con.execute("SELECT count(*) FROM messages").fetchone()[0] == 2
    finally:
        con.close()


def test_a_step_leaving_dangling_references_is_rolled_back(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    build(path, schema.LATEST_VERSION)

    def orphan(con: sqlite3.Connection) -> None:
        # Foreign keys are off while a step runs; the check before commit catches this.
        con.execute("UPDATE messages SET conversation_id = 999")

    con = connect(path)
    try:
        with pytest.raises(schema.MigrationFailed):
            schema.migrate(con, migrations=(*schema.MIGRATIONS, orphan))
        assert schema.user_version(con) == schema.LATEST_VERSION
        assert con.execute("SELECT DISTINCT conversation_id FROM messages").fetchall() == [(1,)]
    finally:
        con.close()


def test_instances_starting_together_migrate_once(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_it() -> None:
        try:
            start.wait()
            Store.open(path).close()
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store.open(path) as store:
        assert store.list_conversations() == []


def test_a_file_that_cannot_be_written_is_not_called_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "history.sqlite3"

    def read_only(con: sqlite3.Connection) -> None:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(schema, "migrate", read_only)
    with pytest.raises(StorageError) as info:
        Store.open(path)
    assert not isinstance(info.value, CorruptDatabaseError)
    assert "readonly" in info.value.human and "damaged" not in info.value.human
