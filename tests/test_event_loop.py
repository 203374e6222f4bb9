"""The app's asyncio loop on Qt's: callbacks, readers, and a real paced HTTP stream."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from claude_desktop.app import run_on_qt_loop
from claude_desktop.event_loop import AppEventLoop


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[AppEventLoop]:
    loop = AppEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        asyncio.set_event_loop(None)
        loop.close()


class _Receiver(QObject):
    """Notes the posted events it receives."""

    def __init__(self, seen: list[str]) -> None:
        super().__init__()
        self.seen = seen

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.User:
            self.seen.append("posted event")
            return True
        return super().event(event)


def test_call_soon_runs_in_order_and_skips_cancelled(loop: AppEventLoop) -> None:
    ran: list[int] = []

    async def main() -> None:
        handles = [loop.call_soon(ran.append, n) for n in range(5)]
        handles[2].cancel()
        await asyncio.sleep(0.01)

    run_on_qt_loop(loop, main())
    assert ran == [0, 1, 3, 4]


def test_a_task_that_only_yields_does_not_starve_qt(loop: AppEventLoop) -> None:
    """What a callback queues runs at the next turn, after Qt's own events: a task that
    only ever yields (`sleep(0)` in a loop) still lets a timer and a posted event in."""
    seen: list[str] = []
    receiver = _Receiver(seen)

    async def main() -> int:
        QTimer.singleShot(0, lambda: seen.append("qt timer"))
        QCoreApplication.postEvent(receiver, QEvent(QEvent.Type.User))
        for turns in range(1, 100):
            await asyncio.sleep(0)
            if len(seen) == 2:
                return turns
        return -1

    turns = run_on_qt_loop(loop, main())
    assert sorted(seen) == ["posted event", "qt timer"]
    assert 0 < turns < 5


def test_an_exception_in_a_callback_is_reported_and_the_loop_goes_on(
    loop: AppEventLoop,
) -> None:
    reported: list[BaseException] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context["exception"]))

    def fails() -> None:
        raise RuntimeError("boom")

    async def main() -> str:
        loop.call_soon(fails)
        await asyncio.sleep(0.01)
        return "went on"

    assert run_on_qt_loop(loop, main()) == "went on"
    assert [str(e) for e in reported] == ["boom"]


def test_a_reader_switched_off_and_on_keeps_one_notifier(loop: AppEventLoop) -> None:
    """httpx (through anyio) resumes reading before every receive and pauses it after:
    each delta of an answer. qasync made and connected a new QSocketNotifier each time."""
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    got: list[bytes] = []

    async def main() -> None:
        first = None
        for n in range(20):
            arrived = asyncio.Event()

            def on_readable(arrived: asyncio.Event) -> None:
                got.append(ours.recv(100))
                arrived.set()

            loop.add_reader(ours.fileno(), on_readable, arrived)
            notifier = loop._read_notifiers[ours.fileno()]  # type: ignore[attr-defined]
            first = first or notifier
            assert notifier is first
            theirs.send(b"%d;" % n)
            await asyncio.wait_for(arrived.wait(), 5)
            assert loop.remove_reader(ours.fileno())
        # Off: data that comes now is not read.
        theirs.send(b"late")
        await asyncio.sleep(0.05)

    try:
        run_on_qt_loop(loop, main())
    finally:
        ours.close()
        theirs.close()
    assert b"".join(got) == b"".join(b"%d;" % n for n in range(20))
    assert not loop.remove_reader(12345)


def test_a_paced_http_stream_reads_every_event_on_the_loop(loop: AppEventLoop) -> None:
    """A real loopback server writing one SSE event every 2 ms, read with httpx as the
    client reads the API's stream; the loop must neither lose nor stall an event."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                b"transfer-encoding: chunked\r\n\r\n"
            )
            for n in range(100):
                data = b'data: {"n": %d}\n\n' % n
                conn.sendall(b"%x\r\n%s\r\n" % (len(data), data))
                time.sleep(0.002)
            conn.sendall(b"0\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    async def main() -> list[str]:
        lines = []
        async with (
            httpx.AsyncClient() as http,
            http.stream("GET", f"http://127.0.0.1:{port}/") as response,
        ):
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    lines.append(line)
        return lines

    try:
        lines = run_on_qt_loop(loop, main())
    finally:
        server.close()
        thread.join(5)
    assert lines == [f'data: {{"n": {n}}}' for n in range(100)]
