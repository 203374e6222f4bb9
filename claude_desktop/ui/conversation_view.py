"""The scrolling list of a conversation's messages, following the newest text as it streams.

The messages sit in one reading column centred on the page (design.md): at most
COLUMN_MAX_WIDTH wide at the default text size, growing with Ctrl+=, the margins taking the
rest of a wide window. Body text is BODY_PX at the default size; the font the window gives
the view (its zoom) scales it.

While an answer streams the view stays at the bottom, unless the user scrolls up: then it
stays put and a floating "Jump to latest" button brings it back and resumes following.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.domain.question_attachments import ShownAttachment

from . import icons, theme
from .message_frame import MessageWidget
from .question_attachments import ThumbnailLoader
from .theme_sheet import follow_theme
from .viewports import adopt_viewport

if TYPE_CHECKING:
    from .message_widget import AssistantMessageWidget, UserMessageWidget

__all__ = ["ConversationView"]

# How close to the end still counts as "at the bottom", in pixels.
_BOTTOM_SLACK = 4


class ConversationView(QScrollArea):
    """Messages top to bottom; the view scrolls, the messages grow to fit their text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        adopt_viewport(self)
        self.setAccessibleName("Conversation")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._messages: list[MessageWidget] = []
        self._following = True
        #: Makes the thumbnails of questions' images (None: they show as file cards).
        self.thumbnails: ThumbnailLoader | None = None

        self._content = QWidget(self)
        self._content.setObjectName("conversationContent")
        centre = QHBoxLayout(self._content)
        centre.setContentsMargins(24, 24, 24, 24)
        centre.setSpacing(0)
        #: The reading column the messages are in.
        self.column = QWidget(self._content)
        self.column.setObjectName("readingColumn")
        centre.addStretch(1)
        centre.addWidget(self.column, 1000)
        centre.addStretch(1)
        self._layout = QVBoxLayout(self.column)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(24)
        self.body_px = float(theme.BODY_PX)
        self.earlier_button = QPushButton("Show earlier messages", self.column)
        self.earlier_button.setAccessibleName("Show earlier messages")
        self.earlier_button.setFlat(True)
        self.earlier_button.hide()
        self._layout.addWidget(self.earlier_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self._layout.addStretch(1)
        self.setWidget(self._content)
        # A streaming answer grows a line at a time, and every widget that grows with it
        # (this content, the column, the answer, its block column and text view) repainted
        # all of itself that shows: the whole view, twice a line (battery benchmark: 613 of
        # 1,822 paints, two thirds of the painted area). Their contents are top-left
        # anchored, so growing need only paint the new strip. (The scroll that follows still
        # repaints the view: a blit would move pixels still due for a paint; painting them
        # first, mid-layout, left stale ones.)
        for grows in (self._content, self.column):
            grows.setAttribute(Qt.WidgetAttribute.WA_StaticContents)

        self.jump_button = QPushButton("Jump to latest", self)
        self.jump_button.setAccessibleName("Jump to latest")
        self.jump_button.setAccessibleDescription("Scroll to the newest text and follow it")
        self.jump_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.jump_button.clicked.connect(self.scroll_to_bottom)
        icons.tint(self.jump_button, "arrow-down", "secondary", 16)
        # A floating pill over the text: the surface with a border, the accent ring on focus.
        follow_theme(
            self.jump_button,
            lambda t: (
                f"QPushButton {{ background: {t.surface}; color: {t.text};"
                f" border: 1px solid {t.border}; border-radius: 15px; padding: 6px 14px; }}"
                f" QPushButton:hover {{ background: {t.hover}; }}"
                f" QPushButton:focus {{ border: 2px solid {t.accent}; padding: 5px 13px; }}"
            ),
        )
        self.jump_button.hide()

        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._on_range_changed)
        bar.valueChanged.connect(self._on_value_changed)
        self._apply_text_size()

    # -- the reading column ------------------------------------------------------------------

    def _apply_text_size(self) -> None:
        """Body text at BODY_PX, scaled as the view's font is to the application's (the
        zoom), and the column as wide as that text size makes it."""
        default = QApplication.font().pointSizeF()
        size = self.font().pointSizeF()
        ratio = size / default if default > 0 and size > 0 else 1.0
        self.body_px = theme.BODY_PX * ratio
        font = self.font()
        font.setPixelSize(max(1, round(self.body_px)))
        self.column.setFont(font)
        self.column.setMaximumWidth(self.column_width())

    def column_width(self) -> int:
        """The reading column's widest, at the current text size."""
        return theme.scaled(theme.COLUMN_MAX_WIDTH, self.body_px)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._apply_text_size()

    # -- messages ----------------------------------------------------------------------------

    def add_user_message(
        self,
        text: str,
        attachments: Sequence[str | ShownAttachment] = (),
        *,
        at_top: bool = False,
        follow: bool = False,
    ) -> UserMessageWidget:
        # The messages' modules (the answer's text, code, math, tool cards: ~20 of them)
        # load with the first message, not with the window: an empty chat shows none.
        from .message_widget import UserMessageWidget

        widget = UserMessageWidget(text, attachments, loader=self.thumbnails)
        self._add(widget, at_top=at_top, follow=follow)
        return widget

    def begin_assistant_message(
        self, model: str, *, at_top: bool = False, follow: bool = False
    ) -> AssistantMessageWidget:
        from .message_widget import AssistantMessageWidget

        widget = AssistantMessageWidget(model)
        self._add(widget, at_top=at_top, follow=follow)
        return widget

    def set_more_above(self, count: int) -> None:
        """Offer to show `count` earlier messages that are not rendered (0 hides the offer)."""
        self.earlier_button.setText(f"Show {count} earlier messages")
        self.earlier_button.setVisible(count > 0)

    def flash_message(self, widget: MessageWidget) -> None:
        """Flash `widget` once (a search result just opened): a short tint, then gone."""
        from .flash import flash  # only when a search opens a message

        flash(widget)

    def message_widgets(self) -> list[MessageWidget]:
        return list(self._messages)

    def clear(self) -> None:
        for widget in self._messages:
            self._layout.removeWidget(widget)
            widget.hide()
            widget.deleteLater()
        self._messages.clear()
        self._mark_newest()
        self.earlier_button.hide()
        self.scroll_to_bottom()

    def _add(self, widget: MessageWidget, *, at_top: bool = False, follow: bool = False) -> None:
        """Add a message at the end, or `at_top` (below the "Show earlier" button). A message
        the user asked for at the top stops following the end; one added at the top while a
        conversation fills in (`follow`) leaves following as it is."""
        if at_top:
            self._messages.insert(0, widget)
            self._layout.insertWidget(1, widget)
            if not follow:
                self._set_following(False)
        else:
            self._messages.append(widget)
            # Before the stretch that keeps a short conversation at the top.
            self._layout.insertWidget(self._layout.count() - 1, widget)
        # Now, not on the next loop turn as the layout would: callers use it at once.
        widget.show()
        self._mark_newest()

    def _mark_newest(self) -> None:
        """The newest answer shows its actions without a hover; the others on hover."""
        if not self._messages:
            return
        from .message_widget import AssistantMessageWidget

        newest = next(
            (w for w in reversed(self._messages) if isinstance(w, AssistantMessageWidget)), None
        )
        for widget in self._messages:
            widget.set_newest(widget is newest)

    # -- following the newest text -----------------------------------------------------------

    @property
    def is_following(self) -> bool:
        return self._following

    def scroll_to_bottom(self) -> None:
        """Go to the end and keep following new text."""
        self._set_following(True)
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _set_following(self, following: bool) -> None:
        self._following = following
        self.jump_button.setVisible(not following)
        if not following:
            self._place_jump_button()
            self.jump_button.raise_()

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._following:
            self.verticalScrollBar().setValue(maximum)

    def _on_value_changed(self, value: int) -> None:
        # Content growing moves the maximum, never the value, so a value short of the end
        # means the user scrolled away; reaching the end again resumes following.
        at_bottom = value >= self.verticalScrollBar().maximum() - _BOTTOM_SLACK
        if at_bottom != self._following:
            self._set_following(at_bottom)

    def _place_jump_button(self) -> None:
        hint = self.jump_button.sizeHint()
        viewport = self.viewport().geometry()
        self.jump_button.setGeometry(
            viewport.x() + (viewport.width() - hint.width()) // 2,
            viewport.bottom() - hint.height() - 12,
            hint.width(),
            hint.height(),
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_jump_button()
