"""The conversation history on disk (SQLite): the Store, its schema and exports.

Qt-free and below the domain: it takes the database path from its caller.

| module | its one job |
|---|---|
| store | the `Store` facade: the one door, errors as sentences |
| opening | checking, setting up and migrating the file as it opens |
| schema | the schema's versions and their migrations |
| database | the connection, clock, transactions and JSON form the repositories share |
| conversations, messages, presets, drafts | one table each |
| blobs | attachment bytes by hash, and the references messages hold |
| fulltext | search over titles and messages |
| purge | deleting the trash for real |
| files | Files API upload records |
| records, errors | what the store hands out, and what can go wrong |
| export, salvage | Markdown/JSON exports; reading a damaged file |
"""

from claude_desktop.storage.store import (
    ConversationRecord,
    CorruptDatabaseError,
    Draft,
    MessageRecord,
    MigrationError,
    NewerDatabaseError,
    NotFoundError,
    SearchHit,
    StorageError,
    Store,
)

__all__ = [
    "ConversationRecord",
    "CorruptDatabaseError",
    "Draft",
    "MessageRecord",
    "MigrationError",
    "NewerDatabaseError",
    "NotFoundError",
    "SearchHit",
    "StorageError",
    "Store",
]
