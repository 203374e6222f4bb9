"""Run the real app, ask a question, and say "streaming tickN" (the last tick on screen)
while the answer streams; test_app_lifecycle.py then sends SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import re
import sys

from claude_desktop import app
from claude_desktop.ui import main_window

original_start = main_window.MainWindow.start


async def start_and_ask(self: main_window.MainWindow) -> None:
    await original_start(self)
    self.send("Count for me")
    async with asyncio.timeout(20):
        while "tick30 " not in self.view.message_widgets()[-1].markdown_text():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    ticks = re.findall(r"tick\d+ ", self.view.message_widgets()[-1].markdown_text())
    print(f"streaming {ticks[-1].strip()}", flush=True)


main_window.MainWindow.start = start_and_ask  # type: ignore[method-assign]
sys.exit(app.main(["claude-desktop"]))
