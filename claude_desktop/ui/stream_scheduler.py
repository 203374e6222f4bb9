"""When the streaming views of an answer render: one throttle and one budget for all of them.

Deltas are only buffered; a view asks its answer's scheduler for a render, and the scheduler
renders every view that asked, together, at most once per RENDER_INTERVAL_MS (the first text
at once). A delta that comes when the last render is already an interval old (a stream as
slow as a model writes) waits up to HOLD_MS for the next one, which renders both at once.
A render does at most RENDER_BUDGET_MS of Markdown per event loop turn, a budget shared by
every answer on screen (`TurnBudget`), and leaves the rest to the next turn. While the
window is minimized or hidden (closed to the tray) nothing renders: the views wait, and
render together once the window shows again. An answer that ends meanwhile is rendered
whole, as it always is.
"""

from __future__ import annotations

import math
import time
from typing import Protocol

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QWidget

__all__ = ["HOLD_MS", "RENDER_BUDGET_MS", "RENDER_INTERVAL_MS", "RenderScheduler", "TurnBudget"]

#: Shortest time between the starts of two renders of a streaming answer (~60 a second: a
#: delta shows within one frame; measured p95 delta-to-screen at model pace 33 -> 18 ms).
RENDER_INTERVAL_MS = 16
#: Markdown work one render may do before it leaves the rest to the next event loop turn.
#: The tail, the insert and the layout come on top: with 5 ms the longest render under a
#: flood is ~10 ms (it was ~15 ms with 8), which is what a delta waits for beyond the interval.
RENDER_BUDGET_MS = 5
#: How long a delta of a slow stream waits for the next one before it renders alone. At a
#: model's pace (a delta every ~20 ms) a render per delta was most of the app's CPU time
#: while an answer streams (battery benchmark: 3,000 renders, 4.5 s of 8.7 s); waiting for
#: the next delta halves the renders and keeps delta-to-screen under 33 ms. Floods, whose
#: deltas come within an interval of the last render, never wait for this.
HOLD_MS = 25


class TurnBudget:
    """The render budget of the current event loop turn, shared by every message: opening
    a conversation finishes dozens of answers in one turn, and a budget each would add up
    to a frozen window."""

    _deadline: float | None = None

    @classmethod
    def deadline(cls, now: float) -> float:
        current = cls._deadline
        # A deadline long past belongs to an earlier turn whose reset has not run yet.
        if current is None or now - current > RENDER_INTERVAL_MS / 1000:
            current = cls._deadline = now + RENDER_BUDGET_MS / 1000
            QTimer.singleShot(0, cls._reset)  # the next turn starts with a fresh budget
        return current

    @classmethod
    def _reset(cls) -> None:
        cls._deadline = None


class StreamingView(Protocol):
    """A view whose renders the scheduler times."""

    queued: bool

    @property
    def ended(self) -> bool: ...

    def render(self) -> None: ...

    def window(self) -> QWidget: ...


#: What a window shows of itself in these states: nothing.
_UNSEEN = (QWindow.Visibility.Hidden, QWindow.Visibility.Minimized)


class RenderScheduler(QObject):
    """The render timer of one answer, shared by its streaming views."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._run)
        #: When the last render started: the interval runs from the start of a render, not
        #: its end, so under a flood renders come every RENDER_INTERVAL_MS, not every render
        #: time plus that (which put p95 delta-to-screen at 35-40 ms).
        self.last_render = -math.inf
        #: Whether the timer holds a slow stream's delta for the next one (see HOLD_MS).
        self.holding = False
        self._queue: list[StreamingView] = []
        #: The window, minimized or hidden, whose showing again the queued views wait for.
        self._unseen: QWindow | None = None

    def request(self, view: StreamingView) -> None:
        """Render `view` soon: when the last render is an interval old; or, if it already
        is, at once for the first text and for a second delta, else after HOLD_MS."""
        if not view.queued:
            view.queued = True
            self._queue.append(view)
        if self._unseen is not None:
            return
        if self.holding:  # the held delta has company: both show now
            self.holding = False
            self.timer.start(0)
        elif not self.timer.isActive():
            since_ms = (time.perf_counter() - self.last_render) * 1000
            if since_ms < RENDER_INTERVAL_MS:
                self.timer.start(math.ceil(RENDER_INTERVAL_MS - since_ms))
            elif self.last_render == -math.inf:
                self.timer.start(0)
            else:
                self.holding = True
                self.timer.start(HOLD_MS)

    def again(self, view: StreamingView) -> None:
        """Render `view` on the next event loop turn (this turn's budget is spent)."""
        if not view.queued:
            view.queued = True
            self._queue.append(view)
        self.holding = False
        self.timer.start(0)

    def due(self) -> bool:
        """Whether a render waits for the event loop: its time came while the loop was busy."""
        return self.timer.isActive() and self.timer.remainingTime() == 0

    def forget(self, view: StreamingView) -> None:
        if view.queued:
            view.queued = False
            self._queue.remove(view)

    def stop(self) -> None:
        self.holding = False
        self.timer.stop()
        self._stop_waiting()

    def _run(self) -> None:
        self.holding = False
        if self._queue and self._wait_while_unseen(self._queue[0]):
            # An ended view finishes its last render (over budgeted turns) whatever the
            # window shows: its answer is done, and is whole when the window comes back.
            views = [view for view in self._queue if view.ended]
            self._queue = [view for view in self._queue if not view.ended]
        else:
            views, self._queue = self._queue, []
        for view in views:
            view.queued = False
            view.render()

    def _wait_while_unseen(self, view: StreamingView) -> bool:
        """Whether `view`'s window is minimized or hidden; if so, the queue waits for it
        to show again. At a model's pace rendering is most of an answer's CPU time (battery
        benchmark), all of it spent on pixels nobody sees while the window is away. The
        check costs ~2.4 µs a render (timed on a shown view), a render ~1.2 ms."""
        handle = view.window().windowHandle()  # None until first shown: render as usual
        if handle is None or handle.visibility() not in _UNSEEN:
            return False
        if self._unseen is None:
            self._unseen = handle
            handle.visibilityChanged.connect(self._visibility_changed)
        return True

    def _visibility_changed(self, visibility: QWindow.Visibility) -> None:
        if visibility not in _UNSEEN:
            self._stop_waiting()
            # At once, not on the next turn: if the platform reports the state before it
            # exposes the window, its next paint already has the text.
            self.timer.stop()
            self._run()

    def _stop_waiting(self) -> None:
        if self._unseen is not None:
            self._unseen.visibilityChanged.disconnect(self._visibility_changed)
            self._unseen = None
