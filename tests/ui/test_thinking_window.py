"""Extended thinking in the real window: streamed into its section, folded away when the
answer starts, sent back unchanged, and shown collapsed from history."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import qasync
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from claude_desktop.domain.conversation_settings import ConversationSettings
from claude_desktop.ui.thinking_block_view import REDACTED_NOTE
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, SSEResponse
from tests.ui.harness import App, running_with_thinking_models

SIGNATURE = "EqQBCkYIBRgCKkBsignature+/=="
REDACTED = "EmwKAhgBEgy3va3pzix/LafPsn4a"


@pytest.fixture
def thinking_app(
    qtbot: QtBot, loop: qasync.QEventLoop, keyed_api: FakeAnthropicAPI
) -> Iterator[App]:
    with running_with_thinking_models(qtbot, loop, keyed_api) as app:
        yield app


def thinking_answer(thinking: list[str], text: list[str], *, redacted: bool = False) -> bytes:
    blocks = [sse.thinking_block(thinking, SIGNATURE)]
    if redacted:
        blocks.append(sse.redacted_thinking_block(REDACTED))
    blocks.append(sse.text_block(text))
    return sse.message_stream(blocks)


def test_thinking_streams_open_then_folds_when_the_answer_starts(
    thinking_app: App, qtbot: QtBot
) -> None:
    app = thinking_app
    steps = [f"step {i}. " for i in range(40)]
    answer = [f"word{i} " for i in range(20)]
    app.api.enqueue(SSEResponse(sse.events(thinking_answer(steps, answer)), delay=0.02))
    app.type_and_send(qtbot, "Think about it")
    app.wait(lambda: "step 3." in app.last_answer().thinking.text())
    widget = app.last_answer()
    section = widget.thinking
    assert section.isVisible() and section.expanded
    assert section.toggle.text() == "Thinking…"
    assert widget.markdown_text() == ""
    # Rendered live into the view itself, not just buffered.
    app.wait(lambda: "step 5." in section.view.toPlainText())
    app.wait(lambda: "word0" in widget.markdown_text())
    assert not section.expanded, "the thinking folds away when the answer's text starts"
    assert section.isVisible() and re.fullmatch(r"Thought for \d+ s", section.toggle.text())
    app.wait(lambda: not app.window.streaming)
    assert section.text() == "".join(steps)
    assert not section.expanded
    # Keyboard-operable: focus the toggle and press Space.
    section.toggle.setFocus()
    qtbot.keyClick(section.toggle, Qt.Key.Key_Space)
    assert section.expanded and section.view.isVisible()
    qtbot.keyClick(section.toggle, Qt.Key.Key_Space)
    assert not section.expanded


def test_a_plain_answer_has_no_thinking_section(thinking_app: App, qtbot: QtBot) -> None:
    app = thinking_app
    app.api.enqueue(SSEResponse(sse.events(sse.text_stream(["Hello", " there"]))))
    app.type_and_send(qtbot, "Hi")
    app.wait(lambda: not app.window.streaming)
    assert not app.last_answer().thinking.isVisible()


def test_thinking_goes_back_unchanged_and_temperature_stays_out(
    thinking_app: App, qtbot: QtBot
) -> None:
    app = thinking_app
    session = app.window.session
    session.set_conversation_settings(
        ConversationSettings("Think hard", 16_000, 0.7, "enabled", 5000)
    )
    app.api.enqueue(
        SSEResponse(sse.events(thinking_answer(["Hmm, ", "let me see."], ["Four."], redacted=True)))
    )
    app.type_and_send(qtbot, "2+2?")
    app.wait(lambda: not app.window.streaming)
    first = app.api.requests[-1].json
    assert first["thinking"] == {"type": "enabled", "budget_tokens": 5000}
    assert first["system"] == "Think hard" and first["max_tokens"] == 16_000
    assert "temperature" not in first
    widget = app.last_answer()
    assert widget.thinking.redacted_label.isVisibleTo(widget.thinking) is False  # folded
    widget.thinking.toggle.click()
    assert widget.thinking.redacted_label.isVisible()
    assert widget.thinking.redacted_label.text() == REDACTED_NOTE

    app.api.enqueue(SSEResponse(sse.events(sse.text_stream(["Yes."]))))
    app.type_and_send(qtbot, "Sure?")
    app.wait(lambda: not app.window.streaming)
    second = app.api.requests[-1].json
    assert second["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": "Hmm, let me see.", "signature": SIGNATURE},
            {"type": "redacted_thinking", "data": REDACTED},
            {"type": "text", "text": "Four."},
        ],
    }
    assert "temperature" not in second and second["thinking"]["type"] == "enabled"


def test_an_answer_from_history_shows_its_thinking_folded(
    thinking_app: App, qtbot: QtBot, loop: qasync.QEventLoop, fake_api: FakeAnthropicAPI
) -> None:
    app = thinking_app
    app.window.session.set_conversation_settings(ConversationSettings(thinking="adaptive"))
    app.api.enqueue(
        SSEResponse(sse.events(thinking_answer(["Deep thought."], ["42"], redacted=True)))
    )
    app.type_and_send(qtbot, "The answer?")
    app.wait(lambda: not app.window.streaming)
    assert app.api.requests[-1].json["thinking"] == {"type": "adaptive"}
    app.window.new_chat()
    conv_id = app.window.session.settings.last_conversation_id or None
    assert conv_id is None
    (record,) = app.window.history.conversations()
    app.window.open_conversation(record.id)
    widget = app.last_answer()
    section = widget.thinking
    assert section.isVisible() and not section.expanded
    assert section.text() == "Deep thought."
    assert widget.markdown_text() == "42"
    section.toggle.click()
    assert section.expanded and section.redacted_label.isVisible()


def test_stopped_while_thinking_keeps_the_thought_and_sends_only_what_is_whole(
    thinking_app: App, qtbot: QtBot
) -> None:
    app = thinking_app
    app.window.session.set_conversation_settings(ConversationSettings(thinking="adaptive"))
    steps = [f"idea {i}. " for i in range(300)]
    app.api.enqueue(SSEResponse(sse.events(thinking_answer(steps, ["never"])), delay=0.02))
    app.type_and_send(qtbot, "Ponder")
    app.wait(lambda: "idea 3." in app.last_answer().thinking.text())
    qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_Escape)
    app.wait(lambda: not app.window.streaming)
    section = app.last_answer().thinking
    assert section.text().startswith("idea 0. idea 1. idea 2. idea 3.")
    assert section.toggle.text().startswith("Thought for ")  # no longer "Thinking…"
    app.api.enqueue(SSEResponse(sse.events(sse.text_stream(["Fine."]))))
    app.type_and_send(qtbot, "Just answer")
    app.wait(lambda: not app.window.streaming)
    # The cut-off thought never got its signature: the API would refuse it, so it stays home.
    messages = app.api.requests[-1].json["messages"]
    assert [m["role"] for m in messages] == ["user"]
    assert messages[0]["content"] == [
        {"type": "text", "text": "Ponder"},
        # The prompt cache's rolling breakpoint ends the newest question.
        {"type": "text", "text": "Just answer", "cache_control": {"type": "ephemeral"}},
    ]
