"""The card an answer shows where it failed: a one-line title, the detail, and one action the
window chooses (Retry, Update API key…)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout

from . import theme
from .message_frame import small

__all__ = ["ErrorCard"]


class ErrorCard(QFrame):
    """Hidden until `show_error`; its action runs once unless it repeats."""

    def __init__(self, parent: QFrame) -> None:
        super().__init__(parent)
        self._action: Callable[[], None] | None = None
        self._repeats = False  # whether the action may be used more than once
        self._styled_dark: bool | None = None  # the theme restyle last used (None: never)
        self.setObjectName("error-card")
        self.setAccessibleName("Error")
        card = QVBoxLayout(self)
        card.setContentsMargins(14, 10, 14, 12)
        card.setSpacing(4)
        self.title_label = QLabel(self)
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        self.title_label.setAccessibleName("Error title")
        self.title_label.setObjectName("error-title")
        title_font = self.title_label.font()
        title_font.setWeight(title_font.Weight.DemiBold)
        self.title_label.setFont(title_font)
        self.detail_label = QLabel(self)
        self.detail_label.setTextFormat(Qt.TextFormat.PlainText)
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        small(self.detail_label)
        self.detail_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.detail_label.setAccessibleName("Error detail")
        self.detail_label.setObjectName("error-detail")
        self.action_button = QPushButton("Retry", self)
        self.action_button.setAccessibleName("Retry")
        self.action_button.setAccessibleDescription("Send the request again")
        self.action_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.action_button.clicked.connect(self.run_action)
        self.action_button.hide()
        action_row = QHBoxLayout()
        action_row.setContentsMargins(0, 6, 0, 0)
        action_row.addWidget(self.action_button)
        action_row.addStretch(1)
        card.addWidget(self.title_label)
        card.addWidget(self.detail_label)
        card.addLayout(action_row)
        self.hide()

    def show_error(self, title: str, text: str) -> None:
        self.title_label.setText(title)
        self.detail_label.setText(text)
        self.detail_label.show()
        self.restyle()
        self.show()

    def restyle(self) -> None:
        """The tokens of the card's own palette: error tint, error text for the title, the
        body text for the detail. Styled when first shown, not when every answer is made
        (most never fail), and again on its own palette change (see changeEvent)."""
        t = theme.tokens_for(self.palette())
        self._styled_dark = t.dark
        # Colours in the style sheet, not the labels' palettes: a style sheet's repolish
        # would put the palettes back.
        self.setStyleSheet(
            f"QFrame#error-card {{ background: {t.error_tint};"
            f" border-radius: {theme.RADIUS_CARD}px; }}"
            f" QLabel#error-title {{ color: {t.error_text}; background: transparent; }}"
            f" QLabel#error-detail {{ color: {t.text}; background: transparent; }}"
            # The one action: a rounded button on the card's surface, the accent's ring
            # when focused (a style sheet draws the focus itself).
            f" QPushButton {{ background: {t.surface}; color: {t.text};"
            f" border: 1px solid {t.border}; border-radius: {theme.RADIUS_CONTROL}px;"
            " padding: 5px 14px; }"
            f" QPushButton:hover {{ background: {t.hover}; }}"
            f" QPushButton:focus {{ border: 2px solid {t.accent}; padding: 4px 13px; }}"
        )

    def changeEvent(self, event: QEvent) -> None:
        # The card's own palette change, not its message's: the message hears of a theme
        # switch before its children's palettes have followed, so a restyle from there
        # read the old theme and kept light colours in dark mode.
        super().changeEvent(event)
        if (
            event.type() == QEvent.Type.PaletteChange
            and self._styled_dark is not None
            and theme.is_dark(self.palette()) != self._styled_dark
        ):
            self.restyle()

    def set_action(
        self,
        action: str,
        on_action: Callable[[], None] | None,
        *,
        description: str = "",
        repeat: bool = False,
    ) -> None:
        """Replace the card's action (e.g. Update API key, then Retry once it is)."""
        self._action = on_action
        self._repeats = repeat
        button = self.action_button
        button.setText(action)
        button.setAccessibleName(action)
        button.setAccessibleDescription(description)
        button.setToolTip(description)
        button.setEnabled(True)
        button.setVisible(on_action is not None)

    def run_action(self) -> None:
        """What the card's button does: call its action (once, unless it repeats)."""
        action = self._action
        if not self._repeats:
            self._action = None
            self.action_button.setEnabled(False)
        if action is not None:
            action()
