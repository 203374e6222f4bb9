"""Big documents travel once: uploaded to the Files API and then referred to by id.

Before a request goes out, `resolve_request_files` swaps each large PDF (and any PDF
uploaded before) for a `{"type": "file"}` source, uploading what is not there yet, and
turns the other attachments the history keeps by reference back into base64, in a worker
thread. History keeps the bytes, so nothing is lost when the API forgets a file: a 404
about it (`is_missing_file_error`) is answered by `forget_missing_files` and a resend,
which uploads it again. When a conversation is purged, its uploads are deleted from the
Files API too (`delete_purged_files`, best effort, retried at the next purge or start).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import logging
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from claude_desktop.api.client import MessagesClient
from claude_desktop.api.errors import APIStatusError, ClaudeError
from claude_desktop.api.files import FILES_BETA, delete_file, file_exists, upload_file
from claude_desktop.storage.blobs import is_blob_source, refers_to_blob
from claude_desktop.storage.errors import StorageError
from claude_desktop.storage.files import (
    file_deleted,
    files_to_delete,
    forget_uploaded_file,
    remember_uploaded_file,
    uploaded_file_id,
)
from claude_desktop.storage.store import Store

from .attachments import AttachmentError, expand_references

log = logging.getLogger(__name__)

#: Documents larger than this (decoded) are uploaded rather than sent inline each turn.
UPLOAD_THRESHOLD = 5_000_000
#: How long a file id checked with the API is trusted before it is checked again.
VERIFIED_FOR = 600.0

ContentBlock = dict[str, Any]
#: (document title, bytes sent, bytes in all)
UploadProgress = Callable[[str, int, int], None]


class FileCache:
    """File ids by content hash (kept in the store), and which ids were lately checked."""

    _by_store: ClassVar[weakref.WeakKeyDictionary[Store, FileCache]] = weakref.WeakKeyDictionary()

    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self._clock = clock
        self._checked: dict[str, float] = {}

    @classmethod
    def of(cls, store: Store) -> FileCache:
        """The one cache of `store`, so "checked lately" holds across requests."""
        cache = cls._by_store.get(store)
        if cache is None:
            cache = cls._by_store[store] = cls(store)
        return cache

    def file_id(self, sha256: str) -> str | None:
        return uploaded_file_id(self.store, sha256)

    def remember(self, sha256: str, file_id: str) -> None:
        remember_uploaded_file(self.store, sha256, file_id)
        self.mark_checked(file_id)

    def forget(self, *, sha256: str | None = None, file_id: str | None = None) -> None:
        forget_uploaded_file(self.store, sha256=sha256, file_id=file_id)
        if file_id is not None:
            self._checked.pop(file_id, None)

    def checked_lately(self, file_id: str) -> bool:
        when = self._checked.get(file_id)
        return when is not None and self._clock() - when < VERIFIED_FOR

    def mark_checked(self, file_id: str) -> None:
        self._checked[file_id] = self._clock()


async def resolve_file_blocks(
    client: MessagesClient,
    store: Store,
    content: Sequence[ContentBlock],
    *,
    progress: UploadProgress | None = None,
    threshold: int = UPLOAD_THRESHOLD,
) -> tuple[list[ContentBlock], bool]:
    """`content` with big (or already uploaded) base64 PDFs turned into file references,
    uploading as needed; and whether the request now needs the Files API beta header."""
    cache = FileCache.of(store)
    out: list[ContentBlock] = []
    needs_beta = False
    for block in content:
        source = block.get("source") if isinstance(block, dict) else None
        if not isinstance(source, dict) or block.get("type") != "document":
            out.append(block)
            continue
        if source.get("type") == "file":
            needs_beta = True
        elif is_blob_source(source) or (
            source.get("type") == "base64" and isinstance(source.get("data"), str)
        ):
            file_id = await _file_for(client, cache, block, source, progress, threshold)
            if file_id is not None:
                # Same keys in the same order: only the source changes.
                block = {
                    k: ({"type": "file", "file_id": file_id} if k == "source" else v)
                    for k, v in block.items()
                }
                needs_beta = True
        out.append(block)
    return out, needs_beta


async def resolve_request_files(
    client: MessagesClient,
    store: Store,
    messages: Sequence[Mapping[str, Any]],
    *,
    progress: UploadProgress | None = None,
    threshold: int = UPLOAD_THRESHOLD,
) -> tuple[list[dict[str, Any]], bool]:
    """`resolve_file_blocks` over every message of a request (earlier turns' PDFs too),
    then every attachment still referred to by hash read and encoded as base64 in a worker
    thread (`expand_references`): nothing on the calling thread reads or hashes
    attachment bytes. Raises AttachmentError when the history lost some."""
    out: list[dict[str, Any]] = []
    needs_beta = False
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            content, beta = await resolve_file_blocks(
                client, store, content, progress=progress, threshold=threshold
            )
            needs_beta = needs_beta or beta
        out.append({**message, "content": content})
    if any(refers_to_blob(b) for m in out if isinstance(m["content"], list) for b in m["content"]):
        out = await asyncio.to_thread(expand_references, out, store.read_blob_on_own_connection)
    return out, needs_beta


def with_files_beta(betas: Sequence[str], needed: bool) -> list[str]:
    """`betas` plus the Files API's when `needed`."""
    return [*betas, FILES_BETA] if needed and FILES_BETA not in betas else list(betas)


def is_missing_file_error(error: ClaudeError) -> bool:
    """Whether the Messages API refused a request because a referenced file is gone."""
    return (
        isinstance(error, APIStatusError)
        and (error.status_code == 404 or error.error_type == "not_found_error")
        and "file" in error.message.lower()
    )


async def forget_missing_files(
    client: MessagesClient, store: Store, messages: Sequence[Mapping[str, Any]]
) -> int:
    """After `is_missing_file_error`: forget the referenced ids the API no longer has, so
    the next `resolve_request_files` uploads them again. Returns how many were gone."""
    cache = FileCache.of(store)
    ids = {
        block["source"]["file_id"]
        for message in messages
        if isinstance(message.get("content"), list)
        for block in message["content"]
        if isinstance(block, dict)
        and isinstance(block.get("source"), dict)
        and block["source"].get("type") == "file"
        and isinstance(block["source"].get("file_id"), str)
    }
    gone = 0
    for file_id, exists in zip(
        ids, await asyncio.gather(*(file_exists(client, i) for i in ids)), strict=True
    ):
        if not exists:
            cache.forget(file_id=file_id)
            gone += 1
    return gone


async def _file_for(
    client: MessagesClient,
    cache: FileCache,
    block: Mapping[str, Any],
    source: Mapping[str, Any],
    progress: UploadProgress | None,
    threshold: int,
) -> str | None:
    """The file id to send instead of this document (base64, or kept by reference in
    the history), or None to send it inline."""
    data: bytes | None = None
    if is_blob_source(source):
        # Known by its hash: no bytes are read unless they are to be uploaded.
        digest, size = str(source["sha256"]), source.get("size")
        if not isinstance(size, int):
            size = threshold + 1  # unknown: read, and judge by the bytes
    else:
        try:
            data = base64.b64decode(source["data"], validate=True)
        except (binascii.Error, ValueError):
            return None  # Not ours to judge: the API will say what is wrong with it.
        digest, size = hashlib.sha256(data).hexdigest(), len(data)
    file_id = cache.file_id(digest)
    if file_id is not None and not cache.checked_lately(file_id):
        if await file_exists(client, file_id):
            cache.mark_checked(file_id)
        else:
            log.info("uploaded file %s is gone; uploading again", file_id)
            cache.forget(sha256=digest, file_id=file_id)
            file_id = None
    if file_id is not None or size <= threshold:
        return file_id
    title = str(block.get("title") or "document.pdf")
    if data is None:
        data = await asyncio.to_thread(cache.store.read_blob_on_own_connection, digest)
        if data is None:
            raise AttachmentError(
                f"{title} of this conversation is no longer in the history, so it can't be "
                "sent again. Ask in a new chat, attaching it again."
            )
        if len(data) <= threshold:
            return None
    media_type = str(source.get("media_type") or "application/pdf")

    def report(sent: int, total: int) -> None:
        if progress is not None:
            progress(title, sent, total)

    info = await upload_file(client, title, data, media_type, progress=report)
    cache.remember(digest, info.id)
    return info.id


async def delete_purged_files(client: MessagesClient, store: Store) -> int:
    """Ask the API to delete the files of purged conversations; how many went. Best effort:
    on the first failure (offline, overloaded) the rest wait for the next call."""
    try:
        pending = files_to_delete(store)
    except StorageError as exc:
        log.warning("Could not read the uploads to delete: %s", exc)
        return 0
    deleted = 0
    for file_id in pending:
        try:
            await delete_file(client, file_id)
            file_deleted(store, file_id)
        except ClaudeError as exc:
            log.info("Uploaded file %s not deleted yet: %s", file_id, exc)
            break
        except StorageError as exc:
            log.warning("Could not note the deletion of %s: %s", file_id, exc)
            break
        deleted += 1
    return deleted
