"""A turn always ends cleanly in the window: failures of every kind, a full disk while an
answer streams, and switching conversations while one does."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from claude_desktop.domain.history import DISK_FULL
from tests import sse
from tests.fakeapi import SSEResponse
from tests.full_disk import fill_disk, free_disk
from tests.ui.harness import App


def ask(app: App, qtbot: QtBot, question: str, answer: str) -> None:
    """Ask, and see the answer come, complete."""
    app.api.enqueue(SSEResponse(sse.text_stream([answer])))
    app.type_and_send(qtbot, question)
    app.wait(lambda: not app.window.streaming and app.last_answer().markdown_text() == answer)
    assert app.window.session.open.branch[-1].status == "complete"


def test_an_unexpected_failure_ends_the_turn_and_every_chat_can_ask_again(
    app: App, qtbot: QtBot
) -> None:
    window = app.window
    app.api.enqueue(SSEResponse(sse.wrong_usage_stream(["Partial ", "answer"])))
    app.type_and_send(qtbot, "Question")
    app.wait(lambda: app.last_answer().error_text())
    failed = app.last_answer()
    assert failed.error_text() is not None
    assert failed.error_text().startswith("Something went wrong while answering: int()")
    assert failed.markdown_text() == "Partial answer"
    assert not window.streaming and window.composer.button.text() == "Send"
    stored = window.history.store.message(window.session.open.branch[-1].id)
    assert stored is not None and stored.role == "assistant"
    assert (stored.status, stored.content) == (
        "error",
        [{"type": "text", "text": "Partial answer"}],
    )
    # The same chat asks again, then another one.
    ask(app, qtbot, "Again", "Fine now")
    window.new_chat()
    ask(app, qtbot, "Elsewhere", "Fine there too")


def test_a_full_disk_while_answering_keeps_the_stream_and_saves_on_retry(
    app: App, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("claude_desktop.domain.chat.FLUSH_INTERVAL", 0.05)
    window = app.window
    deltas = [f"chunk{i} " + "x" * 200 + "\n\n" for i in range(60)]
    app.api.enqueue(SSEResponse(sse.events(sse.text_stream(deltas)), delay=0.02))
    app.type_and_send(qtbot, "Write a lot")
    app.wait(lambda: "chunk1 " in app.last_answer().markdown_text())
    fill_disk(window.history)
    widget = app.last_answer()
    app.wait(lambda: (widget.status_text() or "").startswith("The disk is full"))
    assert window.streaming  # the stream goes on
    app.wait(lambda: not window.streaming, limit=10)
    assert widget.markdown_text() == "".join(deltas)
    assert widget.error_text() == DISK_FULL
    assert window.composer.button.text() == "Send"
    answer_id = window.session.open.branch[-1].id
    stored = window.history.store.message(answer_id)
    assert stored is not None and stored.status == "streaming"  # not on disk yet
    assert window.session.open.branch[-1].status == "complete"  # but kept in memory

    widget.retry()  # still full: says so again
    assert widget.error_text() == DISK_FULL
    free_disk(window.history)
    widget.retry()
    stored = window.history.store.message(answer_id)
    assert stored is not None and stored.status == "complete"
    assert stored.content == [{"type": "text", "text": "".join(deltas)}]
    shown = app.last_answer()
    assert shown.markdown_text() == "".join(deltas) and shown.error_text() is None


def test_an_answer_finished_on_a_full_disk_is_saved_with_the_next_question(
    app: App, qtbot: QtBot
) -> None:
    window = app.window
    app.api.enqueue(SSEResponse(sse.events(sse.text_stream(["Big " * 5000])), delay=0.05))
    app.type_and_send(qtbot, "First")
    app.wait(lambda: window.session.open.branch[-1].role == "assistant")
    fill_disk(window.history)
    app.wait(lambda: app.last_answer().error_text() == DISK_FULL)
    answer_id = window.session.open.branch[-1].id
    # Reopened meanwhile, it is shown as it ended, and still says it is not saved.
    conversation = window.session.open.id
    assert conversation is not None
    window.new_chat()
    window.open_conversation(conversation)
    assert app.last_answer().markdown_text() == "Big " * 5000
    assert app.last_answer().error_text() == DISK_FULL
    free_disk(window.history)
    ask(app, qtbot, "Second", "ok")
    stored = window.history.store.message(answer_id)
    assert stored is not None and stored.status == "complete"


def test_a_question_on_a_full_disk_stays_in_the_composer(app: App, qtbot: QtBot) -> None:
    window = app.window
    fill_disk(window.history)
    app.type_and_send(qtbot, "Hello " * 2000)
    assert window.banner.isVisible() and window.banner.text().startswith("The disk is full")
    assert window.composer.text().startswith("Hello Hello")
    assert not [r for r in app.api.requests if r.path == "/v1/messages"]
    free_disk(window.history)
    app.api.enqueue(SSEResponse(sse.text_stream(["Hi"])))
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return)
    app.wait(lambda: not window.streaming and app.last_answer().markdown_text() == "Hi")
