"""Memory: resident memory with a 1,000-message conversation open, then after a long answer;
and its growth over opening and closing 200 conversations of 50 messages, one after another.

The conversation (questions and Markdown answers with code blocks and tables) is written
through the Store into a throwaway data dir before the window exists; then the shown main
window opens it, as a click in the sidebar does, and answers one more question of 10,000
deltas in it from the loopback server. RSS is read from /proc/self/status after a garbage
collection, once everything on screen is rendered.

Opening and closing is a conversation opened as a click in the sidebar does, every message
of it rendered, then New chat. The growth is counted from after the first such cycle (the
first fills caches once: fonts, lexers, styles) to after the last: what stays behind for
each conversation seen (message widgets, their documents) adds up there.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from typing import Any

from . import payload
from .common import Heartbeat, Metric, qt_environment, rss_mb, started_window, worker_main

TARGET_RSS_MB = 250.0
MESSAGES = 1_000
ANSWER_DELTAS = 10_000
#: Opened and closed one after another, each of CYCLED_MESSAGES (issue 19).
CYCLED_CONVERSATIONS = 200
CYCLED_MESSAGES = 50
TARGET_CYCLE_GROWTH_MB = 15.0
#: The longest the window may not respond while a 1,000-message conversation opens (issue 19).
TARGET_OPEN_STALL_MS = 50.0


def write_conversation(messages: int, title: str = "A long one") -> int:
    """A conversation of `messages` alternating questions and answers; its id."""
    return write_conversations(1, messages, title)[0]


def write_conversations(count: int, messages: int, title: str) -> list[int]:
    """`count` conversations of `messages` alternating questions and answers; their ids."""
    from claude_desktop.domain.history import History

    answer = payload.realistic_answer(1_500)  # a heading, a list, Python code, a table, ...
    history = History.open()
    ids = []
    try:
        store = history.store
        for n in range(count):
            record = store.create_conversation(model="claude-sonnet-4-6", title=f"{title} {n}")
            parent = None
            for i in range(messages):
                if i % 2 == 0:
                    role, text = "user", f"Question {i // 2 + 1}: how do I read a CSV file fast?"
                else:
                    role, text = "assistant", f"Answer {i // 2 + 1}.\n\n{answer}"
                content = [{"type": "text", "text": text}]
                parent = store.add_message(
                    record.id, parent_id=parent, role=role, content=content
                ).id
            ids.append(record.id)
        return ids
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


async def _cycle(window: Any, conversation_id: int) -> None:
    """Open a conversation, every message of it rendered, then New chat; collect garbage."""
    assert window.open_conversation(conversation_id)
    await _settle(window)
    window.new_chat()
    await asyncio.sleep(0)  # deleteLater'd widgets go on the next turns
    await asyncio.sleep(0)
    gc.collect()


async def measure(conversation_id: int, cycled: list[int]) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    session, tasks, window = await started_window()
    await _settle(window)
    out = {"idle": rss_mb()}
    try:
        await _cycle(window, cycled[0])
        out["cycle_first"] = rss_mb()
        out["widgets_first"] = len(QApplication.allWidgets())
        for conversation in cycled[1:]:
            await _cycle(window, conversation)
        out["cycle_last"] = rss_mb()
        out["widgets_last"] = len(QApplication.allWidgets())
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
    from PySide6.QtWidgets import QApplication

    from claude_desktop.app import run_on_qt_loop
    from claude_desktop.event_loop import AppEventLoop

    conversation_id = write_conversation(MESSAGES)
    cycles = CYCLED_CONVERSATIONS // 4 if args.short else CYCLED_CONVERSATIONS
    cycled = write_conversations(cycles, CYCLED_MESSAGES, "Opened and closed")
    gc.collect()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    loop = AppEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        figures = run_on_qt_loop(loop, measure(conversation_id, cycled))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    peak = _peak_mb()
    case = "5 memory"
    return [
        Metric("memory.idle", case, "(this process, window shown, empty)", figures["idle"], "MB"),
        Metric(
            "memory.cycle_growth",
            case,
            f"growth over opening and closing {cycles} conversations of {CYCLED_MESSAGES}",
            figures["cycle_last"] - figures["cycle_first"],
            "MB",
            TARGET_CYCLE_GROWTH_MB,
            f"{figures['cycle_first']:.0f} MB after the first, {figures['cycle_last']:.0f} MB"
            f" after the last ({figures['cycle_first'] - figures['idle']:+.0f} MB for the first);"
            f" widgets alive {figures['widgets_first']:.0f}, then {figures['widgets_last']:.0f}",
        ),
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
            f"longest stall while the {MESSAGES:,}-message conversation opens",
            figures["open_stall_ms"],
            "ms",
            TARGET_OPEN_STALL_MS,
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
