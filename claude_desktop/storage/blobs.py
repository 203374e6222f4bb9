"""Attachment bytes, stored once by content hash, and the references messages hold to them.

A message never keeps an attachment's bytes in its content. An image or document block
as stored has a *blob source* in place of the API's base64 one::

    {"type": "document",
     "source": {"type": "blob", "sha256": "<hex of the bytes>",
                "media_type": "application/pdf", "size": <bytes>},
     "title": "report.pdf"}

(the rest of the block, `title`, `cache_control`…, is as the API has it). The bytes are in
the `blobs` table under that hash, once however many messages refer to them. A request
gets the base64 back from `expand_content` (on a worker thread, with `read_blob` reading
on a connection of its own): ``{"type": "base64", "media_type": …, "data": …}``, exactly
the source the block had before it was stored. Text documents (``"type": "text"``) stay
inline: they are small, and their text is what search and exports read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from claude_desktop.api.message import ContentBlock

from .database import Database, dumps
from .errors import StorageError, open_error, query_error

#: The `type` of a stored block's source that refers to a blob.
BLOB = "blob"
#: Blocks whose source may be an attachment's bytes.
_ATTACHMENT_BLOCKS = ("image", "document")
#: Bytes encoded per GIL-holding call (a multiple of 3): about a millisecond each, so a
#: worker thread encoding a 23 MB PDF never stalls the UI thread for longer.
_BASE64_SLICE = 3 * 256 * 1024

#: Reads a blob's bytes by hash (None when it is not there).
ReadBlob = Callable[[str], bytes | None]


class MissingBlobError(LookupError):
    """A stored block refers to bytes the history no longer has."""

    def __init__(self, digest: str, block: Mapping[str, Any]) -> None:
        super().__init__(f"no blob {digest}")
        self.digest = digest
        self.block = block


class BlobRepository:
    """The blobs table: attachment bytes by the hex sha256 of their content."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, data: bytes, media_type: str, digest: str | None = None) -> str:
        """Store an attachment's bytes once; returns their sha256 (hex), its key.

        Pass `digest` when it is known: hashing and copying megabytes is what a second
        save of the same attachment (a draft saved as the person types) would cost.
        """
        digest = digest or hashlib.sha256(data).hexdigest()
        insert_blob(self.db.con, digest, data, media_type, self.db.now())
        return digest

    def has(self, digest: str) -> bool:
        row = self.db.con.execute("SELECT 1 FROM blobs WHERE hash = ?", (digest,)).fetchone()
        return row is not None

    def put_on_own_connection(self, data: bytes, media_type: str, digest: str) -> None:
        """`put` on a connection of its own, for a worker thread: writing a large
        attachment then never blocks the thread that owns this store."""
        con = self._own_connection()
        try:
            con.execute("PRAGMA synchronous = NORMAL")
            insert_blob(con, digest, data, media_type, time.time())
        except sqlite3.Error as exc:
            raise StorageError(f"The attachment could not be saved ({exc}).") from exc
        finally:
            con.close()

    def read_on_own_connection(self, digest: str) -> bytes | None:
        """The bytes stored under `digest` (None if none), read on a connection of its own:
        safe in a worker thread, so a request's attachments are read off the UI thread."""
        con = self._own_connection()
        try:
            row = con.execute("SELECT data FROM blobs WHERE hash = ?", (digest,)).fetchone()
        except sqlite3.Error as exc:
            raise query_error(self.db.path, exc) from exc
        finally:
            con.close()
        return None if row is None else bytes(row[0])

    def _own_connection(self) -> sqlite3.Connection:
        # Autocommit, like the store's own: each statement commits by itself.
        try:
            return sqlite3.connect(self.db.path, isolation_level=None, timeout=5.0)
        except sqlite3.Error as exc:
            raise open_error(self.db.path, exc) from exc

    def get(self, digest: str) -> tuple[bytes, str] | None:
        """The bytes and media type stored under `digest`, or None."""
        row = self.db.con.execute(
            "SELECT data, media_type FROM blobs WHERE hash = ?", (digest,)
        ).fetchone()
        return None if row is None else (bytes(row[0]), str(row[1]))


def blob_source(digest: str, media_type: str, size: int) -> dict[str, Any]:
    """The source of a stored image or document whose bytes are blob `digest`."""
    return {"type": BLOB, "sha256": digest, "media_type": media_type, "size": size}


def is_blob_source(source: object) -> bool:
    return (
        isinstance(source, dict)
        and source.get("type") == BLOB
        and isinstance(source.get("sha256"), str)
    )


def blob_of(block: object) -> dict[str, Any] | None:
    """The blob source of an image or document block, or None."""
    if not isinstance(block, dict) or block.get("type") not in _ATTACHMENT_BLOCKS:
        return None
    source = block.get("source")
    return source if is_blob_source(source) else None


def _nested(block: object) -> list[Any] | None:
    """The blocks inside a tool result (where a tool's images are), or None."""
    if isinstance(block, dict) and block.get("type") == "tool_result":
        content = block.get("content")
        if isinstance(content, list):
            return content
    return None


def refers_to_blob(block: object) -> bool:
    """Whether `block`, or a block inside it (a tool result's image), refers to a blob."""
    inner = _nested(block)
    if inner is not None:
        return any(blob_of(b) for b in inner)
    return blob_of(block) is not None


def has_inline_attachment(block: object) -> bool:
    """Whether `block`, or a block inside it, sends bytes `to_references` would store."""
    inner = _nested(block)
    blocks = inner if inner is not None else [block]
    return any(isinstance(b, dict) and inline_attachment(b) for b in blocks)


def encode_base64(data: bytes) -> str:
    """`data` as base64, in slices (b64encode holds the GIL for the whole call). A slice of
    a multiple of 3 bytes encodes to whole base64 quanta, so the pieces join exactly."""
    view = memoryview(data)
    return "".join(
        base64.b64encode(view[i : i + _BASE64_SLICE]).decode("ascii")
        for i in range(0, len(view), _BASE64_SLICE)
    )


def base64_length(n: int) -> int:
    """The length of the base64 text of `n` bytes."""
    return 4 * ((n + 2) // 3)


def expand_content(
    content: Sequence[ContentBlock], read_blob: ReadBlob, cache: dict[str, str] | None = None
) -> list[ContentBlock]:
    """`content` with every blob source back as the base64 source it stands for. Blocks
    without one are shared, not copied. `cache` (hash -> base64) saves reading and
    encoding the same bytes twice. Raises MissingBlobError for bytes that are gone."""
    cache = {} if cache is None else cache
    out: list[ContentBlock] = []
    for block in content:
        inner = _nested(block)
        if inner is not None and any(blob_of(b) for b in inner):
            expanded = expand_content(inner, read_blob, cache)
            out.append({k: (expanded if k == "content" else v) for k, v in block.items()})
            continue
        source = blob_of(block)
        if source is None:
            out.append(block)
            continue
        digest = source["sha256"]
        encoded = cache.get(digest)
        if encoded is None:
            data = read_blob(digest)
            if data is None:
                raise MissingBlobError(digest, block)
            encoded = cache[digest] = encode_base64(data)
        base64_source = {"type": "base64", "media_type": source.get("media_type"), "data": encoded}
        # Same keys in the same order: only the source changes.
        out.append({k: (base64_source if k == "source" else v) for k, v in block.items()})
    return out


def inline_attachment(block: Mapping[str, Any]) -> tuple[str, str, bytes] | None:
    """(media type, base64, bytes) of an image or document block sending its bytes inline
    as base64 that a blob source stands for exactly; None for any other block.

    Exactly: the base64 is canonical (what `encode_base64` gives back for its bytes) and
    the source has nothing else in it, so expanding the reference loses not a byte.
    """
    if block.get("type") not in _ATTACHMENT_BLOCKS:
        return None
    source = block.get("source")
    if not isinstance(source, dict) or set(source) != {"type", "media_type", "data"}:
        return None
    encoded, media_type = source["data"], source["media_type"]
    if source["type"] != "base64" or not isinstance(encoded, str):
        return None
    if not isinstance(media_type, str):
        return None
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None
    # validate=True refuses anything but the alphabet and padding; what it lets through
    # and no encoder writes is non-zero padding bits, which show in the last quantum.
    tail = len(data) % 3 or 3
    if base64.b64encode(data[-tail:]).decode("ascii") != encoded[-4:]:
        return None
    return media_type, encoded, data


def to_references(
    con: sqlite3.Connection, content: Sequence[ContentBlock], now: float | None = None
) -> tuple[list[ContentBlock], int]:
    """`content` with its inline base64 attachments stored as blobs (each once, by hash)
    and referred to; and how many blocks changed. Runs in the caller's transaction."""
    out: list[ContentBlock] = []
    changed = 0
    for block in content:
        inner = _nested(block)
        if inner is not None:
            converted, n = to_references(con, inner, now)
            out.append({k: (converted if k == "content" else v) for k, v in block.items()})
            changed += n
            continue
        found = inline_attachment(block) if isinstance(block, dict) else None
        if found is None:
            out.append(block)
            continue
        media_type, _encoded, data = found
        digest = hashlib.sha256(data).hexdigest()
        insert_blob(con, digest, data, media_type, time.time() if now is None else now)
        reference = blob_source(digest, media_type, len(data))
        out.append({k: (reference if k == "source" else v) for k, v in block.items()})
        changed += 1
    return out, changed


def insert_blob(
    con: sqlite3.Connection, digest: str, data: bytes, media_type: str, now: float
) -> None:
    # The first media type stays: the same bytes are the same file. Looked up first so
    # that bytes already there are not handed to SQLite again.
    if con.execute("SELECT 1 FROM blobs WHERE hash = ?", (digest,)).fetchone():
        return
    con.execute(
        "INSERT OR IGNORE INTO blobs (hash, media_type, size, data, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (digest, media_type, len(data), data, now),
    )


def referenced_blobs(
    con: sqlite3.Connection, where: str = "1", args: tuple[Any, ...] = ()
) -> set[str]:
    """The hashes the content of messages (those matching `where`, on alias m) refers to,
    at any depth (a tool result's images are blocks inside a block)."""
    rows = con.execute(
        "SELECT b.value FROM messages AS m, json_tree(m.content) AS b WHERE "
        + where
        + " AND m.content LIKE '%\"blob\"%' AND b.key = 'sha256' "
        "AND json_extract(m.content, b.path || '.type') = 'blob'",
        args,
    )
    return {str(row[0]) for row in rows if isinstance(row[0], str)}


def migrate_messages(con: sqlite3.Connection) -> int:
    """Schema step: every message's inline base64 attachments into blobs; how many
    messages changed. Content that cannot be turned exactly (odd base64) stays inline."""
    changed_messages = 0
    ids = [
        int(row[0])
        for row in con.execute("SELECT id FROM messages WHERE content LIKE '%\"base64\"%'")
    ]
    for message_id in ids:
        (text,) = con.execute("SELECT content FROM messages WHERE id = ?", (message_id,)).fetchone()
        content = json.loads(text)
        if not isinstance(content, list):
            continue
        converted, changed = to_references(con, content)
        if changed:
            con.execute(
                "UPDATE messages SET content = ? WHERE id = ?", (dumps(converted), message_id)
            )
            changed_messages += 1
    return changed_messages
