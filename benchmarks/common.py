"""What every benchmark shares: figures and their targets, the environment, RSS, the machine.

A case module measures in its own process and hands back a list of `Metric`s as JSON
(`worker_main`); the runner (`benchmarks.__main__`) judges them against their targets.
"""

from __future__ import annotations

import argparse
import atexit
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: A target counts as badly missed (and fails CI) only beyond this factor: never on noise.
FAIL_FACTOR = 2.0
#: The key the app finds in the environment (never a real one: the server is loopback).
BENCH_KEY = "sk-ant-benchmark-0000"


@dataclass
class Metric:
    """One figure; `target` is the most it may be (None: reported, not judged)."""

    key: str
    case: str
    name: str
    value: float | None
    unit: str
    target: float | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "skipped"
        if self.target is None:
            return ""
        if self.value <= self.target:
            return "pass"
        if self.value <= self.target * FAIL_FACTOR:
            return "MISS"
        return f"FAIL (>{FAIL_FACTOR:g}x)"

    @property
    def failed(self) -> bool:
        return self.verdict.startswith("FAIL")

    def shown(self, value: float | None = None) -> str:
        value = self.value if value is None else value
        if value is None:
            return "-"
        if self.unit == "x":
            return f"{value:.2f}x"
        if self.unit == "MB":
            return f"{value:.0f} MB"
        if self.unit == "s":
            return f"{value:.2f} s"
        if self.unit == "%":
            return f"{value:.1f}%"
        if self.unit == "$":
            return f"${value:.4f}"
        if self.unit == "ms":
            return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
        return f"{value:g} {self.unit}".strip()

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "verdict": self.verdict}


def scratch_dir(prefix: str) -> str:
    """A new temporary directory, removed when this process exits."""
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def qt_environment(data_dir: str | None = None, base_url: str | None = None) -> None:
    """Set up this process as every benchmark process runs: offscreen Qt, PySide6 for qasync,
    a throwaway data dir, the loopback API and a key from the environment (no keyring)."""
    # Forced, not defaulted: CI has an X server, and the figures must not depend on it.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["QT_API"] = "pyside6"
    os.environ["ANTHROPIC_API_KEY"] = BENCH_KEY
    if base_url is not None:
        os.environ["ANTHROPIC_BASE_URL"] = base_url
    os.environ["CLAUDE_DESKTOP_DATA_DIR"] = data_dir or scratch_dir("cd-bench-")
    if not os.environ.get("XDG_RUNTIME_DIR"):
        # Qt warns on every start without one; a private temporary one keeps the output clean.
        os.environ["XDG_RUNTIME_DIR"] = scratch_dir("cd-bench-runtime-")


def write_pdf(path: Path, objects: Sequence[bytes]) -> None:
    """A PDF file of `objects` (numbered from 1, the catalog first), its cross-reference
    table and trailer: what the attachment and cost cases each build their PDF into."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(out)


async def started_window() -> tuple[Any, Any, Any]:
    """(session, tasks, window): the main window shown and started as the app starts it, its
    task registry keeping the newest turn's task (`tasks.turn`, for awaiting an answer's
    end), and the garbage collector settled as the app settles it once its window is up."""
    import asyncio

    from claude_desktop.app import settle_garbage_collector
    from claude_desktop.domain.secrets import KeyStore
    from claude_desktop.domain.session import Session
    from claude_desktop.domain.settings import Settings
    from claude_desktop.domain.tasks import TaskRegistry
    from claude_desktop.ui.main_window import MainWindow

    class Tasks(TaskRegistry):
        turn: asyncio.Task[Any] | None = None

        def spawn(self, coro: Any, name: str | None = None) -> asyncio.Task[Any]:
            task = super().spawn(coro, name)
            if name == "turn":
                self.turn = task
            return task

    session = Session(Settings.load(), KeyStore())
    tasks = Tasks()
    window = MainWindow(session, tasks)
    window.show()
    await window.start()
    # Start-up's objects frozen out of the collections that run while answers stream.
    settle_garbage_collector()
    return session, tasks, window


async def render_once(window: Any, text: str) -> tuple[float, float, Any]:
    """R: `text` rendered once, in one go, into a new answer of the window's conversation
    view, shown and at its width as c's answers are: (wall seconds, CPU seconds, the answer's
    widget). The caller clears it (`window.new_chat()`).

    On an empty chat the view is hidden behind the greeting, and Qt does not lay out the text
    of a hidden view: R measured there left out the layout of the text, which c pays for.
    """
    import asyncio

    window.new_chat()
    window.view.setVisible(True)  # as once a chat has messages (ComposerSync.place)
    widget = window.view.begin_assistant_message("Claude")
    await asyncio.sleep(0.05)  # its layout gives the new message its width
    started, cpu = time.perf_counter(), time.process_time()
    widget.append_text(text)
    widget.flush()
    return time.perf_counter() - started, time.process_time() - cpu, widget


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory now (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/status")


class Heartbeat:
    """A 5 ms repeating timer on the Qt event loop; its longest lateness is the loop's
    longest stall (nothing can respond to a person while it lasts)."""

    INTERVAL_MS = 5

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.beats: list[float] = []
        self._timer = QTimer()
        # Precise: a coarse timer may fire up to 5% late by design, which is not a stall.
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(lambda: self.beats.append(time.perf_counter()))

    def start(self) -> None:
        self.beats.clear()
        self.beats.append(time.perf_counter())
        self._timer.start()

    def stop(self) -> float:
        """Stop; the longest stall since `start`, in ms."""
        self._timer.stop()
        self.beats.append(time.perf_counter())
        gaps = [b - a for a, b in itertools.pairwise(self.beats)]
        return max(0.0, max(gaps, default=0.0) * 1000 - self.INTERVAL_MS)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (no interpolation: a real observed value)."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def machine() -> dict[str, Any]:
    """Where the figures came from."""
    info: dict[str, Any] = {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["ram_gb"] = round(int(line.split()[1]) / 1024**2, 1)
    try:
        import httpx
        import PySide6
        from PySide6.QtCore import qVersion

        info.update(pyside6=PySide6.__version__, qt=qVersion(), httpx=httpx.__version__)
    except ImportError:
        pass
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        info["commit"] = commit
    except (OSError, subprocess.CalledProcessError):
        pass
    return info


# -- running a case in its own process -----------------------------------------------------


def worker_main(run: Callable[[argparse.Namespace], list[Metric]]) -> None:
    """The entry point of a case module: measure, then write the metrics as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    metrics = run(args)
    args.out.write_text(json.dumps([asdict(m) for m in metrics]))


def run_worker(
    module: str, *, short: bool, base_url: str, timeout: float
) -> tuple[list[Metric], str]:
    """Run `python -m benchmarks.<module>` in a fresh process; its metrics and its stderr."""
    with tempfile.TemporaryDirectory(prefix="cd-bench-") as tmp:
        out = Path(tmp) / "metrics.json"
        command = [sys.executable, "-m", f"benchmarks.{module}", "--base-url", base_url]
        command += ["--out", str(out)] + (["--short"] if short else [])
        proc = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(
                f"benchmarks.{module} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
            )
        metrics = [Metric(**item) for item in json.loads(out.read_text())]
    return metrics, proc.stderr
