"""`ask` as a whole process: from before the spawn to its exit, streaming a 10,000-delta answer.

`python -m claude_desktop ask` runs as a person types it, against the benchmark's loopback
server, the key in the environment (no keyring) and an empty data dir; the baseline is a bare
script doing the same in a process of its own: import httpx, POST the question, read the SSE
lines, `json.loads` each event and write each text delta to stdout, flushed, as `ask` does.
Both write to a pipe this process reads, both read compiled bytecode (see `startup`), and
they run interleaved, so drift on a shared machine hits both alike; the figure is the ratio
of the medians. What `ask` imports and does before its request is most of the difference.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from . import payload
from .common import BENCH_KEY, ROOT, Metric, median, qt_environment, worker_main
from .startup import _child_env

DELTAS = 10_000
#: `ask` over the bare httpx script, both whole processes, medians of the same run (issue 19).
TARGET_ASK_RATIO = 1.3

BARE_CHILD = """
import json, sys
import httpx

body = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 4096,
    "stream": True,
    "messages": [{"role": "user", "content": sys.argv[2]}],
}
headers = {"x-api-key": "sk-ant-benchmark-0000", "anthropic-version": "2023-06-01"}
out = sys.stdout
with httpx.Client(timeout=60) as http:
    with http.stream("POST", sys.argv[1] + "/v1/messages", json=body, headers=headers) as r:
        for line in r.iter_lines():
            if line.startswith("data:"):
                event = json.loads(line[5:])
                if event["type"] == "content_block_delta":
                    out.write(event["delta"]["text"])
                    out.flush()
out.write("\\n")
"""


def _time(command: list[str], base_url: str) -> tuple[float, str]:
    """Seconds from before the spawn to the exit, and what it wrote to stdout."""
    env = _child_env(base_url)
    env["ANTHROPIC_API_KEY"] = BENCH_KEY  # never the keyring: it would time D-Bus
    started = time.monotonic()
    proc = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{command[1:3]} exited {proc.returncode}:\n{proc.stderr}")
    return elapsed, proc.stdout


def commands(base_url: str, deltas: int = DELTAS) -> dict[str, list[str]]:
    """The two children: `ask` as typed, and the bare httpx script."""
    question = payload.question(deltas)
    return {
        "ask": [sys.executable, "-m", "claude_desktop", "ask", question],
        "bare": [sys.executable, "-c", BARE_CHILD, base_url, question],
    }


def measure(base_url: str, repeat: int, deltas: int = DELTAS) -> dict[str, list[float]]:
    """Seconds of each child, `repeat` times each, alternated, after one uncounted run each
    (which writes the bytecode cache the counted runs read). Both must print the answer."""
    expected = payload.answer(deltas)[0]
    children = commands(base_url, deltas)
    times: dict[str, list[float]] = {name: [] for name in children}
    for counted in [False] + [True] * repeat:
        for name, command in children.items():
            seconds, out = _time(command, base_url)
            if out.rstrip("\n") != expected.rstrip("\n"):
                raise RuntimeError(f"{name} printed another answer ({len(out)} characters)")
            if counted:
                times[name].append(seconds)
    return times


def run(args: argparse.Namespace) -> list[Metric]:
    qt_environment(base_url=args.base_url)
    repeat = 3 if args.short else 9
    times = measure(args.base_url, repeat)
    ask_s, bare_s = median(times["ask"]), median(times["bare"])
    case = "4 cold start"
    spread = f"min {min(times['ask']):.2f}, max {max(times['ask']):.2f} s"
    return [
        Metric("ask.ask", case, f"`ask` streaming {DELTAS:,} deltas, whole process", ask_s, "s",
               note=f"median of {repeat}, interleaved; {spread}"),
        Metric("ask.bare", case, "(bare httpx script doing the same)", bare_s, "s",
               note=f"median of {repeat}; min {min(times['bare']):.2f} s"),
        Metric("ask.ratio", case, "`ask` over the bare httpx script, same run", ask_s / bare_s,
               "x", TARGET_ASK_RATIO),
    ]  # fmt: skip


def main() -> None:
    worker_main(run)


if __name__ == "__main__":
    main()
