"""Conversations that last: the open conversation's visible branch, over the SQLite store.

A conversation is a tree of messages (edits and regenerations add siblings, nothing is
overwritten); what a person sees, and what a request carries, is one branch of it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_desktop.api.message import Message
from claude_desktop.storage.blobs import MissingBlobError, expand_content
from claude_desktop.storage.export import to_json, to_markdown

# The records and the errors of the history, as the layers above see them: the window never
# imports storage (import-linter checks that).
from claude_desktop.storage.store import ConversationRecord as ConversationRecord
from claude_desktop.storage.store import DiskFullError as DiskFullError
from claude_desktop.storage.store import MessageRecord as MessageRecord
from claude_desktop.storage.store import StorageError as StorageError
from claude_desktop.storage.store import Store

from .attachments import (
    Attachment,
    AttachmentError,
    keep_attachment_bytes,
    restore_attachment,
    store_attachment,
    stored_user_content,
)
from .blocks import text_of as text_of  # the window's way to a message's text
from .conversation_settings import ConversationSettings, Preset, presets, save_preset
from .paths import data_dir
from .saved_attachments import SavedAttachment, saved_attachments
from .settings import check_model_id

if TYPE_CHECKING:
    # Imported when first used (Ctrl+K), not before the window's first paint.
    from .search import SearchResults

DB_NAME = "history.sqlite3"
TITLE_LENGTH = 60
#: The meta key of an answer shown with changes not saved yet: why they are not.
UNSAVED = "unsaved"

log = logging.getLogger(__name__)


def default_db_path() -> Path:
    return data_dir(create=True) / DB_NAME


def auto_title(text: str) -> str:
    """A title from the first question: its first line, cut at a word near TITLE_LENGTH."""
    line = " ".join(text.strip().split())
    if len(line) <= TITLE_LENGTH:
        return line or "New chat"
    cut = line[:TITLE_LENGTH].rsplit(" ", 1)[0] or line[:TITLE_LENGTH]
    return cut.rstrip(" ,.;:") + "…"


def _attachment_title(content: Sequence[dict[str, Any]]) -> str:
    names = [str(b.get("title")) for b in content if b.get("title")]
    return auto_title(", ".join(names)) if names else "New chat"


@dataclass
class OpenConversation:
    """The conversation in the window: its record (None until the first question) and
    the branch on screen."""

    record: ConversationRecord | None
    branch: list[MessageRecord] = field(default_factory=list)
    #: The store's count of changes (Store.changes) when the branch was last read: only
    #: the messages changed since are read again as it grows.
    read_at: int = 0

    @property
    def id(self) -> int | None:
        return self.record.id if self.record else None

    @property
    def leaf_id(self) -> int | None:
        return self.branch[-1].id if self.branch else None


class History:
    """The store, seen as the window needs it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        #: Answers whose last changes could not be written (a full disk), by message id:
        #: the fields of update_message still to write, and why they were not. They are
        #: written at the next save of an answer or a question, or by save_unsaved (the
        #: window's Retry), and shown as they are meanwhile.
        self._unsaved: dict[int, tuple[dict[str, Any], str]] = {}

    @classmethod
    def open(cls, path: Path | None = None) -> History:
        if path is None:
            try:
                path = default_db_path()
            except OSError as exc:  # a read-only parent, a file where the folder should be
                raise StorageError(
                    f"The history folder {data_dir()} could not be made ({exc.strerror or exc})."
                ) from exc
        store = Store.open(path)
        store.recover_interrupted()
        history = cls(store)
        # Whatever the last session deleted is past its Undo by now (one app at a time).
        history.purge_deleted(grace=0.0)
        return history

    @classmethod
    def open_in_background(cls, path: Path | None = None) -> Future[History]:
        """Start opening the history on a thread of its own; `Session.history` waits for it.

        Opening is mostly SQLite's file work (the page check, the WAL, a migration), done
        with the GIL released, so the window is built meanwhile instead of after it. Only
        once this process is the app's one instance: opening recovers interrupted answers
        and purges the trash, which must never happen under another running instance.
        """
        future: Future[History] = Future()

        def open_it() -> None:
            try:
                future.set_result(cls.open(path))
            except BaseException as exc:  # raised again, as it is, where it is waited for
                future.set_exception(exc)

        threading.Thread(target=open_it, name="open-history", daemon=True).start()
        return future

    def purge_deleted(self, grace: float) -> int:
        """Delete for good what went to the trash more than `grace` seconds ago (the Undo
        window); how many conversations went."""
        return self.store.purge_deleted(older_than=time.time() - grace)

    def close(self) -> None:
        if self.save_unsaved() is not None:
            log.error("Closing with %d answers that could not be saved", len(self._unsaved))
        self.store.close()

    def conversations(self) -> list[ConversationRecord]:
        return self.store.list_conversations()

    def search(self, query: str, limit: int | None = None) -> SearchResults:
        """Titles, then messages, matching every word of `query`, as plain text (at most
        `limit`, search.SEARCH_LIMIT unless given)."""
        from .search import SEARCH_LIMIT, results_of

        limit = SEARCH_LIMIT if limit is None else limit
        return results_of(self.store.search(query, limit + 1), limit)

    def load(self, conversation_id: int) -> OpenConversation | None:
        record = self.store.conversation(conversation_id)
        if record is None:
            return None
        return OpenConversation(record, self._branch(conversation_id), self.store.changes)

    def _branch(self, conversation_id: int) -> list[MessageRecord]:
        return [self._as_kept(m) for m in self.store.branch(conversation_id)]

    def message(self, message_id: int) -> MessageRecord | None:
        """A message as the app has it: with any changes not saved yet."""
        record = self.store.message(message_id)
        return None if record is None else self._as_kept(record)

    def _as_kept(self, record: MessageRecord) -> MessageRecord:
        unsaved = self._unsaved.get(record.id)
        if unsaved is None:
            return record
        changes, why = unsaved
        kept = dataclasses.replace(record, **changes)
        # Marked for the window, which says why it is not saved yet; never written.
        return dataclasses.replace(kept, meta={**kept.meta, UNSAVED: why})

    def save_unsaved(self) -> StorageError | None:
        """Write the answers kept in memory; the error if some still cannot be."""
        for message_id, (changes, _why) in list(self._unsaved.items()):
            try:
                self.store.update_message(message_id, **changes)
            except StorageError as exc:
                return exc
            del self._unsaved[message_id]
        return None

    def _update_answer(self, message_id: int, changes: dict[str, Any]) -> None:
        """Write an answer's changes, after any earlier ones still unsaved; when the disk
        refuses, keep them in memory (shown as they are) and raise the StorageError."""
        pending = self._unsaved.pop(message_id, None)
        if pending is not None:
            changes = {**pending[0], **changes}
        self.save_unsaved()  # others' too: there may be room again
        try:
            self.store.update_message(message_id, **changes)
        except StorageError as exc:
            self._unsaved[message_id] = (changes, exc.human)
            raise

    def reload(self, conv: OpenConversation) -> OpenConversation:
        if conv.record is None:
            return conv
        return self.load(conv.record.id) or OpenConversation(None)

    def add_question(
        self,
        conv: OpenConversation,
        text: str,
        *,
        model: str,
        system: str,
        max_tokens: int,
        temperature: float | None = None,
        thinking: dict[str, Any] | None = None,
        options: dict[str, Any] | None = None,
        parent_id: int | None = None,
        replace_leaf: bool = False,
        content: list[dict[str, Any]] | None = None,
        attachment_names: Sequence[str] = (),
        attachments: Sequence[Attachment] = (),
    ) -> MessageRecord:
        """Store a question before it is sent, so a crash can never lose it.

        `content` (attachments and text as API blocks) defaults to `attachments` and the
        text. Attachments are kept by reference: their bytes once in the blobs (where
        `keep_attachment_bytes` put them ahead, so the UI thread copies nothing), and
        base64 in `content` is stored so too. The
        settings (model, system ... thinking, and `options`: its `settings` JSON, where the
        web switches are) are those of a new conversation; an existing one keeps its own.
        `parent_id` (with `replace_leaf`) makes it a sibling of an earlier question: an edit.
        """
        kept_before = bool(self._unsaved)
        self.save_unsaved()  # answers kept in memory go first, if there is room now
        model = check_model_id(model)
        if attachments and not attachment_names:
            attachment_names = [a.name for a in attachments]
        if content is None:
            content = stored_user_content(self.store, text, attachments)
        if conv.record is None:
            title = auto_title(text) if text.strip() else _attachment_title(content)
            conv.record = self.store.create_conversation(
                model=model,
                system=system,
                max_tokens=max_tokens,
                title=title,
                temperature=temperature,
                thinking=thinking,
                settings=options,
                title_is_auto=True,
            )
        parent = parent_id if replace_leaf else conv.leaf_id
        # Image blocks carry no file name: keep the names for showing the message.
        meta = {"attachments": list(attachment_names)} if attachment_names else None
        record = self.store.add_message(
            conv.record.id, parent_id=parent, role="user", content=content, meta=meta
        )
        conv.branch = self._branch_with(conv, record, kept_before)
        return record

    def begin_answer(self, conv: OpenConversation, parent_id: int, model: str) -> MessageRecord:
        assert conv.record is not None
        kept_before = bool(self._unsaved)
        self.save_unsaved()
        record = self.store.add_message(
            conv.record.id,
            parent_id=parent_id,
            role="assistant",
            content=[],
            status="streaming",
            model=check_model_id(model),
        )
        conv.branch = self._branch_with(conv, record, kept_before)
        return record

    def _read_branch(self, conv: OpenConversation) -> None:
        """Read `conv`'s whole branch again from the store."""
        assert conv.record is not None
        conv.read_at = self.store.changes
        conv.branch = self._branch(conv.record.id)

    def _branch_with(
        self, conv: OpenConversation, added: MessageRecord, kept_before: bool
    ) -> list[MessageRecord]:
        """The branch once `added` (just stored, now the leaf) joined it: the branch in
        memory up to its parent, then it, not the whole branch read again (every message
        decoded: ~3 ms at 200 messages, twice per Send). Messages changed since it was
        read are read again, alone; all of it when answers kept unsaved were around (saved
        now, or still marked) or the parent is not on the branch in memory."""
        assert conv.record is not None
        branch = conv.branch
        ids = [m.id for m in branch]
        unsaved = kept_before or self._unsaved or any(UNSAVED in m.meta for m in branch)
        if unsaved or (added.parent_id is not None and added.parent_id not in ids):
            self._read_branch(conv)
            return conv.branch
        upto = ids.index(added.parent_id) + 1 if added.parent_id is not None else 0
        current = self._as_stored(branch[:upto], conv.read_at)
        if current is None:
            self._read_branch(conv)
            return conv.branch
        conv.read_at = self.store.changes
        return [*current, added]

    def _as_stored(self, branch: list[MessageRecord], read_at: int) -> list[MessageRecord] | None:
        """`branch` (read when the store's changes were `read_at`) with the messages changed
        since read again; None if one is gone."""
        current: list[MessageRecord] = []
        for kept in branch:
            if self.store.changed_after(read_at, kept.id):
                again = self.message(kept.id)
                if again is None:
                    return None
                kept = again
            current.append(kept)
        return current

    def reload_answer(self, conv: OpenConversation, message_id: int) -> OpenConversation:
        """`conv` after its answer `message_id` ended: the conversation's record read again,
        and the messages changed since the branch was read (the answer), not all of it;
        the whole branch when the answer is not its leaf or answers kept unsaved are
        around."""
        if conv.record is None or conv.leaf_id != message_id:
            return self.reload(conv)
        if self._unsaved or any(UNSAVED in m.meta for m in conv.branch):
            return self.reload(conv)
        record = self.store.conversation(conv.record.id)
        read_at = self.store.changes
        branch = self._as_stored(conv.branch, conv.read_at)
        if record is None or branch is None or record.current_leaf_id != message_id:
            return self.reload(conv)
        return OpenConversation(record, branch, read_at)

    def flush_answer(self, message_id: int, message: Message) -> None:
        """Save the answer so far. StorageError (DiskFullError) when the disk refuses: it is
        kept in memory then, and saved with the next save that finds room."""
        # A copy: the stream's accumulator keeps growing its lists.
        self._update_answer(message_id, {"content": json.loads(json.dumps(message.content))})

    def finish_answer(
        self, message_id: int, message: Message | None, *, status: str, meta: dict[str, Any]
    ) -> None:
        """Save the answer as it ended; kept in memory, as flush_answer, when it can't be."""
        changes: dict[str, Any] = {"status": status, "meta": meta}
        if message is not None:
            changes["content"] = json.loads(json.dumps(message.content))
            if message.id:
                changes["usage"] = message.usage.to_dict()
        self._update_answer(message_id, changes)

    def _expanded(self, branch: Sequence[MessageRecord]) -> list[list[dict[str, Any]]]:
        """Each message's content with its attachments' bytes as base64 again (a block
        whose bytes are gone stays a reference)."""

        def read(digest: str) -> bytes | None:
            found = self.store.blob(digest)
            return None if found is None else found[0]

        out = []
        for m in branch:
            try:
                out.append(expand_content(m.content, read))
            except MissingBlobError:
                out.append(m.content)
        return out

    def siblings(self, message: MessageRecord) -> list[MessageRecord]:
        return self.store.children(message.conversation_id, message.parent_id)

    def switch_to(self, conv: OpenConversation, message_id: int) -> None:
        """Show the branch through `message_id`, down to its newest leaf."""
        assert conv.record is not None
        leaf = self.store.latest_leaf(message_id)
        self.store.set_current_leaf(conv.record.id, leaf)
        self._read_branch(conv)

    def continue_from(self, conv: OpenConversation, message_id: int) -> None:
        """Show the branch that ends at `message_id` (Regenerate answers it again)."""
        assert conv.record is not None
        self.store.set_current_leaf(conv.record.id, message_id)
        self._read_branch(conv)

    # -- conversations, as the window changes them -----------------------------------------

    def conversation(self, conversation_id: int) -> ConversationRecord | None:
        return self.store.conversation(conversation_id)

    def rename(self, conversation_id: int, title: str) -> None:
        self.store.rename(conversation_id, title)

    def delete(self, conversation_id: int) -> None:
        """To the trash: Undo (`restore`) brings it back until `purge_deleted` runs."""
        self.store.delete_conversation(conversation_id)

    def restore(self, conversation_id: int) -> None:
        self.store.restore_conversation(conversation_id)

    # -- drafts and attachments ------------------------------------------------------------

    def save_draft(
        self, conversation_id: int | None, text: str, attachments: Sequence[Attachment] = ()
    ) -> None:
        """Keep what the composer holds unsent (None: a new chat's); nothing clears it."""
        if text.strip() or attachments:
            refs = [store_attachment(self.store, att) for att in attachments]
            self.store.save_draft(conversation_id, text, refs)
        else:
            self.store.clear_draft(conversation_id)

    def clear_draft(self, conversation_id: int | None) -> None:
        self.store.clear_draft(conversation_id)

    def draft(self, conversation_id: int | None) -> tuple[str, list[Attachment], list[str]]:
        """The draft's text, the attachments that can be restored, and a sentence for each
        that cannot."""
        draft = self.store.draft(conversation_id)
        if draft is None:
            return "", [], []
        restored: list[Attachment] = []
        problems: list[str] = []
        for ref in draft.attachments:
            try:
                restored.append(restore_attachment(self.store, ref))
            except AttachmentError as exc:
                problems.append(exc.human)
        return draft.text, restored, problems

    async def keep_attachment_bytes(self, attachment: Attachment) -> None:
        """Write an attachment's bytes ahead of the draft that will refer to them (off the
        event loop; a failure is logged and the draft writes them itself)."""
        await keep_attachment_bytes(self.store, attachment)

    def saved_attachments(self, question: MessageRecord) -> tuple[list[SavedAttachment], list[str]]:
        """A stored question's attachments, and a sentence for each whose bytes are gone."""
        names = question.meta.get("attachments") or []
        return saved_attachments(self.store, question.content, names)

    # -- presets of conversation settings --------------------------------------------------

    def presets(self) -> list[Preset]:
        return presets(self.store)

    def save_preset(self, name: str, settings: ConversationSettings) -> Preset:
        return save_preset(self.store, name, settings)

    def rename_preset(self, preset_id: int, name: str) -> None:
        self.store.rename_preset(preset_id, name)

    def delete_preset(self, preset_id: int) -> None:
        self.store.delete_preset(preset_id)

    def export(self, conv: OpenConversation, path: Path) -> None:
        """Write the visible branch to `path`: JSON for a .json name, else Markdown."""
        if conv.record is None:
            raise ValueError("nothing to export yet")
        if path.suffix.lower() == ".json":
            # As the API takes it (a valid request body), attachments and all.
            branch = [
                dataclasses.replace(m, content=c)
                for m, c in zip(conv.branch, self._expanded(conv.branch), strict=True)
            ]
            text = json.dumps(to_json(conv.record, branch), ensure_ascii=False, indent=2)
        else:
            text = to_markdown(conv.record, conv.branch)
        # Written beside the target, then moved over it: a failed export never leaves half
        # a file where a good one was.
        partial = path.with_name(path.name + ".partial")
        partial.write_text(text + "\n", encoding="utf-8")
        os.replace(partial, path)
