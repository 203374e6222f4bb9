"""The benchmarks time the app through hooks on its classes: they must still find them.

CI runs the benchmarks after the tests; a hook that names a class the app no longer has would
only fail there, minutes later, as "could not run". This finds it with the tests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot

from benchmarks import ask as ask_bench
from benchmarks import battery, payload
from benchmarks.common import ROOT
from benchmarks.server import Server
from benchmarks.startup import bundle_size
from benchmarks.streaming import Probe, install_probe, latency_spread
from claude_desktop.domain.titles import title_request
from claude_desktop.ui.answer_stream import AnswerStream
from claude_desktop.ui.conversation_view import ConversationView
from claude_desktop.ui.text_block_view import TextBlockView


def test_the_streaming_probe_hooks_the_window_as_it_is(
    monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    # monkeypatch puts the originals back afterwards, whatever install_probe replaced.
    monkeypatch.setattr(AnswerStream, "text_delta", AnswerStream.text_delta)
    monkeypatch.setattr(TextBlockView, "render", TextBlockView.render)
    originals = (AnswerStream.text_delta, TextBlockView.render)
    probe = Probe()
    install_probe(probe)
    assert AnswerStream.text_delta is not originals[0]
    assert TextBlockView.render is not originals[1]
    # The wrappers are replaced whatever the classes hold: what can break is the wrapped
    # render's call and what it reads of a text view. A real view renders through it.
    view = ConversationView()
    qtbot.addWidget(view)
    view.begin_assistant_message("m").append_text("Timed text.")
    qtbot.waitUntil(lambda: bool(probe.renders), timeout=5_000)
    assert probe.renders[-1][1] > 0


@pytest.fixture
def bench_server() -> Iterator[str]:
    """The benchmarks' loopback server, in a thread; its base URL."""
    server = Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.base_url
    finally:
        server.shutdown()
        server.server_close()


def test_the_benchmark_server_answers_a_title_request_with_a_title(bench_server: str) -> None:
    # The app asks for a title after a first answer, quoting the question and its
    # bench-deltas marker: streamed the long answer, it ran under the next measurement.
    body = title_request(payload.question(10_000), "An answer.", "claude-haiku-4-5")
    reply = httpx.post(bench_server + "/v1/messages", json={**body, "stream": True}, timeout=10)
    assert reply.status_code == 200
    assert payload.TITLE in reply.text
    assert reply.text.count("event: content_block_delta") == 1


def test_the_ask_benchmark_times_both_children_printing_the_answer(bench_server: str) -> None:
    # Each child must print exactly the streamed answer (measure checks it), else it raises.
    times = ask_bench.measure(bench_server, repeat=1, deltas=20)
    assert len(times["ask"]) == len(times["bare"]) == 1


def test_the_battery_benchmark_reads_the_cpu_of_its_bare_reader(bench_server: str) -> None:
    proc = battery.start_bare_reader(bench_server, 5)
    assert 0 <= battery.bare_cpu(proc, 5) < 5


def test_the_latency_spread_is_the_lowest_and_highest_p95_of_the_runs() -> None:
    assert latency_spread([[1.0] * 19 + [9.0], [2.0] * 20]) == (2.0, 9.0)


def test_the_bundle_size_is_counted_when_there_is_one(tmp_path: Path) -> None:
    missing = bundle_size(ROOT / "no-such-bundle")
    assert missing.value is None and missing.note.startswith("skipped")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "big.so").write_bytes(b"x" * 3_000_000)
    (tmp_path / "claude-desktop").write_bytes(b"x" * 1_000_000)
    (tmp_path / "link.so").symlink_to(tmp_path / "lib" / "big.so")
    found = bundle_size(tmp_path)
    assert found.value == pytest.approx(4.0)
    assert "lib/big.so, 3 MB" in found.note
