"""Run the real app, send a question, and quit while the answer streams.

Used by test_app_lifecycle.py as a subprocess; `QUIT_HOW` picks the way out:
"action" (Ctrl+Q's action), "close" (the window's close button).
"""

from __future__ import annotations

import asyncio
import os
import sys

from claude_desktop import app
from claude_desktop.ui import main_window

original_start = main_window.MainWindow.start


async def start_then_quit(self: main_window.MainWindow) -> None:
    await original_start(self)
    self.send("Count slowly")
    async with asyncio.timeout(10):
        while "tick3" not in self.view.message_widgets()[-1].markdown_text():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    print("streaming", flush=True)
    if os.environ.get("QUIT_HOW") == "close":
        self.close()
    else:
        self.quit_action.trigger()


main_window.MainWindow.start = start_then_quit  # type: ignore[method-assign]
sys.exit(app.main(["claude-desktop"]))
