"""Battery: the CPU time the app spends showing an answer that arrives at a model's pace.

A 3,000-delta answer (500 in short mode) comes one event every 20 ms, 50 deltas a second, as
a model writes. The shown main window sends the question and streams the answer until its
last delta is rendered; the process's CPU time over that span (`time.process_time`: every
thread of it) is the app's cost. The floor is what any client must spend: a bare httpx
reader on asyncio reading the same paced stream (in a child process of its own, at the same
time, its CPU time counted from before its request to its last event), plus R, the final
answer rendered once in one go into a shown message of the same window, at its width (CPU
time, median of 3).
On a laptop that ratio, not the wall time, is what the battery pays for each answer. The
same answer then comes again with the window minimized, where nothing needs drawing (shown,
not a target).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from typing import Any

from . import payload
from .common import (
    ROOT,
    Metric,
    median,
    qt_environment,
    render_once,
    started_window,
    worker_main,
)

DELTAS, SHORT_DELTAS = 3_000, 500
PACE_MS = 20.0  # 50 deltas a second
#: The app's CPU time over (a+R)'s for the same paced answer (issue 19).
TARGET_CPU_RATIO = 1.5

BARE_CHILD = """
import asyncio, json, sys, time
import httpx

async def main():
    body = {
        "model": "claude-sonnet-4-6",
        "max_tokens": 8192,
        "stream": True,
        "messages": [{"role": "user", "content": sys.argv[2]}],
    }
    async with httpx.AsyncClient(timeout=600) as http:
        # Unmeasured, as the app's warm-up answer: the connection and httpcore's imports.
        await http.get(sys.argv[1] + "/v1/models")
        cpu = time.process_time()
        texts = 0
        async with http.stream("POST", sys.argv[1] + "/v1/messages", json=body) as r:
            async for line in r.aiter_lines():
                if line.startswith("data:"):
                    event = json.loads(line[5:])
                    if event["type"] == "content_block_delta":
                        texts += 1
        print(f"BARE {time.process_time() - cpu:.6f} {texts}", flush=True)

asyncio.run(main())
"""


def start_bare_reader(base_url: str, deltas: int) -> subprocess.Popen[str]:
    question = payload.question(deltas, PACE_MS)
    return subprocess.Popen(
        [sys.executable, "-c", BARE_CHILD, base_url, question],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def bare_cpu(proc: subprocess.Popen[str], deltas: int) -> float:
    """The bare reader's CPU seconds, once it has read the whole answer."""
    out, err = proc.communicate(timeout=600)
    for line in out.splitlines():
        if line.startswith("BARE "):
            _, cpu, texts = line.split()
            if int(texts) != deltas:
                raise RuntimeError(f"the bare reader read {texts} deltas of {deltas}")
            return float(cpu)
    raise RuntimeError(f"the bare reader never reported (exit {proc.returncode}):\n{err}")


async def measure(base_url: str, deltas: int) -> dict[str, float]:
    from claude_desktop.ui.message_widget import AssistantMessageWidget

    session, tasks, window = await started_window()

    async def answer(question: str, count: int) -> Any:
        window.new_chat()
        await asyncio.sleep(0.05)
        window.send(question)
        assert tasks.turn is not None
        await tasks.turn
        widget = window.view.message_widgets()[-1]
        assert isinstance(widget, AssistantMessageWidget)
        while not widget.is_rendered:  # noqa: ASYNC110 (no signal says it is rendered)
            await asyncio.sleep(0)
        assert widget.markdown_text() == payload.answer(count)[0]
        return widget.stats

    async def paced() -> tuple[float, float, Any]:
        """(the app's CPU seconds, the bare reader's, the render stats) for the paced
        answer, the bare reader reading the same stream beside it."""
        bare = start_bare_reader(base_url, deltas)
        cpu = time.process_time()
        stats = await answer(payload.question(deltas, PACE_MS), deltas)
        app_cpu = time.process_time() - cpu
        return app_cpu, await asyncio.to_thread(bare_cpu, bare, deltas), stats

    try:
        # Unmeasured: Markdown and Pygments load, the start-up work settles.
        await answer(payload.question(500), 500)
        await asyncio.sleep(1.0)
        app_cpu, bare_s, stats = await paced()
        # The same answer while the window is minimized: nothing renders until it ends.
        window.showMinimized()
        while not window.isMinimized():  # noqa: ASYNC110 (the state changes on the loop)
            await asyncio.sleep(0.01)
        minimized_cpu, minimized_bare_s, minimized_stats = await paced()
        window.showNormal()
        render_s = await render_once_cpu(window, deltas)
    finally:
        await tasks.cancel_all()
        await session.aclose()
        window.hide()
        window.deleteLater()
    return {
        "app": app_cpu,
        "bare": bare_s,
        "render": render_s,
        "renders": stats.renders,
        "render_ms": stats.total_ms,
        "minimized": minimized_cpu,
        "minimized_bare": minimized_bare_s,
        "minimized_renders": minimized_stats.renders,
    }


async def render_once_cpu(window: Any, deltas: int) -> float:
    """R in CPU seconds: the final answer rendered once, in one go, in a message of the
    window's view, shown and laid out as the paced answer's is (median of 3)."""
    text = payload.answer(deltas)[0]
    times = [(await render_once(window, text))[1] for _ in range(3)]
    window.new_chat()
    return median(times)


def run(args: argparse.Namespace) -> list[Metric]:
    qt_environment(base_url=args.base_url)
    from PySide6.QtWidgets import QApplication

    from claude_desktop.app import run_on_qt_loop
    from claude_desktop.event_loop import AppEventLoop

    deltas = SHORT_DELTAS if args.short else DELTAS
    app = QApplication.instance() or QApplication([sys.argv[0]])
    loop = AppEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        cpu = run_on_qt_loop(loop, measure(args.base_url, deltas))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    floor = cpu["bare"] + cpu["render"]
    case = "6 idle"
    label = f"{deltas:,} deltas at {1000 / PACE_MS:g}/s"
    return [
        Metric("battery.app_cpu", case, f"CPU seconds to show {label}", cpu["app"], "s",
               note=f"over {deltas * PACE_MS / 1000:.0f} s of streaming; {cpu['renders']:.0f}"
               f" renders took {cpu['render_ms'] / 1000:.2f} s"),
        Metric("battery.floor_cpu", case, "(a+R: bare httpx reading it, and R)", floor, "s",
               note=f"a {cpu['bare']:.3f} s, R {cpu['render']:.3f} s"),
        Metric("battery.ratio", case, "app CPU over (a+R) CPU, same answer", cpu["app"] / floor,
               "x", TARGET_CPU_RATIO),
        Metric("battery.minimized_ratio", case, "(the same, the window minimized)",
               cpu["minimized"] / (cpu["minimized_bare"] + cpu["render"]), "x",
               note=f"{cpu['minimized']:.2f} s of CPU; {cpu['minimized_renders']:.0f} renders"
               f" (a {cpu['minimized_bare']:.3f} s)"),
    ]  # fmt: skip


def main() -> None:
    worker_main(run)


if __name__ == "__main__":
    main()
