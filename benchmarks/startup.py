"""Cold start: from before the process is spawned to the main window shown and idle.

The app runs from source through `claude_desktop.app.main`, exactly as `claude-desktop`
starts (nothing imported before it), with one hook added in the child (not in the app),
installed as app.run begins: once `MainWindow.start` has returned, a zero-time timer,
which fires when the event loop first has nothing else to do, prints the time and the
resident memory, then asks the window to quit. A bare PySide6 window
measured the same way is the baseline, to the same point (its window shown and exposed, as
the app's child checks its own), its starts interleaved with the app's. The frozen bundle
has no such hook, so it is timed to the line its `--self-test` prints once its window is
shown and drawn; the same self-test from source is timed alongside, for comparison.

Both children read compiled bytecode, as every start of an installed app does (pip writes
it at install, the bundle carries it): a development shell's PYTHONDONTWRITEBYTECODE would
otherwise make the app compile its ~400 modules on every start (about 0.35 s) while the bare
window, whose code is C++, compiles nothing. One uncounted start writes the cache, to a
scratch folder, never next to the sources; the start without it is shown for reference.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from .common import ROOT, Metric, median, qt_environment, rss_mb, scratch_dir, worker_main

TARGET_START_S = 1.0
#: Cold start of the app over the bare window's, both measured in the same run (issue 19).
TARGET_START_RATIO = 2.5
BUNDLE = ROOT / "dist" / "claude-desktop"
FROZEN = BUNDLE / "claude-desktop"
#: The unpacked bundle, as packaging/build.py counts it (files, not links; 10^6 bytes a MB).
TARGET_BUNDLE_MB = 120.0
READY = re.compile(r"^READY (?P<at>[\d.]+) (?P<rss>[\d.]+)")

# Both print "READY <time.monotonic()> <VmRSS MB>": CLOCK_MONOTONIC is shared by all the
# processes of the machine, so the parent can subtract its own reading from before the spawn.
_REPORT = """
def _report():
    import time
    rss = 0.0
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
    print(f"READY {time.monotonic():.6f} {rss:.1f}", flush=True)
"""

#: Hooks MainWindow.start from inside app.run: importing Qt or the window here, before
#: app.main, would change the order app.main imports in (its layers before Qt).
HOOK_WINDOW_START = """
import sys
from claude_desktop import app

_run = app.run


async def run(*args, **kwargs):
    from claude_desktop.ui.main_window import MainWindow

    _start = MainWindow.start

    async def start(self):
        await _start(self)
        on_started(self)

    MainWindow.start = start
    return await _run(*args, **kwargs)


app.run = run
"""

APP_CHILD = (
    _REPORT
    + HOOK_WINDOW_START
    + """
def on_started(window):
    from PySide6.QtCore import QTimer

    def ready():
        assert window.isVisible() and window.windowHandle().isExposed()
        _report()
        window.quit_requested.emit()
    QTimer.singleShot(0, ready)

sys.exit(app.main(["claude-desktop"]))
"""
)

BARE_CHILD = (
    _REPORT
    + """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication(sys.argv)
window = QMainWindow()
window.setWindowTitle("Claude")
window.resize(1100, 780)
window.show()
def ready():
    # To the same point as the app's child: the window shown and exposed (its first paint),
    # which here comes one pass of the event loop after the first idle one (~1.5 ms).
    if not (window.isVisible() and window.windowHandle().isExposed()):
        QTimer.singleShot(0, ready)
        return
    _report()
    app.quit()
QTimer.singleShot(0, ready)
sys.exit(app.exec())
"""
)


#: Where the children's compiled bytecode goes (one per benchmark process).
_PYCACHE: str | None = None


def _child_env(base_url: str, *, bytecode: bool = True) -> dict[str, str]:
    global _PYCACHE
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if bytecode:
        _PYCACHE = _PYCACHE or scratch_dir("cd-bench-pycache-")
        env["PYTHONPYCACHEPREFIX"] = _PYCACHE
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"  # and the sources' folders have no cache
    # Each start gets an empty data dir: a first start after install, with the key in the
    # environment (the keyring would time D-Bus, not the app).
    env["CLAUDE_DESKTOP_DATA_DIR"] = scratch_dir("cd-bench-start-")
    env["ANTHROPIC_BASE_URL"] = base_url
    return env


def time_child(code: str, base_url: str, *, bytecode: bool = True) -> tuple[float, float]:
    """Seconds from before the spawn to READY, and the child's RSS then (MB)."""
    return time_child_in(code, _child_env(base_url, bytecode=bytecode))


def time_child_in(code: str, env: dict[str, str]) -> tuple[float, float]:
    """`time_child` with the child's environment as given (see `_child_env`)."""
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    for line in proc.stdout.splitlines():
        if found := READY.match(line):
            return float(found["at"]) - started, float(found["rss"])
    raise RuntimeError(f"the child never got ready (exit {proc.returncode}):\n{proc.stderr}")


def time_self_test(command: list[str], base_url: str) -> tuple[float, float]:
    """Seconds from before the spawn to the self-test's "window" line, and RSS then (MB)."""
    env = _child_env(base_url)
    env.pop("ANTHROPIC_BASE_URL")  # no stream check: only the window matters here
    started = time.monotonic()
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if re.match(r"\s*\S+\s+window\s", line):
                at = time.monotonic() - started
                rss = rss_mb(proc.pid)
                if line.split()[0] != "ok":
                    raise RuntimeError(f"the self-test's window check failed: {line.strip()}")
                return at, rss
        raise RuntimeError(f"no window line from {command[0]}: {proc.stderr.read()}")
    finally:
        proc.kill()  # the remaining checks do not matter here
        proc.wait()


def _frozen(base_url: str, case: str) -> Metric:
    """The bundle's --self-test to its window, or why it was not timed (its own CI gate
    checks the bundle; here a missing or broken one only goes unmeasured)."""
    if not os.access(FROZEN, os.X_OK):
        why = f"skipped: no {FROZEN.relative_to(ROOT)} (packaging/build.py makes it)"
        return Metric("start.frozen", case, "frozen bundle", None, "s", TARGET_START_S, why)
    try:
        frozen = [time_self_test([str(FROZEN), "--self-test"], base_url) for _ in range(3)]
        source = [sys.executable, "-m", "claude_desktop", "--self-test"]
        from_source = median([time_self_test(source, base_url)[0] for _ in range(3)])
    except (RuntimeError, OSError) as exc:
        why = f"skipped: its --self-test did not show the window ({exc})"
        return Metric("start.frozen", case, "frozen bundle", None, "s", TARGET_START_S, why)
    seconds, rss = median([t for t, _ in frozen]), median([r for _, r in frozen])
    return Metric(
        "start.frozen",
        case,
        "frozen bundle, to its --self-test window shown",
        seconds,
        "s",
        TARGET_START_S,
        f"median of 3; RSS {rss:.0f} MB; the same from source: {from_source:.2f} s",
    )


def bundle_size(bundle: Path = BUNDLE) -> Metric:
    """The unpacked bundle's size, counted as packaging/build.py reports it, or why not."""
    name = "bundle, unpacked"
    if not bundle.is_dir():
        why = f"skipped: no {bundle.relative_to(ROOT)} (packaging/build.py makes it)"
        return Metric("bundle.size", "8 bundle", name, None, "MB", TARGET_BUNDLE_MB, why)
    files = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()]
    size = sum(p.stat().st_size for p in files) / 1e6
    biggest = max(files, key=lambda p: p.stat().st_size, default=None)
    note = f"{len(files)} files"
    if biggest is not None:
        big = biggest.stat().st_size / 1e6
        note += f"; the largest {biggest.relative_to(bundle)}, {big:.0f} MB"
    return Metric("bundle.size", "8 bundle", name, size, "MB", TARGET_BUNDLE_MB, note)


def run(args: argparse.Namespace) -> list[Metric]:
    qt_environment(base_url=args.base_url)
    repeat = 3 if args.short else 7
    # Uncounted: each writes the bytecode cache the counted starts read.
    time_child(APP_CHILD, args.base_url)
    time_child(BARE_CHILD, args.base_url)
    # Interleaved, so that the machine's drift over the case (another process, the clock)
    # weighs on both alike: in a block of app starts then a block of bare ones, three runs
    # of one commit read 2.31x, 2.56x and 2.40x.
    pairs = [
        (time_child(APP_CHILD, args.base_url), time_child(BARE_CHILD, args.base_url))
        for _ in range(repeat)
    ]
    app_runs, bare_runs = [app for app, _ in pairs], [bare for _, bare in pairs]
    app_s, app_rss = median([t for t, _ in app_runs]), median([r for _, r in app_runs])
    bare_s, bare_rss = median([t for t, _ in bare_runs]), median([r for _, r in bare_runs])
    case = "4 cold start"
    metrics = [
        Metric(
            "start.app",
            case,
            "app from source, to window shown and idle",
            app_s,
            "s",
            TARGET_START_S,
            f"median of {repeat}, interleaved with the bare window's; RSS {app_rss:.0f} MB",
        ),
        Metric(
            "start.bare",
            case,
            "(bare PySide6 window)",
            bare_s,
            "s",
            note=f"median of {repeat}; RSS {bare_rss:.0f} MB",
        ),
        Metric(
            "start.app_ratio",
            case,
            "app over the bare window, same run",
            app_s / bare_s,
            "x",
            TARGET_START_RATIO,
        ),
    ]
    if not args.short:
        uncached = median(
            [time_child(APP_CHILD, args.base_url, bytecode=False)[0] for _ in range(3)]
        )
        metrics.append(
            Metric(
                "start.app_uncached",
                case,
                "(app compiling every module: no bytecode cache)",
                uncached,
                "s",
                note="median of 3",
            )
        )
    metrics.append(_frozen(args.base_url, case))
    metrics.append(bundle_size())
    # The memory case's baselines: RSS when idle, just after start-up.
    metrics += [
        Metric("start.bare_rss", "5 memory", "(bare PySide6 window, idle)", bare_rss, "MB"),
        Metric("start.app_rss", "5 memory", "(app from source, idle)", app_rss, "MB"),
    ]
    return metrics


def main() -> None:
    worker_main(run)


if __name__ == "__main__":
    main()
