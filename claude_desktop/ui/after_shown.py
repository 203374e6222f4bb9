"""Work that is not needed to show what just changed, run once it has been painted."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


def after_shown(context: QObject, work: Callable[[], None]) -> None:
    """Run `work` once what was just changed on screen has been painted (and not if
    `context` is gone by then). Qt paints at the start of the event loop's next turn, so a
    timer set from that turn runs after the paint."""
    QTimer.singleShot(0, context, lambda: QTimer.singleShot(0, context, work))
