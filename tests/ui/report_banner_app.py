"""Run the real app, print the message above the conversation once it has started (and
said whatever it says at start-up), then quit as Ctrl+Q does."""

from __future__ import annotations

import asyncio
import sys

from claude_desktop import app
from claude_desktop.ui import main_window

original_start = main_window.MainWindow.start


async def start_and_report(self: main_window.MainWindow) -> None:
    await original_start(self)

    def report() -> None:
        text = self.banner.text() if not self.banner.isHidden() else ""
        print(f"banner: {text}", flush=True)
        self.quit_action.trigger()

    # After the rest of the app's start-up, which runs once this returns.
    asyncio.get_running_loop().call_soon(report)


main_window.MainWindow.start = start_and_report  # type: ignore[method-assign]
sys.exit(app.main(["claude-desktop"]))
