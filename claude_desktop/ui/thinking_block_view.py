"""The "Thinking" section above an answer: Claude's thinking, streamed, collapsible.

Collapsed it is one quiet line, "Thought for 6 s ›" ("Thinking…" while it streams); open,
the thinking reads beside a thin rule in the border colour (design.md).

It opens while thinking streams in and collapses by itself when the answer's first text
arrives (once: a person who opens it again keeps it open). Thinking is shown as plain
text, appended when the answer's scheduler renders, so its cost per render follows the new
text. Consecutive thinking blocks (thinking, redacted thinking) share one section.
An answer loaded from history shows its thinking collapsed; redacted thinking (encrypted
by the API) is only mentioned.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QTextCursor
from PySide6.QtWidgets import QLabel, QTextBrowser, QToolButton, QVBoxLayout, QWidget

from claude_desktop.domain.blocks import KINDS, kind_of

from . import icons, theme
from .stream_scheduler import RenderScheduler

REDACTED_NOTE = "Part of Claude's thinking was encrypted by the API and cannot be shown."


class _RuledBody(QWidget):
    """The open section's body: a thin rule down its left edge."""

    RULE_X = 5

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        color = QColor(theme.tokens_for(self.palette()).border)
        painter.fillRect(QRectF(self.RULE_X, 0, 2, self.height()), color)
        painter.end()


def thought_title(seconds: float | None) -> str:
    """The collapsed line's words: how long Claude thought, when the app saw it think."""
    if seconds is None:
        return "Thought process"
    return f"Thought for {max(1, round(seconds))} s"


class ThinkingSection(QWidget):
    """`view` is the text view the thinking goes in (the answer's own kind of view);
    `scheduler` times its renders with the rest of the answer's."""

    def __init__(self, view: QTextBrowser, scheduler: RenderScheduler, parent: QWidget) -> None:
        super().__init__(parent)
        self._scheduler = scheduler
        self.queued = False  # waiting in the scheduler for a render
        self._pending: list[str] = []
        self._chars = 0
        self._streaming = False
        self._auto_collapsed = False
        self._redacted = False
        self._started: float | None = None  # when the first thinking streamed in
        self._seconds: float | None = None  # how long it streamed
        #: How many times streamed thinking was put on screen (tests: the cadence).
        self.renders = 0

        self.toggle = QToolButton(self)
        # Not checkable: a checked tool button is drawn pressed in, which reads as a
        # stuck button rather than an open section. The arrow shows the state.
        self.toggle.setAutoRaise(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        # The chevron after the words ("Thought for 6 s ›").
        self.toggle.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.toggle.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.toggle.setCursor(Qt.CursorShape.PointingHandCursor)
        self.toggle.setAccessibleName("Thinking")
        self._open = False
        self.toggle.clicked.connect(lambda: self.set_expanded(not self._open))

        self.view = view
        view.setParent(self)
        view.setAccessibleName("Claude's thinking")
        self.redacted_label = QLabel(REDACTED_NOTE, self)
        self.redacted_label.setWordWrap(True)
        self.redacted_label.setTextFormat(Qt.TextFormat.PlainText)
        # Lined up with the text, which sits inside the view's 2 px document margin.
        self.redacted_label.setContentsMargins(2, 0, 0, 0)
        font = self.redacted_label.font()
        font.setItalic(True)
        self.redacted_label.setFont(font)
        self.redacted_label.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        # Absolute: the toggle's own right-to-left direction must not move it to the right.
        layout.addWidget(
            self.toggle, 0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignAbsolute
        )
        self.body = _RuledBody(self)
        body = QVBoxLayout(self.body)
        # Indented beside the rule, so it reads as the toggle's content.
        body.setContentsMargins(18, 2, 0, 4)
        body.setSpacing(2)
        body.addWidget(view)
        body.addWidget(self.redacted_label)
        layout.addWidget(self.body)

        self.set_expanded(False)
        self.hide()

    # -- what the answer tells it ----------------------------------------------------------

    def append(self, delta: str) -> None:
        """A streamed thinking delta; rendered later, at most once per render interval."""
        if not delta:
            return
        first = not self._streaming and not self._chars and not self._pending
        self._pending.append(delta)
        if first:
            self._streaming = True
            self._started = time.monotonic()
            self._update_title()
            self.show()
            self.set_expanded(True)
        self._scheduler.request(self)

    def answer_started(self) -> None:
        """The answer's first text came: fold the thinking away (only this once)."""
        if self._auto_collapsed:
            return
        self._auto_collapsed = True
        self.end()
        self.set_expanded(False)

    def end(self) -> None:
        """No more thinking will come: show the rest of it now."""
        self._scheduler.forget(self)
        self.render()
        if self._streaming:
            self._streaming = False
            if self._started is not None:
                self._seconds = time.monotonic() - self._started
            self._update_title()

    def show_blocks(self, content: Sequence[dict[str, Any]]) -> None:
        """Show what a finished answer holds that did not stream (an answer from history,
        redacted thinking), collapsed unless it is already open."""
        if not self._chars and not self._pending:
            thinking = KINDS["thinking"]
            text = "\n\n".join(
                str(b.get("thinking", "")) for b in content if kind_of(b) is thinking
            ).strip()
            if text:
                self._pending.append(text)
                self.render()
                self._auto_collapsed = True
        if any(kind_of(b) is KINDS["redacted_thinking"] for b in content):
            self._redacted = True
        if self._chars or self._redacted:
            self.show()
            self._update_title()
            self.set_expanded(self._open)

    # -- state, for the window and tests ---------------------------------------------------

    @property
    def expanded(self) -> bool:
        return self.isVisibleTo(self.parentWidget()) and self._open

    def set_expanded(self, is_open: bool) -> None:
        self._open = is_open
        self._show_open(is_open)

    def text(self) -> str:
        return self.view.toPlainText() + "".join(self._pending)

    @property
    def ended(self) -> bool:
        """Whether no more thinking streams in (the scheduler's `StreamingView`)."""
        return not self._streaming

    # -- internals -------------------------------------------------------------------------

    def add_redacted(self) -> None:
        """A redacted thinking block arrived: say so (it cannot be shown)."""
        self._redacted = True
        self.show()
        self._update_title()
        self._show_open(self._open)

    def render(self) -> None:
        if not self._pending:
            return
        chunk = "".join(self._pending)
        self._pending.clear()
        cursor = QTextCursor(self.view.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(chunk)
        self._chars += len(chunk)
        self._scheduler.last_render = time.perf_counter()
        self.renders += 1

    def _show_open(self, is_open: bool) -> None:
        icons.tint(self.toggle, "chevron-down" if is_open else "chevron-right", "secondary", 16)
        self.body.setVisible(is_open)
        self.redacted_label.setVisible(self._redacted)
        self.view.setVisible(self._chars > 0 or bool(self._pending))
        state = "shown" if is_open else "hidden"
        self.toggle.setAccessibleDescription(f"Claude's thinking, {state}; press to toggle")
        self.toggle.setToolTip("Hide Claude's thinking" if is_open else "Show Claude's thinking")

    def _update_title(self) -> None:
        self.toggle.setText("Thinking…" if self._streaming else thought_title(self._seconds))
