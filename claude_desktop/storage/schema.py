"""The history database's schema and its forward migrations.

The schema version is SQLite's ``PRAGMA user_version``. ``MIGRATIONS[n]`` takes a database
from version n to n + 1; each step runs in its own transaction, so a failing step leaves the
file at the version before it. Version 1 is the first released schema: there is nothing
older to migrate from, and later versions only ever append to ``MIGRATIONS``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from claude_desktop.storage import blobs

Migration = Callable[[sqlite3.Connection], None]

#: Written into the file header (``PRAGMA application_id``) so that a stranger's SQLite
#: file is recognised as such: the bytes spell "ClDe".
APPLICATION_ID = 0x436C4465

ROLES = ("user", "assistant")
STATUSES = ("complete", "streaming", "interrupted", "stopped", "error")


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


# The searchable text of a message: its text blocks, its thinking and its documents'
# titles, one per line. Written in SQL (JSON1) rather than in Python so that the index stays
# right whoever writes the row, the sqlite3 shell included.
_MESSAGE_TEXT = """(
    SELECT coalesce(group_concat(part, char(10)), '') FROM (
        SELECT CASE json_extract(value, '$.type')
            WHEN 'text' THEN json_extract(value, '$.text')
            WHEN 'thinking' THEN json_extract(value, '$.thinking')
            WHEN 'document' THEN json_extract(value, '$.title')
        END AS part
        FROM json_each(new.content)
    ) WHERE typeof(part) = 'text'
)"""

# remove_diacritics 2 lets "cafe" find "café"; unicode61 splits on anything that is not a
# letter or a digit, which the query escaping in store.py relies on.
_TOKENIZER = "tokenize = 'unicode61 remove_diacritics 2'"

_V1 = (
    f"PRAGMA application_id = {APPLICATION_ID}",
    """CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        title_is_auto INTEGER NOT NULL DEFAULT 1 CHECK (title_is_auto IN (0, 1)),
        model TEXT NOT NULL,
        system TEXT NOT NULL DEFAULT '',
        max_tokens INTEGER NOT NULL CHECK (max_tokens > 0),
        settings TEXT NOT NULL DEFAULT '{}' CHECK (json_type(settings) = 'object'),
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        current_leaf_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
        deleted_at REAL
    )""",
    """CREATE INDEX conversations_by_update ON conversations (updated_at DESC, id DESC)
        WHERE deleted_at IS NULL""",
    f"""CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        parent_id INTEGER REFERENCES messages (id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ({_sql_list(ROLES)})),
        content TEXT NOT NULL CHECK (json_type(content) = 'array'),
        status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ({_sql_list(STATUSES)})),
        model TEXT,
        usage TEXT CHECK (usage IS NULL OR json_type(usage) = 'object'),
        meta TEXT NOT NULL DEFAULT '{{}}' CHECK (json_type(meta) = 'object'),
        created_at REAL NOT NULL
    )""",
    # Siblings (roots included, parent_id IS NULL) in creation order; also serves the
    # cascade from conversations.
    "CREATE INDEX messages_by_parent ON messages (conversation_id, parent_id, id)",
    # latest_leaf walks down by parent alone; also serves the cascade between messages.
    "CREATE INDEX messages_children ON messages (parent_id, id)",
    # Start-up finds interrupted answers without reading the whole table.
    "CREATE INDEX messages_streaming ON messages (id) WHERE status = 'streaming'",
    """CREATE TABLE blobs (
        hash TEXT PRIMARY KEY,
        media_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        data BLOB NOT NULL,
        created_at REAL NOT NULL
    )""",
    """CREATE TABLE drafts (
        conversation_id INTEGER REFERENCES conversations (id) ON DELETE CASCADE,
        text TEXT NOT NULL DEFAULT '',
        attachments TEXT NOT NULL DEFAULT '[]' CHECK (json_type(attachments) = 'array'),
        updated_at REAL NOT NULL
    )""",
    # One draft per conversation and one (conversation_id NULL) for a new chat: a plain
    # UNIQUE would allow any number of NULLs.
    "CREATE UNIQUE INDEX drafts_one_each ON drafts (coalesce(conversation_id, 0))",
    # Plain (not external-content) FTS5 tables: they keep their own copy of the text, which
    # snippet() needs and which is derived from JSON that no column holds as such.
    f"CREATE VIRTUAL TABLE message_fts USING fts5(body, {_TOKENIZER})",
    f"CREATE VIRTUAL TABLE title_fts USING fts5(title, {_TOKENIZER})",
    f"""CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO message_fts (rowid, body) VALUES (new.id, {_MESSAGE_TEXT});
    END""",
    f"""CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
        DELETE FROM message_fts WHERE rowid = old.id;
        INSERT INTO message_fts (rowid, body) VALUES (new.id, {_MESSAGE_TEXT});
    END""",
    # Also fires for rows removed by ON DELETE CASCADE.
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        DELETE FROM message_fts WHERE rowid = old.id;
    END""",
    """CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
        INSERT INTO title_fts (rowid, title) VALUES (new.id, new.title);
    END""",
    """CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations BEGIN
        DELETE FROM title_fts WHERE rowid = old.id;
        INSERT INTO title_fts (rowid, title) VALUES (new.id, new.title);
    END""",
    """CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
        DELETE FROM title_fts WHERE rowid = old.id;
    END""",
)


def _to_v1(con: sqlite3.Connection) -> None:
    # Statement by statement: executescript() would commit the migration's transaction.
    for statement in _V1:
        con.execute(statement)


# Version 2: per-conversation temperature and thinking (NULL: not set, the API's default /
# thinking off), and saved presets of those settings for new chats. The thinking value is
# the request's own `thinking` object ({"type": "adaptive"} or {"type": "enabled",
# "budget_tokens": N}), checked against the model when a request is built.
_V2 = (
    """ALTER TABLE conversations ADD COLUMN temperature REAL
        CHECK (temperature IS NULL OR temperature BETWEEN 0 AND 1)""",
    """ALTER TABLE conversations ADD COLUMN thinking TEXT
        CHECK (thinking IS NULL OR json_type(thinking) = 'object')""",
    """CREATE TABLE presets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (trim(name) <> ''),
        system TEXT NOT NULL DEFAULT '',
        max_tokens INTEGER NOT NULL CHECK (max_tokens > 0),
        temperature REAL CHECK (temperature IS NULL OR temperature BETWEEN 0 AND 1),
        thinking TEXT CHECK (thinking IS NULL OR json_type(thinking) = 'object'),
        created_at REAL NOT NULL
    )""",
)


def _to_v2(con: sqlite3.Connection) -> None:
    for statement in _V2:
        con.execute(statement)


# Version 3: attachments by reference. Messages held each attachment's bytes as base64 in
# their content, so a 23 MB PDF was 31 MB of JSON read back with every branch (and its
# bytes once more in the blobs when a draft had kept it). Now the bytes are in the blobs,
# once per content, and the message refers to them (the shape: storage/blobs.py).
# Base64 that would not come back byte for byte (non-canonical) stays as it is.
# The Files API's upload records, which were made on first use outside the versions,
# become part of the schema (IF NOT EXISTS: a file that used them has the table).
_V3 = (
    """CREATE TABLE IF NOT EXISTS uploaded_files (
        sha256 TEXT PRIMARY KEY, file_id TEXT NOT NULL, created_at REAL NOT NULL)""",
)


def _to_v3(con: sqlite3.Connection) -> None:
    for statement in _V3:
        con.execute(statement)
    blobs.migrate_messages(con)


# Version 4: search finds what tools returned (issue 17): a tool_result's text, whether its
# content is a string or a list of blocks (their text blocks; never image data). The
# triggers are made again with the new expression and the index rebuilt from the messages.
_MESSAGE_TEXT_V4 = """(
    SELECT coalesce(group_concat(part, char(10)), '') FROM (
        SELECT CASE json_extract(b.value, '$.type')
            WHEN 'text' THEN json_extract(b.value, '$.text')
            WHEN 'thinking' THEN json_extract(b.value, '$.thinking')
            WHEN 'document' THEN json_extract(b.value, '$.title')
            WHEN 'tool_result' THEN CASE json_type(b.value, '$.content')
                WHEN 'text' THEN json_extract(b.value, '$.content')
                WHEN 'array' THEN (
                    SELECT group_concat(json_extract(r.value, '$.text'), char(10))
                    FROM json_each(b.value, '$.content') AS r
                    WHERE json_extract(r.value, '$.type') = 'text'
                )
            END
        END AS part
        FROM json_each(new.content) AS b
    ) WHERE typeof(part) = 'text'
)"""

# Also in version 4: the Files API's ids of PDFs purged with their conversations, kept
# until the API has been asked to delete them (the person deleted the chat: its documents
# should not stay on Anthropic's side either).
_V4 = (
    """CREATE TABLE files_to_delete (
        file_id TEXT PRIMARY KEY, created_at REAL NOT NULL)""",
    "DROP TRIGGER messages_fts_insert",
    "DROP TRIGGER messages_fts_update",
    f"""CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO message_fts (rowid, body) VALUES (new.id, {_MESSAGE_TEXT_V4});
    END""",
    f"""CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
        DELETE FROM message_fts WHERE rowid = old.id;
        INSERT INTO message_fts (rowid, body) VALUES (new.id, {_MESSAGE_TEXT_V4});
    END""",
    "DELETE FROM message_fts",
    # The same expression over every row: `new` is the row itself here.
    f"""INSERT INTO message_fts (rowid, body)
        SELECT new.id, {_MESSAGE_TEXT_V4} FROM messages AS new""",
)


def _to_v4(con: sqlite3.Connection) -> None:
    for statement in _V4:
        con.execute(statement)


#: Append only. MIGRATIONS[n] migrates version n to n + 1.
MIGRATIONS: tuple[Migration, ...] = (_to_v1, _to_v2, _to_v3, _to_v4)
LATEST_VERSION = len(MIGRATIONS)
#: The first version whose messages refer to their attachments' bytes.
BLOBS_BY_REFERENCE = 3


class MigrationFailed(Exception):
    """One step failed and was rolled back; the database is still at `version`."""

    def __init__(self, version: int, cause: BaseException) -> None:
        super().__init__(f"migration {version} -> {version + 1} failed: {cause}")
        self.version = version
        self.cause = cause


def user_version(con: sqlite3.Connection) -> int:
    row = con.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(
    con: sqlite3.Connection,
    target: int | None = None,
    migrations: tuple[Migration, ...] | None = None,
) -> None:
    """Run the steps from the database's version up to `target` (default: the last of
    `migrations`, default MIGRATIONS), each in its own transaction.

    `con` must be in autocommit mode (``isolation_level=None``) and outside a transaction.
    Foreign keys are off while a step runs, as SQLite's procedure for altering tables
    requires, and checked before its commit instead.
    """
    if migrations is None:
        migrations = MIGRATIONS
    if target is None:
        target = len(migrations)
    if con.in_transaction:
        raise RuntimeError("migrate() needs a connection outside a transaction")
    if not 0 <= target <= len(migrations):
        raise ValueError(f"no schema version {target}")
    foreign_keys = con.execute("PRAGMA foreign_keys").fetchone()[0]
    # A no-op inside a transaction, hence set here, around the steps.
    con.execute("PRAGMA foreign_keys = OFF")
    try:
        while True:
            # IMMEDIATE takes the write lock before the version is read, so two instances
            # starting together cannot both run the same step.
            con.execute("BEGIN IMMEDIATE")
            try:
                version = user_version(con)
                if version >= target:
                    con.execute("ROLLBACK")
                    return
                try:
                    migrations[version](con)
                    violations = con.execute("PRAGMA foreign_key_check").fetchall()
                    if violations:
                        raise sqlite3.IntegrityError(f"foreign key violations: {violations[:5]}")
                except Exception as exc:
                    raise MigrationFailed(version, exc) from exc
                con.execute(f"PRAGMA user_version = {version + 1}")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
    finally:
        con.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
