"""The tool loop's runtime guarantees through the real window, with the real stdio MCP
server (tests/mcp_server.py) started as the app starts it and the loopback API checking every
follow-up as the real API does (a tool_use without its result is its 400):

- the app killed with SIGKILL while a tool runs: the next start shows the turn as it was
  (the call kept, marked interrupted), the next question is a valid request, and the
  server's process does not outlive the app;
- "always allow" read from the approvals file by a new process, and saved the moment it is
  given, not at the end of the turn;
- Stop while a tool runs: the server is told (notifications/cancelled), what arrived is kept,
  the stored turn is a valid next request;
- a tool that hangs ends at its server's timeout with an is_error result Claude sees, the
  seconds it has run shown in its card meanwhile, the server told it timed out;
- the step limit: "Claude wants to keep going." with Continue and Stop.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from claude_desktop.app_tools import AppTools
from claude_desktop.domain import paths, tool_loop
from claude_desktop.domain.tool_approvals import ToolApprovals
from claude_desktop.storage.store import MessageRecord
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, SSEResponse, Step, ToolScenario, checked
from tests.tool_fakes import FakeTools, replying, spec
from tests.ui.app_process import AppProcess, app_command, app_env, wait_until
from tests.ui.harness import MODELS, App, make_app
from tests.ui.test_tools_window import ask_and_wait_for_card, call_step, card_of

MCP_SERVER = str(Path(__file__).parents[1] / "mcp_server.py")
KILL_SCRIPT = Path(__file__).with_name("kill_mid_tool_app.py")
SLOW = "notes__slow"


@pytest.fixture
def events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """What the test server saw, a line each (its pid, its calls, cancellations)."""
    path = tmp_path / "mcp-events.txt"
    monkeypatch.setenv("MCP_TEST_EVENTS", str(path))
    return path


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def configure_notes_server(**options: Any) -> None:
    """The app's MCP config file with the test server as "notes"."""
    config = paths.mcp_config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    servers = {"notes": {"command": sys.executable, "args": [MCP_SERVER], **options}}
    config.write_text(json.dumps({"mcpServers": servers}), encoding="utf-8")


@contextmanager
def serving(app: App, **options: Any) -> Iterator[AppTools]:
    """The window's turns using the test server, started as the app starts it."""
    configure_notes_server(**options)
    tools = AppTools()
    app.run(tools.start(app.window))
    try:
        yield tools
    finally:
        app.run(tools.close())


def stored_answer(app: App) -> MessageRecord:
    conv = app.window.history.reload(app.window.session.current)
    return conv.branch[-1]


def slow_call() -> Step:
    return call_step(SLOW, '{"path": "notes.md"}')


def next_question_is_valid(app: App, qtbot: QtBot) -> list[dict[str, Any]]:
    """Ask again: the loopback API answers only a request the real API would take."""
    app.api.enqueue(checked(SSEResponse(sse.text_stream(["Fine."]))))
    app.type_and_send(qtbot, "Never mind.")
    done(app)
    assert app.last_answer().error_text() is None
    assert "Fine." in app.last_answer().markdown_text()
    messages: list[dict[str, Any]] = app.api.requests[-1].json["messages"]
    return messages


def without_cache_marks(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The blocks as sent, less the prompt cache's breakpoints (the newest block has one)."""
    return [{k: v for k, v in b.items() if k != "cache_control"} for b in blocks]


def done(app: App, limit: float = 10.0) -> None:
    app.wait(lambda: not app.window.turns.streaming and not app.last_answer().is_streaming, limit)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# -- a crash mid-tool, and a restart ----------------------------------------------------------


def test_killed_mid_tool_the_next_start_shows_the_call_and_asks_validly(
    qtbot: QtBot, loop: qasync.QEventLoop, keyed_api: FakeAnthropicAPI, events: Path
) -> None:
    keyed_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    configure_notes_server()
    # "Always allow", given in an earlier run: the new process reads it and does not ask.
    ToolApprovals().allow_always("notes", "slow")
    ToolScenario(slow_call()).enqueue_on(keyed_api)  # the app dies before a second step
    data = Path(os.environ["CLAUDE_DESKTOP_DATA_DIR"])
    with AppProcess(app_command(script=KILL_SCRIPT), app_env(keyed_api, data)) as child:
        child.wait_for("the tool is running")
        wait_until(lambda: any(line.startswith("slow ") for line in lines(events)))
        child.kill()
    # The server's process does not outlive the app (its stdin closed with the app).
    [server_pid] = [int(line.split()[1]) for line in lines(events) if line.startswith("pid ")]
    wait_until(lambda: not alive(server_pid), what="the MCP server to exit")
    assert "stdin closed" in lines(events)

    with make_app(qtbot, loop, keyed_api) as app:
        answer = app.last_answer()
        # The turn reads as it was when the app died: the text and the call, interrupted.
        assert "Let me look." in answer.markdown_text()
        card = card_of(app)
        assert card.label == "slow (notes)"
        # Interrupted, not waiting for an approval nor still running.
        assert card.headline() == "Stopped before slow from notes finished"
        assert card.failed and not card.is_counting
        assert "interrupted" in (answer.error_text() or "")
        stored = stored_answer(app)
        assert [b["type"] for b in stored.content] == ["text", "tool_use"]
        # The next question is valid: the call that has no result is not sent back.
        messages = next_question_is_valid(app, qtbot)
        assert messages[-2] == {
            "role": "assistant",
            "content": [{"type": "text", "text": "Let me look."}],
        }
        assert without_cache_marks(messages[-1]["content"]) == [
            {"type": "text", "text": "Never mind."}
        ]


def test_always_allow_is_saved_the_moment_it_is_given(app: App, qtbot: QtBot, events: Path) -> None:
    with serving(app):
        scenario = ToolScenario(slow_call())
        ask_and_wait_for_card(app, qtbot, scenario)
        card = app.last_answer().approval
        assert card is not None
        qtbot.mouseClick(card.buttons["Always allow"], Qt.MouseButton.LeftButton)
        app.wait(lambda: any(line.startswith("slow ") for line in lines(events)), limit=10)
        # Still running, and already on disk: a crash now keeps it.
        assert app.window.turns.streaming
        stored = json.loads((paths.config_dir() / "tool_approvals.json").read_text())
        assert stored["servers"]["notes"]["alwaysAllow"] == ["slow"]
        qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_Escape)
        done(app)


# -- Stop, timeouts ---------------------------------------------------------------------------


def test_stop_during_a_real_mcp_call_cancels_it_on_the_server(
    app: App, qtbot: QtBot, events: Path
) -> None:
    with serving(app):
        scenario = ToolScenario(slow_call())  # no second step: the call never ends
        ask_and_wait_for_card(app, qtbot, scenario)
        qtbot.keyClick(app.last_answer().approval, Qt.Key.Key_Return)  # type: ignore[arg-type]
        answer = app.last_answer()
        app.wait(lambda: card_of(app).header.text().startswith("Running slow… "), limit=10)
        app.wait(lambda: any(line.startswith("slow ") for line in lines(events)), limit=10)
        [request_id] = [line.split()[1] for line in lines(events) if line.startswith("slow ")]
        qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_Escape)  # Stop
        done(app)
        app.wait(lambda: f"cancelled {request_id}" in lines(events), limit=10)
        # What arrived is kept, the call answered as stopped, on screen and on disk.
        assert answer.stopped_label.isVisible() and "Let me look." in answer.markdown_text()
        assert card_of(app).failed
        assert card_of(app).headline() == "Stopped before slow from notes finished"
        assert f"reason {request_id} cancelled by the user" in lines(events)
        stored = stored_answer(app)
        assert stored.status == "stopped"
        assert [b["type"] for b in stored.content] == ["text", "tool_use", "tool_result"]
        assert stored.content[2]["content"][0]["text"] == tool_loop.STOPPED
        messages = next_question_is_valid(app, qtbot)
        stopped, question = messages[-1]["content"]
        assert stopped["tool_use_id"] == "toolu_01A" and stopped["is_error"] is True
        assert without_cache_marks([question]) == [{"type": "text", "text": "Never mind."}]


def test_a_hanging_tool_ends_at_its_servers_timeout_with_the_seconds_shown(
    app: App, qtbot: QtBot, events: Path
) -> None:
    with serving(app, timeout=4):
        scenario = ToolScenario(slow_call(), Step([sse.text_block("It took too long.")]))
        ask_and_wait_for_card(app, qtbot, scenario)
        qtbot.keyClick(app.last_answer().approval, Qt.Key.Key_Return)  # type: ignore[arg-type]
        answer = app.last_answer()
        # The seconds it has run, counting, in its card beside its Stop (not in a status line).
        card = card_of(app)
        app.wait(lambda: card.header.text() == "Running slow… 1 s", limit=10)
        assert card.headline() == "Running slow…" and card.stop_button.isVisible()
        assert answer.status_text() is None
        app.wait(lambda: card.header.text() == "Running slow… 2 s", limit=10)
        assert answer.status_text() is None
        done(app)
        assert not card.is_counting  # no timer left once it ended
        assert scenario.rejections == []
        result = scenario.requests[1]["messages"][-1]["content"][0]
        assert result["is_error"] is True
        assert result["content"] == [{"type": "text", "text": "The tool timed out after 4 s."}]
        assert card_of(app).failed
        assert card_of(app).headline() == "slow from notes failed: The tool timed out after 4 s."
        assert "It took too long." in answer.markdown_text()
        # The server was told to stop working on it, and why.
        app.wait(lambda: any(line.startswith("reason ") for line in lines(events)))
        assert [line.split(" ", 2)[2] for line in lines(events) if line.startswith("reason ")] == [
            "timed out after 4 s"
        ]


# -- the step limit ---------------------------------------------------------------------------

READ = "files__read_file"


def calling_steps(app: App, count: int, *, stop: bool = False) -> ToolScenario:
    """A turn that calls a tool at each of `count` steps (the last answers instead, unless it
    is where the turn is to `stop`); the tool always allowed."""
    app.window.turns.tools = FakeTools({READ: (spec(READ), replying("hello"))})
    ToolApprovals().set_server_policy("files", "always")
    steps = [
        Step([sse.tool_use_block(READ, f"toolu_{i:02}", ['{"path": "notes.md"}'])], "tool_use")
        for i in range(count)
    ]
    return ToolScenario(*steps[:-1], steps[-1] if stop else Step([sse.text_block("All read.")]))


def test_at_twenty_steps_continue_lets_claude_go_on(app: App, qtbot: QtBot) -> None:
    scenario = calling_steps(app, tool_loop.MAX_STEPS + 2)
    scenario.enqueue_on(app.api)
    app.type_and_send(qtbot, "Read everything")
    app.wait(lambda: app.last_answer().approval is not None, limit=30)
    card = app.last_answer().approval
    assert card is not None and card.question.text() == "Claude wants to keep going."
    assert scenario.served == tool_loop.MAX_STEPS
    assert list(card.buttons) == ["Continue", "Stop"]
    qtbot.mouseClick(card.buttons["Continue"], Qt.MouseButton.LeftButton)
    done(app, limit=20)
    assert scenario.rejections == [] and scenario.served == tool_loop.MAX_STEPS + 2
    assert "All read." in app.last_answer().markdown_text()


def test_at_twenty_steps_stop_ends_the_turn_validly(app: App, qtbot: QtBot) -> None:
    scenario = calling_steps(app, tool_loop.MAX_STEPS, stop=True)
    scenario.enqueue_on(app.api)
    app.type_and_send(qtbot, "Read everything")
    app.wait(lambda: app.last_answer().approval is not None, limit=30)
    card = app.last_answer().approval
    assert card is not None
    qtbot.mouseClick(card.buttons["Stop"], Qt.MouseButton.LeftButton)
    done(app)
    assert scenario.served == tool_loop.MAX_STEPS and scenario.rejections == []
    stored = stored_answer(app)
    assert stored.content[-1]["content"][0]["text"] == tool_loop.NOT_RUN
    messages = next_question_is_valid(app, qtbot)
    assert [b["type"] for b in messages[-1]["content"]] == ["tool_result", "text"]
