"""The app's asyncio loop: qasync's loop on Qt's, with a cheaper path for each wake-up.

An answer at a model's pace wakes the loop once a delta, and per delta qasync did far more
than asyncio's own loop (cProfile of a 300-delta answer at 50 deltas a second):
- httpx reads through anyio, which resumes reading before each receive and pauses it after,
  and qasync made a new QSocketNotifier each time, connected it, and disconnected it again;
- it ran the ready reader through a zero timer of its own instead of at once;
- every `call_soon` (three a delta) was a Qt timer started and killed, after an
  `iscoroutinefunction` check that asyncio's loop only makes in debug mode.

Here a reader's notifier is made once per file descriptor and only switched on and off, a
ready reader runs at once (as asyncio runs I/O callbacks in the iteration that polled them),
and `call_soon` queues its handle for one zero timer that runs what is queued when it fires.
What is queued while it runs waits for the next one, so Qt's own events (input, painting)
still come between. A bare httpx reader at 100 events a second, CPU per event (3 runs
each): asyncio 0.36-0.40 ms, qasync's loop 0.55-0.66 ms, this one 0.44-0.48 ms.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from contextvars import Context
from typing import Any

import qasync
from PySide6.QtCore import QObject, QSocketNotifier, QTimerEvent
from qasync import _fileno  # the descriptor of an int or a file object, as qasync's own

__all__ = ["AppEventLoop"]


class _SoonTimer(QObject):
    """One zero timer at a time, its event handled by a `timerEvent` override. A QTimer
    whose timeout reached `_run_soon` through a signal read higher in a paced reader (5
    rounds alternated, higher in each: 0.18-0.37 against 0.16-0.27 ms an event), though
    in isolation both cost a few microseconds a cycle; why is not known."""

    def __init__(self, fire: Callable[[], None]) -> None:
        super().__init__()
        self._fire = fire
        self._id = 0

    def arm(self) -> None:
        if not self._id:
            self._id = self.startTimer(0)

    def disarm(self) -> None:
        if self._id:
            self.killTimer(self._id)
            self._id = 0

    def timerEvent(self, event: QTimerEvent) -> None:
        self.disarm()
        self._fire()


class AppEventLoop(qasync.QEventLoop):  # type: ignore[misc,valid-type]
    """qasync's QEventLoop with reusable read notifiers and a batched `call_soon`."""

    def __init__(self, app: Any = None, already_running: bool = False) -> None:
        # Before qasync's own: asyncio's constructor adds a reader (its self-pipe).
        # Disabled notifiers kept for their descriptor's next reader, by descriptor.
        self._idle_readers: dict[Any, QSocketNotifier] = {}
        self._reader_handles: dict[Any, asyncio.Handle] = {}
        self._soon: collections.deque[asyncio.Handle] = collections.deque()
        self._soon_timer = _SoonTimer(self._run_soon)
        super().__init__(app, already_running=already_running)

    # -- callbacks ---------------------------------------------------------------------------

    def call_soon(
        self, callback: Callable[..., Any], *args: Any, context: Context | None = None
    ) -> asyncio.Handle:
        self._check_closed()
        handle = asyncio.Handle(callback, args, self, context)
        self._soon.append(handle)
        self._soon_timer.arm()
        return handle

    def _run_soon(self) -> None:
        soon = self._soon
        for _ in range(len(soon)):
            handle = soon.popleft()
            if not handle._cancelled:
                handle._run()
        if soon:
            self._soon_timer.arm()

    # -- readers -----------------------------------------------------------------------------

    def _add_reader(self, fd: Any, callback: Callable[..., Any], *args: Any) -> None:
        self._check_closed()
        self._reader_handles[fd] = asyncio.Handle(callback, args, self, None)
        notifier = self._read_notifiers.get(fd) or self._idle_readers.pop(fd, None)
        if notifier is None:
            notifier = QSocketNotifier(_fileno(fd), QSocketNotifier.Type.Read)
            notifier.activated.connect(lambda *_: self._reader_ready(fd))
        self._read_notifiers[fd] = notifier
        notifier.setEnabled(True)

    def _remove_reader(self, fd: Any) -> bool:
        if self.is_closed():
            return False
        self._reader_handles.pop(fd, None)
        notifier = self._read_notifiers.pop(fd, None)
        if notifier is None:
            return False
        notifier.setEnabled(False)
        self._idle_readers[fd] = notifier
        return True

    def _reader_ready(self, fd: Any) -> None:
        handle = self._reader_handles.get(fd)
        if handle is not None and not handle._cancelled:
            handle._run()

    def close(self) -> None:
        if self.is_closed():
            return
        self._soon_timer.disarm()
        for notifier in self._idle_readers.values():
            notifier.setEnabled(False)
        self._idle_readers.clear()
        self._reader_handles.clear()
        super().close()
