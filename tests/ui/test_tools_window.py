"""Tool use through the real window: the loopback API's tool scenarios, a fake ToolProvider
(and once the real stdio MCP server, started as the app starts it). The approval card
(Allow once with Enter, Always allow kept across a new window, Deny with Esc sending an
is_error result), Stop while a tool runs, and a web search answer with its sources."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import qasync
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from claude_desktop.app_tools import AppTools
from claude_desktop.domain import paths
from claude_desktop.domain.tool_approvals import ToolApprovals
from claude_desktop.ui.tool_card import ToolCard
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, SSEResponse, Step, ToolScenario, checked
from tests.tool_fakes import FakeTools, forever, replying, spec
from tests.ui.harness import App, make_app

READ = "files__read_file"
MCP_SERVER = str(Path(__file__).parents[1] / "mcp_server.py")


def call_step(tool: str = READ, arguments: str = '{"path": "notes.md"}') -> Step:
    call = sse.tool_use_block(tool, "toolu_01A", ["", arguments[:9], arguments[9:]])
    return Step([sse.text_block("Let me look."), call], "tool_use")


def reading(app: App, run: object = None) -> FakeTools:
    tools = FakeTools({READ: (spec(READ), run or replying("# Notes\nhello"))})  # type: ignore[dict-item]
    app.window.turns.tools = tools
    return tools


def ask_and_wait_for_card(app: App, qtbot: QtBot, scenario: ToolScenario) -> None:
    scenario.enqueue_on(app.api)
    app.type_and_send(qtbot, "What is in notes.md?")
    app.wait(lambda: app.last_answer().approval is not None)


def done(app: App) -> None:
    app.wait(lambda: not app.window.turns.streaming and not app.last_answer().is_streaming)


def card_of(app: App) -> ToolCard:
    [card] = [v for v in app.last_answer().block_views() if isinstance(v, ToolCard)]
    return card


def test_allow_once_with_enter_runs_the_call_and_asks_again_next_time(
    app: App, qtbot: QtBot
) -> None:
    tools = reading(app)
    scenario = ToolScenario(call_step(), Step([sse.text_block("It says hello.")]))
    ask_and_wait_for_card(app, qtbot, scenario)
    card = app.last_answer().approval
    assert card is not None
    assert card.question.text() == "Allow Claude to use read_file (files)?"
    assert card.where.text() == "Server: files    Tool: read_file"
    assert card.arguments.text() == '{\n  "path": "notes.md"\n}'
    assert [b.text() for b in card.buttons.values()] == ["Allow once", "Always allow", "Deny"]
    assert card.buttons["Allow once"].hasFocus()
    qtbot.keyClick(card.buttons["Allow once"], Qt.Key.Key_Return)
    done(app)
    assert tools.calls == [(READ, {"path": "notes.md"})]
    assert scenario.rejections == []
    result = scenario.requests[1]["messages"][-1]["content"][0]
    assert result["type"] == "tool_result" and not result.get("is_error")
    assert app.last_answer().approval is None
    assert card_of(app).headline() == "Used read_file from files"
    assert "It says hello." in app.last_answer().markdown_text()
    assert not ToolApprovals().always_allowed("files", "read_file")
    # Allowed once only: the next call asks again.
    again = ToolScenario(call_step(), Step([sse.text_block("Still hello.")]))
    ask_and_wait_for_card(app, qtbot, again)
    qtbot.keyClick(app.last_answer().approval, Qt.Key.Key_Escape)  # type: ignore[arg-type]
    done(app)


def test_deny_with_esc_sends_an_is_error_result_and_the_turn_goes_on(
    app: App, qtbot: QtBot
) -> None:
    tools = reading(app)
    scenario = ToolScenario(call_step(), Step([sse.text_block("I was not allowed.")]))
    ask_and_wait_for_card(app, qtbot, scenario)
    card = app.last_answer().approval
    assert card is not None
    qtbot.keyClick(card.buttons["Allow once"], Qt.Key.Key_Escape)
    done(app)
    assert tools.calls == [] and scenario.rejections == []
    result = scenario.requests[1]["messages"][-1]["content"][0]
    assert result["is_error"] is True
    assert "not allowed" in result["content"][0]["text"]
    assert app.window.turns.streaming is False and app.last_answer().stopped_label.isHidden()
    tool_card = card_of(app)
    assert tool_card.failed and tool_card.headline().startswith("read_file from files failed: ")


def test_always_allow_is_kept_and_a_new_window_does_not_ask_again(
    app: App, qtbot: QtBot, loop: qasync.QEventLoop, keyed_api: FakeAnthropicAPI
) -> None:
    reading(app)
    scenario = ToolScenario(call_step(), Step([sse.text_block("It says hello.")]))
    ask_and_wait_for_card(app, qtbot, scenario)
    card = app.last_answer().approval
    assert card is not None
    qtbot.mouseClick(card.buttons["Always allow"], Qt.MouseButton.LeftButton)
    done(app)
    stored = json.loads((paths.config_dir() / "tool_approvals.json").read_text())
    assert stored["servers"]["files"]["alwaysAllow"] == ["read_file"]

    # A new window in the same data folder (the app restarted) runs the call at once.
    with make_app(qtbot, loop, keyed_api) as second:
        tools = reading(second)
        asked: list[object] = []
        again = ToolScenario(call_step(), Step([sse.text_block("Hello again.")]))
        again.enqueue_on(keyed_api)
        second.type_and_send(qtbot, "And now?")
        second.wait(lambda: second.last_answer().approval is not None or bool(tools.calls))
        asked.append(second.last_answer().approval)
        done(second)
        assert asked == [None] and tools.calls == [(READ, {"path": "notes.md"})]
        assert again.rejections == []
    # Revocable: asked again from the next call on.
    approvals = ToolApprovals()
    approvals.revoke("files", "read_file")
    assert not ToolApprovals().always_allowed("files", "read_file")


def test_stop_while_a_tool_runs_cancels_it_and_keeps_a_valid_turn(app: App, qtbot: QtBot) -> None:
    tools = reading(app, forever)
    scenario = ToolScenario(call_step())  # no second step: the call never ends
    ask_and_wait_for_card(app, qtbot, scenario)
    qtbot.keyClick(app.last_answer().approval, Qt.Key.Key_Return)  # type: ignore[arg-type]
    answer = app.last_answer()
    # The seconds it has run count in its card, beside its Stop.
    app.wait(lambda: card_of(app).header.text().startswith("Running read_file… "))
    assert app.window.turns.streaming and card_of(app).headline() == "Running read_file…"
    assert card_of(app).stop_button.isVisible() and answer.status_text() is None
    qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_Escape)  # Stop
    done(app)
    assert tools.cancelled == [READ]
    assert answer.stopped_label.isVisible() and answer.status_text() is None
    assert card_of(app).failed
    # The next question is a request the API takes: the stopped call has its result.
    app.api.enqueue(checked(SSEResponse(sse.text_stream(["Fine."]))))
    app.type_and_send(qtbot, "Never mind.")
    done(app)
    assert "Fine." in app.last_answer().markdown_text()
    messages = app.api.requests[-1].json["messages"]
    assert [b["type"] for b in messages[-2]["content"]] == ["text", "tool_use"]
    stopped, question = messages[-1]["content"]  # the stopped call's result comes first
    assert stopped["type"] == "tool_result" and stopped["is_error"] is True
    # The prompt cache's rolling breakpoint ends the newest question.
    assert question == {
        "type": "text",
        "text": "Never mind.",
        "cache_control": {"type": "ephemeral"},
    }


def test_a_web_search_answer_shows_the_search_and_its_sources(app: App, qtbot: QtBot) -> None:
    scenario = ToolScenario(Step(sse.web_search_answer(), web_search_requests=1))
    scenario.enqueue_on(app.api)
    app.type_and_send(qtbot, "How do server-sent events work?")
    done(app)
    card = card_of(app)
    assert card.headline() == "Searched the web: server-sent events"
    card.header.click()
    assert "The EventSource spec" in card.plain_details()
    assert app.last_answer().sources.lines() == [
        "1 Server-sent events explained, https://example.org/sse",
        "2 The EventSource spec, https://example.com/spec",
    ]


def test_the_app_starts_the_configured_stdio_mcp_server_and_the_window_uses_it(
    app: App, qtbot: QtBot
) -> None:
    config = paths.mcp_config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    servers = {"notes": {"command": sys.executable, "args": [MCP_SERVER]}}
    config.write_text(json.dumps({"mcpServers": servers}), encoding="utf-8")
    tools = AppTools()
    app.run(tools.start(app.window))
    try:
        assert app.window.turns.tools is tools.servers
        scenario = ToolScenario(
            call_step("notes__echo", '{"text": "hi there"}'),
            Step([sse.text_block("The server said hi there.")]),
        )
        ask_and_wait_for_card(app, qtbot, scenario)
        card = app.last_answer().approval
        assert card is not None and card.where.text() == "Server: notes    Tool: echo"
        qtbot.keyClick(card.buttons["Allow once"], Qt.Key.Key_Return)
        done(app)
        assert scenario.rejections == []
        result = scenario.requests[1]["messages"][-1]["content"][0]
        assert result["content"] == [{"type": "text", "text": "hi there"}]
        assert card_of(app).headline() == "Used echo from notes"
    finally:
        app.run(tools.close())
