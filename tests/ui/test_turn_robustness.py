"""A turn always ends cleanly in the window: failures of every kind, a full disk while an
answer streams, and switching conversations while one does."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from claude_desktop.storage.store import DISK_FULL
from claude_desktop.ui.answer_stream import AnswerStream
from tests import sse
from tests.fakeapi import SSEResponse
from tests.full_disk import fill_disk, free_disk
from tests.ui.harness import App


def ask(app: App, qtbot: QtBot, question: str, answer: str) -> None:
    """Ask, and see the answer come, complete."""
    app.api.enqueue(SSEResponse(sse.text_stream([answer])))
    app.type_and_send(qtbot, question)
    app.wait(lambda: not app.window.streaming and app.last_answer().markdown_text() == answer)
    assert app.window.session.current.branch[-1].status == "complete"


def test_an_unexpected_failure_ends_the_turn_and_every_chat_can_ask_again(
    app: App, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = app.window
    # A bug on the way to the screen (not an API error): the view of the answer raises.
    shown = AnswerStream.text_delta

    def breaks_on_boom(self: AnswerStream, index: int, text: str) -> None:
        if text == "boom":
            raise RuntimeError("the view broke")
        shown(self, index, text)

    monkeypatch.setattr(AnswerStream, "text_delta", breaks_on_boom)
    app.api.enqueue(SSEResponse(sse.text_stream(["Partial ", "answer", "boom", "lost"])))
    app.type_and_send(qtbot, "Question")
    app.wait(lambda: app.last_answer().error_text())
    failed = app.last_answer()
    assert failed.error_text() == (
        "Something went wrong while answering: the view broke. The details are in the log."
    )
    assert failed.markdown_text() == "Partial answer"
    assert not window.streaming and window.composer.button.text() == "Send"
    stored = window.history.store.message(window.session.current.branch[-1].id)
    assert stored is not None and stored.role == "assistant"
    # What arrived is kept, including the delta the view failed on.
    assert stored.status == "error"
    assert stored.content[0]["text"].startswith("Partial answer")
    monkeypatch.undo()
    # The same chat asks again, then another one.
    ask(app, qtbot, "Again", "Fine now")
    window.new_chat()
    ask(app, qtbot, "Elsewhere", "Fine there too")


def test_a_full_disk_while_answering_keeps_the_stream_and_saves_on_retry(
    app: App, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("claude_desktop.domain.turn_runner.FLUSH_INTERVAL", 0.05)
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
    answer_id = window.session.current.branch[-1].id
    stored = window.history.store.message(answer_id)
    assert stored is not None and stored.status == "streaming"  # not on disk yet
    assert window.session.current.branch[-1].status == "complete"  # but kept in memory

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
    app.wait(lambda: window.session.current.branch[-1].role == "assistant")
    fill_disk(window.history)
    app.wait(lambda: app.last_answer().error_text() == DISK_FULL)
    answer_id = window.session.current.branch[-1].id
    # Reopened meanwhile, it is shown as it ended, and still says it is not saved.
    conversation = window.session.current.id
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


# -- switching conversations while an answer streams -------------------------------------------


def slow_answer(app: App, word: str, count: int = 150, delay: float = 0.02) -> str:
    deltas = [f"{word}{i} " for i in range(count)]
    app.api.enqueue(SSEResponse(sse.events(sse.text_stream(deltas)), delay=delay))
    return "".join(deltas)


def test_an_answer_streams_on_while_another_chat_is_open_and_shows_again(
    app: App, qtbot: QtBot
) -> None:
    window = app.window
    whole = slow_answer(app, "alpha")
    app.type_and_send(qtbot, "First chat")
    app.wait(lambda: "alpha3 " in app.last_answer().markdown_text())
    first = window.session.current.id
    assert first is not None

    window.new_chat()  # Ctrl+N
    assert not window.streaming and window.composer.button.text() == "Send"
    assert window.view.message_widgets() == []
    # Another chat asks and is answered meanwhile.
    ask(app, qtbot, "Second chat", "Meanwhile")
    second = window.session.current.id

    window.open_conversation(first)  # as a click in the sidebar does
    assert window.streaming and window.composer.button.text() == "Stop"
    shown = app.last_answer()
    assert shown.is_streaming and shown.markdown_text().startswith("alpha0 alpha1 alpha2 alpha3 ")
    app.wait(lambda: not window.streaming, limit=10)
    assert shown.markdown_text() == whole and shown.error_text() is None
    assert window.composer.button.text() == "Send"
    stored = window.history.store.branch(first)
    assert [(m.role, m.status) for m in stored] == [("user", "complete"), ("assistant", "complete")]
    assert stored[1].content == [{"type": "text", "text": whole}]
    assert second is not None
    assert [m.status for m in window.history.store.branch(second)] == ["complete", "complete"]


def test_an_answer_that_finished_while_away_shows_complete(app: App, qtbot: QtBot) -> None:
    window = app.window
    whole = slow_answer(app, "beta", count=40, delay=0.01)
    app.type_and_send(qtbot, "Question")
    app.wait(lambda: "beta1 " in app.last_answer().markdown_text())
    first = window.session.current.id
    assert first is not None
    window.new_chat()
    app.wait(lambda: window.history.store.branch(first)[-1].status == "complete")
    window.open_conversation(first)
    shown = app.last_answer()
    assert not shown.is_streaming and shown.markdown_text() == whole
    assert shown.error_text() is None and "Claude" in (shown.footer or "")
    assert window.composer.button.text() == "Send"


def test_escape_stops_only_the_open_chats_answer(app: App, qtbot: QtBot) -> None:
    window = app.window
    whole = slow_answer(app, "gamma")
    app.type_and_send(qtbot, "Keep going")
    app.wait(lambda: "gamma1 " in app.last_answer().markdown_text())
    first = window.session.current.id
    assert first is not None
    window.new_chat()
    slow_answer(app, "delta", count=300, delay=0.03)
    app.type_and_send(qtbot, "Stop me")
    app.wait(lambda: "delta1 " in app.last_answer().markdown_text())
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Escape)
    app.wait(lambda: not window.streaming)
    assert window.session.current.branch[-1].status == "stopped"
    app.wait(lambda: window.history.store.branch(first)[-1].status == "complete", limit=10)
    assert window.history.store.branch(first)[-1].content == [{"type": "text", "text": whole}]


def test_deleting_a_chat_stops_its_answer(app: App, qtbot: QtBot) -> None:
    window = app.window
    slow_answer(app, "eps", count=300, delay=0.03)
    app.type_and_send(qtbot, "Doomed")
    app.wait(lambda: "eps1 " in app.last_answer().markdown_text())
    doomed = window.session.current.id
    answer_id = window.session.current.branch[-1].id
    assert doomed is not None
    window.delete_conversation(doomed)
    assert not window.streaming and window.composer.button.text() == "Send"
    app.wait(lambda: getattr(window.history.store.message(answer_id), "status", "") == "stopped")
    assert app.api.wait_for_disconnect(timeout=2) is not None


def test_thinking_then_text_streamed_while_away_shows_both_again(app: App, qtbot: QtBot) -> None:
    window = app.window
    thinking = [f"idea{i}. " for i in range(40)]
    text = [f"word{i} " for i in range(120)]
    stream = sse.thinking_stream(thinking, "sig", text)
    app.api.enqueue(SSEResponse(sse.events(stream), delay=0.02))
    app.type_and_send(qtbot, "Think first")
    app.wait(lambda: "word2 " in app.last_answer().markdown_text())
    first = window.session.current.id
    assert first is not None
    window.new_chat()
    window.open_conversation(first)
    # What the observer was told so far, replayed into the new widget: both blocks, apart.
    shown = app.last_answer()
    assert shown.thinking.text().startswith("idea0. idea1. ")
    assert shown.markdown_text().startswith("word0 word1 word2 ")
    assert "idea" not in shown.markdown_text()
    app.wait(lambda: not window.streaming, limit=10)
    assert shown.markdown_text() == "".join(text)
    assert "".join(thinking).strip() in shown.thinking.text()


def test_an_answer_keeps_its_metrics_and_shows_the_footer_made_from_them(
    app: App, qtbot: QtBot
) -> None:
    window = app.window
    app.api.enqueue(SSEResponse(sse.text_stream(["Measured."])))
    app.type_and_send(qtbot, "How long?")
    app.wait(lambda: not window.streaming and app.last_answer().markdown_text() == "Measured.")
    footer = app.last_answer().footer
    stored = window.history.store.message(window.session.current.branch[-1].id)
    assert stored is not None
    # Plain data, no display string: the line under the answer is made when it is shown.
    assert "footer" not in stored.meta and "total_time" in stored.meta["metrics"]
    assert footer.startswith(window.session.display_name(stored.model or "")) and " s" in footer
    window.new_chat()
    window.open_conversation(stored.conversation_id)
    assert app.last_answer().footer == footer
