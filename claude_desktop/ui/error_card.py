"""The card an answer shows where it failed: a one-line title, the detail, and one action the
window chooses (Retry, Update API key…)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout

from . import theme
from .message_frame import set_text_color, small

__all__ = ["ErrorCard"]


class ErrorCard(QFrame):
    """Hidden until `show_error`; its action runs once unless it repeats."""

    def __init__(self, parent: QFrame) -> None:
        super().__init__(parent)
        self._action: Callable[[], None] | None = None
        self._repeats = False  # whether the action may be used more than once
        self.setObjectName("error-card")
        self.setAccessibleName("Error")
        card = QVBoxLayout(self)
        card.setContentsMargins(14, 10, 14, 12)
        card.setSpacing(4)
        self.title_label = QLabel(self)
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        self.title_label.setAccessibleName("Error title")
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
        # Styled when first shown, not when every answer is made: most never fail.
        dark = theme.is_dark(self.palette())
        tint, text = ("#3d2622", "#f0a08c") if dark else ("#fbeae6", "#a1361f")
        self.setStyleSheet(f"QFrame#error-card {{ background: {tint}; border-radius: 12px; }}")
        for label in (self.title_label, self.detail_label):
            set_text_color(label, text)

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
