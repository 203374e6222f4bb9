"""Run the real app with its MCP servers, ask a question whose answer calls the test server's
`slow` tool, and say "the tool is running" once the tool runs; test_tools_runtime.py then kills this
process with SIGKILL, as a crash would."""

from __future__ import annotations

import asyncio
import sys

from claude_desktop import app
from claude_desktop.ui import main_window
from claude_desktop.ui.message_widget import AssistantMessageWidget

original_start = main_window.MainWindow.start


def running(window: main_window.MainWindow) -> bool:
    widgets = window.view.message_widgets()
    last = widgets[-1] if widgets else None
    cards = last.column.tool_cards() if isinstance(last, AssistantMessageWidget) else []
    return any(card.header.text().startswith("Running slow… ") for card in cards)


async def start_and_ask(self: main_window.MainWindow) -> None:
    await original_start(self)
    # The app starts its MCP servers once the window has started: ask from a task of its own.
    self.spawn(ask_once_tools_are_there(self), "test-ask")


async def ask_once_tools_are_there(self: main_window.MainWindow) -> None:
    async with asyncio.timeout(30):
        while self.turns.tools is None:  # noqa: ASYNC110 - the servers start after the paint
            await asyncio.sleep(0.01)
        self.send("Read my notes, slowly")
        while not running(self):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    print("the tool is running", flush=True)


main_window.MainWindow.start = start_and_ask  # type: ignore[method-assign]
sys.exit(app.main(["claude-desktop"]))
