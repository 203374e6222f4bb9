"""The Qt-free parts of history: titles, requests from a branch, recency groups."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from claude_desktop.domain.history import History, OpenConversation, auto_title
from claude_desktop.domain.recency import group_by_recency
from claude_desktop.domain.request_messages import request_messages
from claude_desktop.storage.store import ConversationRecord
from tests.records import message_record as msg


def text(t: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": t}]


def test_auto_title_takes_the_first_words() -> None:
    assert auto_title("  What is\nthe capital of Norway?  ") == "What is the capital of Norway?"
    long = "Please explain in detail how the TCP three-way handshake works and why it exists"
    title = auto_title(long)
    assert title.endswith("…") and len(title) <= 61 and long.startswith(title[:-1])
    assert auto_title("   ") == "New chat"


def test_request_messages_skip_failed_answers_and_join_questions() -> None:
    thinking = {"type": "thinking", "thinking": "hm", "signature": "sig"}
    branch = [
        msg("user", text("first")),
        msg("assistant", []),  # failed before any content
        msg("user", text("second")),
        msg("assistant", [thinking, *text("answer")]),
        msg("user", text("third")),
    ]
    assert request_messages(branch) == [
        {"role": "user", "content": [*text("first"), *text("second")]},
        {"role": "assistant", "content": [thinking, *text("answer")]},
        {"role": "user", "content": text("third")},
    ]


def test_recency_groups() -> None:
    now = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)

    def conv(cid: int, when: dt.datetime) -> ConversationRecord:
        return ConversationRecord(
            id=cid,
            title=str(cid),
            title_is_auto=True,
            model="m",
            system="",
            max_tokens=1,
            settings={},
            created_at=when.timestamp(),
            updated_at=when.timestamp(),
            current_leaf_id=None,
        )

    records = [
        conv(1, now - dt.timedelta(hours=1)),
        conv(2, now - dt.timedelta(days=1)),
        conv(3, now - dt.timedelta(days=3)),
        conv(4, now - dt.timedelta(days=30)),
        conv(5, now - dt.timedelta(minutes=5)),
    ]
    groups = group_by_recency(records, now)
    assert [(name, [r.id for r in rs]) for name, rs in groups] == [
        ("Today", [5, 1]),
        ("Yesterday", [2]),
        ("Previous 7 days", [3]),
        ("Older", [4]),
    ]


def test_a_cut_short_answer_sends_back_only_complete_blocks() -> None:
    unsigned = {"type": "thinking", "thinking": "half a thought", "signature": ""}
    signed = {"type": "thinking", "thinking": "whole", "signature": "sig"}
    tool = {"type": "tool_use", "id": "t", "name": "f", "input": {"a": 1}}
    branch = [
        msg("user", text("q")),
        msg("assistant", [signed, *text("partial"), tool, unsigned], status="interrupted"),
        msg("user", text("go on")),
    ]
    assert request_messages(branch)[1] == {
        "role": "assistant",
        "content": [signed, *text("partial")],
    }


def test_a_new_conversation_s_first_question_writes_its_title_once(tmp_path: Path) -> None:
    """The title is written with the conversation, as auto (the app may rename it later):
    not written, then written again by a rename (two index updates for one title)."""
    history = History.open(tmp_path / "history.sqlite3")
    statements: list[str] = []
    try:
        history.store._con.set_trace_callback(statements.append)
        conv = OpenConversation(None)
        history.add_question(
            conv, "Why is the sky blue?", model="claude-sonnet-4-6", system="", max_tokens=100
        )
        history.store._con.set_trace_callback(None)
        assert conv.record is not None
        record = history.store.conversation(conv.record.id)
        assert record is not None and record.title == auto_title("Why is the sky blue?")
        assert record.title_is_auto
        assert not [
            s for s in statements if s.lstrip().startswith("UPDATE conversations SET title")
        ]
    finally:
        history.close()


def _branch_reads(statements: list[str]) -> int:
    """How many times the statements read a whole branch (store.branch's recursive query)."""
    return sum("WITH RECURSIVE path" in s for s in statements)


def _long_conversation(history: History, turns: int) -> OpenConversation:
    from claude_desktop.api.message import Message

    conv = OpenConversation(None)
    for i in range(turns):
        question = history.add_question(
            conv, f"Question {i}", model="claude-sonnet-4-6", system="", max_tokens=100
        )
        answer = history.begin_answer(conv, question.id, "claude-sonnet-4-6")
        reply = Message(id=f"msg_{i}", content=[{"type": "text", "text": f"Answer {i}"}])
        history.finish_answer(answer.id, reply, status="complete", meta={})
    return conv


def test_a_turn_reads_no_branch_again_and_keeps_the_branch_as_stored(tmp_path: Path) -> None:
    """Asking in a long conversation costs the same as in a new one: the question and the
    answer's record join the branch in memory (re-reading the whole branch from SQLite and
    decoding every message was ~3 ms each at 200 messages), and the answer that ended is
    read again alone. The branch in memory is the stored one each time."""
    from claude_desktop.api.message import Message

    history = History.open(tmp_path / "history.sqlite3")
    statements: list[str] = []
    try:
        conv = _long_conversation(history, 20)
        assert conv.record is not None
        history.store._con.set_trace_callback(statements.append)
        question = history.add_question(
            conv, "One more?", model="claude-sonnet-4-6", system="", max_tokens=100
        )
        assert _branch_reads(statements) == 0
        assert conv.branch == history.store.branch(conv.record.id)
        statements.clear()
        record = history.begin_answer(conv, question.id, "claude-sonnet-4-6")
        assert _branch_reads(statements) == 0
        assert conv.branch == history.store.branch(conv.record.id)
        reply = Message(id="msg_last", content=[{"type": "text", "text": "Yes."}])
        history.finish_answer(record.id, reply, status="complete", meta={"k": 1})
        statements.clear()
        ended = history.reload_answer(conv, record.id)
        assert _branch_reads(statements) == 0
        history.store._con.set_trace_callback(None)
        assert ended.branch == history.store.branch(conv.record.id)
        assert ended.record == history.store.conversation(conv.record.id)
        assert ended.branch[-1].content == [{"type": "text", "text": "Yes."}]
    finally:
        history.close()


def test_an_edit_or_a_regeneration_joins_the_branch_where_it_forks(tmp_path: Path) -> None:
    history = History.open(tmp_path / "history.sqlite3")
    try:
        conv = _long_conversation(history, 3)
        assert conv.record is not None
        first_answer = conv.branch[1]
        # An edit of the second question: a sibling of it, under the first answer.
        history.add_question(
            conv,
            "Edited",
            model="claude-sonnet-4-6",
            system="",
            max_tokens=100,
            parent_id=first_answer.id,
            replace_leaf=True,
        )
        assert conv.branch == history.store.branch(conv.record.id)
        assert len(conv.branch) == 3
        # A second answer to the first question (Regenerate continues from it first).
        history.continue_from(conv, conv.branch[0].id)
        conv = history.reload(conv)
        history.begin_answer(conv, conv.branch[0].id, "claude-sonnet-4-6")
        assert conv.branch == history.store.branch(conv.record.id)
        assert len(conv.branch) == 2
    finally:
        history.close()
