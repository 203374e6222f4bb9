"""Streaming: throughput against bare httpx, event-loop stalls, delta-to-screen latency.

The same N-delta answer (the same bytes, from `benchmarks.server`) is read three ways:

a. bare httpx: `aiter_lines` and `json.loads` of each data line, the floor;
b. the app's `MessagesClient.stream`, consuming every event;
c. the whole app: a shown `MainWindow` sends the question and the answer streams into its
   conversation view, until the last delta is rendered.

a and b run on a plain asyncio loop; c on the app's own loop on Qt's
(`event_loop.AppEventLoop`). During c a heartbeat timer (`common.Heartbeat`) records the
longest stall of the event loop, and wrappers (installed here, not in the app) note when the
client hands each text delta to the window and when each render of the answer completes,
which gives every delta's latency to the screen. A last answer comes paced, one event per
write, as a model writes: its latency is the one a person sees; the flood's is bounded by
how fast the app renders.

R, the final answer rendered once in one go into a shown message of the same view, at its
width (`common.render_once`), is what showing it costs at the least (python-markdown,
Pygments and Qt's text layout, all on the UI thread, which PySide6 does not release the
GIL for): (a+R)/a is the least c/a any window on this renderer can reach,
and c/(a+R) says how much the app adds to reading the stream and rendering its text once.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import payload
from .common import (
    Heartbeat,
    Metric,
    median,
    percentile,
    qt_environment,
    render_once,
    started_window,
    worker_main,
)

COUNTS = (500, 3_000, 10_000)
LONG_CODE_LINES = payload.LONG_CODE_LINES
#: How many more times a short answer is timed: at 500 deltas a, R and c are each a few ms
#: to ~30 ms, and one run's jitter on this machine is as large (a 5.9 to 9.1 ms R, a 6.2 to
#: 8.9 ms a, between two full runs of a day). The extra answers cost ~2 s.
SHORT_ANSWER_REPEATS = 5


def times(deltas: int, repeat: int) -> int:
    """How many times to time an answer of `deltas` deltas, for a run of `repeat`."""
    return repeat * SHORT_ANSWER_REPEATS if deltas <= 500 else repeat


#: The paced answer: one delta every PACE_MS, some 5-10 times faster than a model writes.
PACED_DELTAS = 1_000
PACE_MS = 2.0
TARGET_CLIENT_RATIO = 1.1  # b/a
#: c/(a+R), what the app adds to reading the stream and rendering its text once (issue 19):
#: at 500 deltas the fixed cost of an answer (two bubbles, SQLite, the last paint) dominates.
#: c/a itself is shown, not judged: (a+R)/a alone is over 1.5x on this renderer.
TARGET_APP_OVER_FLOORS = {500: 1.5, 3_000: 1.3, 10_000: 1.3}
#: c/a at the largest N over c/a at the smallest: above 1 means the app slows as answers grow.
TARGET_GROWTH = 1.2
TARGET_STALL_MS = 33.0
TARGET_LATENCY_P95_MS = 33.0


def request_body(deltas: int, *, coalesced: bool = False) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": 8192,
        "messages": [{"role": "user", "content": payload.question(deltas, coalesced=coalesced)}],
    }


# -- a and b: reading the stream without the window -----------------------------------------


async def read_bare(
    http: httpx.AsyncClient, url: str, deltas: int, *, coalesced: bool = False
) -> float:
    """a: the stream read by httpx alone; seconds until the last event is parsed."""
    body = {**request_body(deltas, coalesced=coalesced), "stream": True}
    started = time.perf_counter()
    texts = 0
    async with http.stream("POST", url, json=body) as response:
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                event = json.loads(line[5:])
                if event["type"] == "content_block_delta":
                    texts += 1
    elapsed = time.perf_counter() - started
    assert texts == deltas, f"bare httpx read {texts} deltas of {deltas}"
    return elapsed


async def read_client(client: Any, deltas: int, *, coalesced: bool = False) -> float:
    """b: the stream read by the app's client; seconds until its last event."""
    from claude_desktop.api.events import ContentBlockDelta, TextDelta

    started = time.perf_counter()
    texts = 0
    async with client.stream(request_body(deltas, coalesced=coalesced)) as stream:
        async for event in stream:
            if isinstance(event, ContentBlockDelta) and isinstance(event.delta, TextDelta):
                texts += 1
    elapsed = time.perf_counter() - started
    assert texts == deltas, f"the client read {texts} deltas of {deltas}"
    return elapsed


async def measure_readers(
    base_url: str, counts: tuple[int, ...], repeat: int
) -> dict[int, dict[str, float]]:
    """Medians of a and b for each count, with the stream sent one event per write and (for
    reference) coalesced; a warm-up read of each first (connection, caches)."""
    from claude_desktop.api.client import MessagesClient

    url = base_url + "/v1/messages"
    out: dict[int, dict[str, float]] = {}
    async with httpx.AsyncClient(timeout=60) as http, MessagesClient("k", base_url=base_url) as c:
        for deltas in counts:
            for coalesced in (False, True):
                await read_bare(http, url, deltas, coalesced=coalesced)
                await read_client(c, deltas, coalesced=coalesced)
                bare, client = [], []
                for _ in range(times(deltas, repeat)):  # alternated: drift hits both alike
                    bare.append(await read_bare(http, url, deltas, coalesced=coalesced))
                    client.append(await read_client(c, deltas, coalesced=coalesced))
                suffix = "_coalesced" if coalesced else ""
                out.setdefault(deltas, {}).update(
                    {f"bare{suffix}": median(bare), f"client{suffix}": median(client)}
                )
    return out


# -- c: the whole app ------------------------------------------------------------------------


@dataclass
class Probe:
    """What the wrappers record during one answer."""

    arrivals: list[tuple[float, int]] = field(default_factory=list)  # (time, chars so far)
    renders: list[tuple[float, int]] = field(default_factory=list)  # (time, chars shown)
    chars: int = 0

    def reset(self) -> None:
        self.arrivals.clear()
        self.renders.clear()
        self.chars = 0

    def latencies_ms(self) -> list[float]:
        """Each delta: from its arrival to the end of the first render that shows all of it."""
        waiting = collections.deque(self.arrivals)
        out: list[float] = []
        for rendered_at, shown in self.renders:
            while waiting and waiting[0][1] <= shown and waiting[0][0] <= rendered_at:
                arrived, _ = waiting.popleft()
                out.append((rendered_at - arrived) * 1000)
        assert not waiting, f"{len(waiting)} deltas were never rendered"
        return out


def install_probe(probe: Probe) -> None:
    """Wrap the window's sink and the answer's render to time stamp them (the app is as is)."""
    from claude_desktop.ui.answer_stream import AnswerStream
    from claude_desktop.ui.text_block_view import TextBlockView

    text_delta = AnswerStream.text_delta
    render = TextBlockView.render

    def timed_text_delta(self: Any, index: int, text: str) -> None:
        now = time.perf_counter()
        text_delta(self, index, text)
        if text:
            probe.chars += len(text)
            probe.arrivals.append((now, probe.chars))

    def timed_render(self: Any, budget: bool = True) -> None:
        render(self, budget)
        shown = self._committed_chars + len(self._tail)
        probe.renders.append((time.perf_counter(), shown))

    AnswerStream.text_delta = timed_text_delta  # type: ignore[method-assign]
    # Before any widget exists: the scheduler calls each text view's render.
    TextBlockView.render = timed_render  # type: ignore[method-assign]


@dataclass
class AppRun:
    seconds: float
    stall_ms: float
    latencies_ms: list[float]
    renders: int
    longest_render_ms: float
    all_renders_ms: float


@dataclass
class AppFigures:
    runs: dict[int, list[AppRun]]  # c, by delta count
    bare_on_qasync: dict[int, float]  # a, on this same qasync loop (seconds)
    render_once: dict[int, RenderFloor]  # R: the whole answer rendered in one go
    first_seconds: float  # the first answer, which also loads Markdown and Pygments
    paced: AppRun
    long_code: list[AppRun]  # an answer that is mostly one long code block, as fast as it comes


async def measure_app(base_url: str, counts: tuple[int, ...], repeat: int) -> AppFigures:
    """c for each count, and the figures that help read it."""
    from claude_desktop.ui.message_widget import AssistantMessageWidget

    probe = Probe()
    install_probe(probe)

    heartbeat = Heartbeat()

    session, tasks, window = await started_window()

    async def answer(deltas: int, pace_ms: float | None = None, long_code: int = 0) -> AppRun:
        window.new_chat()
        await asyncio.sleep(0.05)  # let the cleared view's widgets go and the loop settle
        probe.reset()
        heartbeat.start()
        started = time.perf_counter()
        if long_code:
            window.send(payload.long_code_question(long_code))
        else:
            window.send(payload.question(deltas, pace_ms))
        assert tasks.turn is not None
        await tasks.turn
        widget = window.view.message_widgets()[-1]
        assert isinstance(widget, AssistantMessageWidget)
        while not widget.is_rendered:  # noqa: ASYNC110 (no signal says it is rendered)
            await asyncio.sleep(0)
        elapsed = time.perf_counter() - started
        stall_ms = heartbeat.stop()
        text = payload.long_code_answer(long_code)[0] if long_code else payload.answer(deltas)[0]
        assert widget.markdown_text() == text, "the window shows another text than was sent"
        assert widget.error_text() is None, widget.error_text()
        stats = widget.stats
        return AppRun(
            elapsed,
            stall_ms,
            probe.latencies_ms(),
            stats.renders,
            stats.max_ms,
            stats.total_ms,
        )

    try:
        # The first answer also loads Markdown and Pygments: reported on its own, not in c.
        first = (await answer(counts[0])).seconds
        bare_on_qasync: dict[int, float] = {}
        runs: dict[int, list[AppRun]] = {}
        async with httpx.AsyncClient(timeout=60) as http:
            for deltas in counts:
                await answer(deltas)  # warm-up, as a and b have one
                runs[deltas] = [await answer(deltas) for _ in range(times(deltas, repeat))]
                url = base_url + "/v1/messages"
                await read_bare(http, url, deltas)
                bare_on_qasync[deltas] = median(
                    [await read_bare(http, url, deltas) for _ in range(times(deltas, repeat))]
                )
        paced = await answer(PACED_DELTAS, PACE_MS)
        await answer(0, long_code=LONG_CODE_LINES)  # warm-up
        long_code = [await answer(0, long_code=LONG_CODE_LINES) for _ in range(repeat)]
        render_once = {n: await render_floor(window, n, repeat) for n in counts}
    finally:
        await tasks.cancel_all()
        await session.aclose()
        window.hide()
        window.deleteLater()
    return AppFigures(runs, bare_on_qasync, render_once, first, paced, long_code)


@dataclass
class RenderFloor:
    """R, the final answer rendered once in one go, and its Markdown part (seconds)."""

    whole: float
    markdown: float  # python-markdown and Pygments, to HTML; the rest is Qt's


async def render_floor(window: Any, deltas: int, repeat: int) -> RenderFloor:
    """R: the final answer rendered once, in one go, in a message of the window's view, shown
    and laid out as c's answers are: what showing it costs at the least, however it arrives
    (medians)."""
    from claude_desktop.ui.render import render_markdown

    text = payload.answer(deltas)[0]
    whole, markdown = [], []
    for _ in range(times(deltas, max(3, repeat))):
        seconds, _cpu, _widget = await render_once(window, text)
        whole.append(seconds)
        started = time.perf_counter()
        render_markdown(text)
        markdown.append(time.perf_counter() - started)
    window.new_chat()
    return RenderFloor(median(whole), median(markdown))


def run_app_phase(base_url: str, counts: tuple[int, ...], repeat: int) -> AppFigures:
    from PySide6.QtWidgets import QApplication

    from claude_desktop.app import run_on_qt_loop
    from claude_desktop.event_loop import AppEventLoop

    app = QApplication.instance() or QApplication([sys.argv[0]])
    loop = AppEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        return run_on_qt_loop(loop, measure_app(base_url, counts, repeat))
    finally:
        asyncio.set_event_loop(None)
        loop.close()


# -- the figures -----------------------------------------------------------------------------


def run(args: argparse.Namespace) -> list[Metric]:
    qt_environment(base_url=args.base_url)
    # a and b take milliseconds, so more of them; c's runs also give thousands of latencies.
    reader_repeat, app_repeat = (5, 1) if args.short else (9, 5)
    with asyncio.Runner() as runner:
        readers = runner.run(measure_readers(args.base_url, COUNTS, reader_repeat))
    app = run_app_phase(args.base_url, COUNTS, app_repeat)

    metrics: list[Metric] = []
    ratios: dict[int, float] = {}
    case = "1 throughput"
    for deltas in COUNTS:
        n = f"{deltas:,}"
        bare, client = readers[deltas]["bare"], readers[deltas]["client"]
        runs = app.runs[deltas]
        whole = median([r.seconds for r in runs])
        rendering = median([r.all_renders_ms for r in runs])
        ratios[deltas] = whole / bare
        metrics += [
            Metric(f"stream.{deltas}.bare", case, f"a. bare httpx, {n} deltas", bare * 1000,
                   "ms", note=f"{len(payload.sse(deltas)) / 1e6:.2f} MB of SSE"),
            Metric(f"stream.{deltas}.client", case, f"b. MessagesClient, {n} deltas",
                   client * 1000, "ms"),
            Metric(f"stream.{deltas}.app", case, f"c. app, to the last delta rendered, {n}",
                   whole * 1000, "ms", note=f"of which rendering {rendering:.0f} ms"),
            Metric(f"stream.{deltas}.client_ratio", case, f"b/a, {n} deltas", client / bare,
                   "x", TARGET_CLIENT_RATIO),
            Metric(f"stream.{deltas}.app_ratio", case, f"c/a, {n} deltas", whole / bare, "x",
                   note="shown, not a target: see c/(a+R)"),
        ]  # fmt: skip
    small, large = COUNTS[0], COUNTS[-1]
    metrics.append(
        Metric("stream.app_ratio_growth", case, f"c/a at {large:,} over c/a at {small:,}",
               ratios[large] / ratios[small], "x", TARGET_GROWTH,
               "above 1: the app slows down as the answer grows")
    )  # fmt: skip
    for deltas in COUNTS:
        bare, client = readers[deltas]["bare_coalesced"], readers[deltas]["client_coalesced"]
        metrics.append(
            Metric(f"stream.{deltas}.coalesced_client_ratio", case,
                   f"(b/a with 64 KB writes, {deltas:,})", client / bare, "x",
                   note=f"a {bare * 1000:.1f} ms, b {client * 1000:.1f} ms")
        )  # fmt: skip
    for deltas in COUNTS:
        on_qasync = app.bare_on_qasync[deltas]
        metrics.append(
            Metric(f"stream.{deltas}.bare_qasync", case, f"(a on the app's Qt loop, {deltas:,})",
                   on_qasync * 1000, "ms",
                   note=f"{on_qasync / readers[deltas]['bare']:.2f}x a on asyncio")
        )  # fmt: skip
    for deltas in COUNTS:
        once = app.render_once[deltas]
        whole = median([r.seconds for r in app.runs[deltas]])
        bare = readers[deltas]["bare"]
        qt = once.whole - once.markdown
        metrics += [
            Metric(f"stream.{deltas}.floor_ratio", case,
                   f"((a+R)/a, the least c/a can be, {deltas:,})", (bare + once.whole) / bare,
                   "x", note=f"R, the answer rendered once in one go: {once.whole * 1000:.1f} ms"
                   f" (Markdown and Pygments {once.markdown * 1000:.1f}, Qt {qt * 1000:.1f})"),
            Metric(f"stream.{deltas}.app_over_floors", case,
                   f"c/(a+R), {deltas:,} deltas", whole / (bare + once.whole), "x",
                   TARGET_APP_OVER_FLOORS.get(deltas),
                   "what the app adds to reading the stream and rendering its text once"),
            Metric(f"stream.{deltas}.render_ratio", case, f"(R/a, {deltas:,} deltas)",
                   once.whole / bare, "x",
                   note=f"R {once.whole * 1000:.1f} ms: Markdown and Pygments"
                   f" {once.markdown * 1000:.1f} ms, Qt {qt * 1000:.1f} ms"),
        ]  # fmt: skip
    metrics.append(
        Metric("stream.first_answer", case, f"(the first answer, {small:,} deltas)",
               app.first_seconds * 1000, "ms", note="includes loading Markdown and Pygments")
    )  # fmt: skip

    case = "2 responsiveness"
    for deltas in COUNTS:
        stall = max(r.stall_ms for r in app.runs[deltas])
        last = app.runs[deltas][-1]
        metrics.append(
            Metric(f"stall.{deltas}", case, f"longest stall, {deltas:,} deltas", stall, "ms",
                   TARGET_STALL_MS if deltas == large else None,
                   f"{last.renders} renders, the longest {last.longest_render_ms:.1f} ms")
        )  # fmt: skip

    lines, runs = LONG_CODE_LINES, app.long_code
    last = runs[-1]
    metrics.append(
        Metric("stall.long_code", case, f"longest stall, a {lines}-line code block",
               max(r.stall_ms for r in runs), "ms", TARGET_STALL_MS,
               f"{len(payload.long_code_answer(lines)[1]):,} deltas; {last.renders} renders,"
               f" the longest {last.longest_render_ms:.1f} ms")
    )  # fmt: skip

    case = "3 delta to screen"
    paced = f"{PACED_DELTAS:,} deltas, one per {PACE_MS:g} ms"
    samples = {f"{n:,} deltas": [x for r in app.runs[n] for x in r.latencies_ms] for n in COUNTS}
    samples[paced] = app.paced.latencies_ms
    per_run = {f"{n:,} deltas": [r.latencies_ms for r in app.runs[n]] for n in COUNTS}
    for label, latencies in samples.items():
        key = "paced" if label == paced else label.split()[0].replace(",", "")
        note = f"max {max(latencies):.1f} ms"
        if len(per_run.get(label, ())) > 1:
            spread = latency_spread(per_run[label])
            note += f"; p95 of each run {spread[0]:.1f}-{spread[1]:.1f} ms"
        metrics += [
            Metric(f"latency.{key}.median", case, f"median, {label}", median(latencies), "ms"),
            Metric(f"latency.{key}.p95", case, f"p95, {label}", percentile(latencies, 0.95),
                   "ms", TARGET_LATENCY_P95_MS, note),
        ]  # fmt: skip
    return metrics


def latency_spread(runs: list[list[float]]) -> tuple[float, float]:
    """The lowest and highest p95 of the runs, each taken alone: the run-to-run spread."""
    p95s = [percentile(latencies, 0.95) for latencies in runs if latencies]
    return min(p95s), max(p95s)


def main() -> None:
    worker_main(run)


if __name__ == "__main__":
    main()
