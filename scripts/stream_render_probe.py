"""Measure streaming an answer through AssistantMessageWidget (shown, offscreen by default).

For 3,000 and 10,000 deltas of a realistic Markdown answer, prints the total time with the
event loop turning once per delta, the time to merely concatenate the deltas, the number of
renders and the longest render.

    uv run python scripts/stream_render_probe.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from claude_desktop.ui.conversation_view import ConversationView
from claude_desktop.ui.message_widget import RenderStats
from claude_desktop.ui.render import warm_up
from tests.ui.conftest import answer_of_deltas


def _stream(app: QApplication, deltas: list[str], paced: bool) -> tuple[float, RenderStats]:
    view = ConversationView()
    view.resize(900, 700)
    view.show()
    app.processEvents()
    widget = view.begin_assistant_message("claude-sonnet-4-6")
    started = time.perf_counter()
    if paced:
        # Three deltas a millisecond from a timer: ten times faster than Claude writes.
        pending = iter(deltas)
        timer = QTimer()
        timer.setInterval(1)

        def tick() -> None:
            for _ in range(3):
                delta = next(pending, None)
                if delta is None:
                    timer.stop()
                    return
                widget.append_text(delta)

        timer.timeout.connect(tick)
        timer.start()
        while timer.isActive():
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    else:
        for delta in deltas:
            widget.append_text(delta)
            app.processEvents()
    widget.finish(None, footer="done")
    while not widget.is_rendered:
        app.processEvents()
    app.processEvents()
    total_ms = (time.perf_counter() - started) * 1000
    assert widget.markdown_text() == "".join(deltas)
    view.close()
    view.deleteLater()
    app.processEvents()
    return total_ms, widget.stats


def probe(app: QApplication, count: int) -> None:
    text, deltas = answer_of_deltas(count)

    started = time.perf_counter()
    joined = ""
    for delta in deltas:
        joined += delta
    concat_ms = (time.perf_counter() - started) * 1000
    assert joined == text
    print(f"{count} deltas, {len(text)} chars; concatenating them alone: {concat_ms:.2f} ms")
    for paced in (False, True):
        total_ms, stats = _stream(app, deltas, paced)
        how = "paced, 3 deltas/ms" if paced else "flat out, one loop turn per delta"
        mean = stats.total_ms / max(stats.renders, 1)
        print(
            f"  {how:<34} total {total_ms:6.0f} ms, {stats.renders:4} renders, "
            f"longest {stats.max_ms:5.1f} ms, mean {mean:4.1f} ms, "
            f"all renders {stats.total_ms:4.0f} ms"
        )


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    started = time.perf_counter()
    warm_up()  # as the app does at start-up: the first answer pays no import costs
    print(f"warm_up: {(time.perf_counter() - started) * 1000:.0f} ms")
    for count in (3_000, 10_000):
        probe(app, count)


if __name__ == "__main__":
    main()
