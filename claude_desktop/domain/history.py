"""Conversations that last: the open conversation's visible branch, over the SQLite store.

A conversation is a tree of messages (edits and regenerations add siblings, nothing is
overwritten); what a person sees, and what a request carries, is one branch of it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claude_desktop.api.message import Message
from claude_desktop.api.models import ModelInfo
from claude_desktop.storage.export import to_json, to_markdown
from claude_desktop.storage.store import ConversationRecord, MessageRecord, Store

from .conversation import Conversation
from .conversation_settings import ConversationSettings, fit
from .paths import data_dir

DB_NAME = "history.sqlite3"
TITLE_LENGTH = 60


def default_db_path() -> Path:
    return data_dir(create=True) / DB_NAME


def auto_title(text: str) -> str:
    """A title from the first question: its first line, cut at a word near TITLE_LENGTH."""
    line = " ".join(text.strip().split())
    if len(line) <= TITLE_LENGTH:
        return line or "New chat"
    cut = line[:TITLE_LENGTH].rsplit(" ", 1)[0] or line[:TITLE_LENGTH]
    return cut.rstrip(" ,.;:") + "…"


def text_of(content: Sequence[dict[str, Any]]) -> str:
    return "".join(b.get("text", "") for b in content if b.get("type") == "text")


def _sendable(record: MessageRecord) -> list[dict[str, Any]]:
    """The blocks of a message the API will take back.

    An answer cut short (stopped, failed, interrupted) may end in a thinking block whose
    signature never came or a tool call with half its input; the API refuses those, so
    only its text and its completed thinking go back.
    """
    blocks = [b for b in record.content if not (b.get("type") == "text" and not b.get("text"))]
    if record.role == "assistant" and record.status != "complete":
        blocks = [
            b
            for b in blocks
            if b.get("type") in ("text", "redacted_thinking")
            or (b.get("type") == "thinking" and b.get("signature"))
        ]
    return blocks


def request_messages(branch: Sequence[MessageRecord]) -> list[dict[str, Any]]:
    """The branch as the API's `messages`: empty answers (failed turns) left out, and the
    questions they leave side by side joined, since roles must alternate."""
    out: list[dict[str, Any]] = []
    for record in branch:
        content = _sendable(record)
        if not content:
            continue
        if out and out[-1]["role"] == record.role:
            out[-1]["content"] = [*out[-1]["content"], *content]
        else:
            out.append({"role": record.role, "content": list(content)})
    return out


def _attachment_title(content: Sequence[dict[str, Any]]) -> str:
    names = [str(b.get("title")) for b in content if b.get("title")]
    return auto_title(", ".join(names)) if names else "New chat"


RECENCY_GROUPS = ("Today", "Yesterday", "Last 7 days", "Older")


def recency_group(timestamp: float, now: dt.datetime) -> str:
    day = dt.datetime.fromtimestamp(timestamp, now.tzinfo).date()
    days = (now.date() - day).days
    if days <= 0:
        return "Today"
    if days == 1:
        return "Yesterday"
    if days < 7:
        return "Last 7 days"
    return "Older"


def group_by_recency(
    records: Sequence[ConversationRecord], now: dt.datetime | None = None
) -> list[tuple[str, list[ConversationRecord]]]:
    """Conversations under Today / Yesterday / Last 7 days / Older, newest first."""
    now = now or dt.datetime.now().astimezone()
    groups: dict[str, list[ConversationRecord]] = {}
    for record in sorted(records, key=lambda r: r.updated_at, reverse=True):
        groups.setdefault(recency_group(record.updated_at, now), []).append(record)
    return [(name, groups[name]) for name in RECENCY_GROUPS if name in groups]


@dataclass
class OpenConversation:
    """The conversation in the window: its record (None until the first question) and
    the branch on screen."""

    record: ConversationRecord | None
    branch: list[MessageRecord] = field(default_factory=list)

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

    @classmethod
    def open(cls, path: Path | None = None) -> History:
        store = Store.open(path or default_db_path())
        store.recover_interrupted()
        history = cls(store)
        # Whatever the last session deleted is past its Undo by now (one app at a time).
        history.purge_deleted(grace=0.0)
        return history

    def purge_deleted(self, grace: float) -> int:
        """Delete for good what went to the trash more than `grace` seconds ago (the Undo
        window); how many conversations went."""
        return self.store.purge_deleted(older_than=time.time() - grace)

    def close(self) -> None:
        self.store.close()

    def conversations(self) -> list[ConversationRecord]:
        return self.store.list_conversations()

    def load(self, conversation_id: int) -> OpenConversation | None:
        record = self.store.conversation(conversation_id)
        if record is None:
            return None
        return OpenConversation(record, self.store.branch(conversation_id))

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
        parent_id: int | None = None,
        replace_leaf: bool = False,
        content: list[dict[str, Any]] | None = None,
        attachment_names: Sequence[str] = (),
    ) -> MessageRecord:
        """Store a question before it is sent, so a crash can never lose it.

        `content` (attachments and text as API blocks) defaults to the text alone. The
        settings (model, system ... thinking) are those of a new conversation; an existing
        one keeps its own.
        `parent_id` (with `replace_leaf`) makes it a sibling of an earlier question: an edit.
        """
        if content is None:
            content = [{"type": "text", "text": text}]
        if conv.record is None:
            title = auto_title(text) if text.strip() else _attachment_title(content)
            conv.record = self.store.create_conversation(
                model=model,
                system=system,
                max_tokens=max_tokens,
                title=title,
                temperature=temperature,
                thinking=thinking,
            )
            self.store.rename(conv.record.id, title, auto=True)
        parent = parent_id if replace_leaf else conv.leaf_id
        # Image blocks carry no file name: keep the names for showing the message.
        meta = {"attachments": list(attachment_names)} if attachment_names else None
        record = self.store.add_message(
            conv.record.id, parent_id=parent, role="user", content=content, meta=meta
        )
        conv.branch = self.store.branch(conv.record.id)
        return record

    def begin_answer(self, conv: OpenConversation, parent_id: int, model: str) -> MessageRecord:
        assert conv.record is not None
        record = self.store.add_message(
            conv.record.id,
            parent_id=parent_id,
            role="assistant",
            content=[],
            status="streaming",
            model=model,
        )
        conv.branch = self.store.branch(conv.record.id)
        return record

    def flush_answer(self, message_id: int, message: Message) -> None:
        self.store.update_message(message_id, content=message.content)

    def finish_answer(
        self, message_id: int, message: Message | None, *, status: str, meta: dict[str, Any]
    ) -> None:
        self.store.update_message(
            message_id,
            content=message.content if message is not None else None,
            status=status,
            usage=message.usage.to_dict() if message is not None and message.id else None,
            meta=meta,
        )

    def conversation_for_request(
        self, conv: OpenConversation, upto: int | None = None, model: ModelInfo | None = None
    ) -> Conversation:
        """The API request for the branch, up to and including message `upto`, with the
        conversation's settings fitted to what `model` (its model's info) accepts."""
        assert conv.record is not None
        branch = conv.branch
        if upto is not None:
            ids = [m.id for m in branch]
            branch = branch[: ids.index(upto) + 1]
        record = conv.record
        settings = fit(ConversationSettings.of(record), model)
        return Conversation(
            record.model,
            max_tokens=settings.max_tokens,
            system=settings.system,
            messages=request_messages(branch),
            temperature=settings.sent_temperature,
            thinking=settings.thinking_fragment,
        )

    def siblings(self, message: MessageRecord) -> list[MessageRecord]:
        return self.store.children(message.conversation_id, message.parent_id)

    def switch_to(self, conv: OpenConversation, message_id: int) -> None:
        """Show the branch through `message_id`, down to its newest leaf."""
        assert conv.record is not None
        leaf = self.store.latest_leaf(message_id)
        self.store.set_current_leaf(conv.record.id, leaf)
        conv.branch = self.store.branch(conv.record.id)

    def export(self, conv: OpenConversation, path: Path) -> None:
        """Write the visible branch to `path`: JSON for a .json name, else Markdown."""
        if conv.record is None:
            raise ValueError("nothing to export yet")
        if path.suffix.lower() == ".json":
            text = json.dumps(to_json(conv.record, conv.branch), ensure_ascii=False, indent=2)
        else:
            text = to_markdown(conv.record, conv.branch)
        # Written beside the target, then moved over it: a failed export never leaves half
        # a file where a good one was.
        partial = path.with_name(path.name + ".partial")
        partial.write_text(text + "\n", encoding="utf-8")
        os.replace(partial, path)
