"""Transient notices ("Copied the last answer", "Exported to …", "Deleted … Undo"): small
rounded cards near the foot of the conversation, above the composer, that go away by
themselves. They replace the status bar: nothing of them stays on screen.

Each toast is announced to screen readers (an Alert event, its text as its name). Fades
are short (design.md: under 150 ms), and none runs while an answer streams on screen.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEasingCurve, QEvent, QObject, QPropertyAnimation, Qt, QTimer
from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsOpacityEffect,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from . import theme
from .theme_sheet import follow_theme

#: How long a plain toast stays, by default.
DEFAULT_MS = 4000
FADE_MS = 120
MAX_TEXT_WIDTH = 440
#: Between the toasts and the widget they sit above (the composer).
GAP = 12


class Toast(QFrame):
    """One notice: its text, and at most one action button (Undo)."""

    def __init__(self, text: str, action: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("toast")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAccessibleName(text)
        self.setAccessibleDescription("Notice")
        self.label = QLabel(text, self)
        self.label.setObjectName("toast-text")
        self.label.setWordWrap(True)
        self.label.setMaximumWidth(MAX_TEXT_WIDTH)
        # One line when it fits: a wrapping label would otherwise take its narrowest width.
        one_line = self.label.fontMetrics().horizontalAdvance(text) + 4
        self.label.setMinimumWidth(min(one_line, MAX_TEXT_WIDTH))
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 10, 10 if action else 16, 10)
        row.setSpacing(12)
        row.addWidget(self.label, 1)
        self.button: QPushButton | None = None
        if action:
            self.button = QPushButton(action, self)
            self.button.setObjectName("toast-action")
            self.button.setAccessibleName(action)
            self.button.setCursor(Qt.CursorShape.PointingHandCursor)
            row.addWidget(self.button)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        follow_theme(self, _toast_sheet)

    def text(self) -> str:
        return self.label.text()


def _toast_sheet(t: theme.Tokens) -> str:
    return (
        f"#toast {{ background: {t.surface}; border: 1px solid {t.border};"
        f" border-radius: {theme.RADIUS_CARD}px; }}"
        f"#toast-text {{ color: {t.text}; background: transparent; }}"
        f"#toast-action {{ color: {t.accent}; background: transparent; border: none;"
        f" border-radius: {theme.RADIUS_CONTROL}px; padding: 4px 8px; font-weight: 600; }}"
        f"#toast-action:hover {{ background: {t.hover}; }}"
        f"#toast-action:focus {{ border: 2px solid {t.accent}; padding: 2px 6px; }}"
    )


class Toasts(QObject):
    """The toasts over `column` (the conversation column), stacked above `above`."""

    def __init__(self, column: QWidget, above: QWidget) -> None:
        super().__init__(column)
        self.column = column
        self.above = above
        #: True while an answer streams on screen: toasts then come and go without a fade.
        self.quiet: Callable[[], bool] = lambda: False
        #: The text of the newest toast, kept after it goes (what was last said).
        self.last_text = ""
        self.stack = QWidget(column)
        self.stack.setObjectName("toasts")
        self.stack.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self._layout = QVBoxLayout(self.stack)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(8)
        self.stack.hide()
        column.installEventFilter(self)
        above.installEventFilter(self)

    def show(
        self,
        text: str,
        timeout_ms: int = DEFAULT_MS,
        action: str = "",
        on_action: Callable[[], None] | None = None,
    ) -> Toast:
        """Show `text` for `timeout_ms`; with `action`, a button that runs `on_action` (and
        closes the toast). The same text shown again restarts its time instead of stacking."""
        for old in self.toasts():
            if old.text() == text:
                self.dismiss(old)
        toast = Toast(text, action, self.stack)
        if toast.button is not None and on_action is not None:
            toast.button.clicked.connect(on_action)
            toast.button.clicked.connect(lambda: self.dismiss(toast))
        toast.timer.timeout.connect(lambda: self._fade_out(toast))
        self._layout.addWidget(toast, 0, Qt.AlignmentFlag.AlignHCenter)
        self.last_text = text
        self.stack.show()
        self.place()
        self.stack.raise_()
        toast.timer.start(timeout_ms)
        if not self.quiet():
            self._fade(toast, 0.0, 1.0)
        QAccessible.updateAccessibility(QAccessibleEvent(toast, QAccessible.Event.Alert))
        return toast

    def toasts(self) -> list[Toast]:
        """The toasts on screen, oldest first."""
        found = self.stack.findChildren(Toast, options=Qt.FindChildOption.FindDirectChildrenOnly)
        return [t for t in found if not t.property("leaving")]

    def texts(self) -> list[str]:
        return [t.text() for t in self.toasts()]

    def dismiss(self, toast: Toast) -> None:
        toast.timer.stop()
        toast.setProperty("leaving", True)
        toast.hide()
        self._layout.removeWidget(toast)
        toast.deleteLater()
        if not self.toasts():
            self.stack.hide()
        else:
            self.place()

    def dismiss_all(self) -> None:
        for toast in self.toasts():
            self.dismiss(toast)

    def _fade(self, toast: Toast, start: float, end: float) -> QPropertyAnimation:
        effect = QGraphicsOpacityEffect(toast)
        effect.setOpacity(start)
        toast.setGraphicsEffect(effect)
        animation = QPropertyAnimation(effect, b"opacity", toast)
        animation.setDuration(FADE_MS)
        animation.setStartValue(start)
        animation.setEndValue(end)
        animation.setEasingCurve(QEasingCurve.Type.OutCubic)
        if end == 1.0:  # no effect left on a toast that stays: it would cost every paint
            animation.finished.connect(lambda: toast.setGraphicsEffect(None))  # type: ignore[arg-type]
        animation.start(QPropertyAnimation.DeletionPolicy.DeleteWhenStopped)
        return animation

    def _fade_out(self, toast: Toast) -> None:
        if toast.property("leaving"):
            return
        if self.quiet():
            self.dismiss(toast)
            return
        toast.setProperty("leaving", True)
        self._fade(toast, 1.0, 0.0).finished.connect(lambda: self.dismiss(toast))

    def place(self) -> None:
        """Centred on the column, its foot GAP above the composer's top."""
        if self.stack.isHidden():
            return
        self.stack.adjustSize()
        size = self.stack.sizeHint()
        width = min(size.width(), max(0, self.column.width() - 2 * GAP))
        top = self.above.geometry().top() if self.above.isVisible() else self.column.height()
        x = (self.column.width() - width) // 2
        y = max(0, top - GAP - size.height())
        self.stack.setGeometry(x, y, width, size.height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.Show):
            self.place()
        return False
