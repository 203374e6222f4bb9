"""The conversation history on disk (SQLite): the Store, its schema and exports.

Qt-free and below the domain: it takes the database path from its caller.
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
