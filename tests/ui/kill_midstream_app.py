"""Run the real app, ask a question, and say "streaming" once the answer has been saved
at least once mid-stream; test_history_window.py then kills this process with SIGKILL."""

from __future__ import annotations

import asyncio
import sys

from claude_desktop import app
from claude_desktop.ui import main_window

original_start = main_window.MainWindow.start


async def start_and_ask(self: main_window.MainWindow) -> None:
    await original_start(self)
    self.send("Count for me")
    # Past the first once-a-second flush of the growing answer.
    async with asyncio.timeout(20):
        while "tick150" not in self.view.message_widgets()[-1].markdown_text():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    print("streaming", flush=True)


main_window.MainWindow.start = start_and_ask  # type: ignore[method-assign]
sys.exit(app.main(["claude-desktop"]))
