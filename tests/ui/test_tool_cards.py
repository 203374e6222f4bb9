"""Tool cards: a call and its result as one folded card ("Calling…", "Used…", errors), and
Anthropic's web search as "Searched the web: query" with its result list folded."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from claude_desktop.api.message import Message
from claude_desktop.domain import tool_loop
from claude_desktop.ui.conversation_view import ConversationView
from claude_desktop.ui.tool_card import ToolCard
from tests import sse

CALL = {"type": "tool_use", "id": "toolu_1", "name": "filesystem__read_file", "input": {}}


def test_a_call_streams_then_folds_into_used_with_arguments_and_result(
    view: ConversationView, qtbot: QtBot
) -> None:
    widget = view.begin_assistant_message("m")
    widget.block_started(0, CALL)
    card = widget.view_of(0)
    assert isinstance(card, ToolCard)
    widget.json_delta(0, '{"path": ')
    assert card.headline() == "Calling read_file…"
    widget.json_delta(0, '"notes.md"}')
    widget.block_stopped(0, {**CALL, "input": {"path": "notes.md"}})
    widget.block_started(1, {"type": "tool_result", "tool_use_id": "toolu_1"})
    assert widget.view_of(1) is card and card.headline() == "Running read_file…"
    result = {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": [{"type": "text", "text": "# Notes\nhello"}],
    }
    widget.block_stopped(1, result)
    assert card.headline() == "Used read_file from filesystem"
    assert card.header.accessibleName() == "Used read_file from filesystem"
    assert not card.details.isVisibleTo(card)
    card.header.setFocus()
    qtbot.keyClick(card.header, Qt.Key.Key_Return)
    assert card.expanded and card.details.isVisibleTo(card)
    details = card.plain_details()
    assert '"path": "notes.md"' in details and "# Notes\nhello" in details
    qtbot.keyClick(card.header, Qt.Key.Key_Space)
    assert not card.expanded


def test_a_failed_call_says_so(view: ConversationView, qtbot: QtBot) -> None:
    widget = view.begin_assistant_message("m")
    content = [
        {**CALL, "input": {"path": "x"}},
        {
            "type": "tool_result",
            "tool_use_id": "toolu_1",
            "is_error": True,
            "content": [{"type": "text", "text": "No such file: x"}],
        },
        {"type": "text", "text": "It is not there."},
    ]
    widget.finish(Message(content=content), footer="")
    card, _text = widget.block_views()
    assert isinstance(card, ToolCard) and card.failed
    assert card.headline() == "read_file from filesystem failed: No such file: x"
    card.set_expanded(True)
    assert "Error\nNo such file: x" in card.plain_details()


def test_a_web_search_reads_as_searched_the_web_with_its_results_folded(
    view: ConversationView, qtbot: QtBot
) -> None:
    widget = view.begin_assistant_message("m")
    content = [sse.final_block(b) for b in sse.web_search_answer()]
    widget.finish(Message(content=content), footer="")
    [card] = [v for v in widget.block_views() if isinstance(v, ToolCard)]
    assert card.headline() == "Searched the web: server-sent events"
    assert not card.details.isVisibleTo(card)
    card.set_expanded(True)
    html = card.details.text()
    assert '<a href="https://example.org/sse">Server-sent events explained</a>' in html
    assert card.details.openExternalLinks()
    assert widget.sources.lines()[0] == "1 Server-sent events explained, https://example.org/sse"


# -- interrupted calls, and the seconds of a running one ----------------------------------------

STOPPED_HEADLINE = "Stopped before read_file from filesystem finished"


def test_a_call_without_its_result_in_a_finished_answer_reads_as_stopped(
    view: ConversationView, qtbot: QtBot
) -> None:
    """An answer from history whose call never got a result (the app was killed while the
    tool ran): the call was interrupted, not waiting for an approval."""
    widget = view.begin_assistant_message("m")
    content = [{"type": "text", "text": "Let me look."}, {**CALL, "input": {"path": "x"}}]
    widget.finish(Message(content=content), footer="")
    [card] = [v for v in widget.block_views() if isinstance(v, ToolCard)]
    assert card.headline() == STOPPED_HEADLINE
    assert card.header.accessibleName() == STOPPED_HEADLINE
    assert card.failed and card.interrupted  # styled as an error
    assert not card.stop_button.isVisibleTo(card) and not card.is_counting
    card.set_expanded(True)
    details = card.plain_details()
    assert '"path": "x"' in details
    assert "The answer stopped before this tool finished" in details


def test_a_stored_stopped_result_reads_as_stopped(view: ConversationView, qtbot: QtBot) -> None:
    widget = view.begin_assistant_message("m")
    content = [
        {**CALL, "input": {"path": "x"}},
        tool_loop.error_result("toolu_1", tool_loop.STOPPED),
    ]
    widget.finish(Message(content=content), footer="")
    [card] = [v for v in widget.block_views() if isinstance(v, ToolCard)]
    assert card.headline() == STOPPED_HEADLINE
    assert card.failed and card.interrupted


def test_a_running_call_counts_its_seconds_in_its_card_until_it_ends(
    view: ConversationView, qtbot: QtBot
) -> None:
    widget = view.begin_assistant_message("m")
    widget.block_started(0, {**CALL, "input": {"path": "x"}})
    widget.block_stopped(0, {**CALL, "input": {"path": "x"}})
    [card] = [v for v in widget.block_views() if isinstance(v, ToolCard)]
    assert not card.is_counting  # no clock before it runs
    widget.block_started(1, {"type": "tool_result", "tool_use_id": "toolu_1"})
    assert card.header.text() == "Running read_file… 0 s"
    assert card.is_counting and card.stop_button.isVisibleTo(card)
    qtbot.waitUntil(lambda: card.header.text() == "Running read_file… 1 s", timeout=3000)
    assert widget.status_text() is None  # in the card, not in a line under it
    # The turn ends without its result (an error, a crash of the turn): the clock stops.
    widget.show_error("The connection was lost.", None)
    assert not card.is_counting and not card.stop_button.isVisibleTo(card)
    assert card.headline() == STOPPED_HEADLINE


def test_a_finished_call_stops_its_clock(view: ConversationView, qtbot: QtBot) -> None:
    widget = view.begin_assistant_message("m")
    widget.block_started(0, {**CALL, "input": {"path": "x"}})
    widget.block_started(1, {"type": "tool_result", "tool_use_id": "toolu_1"})
    [card] = [v for v in widget.block_views() if isinstance(v, ToolCard)]
    assert card.is_counting
    widget.block_stopped(1, {"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"})
    assert not card.is_counting and card.headline() == "Used read_file from filesystem"


# -- narrow windows ---------------------------------------------------------------------------

NARROW = 320  # what an answer column may be left with in an 800 px window, and less


def test_long_headlines_and_results_never_widen_the_answer(
    view: ConversationView, qtbot: QtBot
) -> None:
    """A long error, a long tool name or an unbreakable result line is elided or wrapped
    within the column: the card (and the Stop of a running one) never runs off its right."""
    widget = view.begin_assistant_message("m")
    reason = "The MCP server linear is not running: 401 Unauthorized " + "x" * 120
    failed = {**CALL, "input": {"path": "/" + "deep/" * 40}}
    running = {**CALL, "id": "toolu_2", "name": "filesystem__" + "search_files_" * 8}
    content = [
        failed,
        tool_loop.error_result("toolu_1", reason),
        running,
    ]
    for index, block in enumerate(content):
        widget.block_started(index, block)
        widget.block_stopped(index, block)
    widget.block_started(3, {"type": "tool_result", "tool_use_id": "toolu_2"})
    first, second = [v for v in widget.block_views() if isinstance(v, ToolCard)]
    assert first.header.text().endswith("x" * 120)  # the whole headline, elided when drawn
    first.set_expanded(True)
    for card in (first, second):
        assert card.minimumSizeHint().width() <= NARROW, card.headline()
    assert second.stop_button.isVisibleTo(second)


def test_an_approval_card_wraps_long_arguments_within_the_column(
    view: ConversationView, qtbot: QtBot
) -> None:
    widget = view.begin_assistant_message("m")
    widget.asks_about = lambda _name: True
    widget.block_started(0, {**CALL, "input": {}})
    widget.json_delta(0, '{"path": "' + "/very-long-directory-name" * 20 + '"}')
    [card] = [v for v in widget.block_views() if isinstance(v, ToolCard)]
    assert card.approval is not None
    assert card.minimumSizeHint().width() <= NARROW


def test_a_failed_headline_keeps_the_columns_text_size(
    view: ConversationView, qtbot: QtBot
) -> None:
    """Restyled as an error, the headline kept the application's smaller font."""
    widget = view.begin_assistant_message("m")
    widget.block_started(0, {**CALL, "input": {"path": "x"}})
    widget.block_started(1, {"type": "tool_result", "tool_use_id": "toolu_1"})
    [card] = [v for v in widget.block_views() if isinstance(v, ToolCard)]
    size = card.header.fontInfo().pixelSize()
    widget.block_stopped(1, tool_loop.error_result("toolu_1", "No such file: x"))
    view.show()
    qtbot.waitExposed(view)
    card.header.ensurePolished()  # the style sheet's font comes with the polish
    assert card.failed and card.header.fontInfo().pixelSize() == size
