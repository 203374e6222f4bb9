"""Memory: resident memory with a 1,000-message conversation open, then after a long answer.

The conversation (questions and Markdown answers with code blocks and tables) is written
through the Store into a throwaway data dir before the window exists; then the shown main
window opens it, as a click in the sidebar does, and answers one more question of 10,000
deltas in it from the loopback server. RSS is read from /proc/self/status after a garbage
collection, once everything on screen is rendered.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from typing import Any

from . import payload
from .common import Heartbeat, Metric, qt_environment, rss_mb, worker_main

TARGET_RSS_MB = 250.0
MESSAGES = 1_000
ANSWER_DELTAS = 10_000


def write_conversation(messages: int) -> int:
    """A conversation of `messages` alternating questions and answers; its id."""
    from claude_desktop.domain.history import History

    answer = payload.realistic_answer(1_500)  # a heading, a list, Python code, a table, ...
    history = History.open()
    try:
        store = history.store
        record = store.create_conversation(model="claude-sonnet-4-6", title="A long one")
        parent = None
        for i in range(messages):
            if i % 2 == 0:
                role, text = "user", f"Question {i // 2 + 1}: how do I read a CSV file fast?"
            else:
                role, text = "assistant", f"Answer {i // 2 + 1}.\n\n{answer}"
            content = [{"type": "text", "text": text}]
            parent = store.add_message(record.id, parent_id=parent, role=role, content=content).id
        return record.id
    finally:
        history.close()


async def _settle(window: Any) -> None:
    """Until every message of the open window is made and every answer rendered, then a few
    more loop turns."""
    from claude_desktop.ui.message_widget import AssistantMessageWidget

    while window.is_filling:  # noqa: ASYNC110 (no signal for it)
        await asyncio.sleep(0.001)
    answers = [w for w in window.view.message_widgets() if isinstance(w, AssistantMessageWidget)]
    while not all(w.is_rendered for w in answers):  # noqa: ASYNC110 (no signal for it)
        await asyncio.sleep(0.001)
    await asyncio.sleep(0.05)
    gc.collect()


async def measure(conversation_id: int) -> dict[str, float]:
    from claude_desktop.domain.secrets import KeyStore
    from claude_desktop.domain.session import Session
    from claude_desktop.domain.settings import Settings
    from claude_desktop.domain.tasks import TaskRegistry
    from claude_desktop.ui.main_window import MainWindow

    session = Session(Settings.load(), KeyStore())
    tasks = TaskRegistry()
    window = MainWindow(session, tasks)
    window.show()
    await window.start()
    await _settle(window)
    out = {"idle": rss_mb()}
    try:
        heartbeat = Heartbeat()
        heartbeat.start()
        started = time.perf_counter()
        assert window.open_conversation(conversation_id)
        await _settle(window)
        out["open_s"] = time.perf_counter() - started
        out["open_stall_ms"] = heartbeat.stop()
        out["opened"] = rss_mb()
        out["shown"] = len(window.view.message_widgets())

        window.send(payload.question(ANSWER_DELTAS))
        while window.streaming:  # noqa: ASYNC110 (the window has no signal for it)
            await asyncio.sleep(0.01)
        await _settle(window)
        last = window.view.message_widgets()[-1]
        assert last.markdown_text() == payload.answer(ANSWER_DELTAS)[0]
        out["streamed"] = rss_mb()
    finally:
        await tasks.cancel_all()
        await session.aclose()
        window.hide()
        window.deleteLater()
    return out


def run(args: argparse.Namespace) -> list[Metric]:
    qt_environment(base_url=args.base_url)
    import qasync
    from PySide6.QtWidgets import QApplication

    from claude_desktop.app import run_on_qt_loop

    conversation_id = write_conversation(MESSAGES)
    gc.collect()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        figures = run_on_qt_loop(loop, measure(conversation_id))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    peak = _peak_mb()
    case = "5 memory"
    return [
        Metric("memory.idle", case, "(this process, window shown, empty)", figures["idle"], "MB"),
        Metric(
            "memory.conversation",
            case,
            f"{MESSAGES:,}-message conversation open",
            figures["opened"],
            "MB",
            TARGET_RSS_MB,
            f"opened in {figures['open_s'] * 1000:.0f} ms, {figures['shown']:.0f} "
            "messages rendered, the rest on request",
        ),
        Metric(
            "memory.open_stall",
            case,
            "(longest stall while it opens)",
            figures["open_stall_ms"],
            "ms",
        ),
        Metric(
            "memory.streamed",
            case,
            f"then after {ANSWER_DELTAS:,} more deltas",
            figures["streamed"],
            "MB",
            TARGET_RSS_MB,
            f"peak (VmHWM) {peak:.0f} MB",
        ),
    ]


def _peak_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    worker_main(run)


if __name__ == "__main__":
    main()
