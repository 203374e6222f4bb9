"""The approval card through the real window: shown as soon as the call starts streaming
(its arguments growing, its buttons waiting), "Always allow read-only tools of <server>"
for a tool its server marks read-only, and every approval saved the moment it is given."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from claude_desktop.domain import paths
from claude_desktop.domain.tool_approvals import ToolApprovals, read_only_choice
from claude_desktop.domain.tools import ToolOutcome, ToolSpec
from claude_desktop.ui.tool_card import ToolCard
from tests import sse
from tests.fakeapi import SSEResponse, Step, ToolScenario
from tests.tool_fakes import FakeTools, replying, text_outcome
from tests.ui.harness import App

READ = "files__read_file"
WRITE = "files__write_file"
SCHEMA: dict[str, Any] = {"type": "object", "properties": {"path": {"type": "string"}}}


def spec(name: str, *, read_only: bool) -> ToolSpec:
    title = name.split("__", 1)[1]
    return ToolSpec(
        name, f"The {title} tool.", SCHEMA, server="files", title=title, read_only=read_only
    )


def call_step(tool: str, arguments: str = '{"path": "notes.md"}') -> Step:
    call = sse.tool_use_block(tool, "toolu_01A", ["", arguments[:9], arguments[9:]])
    return Step([sse.text_block("Let me look."), call], "tool_use")


def done(app: App) -> None:
    app.wait(lambda: not app.window.turns.streaming and not app.last_answer().is_streaming)


def stored() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((paths.config_dir() / "tool_approvals.json").read_text())
    return data["servers"]


def test_read_only_tools_of_a_server_are_allowed_at_once_and_saved_before_the_turn_ends(
    app: App, qtbot: QtBot
) -> None:
    release = asyncio.Event()
    seen_during_the_call: list[dict[str, Any]] = []

    async def read(arguments: dict[str, Any]) -> ToolOutcome:
        seen_during_the_call.append(stored())  # the turn is still on: the file has it
        await release.wait()
        return text_outcome("# Notes")

    tools = FakeTools(
        {
            READ: (spec(READ, read_only=True), read),
            WRITE: (spec(WRITE, read_only=False), replying("written")),
        }
    )
    app.window.turns.tools = tools
    scenario = ToolScenario(call_step(READ), Step([sse.text_block("It says notes.")]))
    scenario.enqueue_on(app.api)
    app.type_and_send(qtbot, "What is in notes.md?")
    app.wait(lambda: app.last_answer().approval is not None and app.last_answer().approval.asked)
    card = app.last_answer().approval
    assert card is not None
    whole_server = read_only_choice("files")
    assert whole_server == "Always allow read-only tools of files"
    assert list(card.buttons) == ["Allow once", "Always allow", whole_server, "Deny"]
    qtbot.mouseClick(card.buttons[whole_server], Qt.MouseButton.LeftButton)
    app.wait(lambda: bool(seen_during_the_call))
    assert seen_during_the_call[0]["files"]["readOnly"] is True
    release.set()
    done(app)
    assert scenario.rejections == []

    # Another read-only call of that server runs unasked; one that writes still asks.
    again = ToolScenario(call_step(READ), Step([sse.text_block("Still notes.")]))
    again.enqueue_on(app.api)
    app.type_and_send(qtbot, "Again?")
    done(app)
    assert app.last_answer().approval is None and len(tools.calls) == 2
    writes = ToolScenario(call_step(WRITE), Step([sse.text_block("Not written.")]))
    writes.enqueue_on(app.api)
    app.type_and_send(qtbot, "Write it")
    app.wait(lambda: app.last_answer().approval is not None and app.last_answer().approval.asked)
    card = app.last_answer().approval
    assert card is not None and list(card.buttons) == ["Allow once", "Always allow", "Deny"]
    qtbot.keyClick(card, Qt.Key.Key_Escape)
    done(app)
    assert len(tools.calls) == 2
    assert ToolApprovals().read_only_allowed("files")


def gated_stream(body: bytes, cut_before: bytes, gate: threading.Event) -> Iterator[bytes]:
    """The stream up to the event holding `cut_before`; the rest once `gate` opens."""
    cut = body.rindex(b"event:", 0, body.index(cut_before))
    yield body[:cut]
    gate.wait(10)
    yield body[cut:]


def test_the_approval_card_shows_the_arguments_as_they_stream(app: App, qtbot: QtBot) -> None:
    tools = FakeTools({READ: (spec(READ, read_only=False), replying("# Notes"))})
    app.window.turns.tools = tools
    call = sse.tool_use_block(READ, "toolu_01A", ["", '{"path": "no', 'tes.md"}'])
    body = sse.message_stream([sse.text_block("Let me look."), call], stop_reason="tool_use")
    gate = threading.Event()
    app.api.enqueue(
        SSEResponse(gated_stream(body, b"tes.md", gate)),
        SSEResponse(sse.message_stream([sse.text_block("It says notes.")])),
    )
    app.type_and_send(qtbot, "What is in notes.md?")
    try:
        app.wait(lambda: any(isinstance(v, ToolCard) for v in app.last_answer().block_views()))
        [tool_card] = [v for v in app.last_answer().block_views() if isinstance(v, ToolCard)]
        app.wait(
            lambda: tool_card.approval is not None and "no" in tool_card.approval.arguments.text()
        )
        card = tool_card.approval
        assert card is not None and not card.asked
        assert card.arguments.text() == '{"path": "no'  # raw, as it streams
        assert card.where.text() == "Server: files    Tool: read_file"
        assert [b.isEnabled() for b in card.buttons.values()] == [False, False, False]
        assert tool_card.header.isHidden()  # the approval card is the call's card meanwhile
    finally:
        gate.set()
    app.wait(lambda: card.asked)
    assert app.last_answer().approval is card  # the same card, now asking
    assert card.arguments.text() == '{\n  "path": "notes.md"\n}'
    assert all(b.isEnabled() for b in card.buttons.values())
    assert card.buttons["Allow once"].hasFocus()
    qtbot.keyClick(card.buttons["Allow once"], Qt.Key.Key_Return)
    done(app)
    assert tools.calls == [(READ, {"path": "notes.md"})]
    assert tool_card.approval is None and tool_card.header.isVisible()
    assert tool_card.headline() == "Used read_file from files"
