"""The session's current conversation changes only through its methods (the window asks),
and the history does what the window needs without its store being reached."""

from __future__ import annotations

from pathlib import Path

from claude_desktop.api.message import Message
from claude_desktop.domain.attachments import prepare_bytes
from claude_desktop.domain.history import History
from claude_desktop.domain.secrets import KeyStore
from claude_desktop.domain.session import Session
from claude_desktop.domain.settings import Settings


def _session(tmp_path: Path) -> tuple[Session, History]:
    history = History.open(tmp_path / "history.sqlite3")
    return Session(Settings.load(tmp_path / "settings.json"), KeyStore(), history), history


def _answer(history: History, session: Session, question_id: int, text: str) -> int:
    record = history.begin_answer(session.current, question_id, "claude-haiku-4-5")
    message = Message(content=[{"type": "text", "text": text}])
    history.finish_answer(record.id, message, status="complete", meta={})
    return record.id


def test_continue_from_makes_the_branch_end_at_the_question_and_reload_sees_the_answer(
    tmp_path: Path,
) -> None:
    session, history = _session(tmp_path)
    question = history.add_question(
        session.current, "Hi", model="claude-haiku-4-5", system="", max_tokens=100
    )
    first = _answer(history, session, question.id, "One")
    session.reload_current()
    assert [m.id for m in session.current.branch] == [question.id, first]

    session.continue_from(question.id)  # Regenerate: the branch ends at the question
    assert [m.id for m in session.current.branch] == [question.id]
    second = _answer(history, session, question.id, "Two")
    session.reload_current(question.conversation_id)
    assert [m.id for m in session.current.branch] == [question.id, second]

    session.switch_to(first)  # the other version
    assert [m.id for m in session.current.branch] == [question.id, first]
    history.close()


def test_reload_current_leaves_another_conversation_alone(tmp_path: Path) -> None:
    session, history = _session(tmp_path)
    question = history.add_question(
        session.current, "Hi", model="claude-haiku-4-5", system="", max_tokens=100
    )
    current = session.current
    session.reload_current(question.conversation_id + 1)
    assert session.current is current
    session.rename(question.conversation_id, "Renamed")
    assert session.current.record is not None and session.current.record.title == "Renamed"
    history.close()


def test_drafts_keep_text_and_attachments_and_an_empty_one_clears(tmp_path: Path) -> None:
    _, history = _session(tmp_path)
    note = prepare_bytes("note.txt", b"hello")
    history.save_draft(None, "Draft text", [note])
    text, attachments, problems = history.draft(None)
    assert text == "Draft text" and problems == []
    assert [(a.name, a.data) for a in attachments] == [("note.txt", b"hello")]
    history.save_draft(None, "  ", [])
    assert history.draft(None) == ("", [], [])
    history.close()


def test_a_deleted_conversation_is_restored_by_undo(tmp_path: Path) -> None:
    session, history = _session(tmp_path)
    question = history.add_question(
        session.current, "Hi", model="claude-haiku-4-5", system="", max_tokens=100
    )
    history.delete(question.conversation_id)
    assert history.conversations() == []
    history.restore(question.conversation_id)
    assert [c.id for c in history.conversations()] == [question.conversation_id]
    assert history.conversation(question.conversation_id) is not None
    history.close()
