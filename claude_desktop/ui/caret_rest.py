"""The text caret stops blinking after a while without input, as GNOME's and macOS's do.

A blinking caret is a timer waking the app twice a second for as long as the window is
open, typed in or not: the only thing the idle window did (see benchmarks/idle.py). After
`REST_AFTER_MS` without input the caret stays shown, solid; the first key, click or mouse
move in any of the app's windows makes it blink again.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import QApplication

REST_AFTER_MS = 10_000

_INPUT = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.InputMethod,
        QEvent.Type.FocusIn,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class CaretRest(QObject):
    """Stops the caret's blinking `rest_after_ms` after the last input; input restarts it.

    While blinking, nothing watches the events (no cost while someone types: the caret
    simply rests 10 s after it started blinking and the next key wakes it at once). While
    resting, the app's top-level windows are watched for input: their events are few (a
    repaint, input), unlike every widget's.
    """

    def __init__(self, app: QApplication, rest_after_ms: int = REST_AFTER_MS) -> None:
        super().__init__(app)
        self._flash_ms = app.cursorFlashTime()
        self._watched: list[QWindow] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(rest_after_ms)
        self._timer.timeout.connect(self.rest)
        if self._flash_ms > 0:  # a platform set to a steady caret has nothing to stop
            self._timer.start()

    @property
    def resting(self) -> bool:
        return bool(self._watched)

    def rest(self) -> None:
        self._watched = list(QGuiApplication.topLevelWindows())
        for window in self._watched:
            window.installEventFilter(self)
        QApplication.setCursorFlashTime(0)

    def wake(self) -> None:
        for window in self._watched:
            # A dialog closed (and deleted) while the caret rested has nothing to remove.
            with contextlib.suppress(RuntimeError):
                window.removeEventFilter(self)
        self._watched = []
        QApplication.setCursorFlashTime(self._flash_ms)
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._watched and event.type() in _INPUT:
            self.wake()
        return False
