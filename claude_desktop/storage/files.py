"""Which document was uploaded to the Files API under which file id, by content hash.

Kept in the history file so a PDF attached again (in this chat or a later one) is sent
as a reference instead of its bytes. The table is part of the schema (version 3). The ids
of files whose conversations were purged wait in `files_to_delete` (version 4) until the
API has deleted them.
"""

from __future__ import annotations

import time

from .store import Store, translate_errors


@translate_errors
def uploaded_file_id(store: Store, sha256: str) -> str | None:
    """The file id the content `sha256` was uploaded as, or None."""
    con = store._con
    row = con.execute("SELECT file_id FROM uploaded_files WHERE sha256 = ?", (sha256,)).fetchone()
    return None if row is None else str(row[0])


@translate_errors
def remember_uploaded_file(store: Store, sha256: str, file_id: str) -> None:
    con = store._con
    con.execute(
        "INSERT OR REPLACE INTO uploaded_files (sha256, file_id, created_at) VALUES (?, ?, ?)",
        (sha256, file_id, time.time()),
    )


@translate_errors
def forget_uploaded_file(
    store: Store, *, sha256: str | None = None, file_id: str | None = None
) -> int:
    """Drop the mapping (by content or by id) of a file the API no longer has; how many."""
    con = store._con
    cur = con.execute(
        "DELETE FROM uploaded_files WHERE sha256 = ? OR file_id = ?", (sha256, file_id)
    )
    return cur.rowcount


def uploaded_file_sha256(store: Store, file_id: str) -> str | None:
    """The content hash a file id was uploaded for (the key of its bytes in the blobs)."""
    con = store._con
    row = con.execute("SELECT sha256 FROM uploaded_files WHERE file_id = ?", (file_id,)).fetchone()
    return None if row is None else str(row[0])


@translate_errors
def files_to_delete(store: Store) -> list[str]:
    """Ids of uploaded files whose conversations were purged, oldest first."""
    rows = store._con.execute("SELECT file_id FROM files_to_delete ORDER BY created_at, file_id")
    return [str(row[0]) for row in rows]


@translate_errors
def file_deleted(store: Store, file_id: str) -> None:
    """The API no longer has `file_id`: nothing left to do about it."""
    store._con.execute("DELETE FROM files_to_delete WHERE file_id = ?", (file_id,))
