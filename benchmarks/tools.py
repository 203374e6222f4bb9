"""Tools: what MCP servers cost the window (issue 17).

a. Cold start with 3 configured stdio MCP servers against cold start with none, each timed
   as `benchmarks.startup` times the app (a child process, from before the spawn to the
   window shown and idle, median of several). The servers start after the first paint, so
   the two should differ by no more than the runs of one differ among themselves: the
   ratio's target is 1 + the spread of the runs without servers (at least 10 %).
b. A tool round trip through the window: the question's answer calls a tool of a real local
   stdio server (tests/mcp_server.py's echo, always allowed), its result goes back and the
   answer continues. A heartbeat timer (`common.Heartbeat`) records the event loop's longest
   stall over the whole round trip, from Send to the continued answer rendered: the tool
   card, the call over stdio, the saves and the second request must not freeze the window.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from . import payload
from .common import ROOT, Heartbeat, Metric, median, qt_environment, started_window, worker_main
from .startup import APP_CHILD, _child_env, time_child_in

MCP_SERVER = ROOT / "tests" / "mcp_server.py"
SERVERS = 3
#: The least noise allowance on the start-up ratio, whatever the spread measured.
MIN_NOISE = 0.10
TARGET_STALL_MS = 50.0
TOOL = "bench__echo"


def _config(servers: int) -> dict[str, Any]:
    entry = {"command": sys.executable, "args": [str(MCP_SERVER)]}
    names = ["bench", "notes", "files", "search"][:servers]
    return {"mcpServers": {name: dict(entry) for name in names}}


def _config_file(data_dir: str) -> Path:
    """The app's MCP config file under `data_dir` (as paths.mcp_config_file puts it)."""
    from claude_desktop.domain import paths

    saved = os.environ.get("CLAUDE_DESKTOP_DATA_DIR")
    os.environ["CLAUDE_DESKTOP_DATA_DIR"] = data_dir
    try:
        return paths.mcp_config_file()
    finally:
        if saved is not None:
            os.environ["CLAUDE_DESKTOP_DATA_DIR"] = saved


def time_start(base_url: str, servers: int) -> float:
    """Seconds from before the spawn to the window shown and idle, with `servers` stdio
    servers configured (a fresh data folder each time)."""
    env = _child_env(base_url)
    if servers:
        config = _config_file(env["CLAUDE_DESKTOP_DATA_DIR"])
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(json.dumps(_config(servers)), encoding="utf-8")
    return time_child_in(APP_CHILD, env)[0]


def start_metrics(base_url: str, repeat: int) -> list[Metric]:
    time_start(base_url, 0)  # uncounted: writes the bytecode cache the counted starts read
    time_start(base_url, SERVERS)
    none, some = [], []
    for _ in range(repeat):  # interleaved: a busy moment of the machine hits both alike
        none.append(time_start(base_url, 0))
        some.append(time_start(base_url, SERVERS))
    base, with_servers = median(none), median(some)
    spread = (max(none) - min(none)) / base
    target = 1 + max(MIN_NOISE, spread)
    case = "8 tools"
    return [
        Metric("tools.start.none", case, "cold start, no MCP server", base, "s",
               note=f"median of {repeat}; spread {spread:.0%}"),
        Metric("tools.start.servers", case, f"cold start, {SERVERS} stdio servers configured",
               with_servers, "s", note=f"median of {repeat}"),
        Metric("tools.start.ratio", case, f"{SERVERS} servers over none (target: 1 + noise)",
               with_servers / base, "x", target),
    ]  # fmt: skip


async def round_trips(repeat: int) -> tuple[list[float], list[float]]:
    """Each round trip's longest event-loop stall (ms) and its duration (s)."""
    from claude_desktop.app_tools import AppTools
    from claude_desktop.domain import paths
    from claude_desktop.domain.tool_approvals import ToolApprovals
    from claude_desktop.ui.message_widget import AssistantMessageWidget

    config = paths.mcp_config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps(_config(1)), encoding="utf-8")
    ToolApprovals().set_server_policy("bench", "always")  # nobody is there to click Allow

    session, tasks, window = await started_window()
    tools = AppTools()
    await tools.start(window)
    assert tools.servers is not None, "the MCP server was not started"
    await tools.servers.tools()  # started and listed: not part of a round trip
    heartbeat = Heartbeat()
    answer_text = "".join(payload.TOOL_ANSWER)

    async def once() -> tuple[float, float]:
        window.new_chat()
        await asyncio.sleep(0.05)  # let the cleared view's widgets go and the loop settle
        heartbeat.start()
        started = time.perf_counter()
        window.send(payload.tool_question(TOOL))
        assert tasks.turn is not None
        await tasks.turn
        widget = window.view.message_widgets()[-1]
        assert isinstance(widget, AssistantMessageWidget)
        while not widget.is_rendered:  # noqa: ASYNC110 (no signal says it is rendered)
            await asyncio.sleep(0)
        elapsed = time.perf_counter() - started
        stall = heartbeat.stop()
        assert widget.error_text() is None, widget.error_text()
        assert answer_text in widget.markdown_text(), "the answer did not continue"
        return stall, elapsed

    try:
        await once()  # warm-up: the first answer also loads Markdown and Pygments
        runs = [await once() for _ in range(repeat)]
    finally:
        await tasks.cancel_all()
        await tools.close()
        await session.aclose()
        window.hide()
        window.deleteLater()
    return [s for s, _ in runs], [e for _, e in runs]


def round_trip_metrics(repeat: int) -> list[Metric]:
    from PySide6.QtWidgets import QApplication

    from claude_desktop.app import run_on_qt_loop
    from claude_desktop.event_loop import AppEventLoop

    app = QApplication.instance() or QApplication([sys.argv[0]])
    loop = AppEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        stalls, seconds = run_on_qt_loop(loop, round_trips(repeat))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    case = "8 tools"
    return [
        Metric("tools.round_trip.stall", case,
               "longest UI stall in a tool round trip (median of runs)", median(stalls), "ms",
               TARGET_STALL_MS, f"worst of {repeat}: {max(stalls):.1f} ms"),
        Metric("tools.round_trip.time", case,
               "(answer → tool_use → stdio tool → result → answer, to the screen)",
               median(seconds) * 1000, "ms", note=f"median of {repeat}"),
    ]  # fmt: skip


def run(args: argparse.Namespace) -> list[Metric]:
    qt_environment(base_url=args.base_url)
    start_repeat, trip_repeat = (3, 5) if args.short else (7, 15)
    return [*start_metrics(args.base_url, start_repeat), *round_trip_metrics(trip_repeat)]


def main() -> None:
    worker_main(run)


if __name__ == "__main__":
    main()
