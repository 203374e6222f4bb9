"""The Thinking section of one answer: cadence, folding, and how it reads to assistive tech."""

from __future__ import annotations

import time

from pytestqt.qtbot import QtBot

from claude_desktop.api.message import Message
from claude_desktop.ui.conversation_view import ConversationView
from claude_desktop.ui.message_widget import RENDER_INTERVAL_MS
from tests.ui.conftest import feed


def test_a_burst_of_thinking_is_one_render_and_the_first_delta_shows_at_once(
    view: ConversationView, qtbot: QtBot
) -> None:
    widget = view.begin_assistant_message("Claude")
    widget.append_thinking("First thought. ")
    section = widget.thinking
    qtbot.waitUntil(lambda: section.view.toPlainText() == "First thought. ", timeout=1000)
    assert section.renders == 1 and section.isVisible() and section.expanded
    for i in range(1000):
        widget.append_thinking(f"t{i} ")
    assert section.renders == 1, "deltas are only buffered; the render comes later"
    qtbot.waitUntil(lambda: section.view.toPlainText().endswith("t999 "), timeout=1000)
    assert section.renders == 2


def test_thinking_streamed_at_model_pace_renders_at_most_once_per_interval(
    view: ConversationView, qtbot: QtBot
) -> None:
    widget = view.begin_assistant_message("Claude")
    deltas = [f"w{i} " for i in range(600)]
    started = time.perf_counter()
    feed_thinking = widget.append_thinking

    class Adapter:
        # feed() streams through append_text; the thinking goes through its own door.
        append_text = staticmethod(feed_thinking)

    feed(qtbot, Adapter(), deltas, per_tick=2)  # type: ignore[arg-type]
    widget.thinking.end()
    elapsed_ms = (time.perf_counter() - started) * 1000
    section = widget.thinking
    assert section.text() == "".join(deltas)
    assert section.renders <= elapsed_ms / RENDER_INTERVAL_MS + 2
    assert section.renders < len(deltas) / 4


def test_reopened_by_the_person_it_stays_open(view: ConversationView, qtbot: QtBot) -> None:
    widget = view.begin_assistant_message("Claude")
    widget.append_thinking("Hmm.")
    widget.append_text("Answer")
    section = widget.thinking
    assert not section.expanded
    section.toggle.click()
    widget.append_text(" goes on")
    assert section.expanded
    assert section.toggle.accessibleName() == "Thinking"
    assert "shown" in section.toggle.accessibleDescription()
    assert section.view.accessibleName() == "Claude's thinking"


def test_no_thinking_no_section(view: ConversationView) -> None:
    widget = view.begin_assistant_message("Claude")
    widget.append_text("Just text")
    widget.finish(Message(content=[{"type": "text", "text": "Just text"}]), footer="")
    assert widget._thinking is None
