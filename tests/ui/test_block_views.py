"""An answer as a column of block views, told block by block (the TurnObserver methods):
text only, thinking then text, a kind the app does not render, runs of text blocks read as
one text, citations, an error or a Stop mid-block, and an answer shown from history."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from claude_desktop.api.message import Message
from claude_desktop.ui import theme
from claude_desktop.ui.conversation_view import ConversationView
from claude_desktop.ui.message_widget import AssistantMessageWidget
from claude_desktop.ui.text_block_view import TextBlockView
from claude_desktop.ui.thinking_block_view import ThinkingSection
from claude_desktop.ui.tool_card import ToolCard
from claude_desktop.ui.unknown_block_view import UnknownBlockView
from tests import sse

TOOL = {"type": "tool_use", "id": "toolu_1", "name": "get_time", "input": {}}


def text_block(
    widget: AssistantMessageWidget, index: int, *pieces: str, citations: Any = None
) -> None:
    widget.block_started(index, {"type": "text", "text": ""})
    for citation in citations or []:
        widget.citation_added(index, citation)
    for piece in pieces:
        widget.text_delta(index, piece)
    done: dict[str, Any] = {"type": "text", "text": "".join(pieces)}
    if citations:
        done["citations"] = citations
    widget.block_stopped(index, done)


def settle(qtbot: QtBot, widget: AssistantMessageWidget) -> None:
    qtbot.waitUntil(lambda: widget.is_rendered, timeout=2000)


def tops(widget: AssistantMessageWidget) -> list[int]:
    return [view.y() for view in widget.block_views()]


def test_text_only(view: ConversationView, qtbot: QtBot) -> None:
    widget = view.begin_assistant_message("m")
    text_block(widget, 0, "Hello", ", world")
    settle(qtbot, widget)
    assert widget.block_views() == [widget.text_view] and widget.view_of(0) is widget.text_view
    assert widget.text_view.toPlainText() == "Hello, world"
    widget.finish(Message(content=[{"type": "text", "text": "Hello, world"}]), footer="")
    assert widget.block_views() == [widget.text_view]
    assert widget.text_view.toPlainText() == "Hello, world"


def test_thinking_then_text(view: ConversationView, qtbot: QtBot) -> None:
    widget = view.begin_assistant_message("m")
    widget.block_started(0, {"type": "thinking", "thinking": "", "signature": ""})
    widget.thinking_delta(0, "Let me think.")
    section = widget.view_of(0)
    assert isinstance(section, ThinkingSection)
    qtbot.waitUntil(lambda: section.text() == "Let me think." and section.expanded)
    widget.block_stopped(0, {"type": "thinking", "thinking": "Let me think.", "signature": "s"})
    widget.block_started(1, {"type": "redacted_thinking", "data": "RW5j"})
    widget.block_stopped(1, {"type": "redacted_thinking", "data": "RW5j"})
    assert widget.view_of(1) is section, "a run of thinking blocks is one section"
    text_block(widget, 2, "The answer.")
    settle(qtbot, widget)
    assert not section.expanded, "the thinking folds away when the text starts"
    assert widget.block_views() == [section, widget.text_view]
    QApplication.processEvents()
    assert section.y() < widget.text_view.y()
    section.toggle.click()
    assert section.redacted_label.isVisible()


def test_a_tool_call_and_a_block_kind_not_rendered_yet_keep_the_text_apart(
    view: ConversationView, qtbot: QtBot
) -> None:
    widget = view.begin_assistant_message("m")
    text_block(widget, 0, "Let me look that up.")
    widget.block_started(1, TOOL)
    widget.json_delta(1, '{"city": ')
    widget.json_delta(1, '"Tokyo"}')
    widget.block_stopped(1, {**TOOL, "input": {"city": "Tokyo"}})
    widget.block_started(2, {"type": "hologram", "frames": 3})
    widget.block_stopped(2, {"type": "hologram", "frames": 3})
    text_block(widget, 3, "It is noon.")
    settle(qtbot, widget)
    first, tool, new_kind, after = widget.block_views()
    assert isinstance(tool, ToolCard) and isinstance(new_kind, UnknownBlockView)
    assert tool.headline() == "Wants to use get_time" and tool.arguments == {"city": "Tokyo"}
    assert new_kind.text() == '[hologram: {"frames": 3}]' and new_kind.block_type == "hologram"
    assert isinstance(after, TextBlockView) and after is not first
    assert (first.toPlainText(), after.toPlainText()) == ("Let me look that up.", "It is noon.")
    QApplication.processEvents()
    assert tops(widget) == sorted(tops(widget))
    assert widget.markdown_text() == "Let me look that up.\n\nIt is noon."


def test_a_run_of_cited_text_blocks_reads_as_one_text_with_markers(
    view: ConversationView, qtbot: QtBot
) -> None:
    widget = view.begin_assistant_message("m")
    content = sse.FIXTURE_EXPECTED["cited_answer"]["content"]
    for index, block in enumerate(content):
        text_block(widget, index, block["text"], citations=block.get("citations"))
    widget.finish(Message(content=content), footer="")
    settle(qtbot, widget)
    assert widget.block_views() == [widget.text_view]
    assert widget.text_view.toPlainText() == (
        "According to the report, revenue rose 12% to $4.1 million[1], and operating costs"
        " fell by 3%[2]. Your notes add that churn dropped to 2.1% in Q3[3]."
    )
    assert widget.sources.lines() == ["1 report.pdf, p. 4", "2 report.pdf, pp. 6–7", "3 notes.txt"]


def test_an_error_mid_block_keeps_what_arrived(view: ConversationView, qtbot: QtBot) -> None:
    widget = view.begin_assistant_message("m")
    widget.block_started(0, {"type": "text", "text": ""})
    widget.text_delta(0, "Half an ans")
    widget.show_error("Overloaded.", None)
    widget.text_delta(0, "wer")  # too late: the answer has ended
    assert widget.text_view.toPlainText() == "Half an ans"
    assert widget.error_title() == "The answer was cut short"


def test_stop_mid_block_keeps_what_arrived(view: ConversationView, qtbot: QtBot) -> None:
    widget = view.begin_assistant_message("m")
    widget.block_started(0, {"type": "thinking", "thinking": "", "signature": ""})
    widget.thinking_delta(0, "Hmm")
    widget.mark_stopped()
    widget.thinking_delta(0, " more")
    section = widget.view_of(0)
    assert isinstance(section, ThinkingSection) and section.text() == "Hmm"
    assert widget.stopped_label.isVisible()


def test_an_answer_from_history_is_shown_from_its_blocks(
    view: ConversationView, qtbot: QtBot
) -> None:
    widget = view.begin_assistant_message("m")
    content = [
        {"type": "thinking", "thinking": "Plan.", "signature": "s"},
        {"type": "text", "text": "Checking."},
        {**TOOL, "input": {"city": "Oslo"}},
        {"type": "text", "text": "Cold", "citations": [sse.CITED_CHARS]},
        {"type": "text", "text": " there."},
    ]
    widget.finish(Message(content=content), footer="")
    settle(qtbot, widget)
    thinking, first, tool, second = widget.block_views()
    assert isinstance(thinking, ThinkingSection) and thinking.text() == "Plan."
    assert not thinking.expanded
    assert first is widget.text_view and first.toPlainText() == "Checking."
    assert isinstance(tool, ToolCard) and tool.arguments == {"city": "Oslo"}
    assert isinstance(second, TextBlockView) and second.toPlainText() == "Cold[1] there."
    assert widget.sources.lines() == ["1 notes.txt"]


def test_a_bare_text_stream_is_shown_again_from_its_blocks_when_they_hold_more(
    view: ConversationView, qtbot: QtBot
) -> None:
    """Until the window tells blocks, text streams bare; the finished message's blocks then
    put the markers and the other kinds where they belong."""
    widget = view.begin_assistant_message("m")
    widget.append_text("Checking.")
    widget.append_text(" Done.")
    settle(qtbot, widget)
    widget.finish(
        Message(
            content=[
                {"type": "text", "text": "Checking."},
                {**TOOL, "input": {}},
                {"type": "text", "text": " Done."},
            ]
        ),
        footer="",
    )
    settle(qtbot, widget)
    first, tool, second = widget.block_views()
    assert isinstance(tool, ToolCard)
    assert (first.toPlainText(), second.toPlainText()) == ("Checking.", "Done.")


def test_every_text_view_follows_the_theme(view: ConversationView, qtbot: QtBot) -> None:
    widget = view.begin_assistant_message("m")
    text_block(widget, 0, "```py\nx = 1\n```\n")
    widget.block_started(1, TOOL)
    widget.block_stopped(1, TOOL)
    text_block(widget, 2, "```py\ny = 2\n```\n")
    widget.finish(None, footer="")
    settle(qtbot, widget)
    assert widget.code_blocks() == ["x = 1", "y = 2"]
    assert widget.code_block(1) == "y = 2" and widget.code_copy_label(1) == "Copy"
    palette = QPalette(view.palette())
    palette.setColor(QPalette.ColorRole.Window, QColor("#202124"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#e8eaed"))
    view.setPalette(palette)
    qtbot.waitUntil(lambda: widget._dark)
    texts = [v for v in widget.block_views() if isinstance(v, TextBlockView)]
    assert len(texts) == 2
    assert all(theme.DARK.code_background in v.document().toHtml() for v in texts)
    assert widget.code_blocks() == ["x = 1", "y = 2"]


def test_the_answer_is_a_turn_observer() -> None:
    """Same names and parameters as domain/turn_events.py, so the window can forward each
    call by name."""
    import inspect

    from claude_desktop.domain.turn_events import NullObserver, TurnObserver

    for name, member in inspect.getmembers(TurnObserver, inspect.isfunction):
        if name.startswith("_"):
            continue
        ours = getattr(AssistantMessageWidget, name)
        assert list(inspect.signature(ours).parameters) == list(
            inspect.signature(member).parameters
        ), name
        assert hasattr(NullObserver, name)
