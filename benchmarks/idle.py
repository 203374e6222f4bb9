"""Idle: what the window costs while nobody uses it (a laptop's battery is the budget).

The app starts from source as `claude-desktop` does, in a child process, with one hook
added in the child (not in the app): once `MainWindow.start` has returned and the start-up
work has settled (the model list, the warm-up threads) and the caret has come to rest
(ui/caret_rest.py: it stops blinking 10 s after the last input), an event filter on the application
counts Qt's timer events, the wake-ups of the UI thread, and the process's CPU time (every
thread) is read before and after a span of idling. Nothing happens in the window meanwhile.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from claude_desktop.ui.caret_rest import REST_AFTER_MS

from .common import ROOT, Metric, qt_environment, worker_main
from .startup import HOOK_WINDOW_START, _child_env

#: Timer events per second on the UI thread while idle: none should run (a stray one-shot
#: in the span is tolerated, a repeating timer is not).
TARGET_WAKEUPS = 0.1
#: CPU seconds (all threads) per minute of idling.
TARGET_CPU_PER_MINUTE = 0.1

CHILD = (
    HOOK_WINDOW_START
    + """
import os
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

SETTLE_MS, SPAN_MS = int(sys.argv[1]), int(sys.argv[2])


class TimerCounter(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Timer:
            self.count += 1
        return False


def cpu():
    t = os.times()
    return t.user + t.system


def on_started(window):
    counter = TimerCounter()

    def begin():
        counter.begun = cpu()
        QApplication.instance().installEventFilter(counter)
        QTimer.singleShot(SPAN_MS, end)

    def end():
        used = cpu() - counter.begun
        QApplication.instance().removeEventFilter(counter)
        # The end's own single-shot timer is one of the events counted.
        print(f"IDLE {counter.count - 1} {used:.4f}", flush=True)
        window.quit_requested.emit()

    window._idle_counter = counter
    QTimer.singleShot(SETTLE_MS, begin)

sys.exit(app.main(["claude-desktop"]))
"""
)


def idle_child(base_url: str, settle_s: float, span_s: float) -> tuple[int, float]:
    """Timer events on the UI thread and CPU seconds of the process during `span_s` of idling."""
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(int(settle_s * 1000)), str(int(span_s * 1000))],
        cwd=ROOT,
        env=_child_env(base_url),
        capture_output=True,
        text=True,
        timeout=60 + settle_s + span_s,
        check=False,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("IDLE "):
            _, timers, cpu = line.split()
            return int(timers), float(cpu)
    raise RuntimeError(f"the idle child never reported (exit {proc.returncode}):\n{proc.stderr}")


def run(args: argparse.Namespace) -> list[Metric]:
    qt_environment(base_url=args.base_url)
    # Short mode too: one stray one-shot event (qasync's timer for a callback already
    # cancelled) in a 3 s span reads as 0.33/s, a "periodic timer" that is not there.
    span = 10.0 if args.short else 20.0
    settle = REST_AFTER_MS / 1000 + 1.0
    timers, cpu = idle_child(args.base_url, settle_s=settle, span_s=span)
    case = "6 idle"
    return [
        Metric(
            "idle.wakeups",
            case,
            "timer events on the UI thread, per second idle",
            timers / span,
            "/s",
            TARGET_WAKEUPS,
            f"{timers} in {span:g} s, from {settle:g} s after start",
        ),
        Metric(
            "idle.cpu",
            case,
            "CPU seconds per minute idle (all threads)",
            cpu / span * 60,
            "s",
            TARGET_CPU_PER_MINUTE,
            f"{cpu * 1000:.0f} ms in {span:g} s, scaled",
        ),
    ]


def main() -> None:
    worker_main(run)


if __name__ == "__main__":
    main()
