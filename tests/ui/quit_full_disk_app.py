"""Run the real app, send a question, and quit while the answer streams on a "full disk".

The disk is made full with a real limit that also binds root (tests run as root in CI,
where permissions do not stop anything): RLIMIT_FSIZE 0, under which every write to a
file fails (EFBIG, as ENOSPC would). The log file is left out first: how logging behaves
on a full disk is not what this checks.
"""

from __future__ import annotations

import asyncio
import resource
import sys

from claude_desktop import app
from claude_desktop.domain.logs import setup_logging
from claude_desktop.ui import main_window

original_start = main_window.MainWindow.start


async def start_then_quit(self: main_window.MainWindow) -> None:
    await original_start(self)
    self.send("Count slowly")
    async with asyncio.timeout(10):
        while "tick3" not in self.view.message_widgets()[-1].markdown_text():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    self.composer.set_text("a draft that cannot be saved")
    print("streaming", flush=True)
    setup_logging(to_file=False)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))
    self.quit_action.trigger()


main_window.MainWindow.start = start_then_quit  # type: ignore[method-assign]
sys.exit(app.main(["claude-desktop"]))
