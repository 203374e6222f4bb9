"""The empty chat: a greeting above the composer, and suggestions under it that fill it in."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from . import icons, theme

#: (label, icon, what it puts in the composer).
SUGGESTIONS: tuple[tuple[str, str, str], ...] = (
    ("Write", "pencil", "Help me write "),
    ("Learn", "book-open", "Explain to me how "),
    ("Code", "code", "Help me write code that "),
    ("Brainstorm", "lightbulb", "Give me ideas for "),
)


def greeting_for(now: dt.datetime) -> str:
    """Good morning / afternoon / evening, by the local hour."""
    if 5 <= now.hour < 12:
        return "Good morning"
    if 12 <= now.hour < 18:
        return "Good afternoon"
    return "Good evening"


class Greeting(QWidget):
    """Above the composer on an empty chat: the greeting, at the foot of the space above."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.mark = QLabel(self)
        self.mark.setFixedSize(32, 32)
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setAccessibleName("Greeting")
        row = QHBoxLayout()
        row.setSpacing(12)
        row.addStretch(1)
        row.addWidget(self.mark, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.title, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(16, 16, 16, 20)
        column.addStretch(1)
        column.addLayout(row)
        self.refresh()

    def refresh(self, now: dt.datetime | None = None) -> None:
        """The greeting of the hour, in the theme's colours and the text size's scale."""
        self.title.setText(greeting_for(now or dt.datetime.now()))
        font = QFont(self.font())
        font.setPixelSize(theme.scaled(32, theme.BODY_PX))
        font.setWeight(QFont.Weight.Normal)
        self.title.setFont(font)
        self.mark.setPixmap(icons.pixmap("sparkles", "accent", 30, self.mark))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.mark.setPixmap(icons.pixmap("sparkles", "accent", 30, self.mark))
        super().changeEvent(event)


class Suggestions(QWidget):
    """Under the composer on an empty chat: chips that start a message."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.chips: list[QToolButton] = []
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addStretch(1)
        for label, icon, prompt in SUGGESTIONS:
            chip = QToolButton(self)
            chip.setText(label)
            chip.setAccessibleName(f"Suggestion: {label}")
            chip.setToolTip(f"Start with “{prompt.strip()}…”")
            chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            icons.tint(chip, icon, "secondary", 16)
            chip.clicked.connect(lambda _=False, p=prompt: self.chosen.emit(p))
            self.chips.append(chip)
            row.addWidget(chip)
        row.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(16, 0, 16, 16)
        column.addLayout(row)
        column.addStretch(1)
        self._style()

    def _style(self) -> None:
        tokens = theme.tokens_for(self.palette())
        self._dark = tokens.dark
        self.setStyleSheet(
            "QToolButton {"
            f" color: {tokens.secondary}; background: transparent;"
            f" border: 1px solid {tokens.border}; border-radius: {theme.RADIUS_CONTROL}px;"
            " padding: 6px 12px; }"
            f"QToolButton:hover {{ background: {tokens.hover}; color: {tokens.text}; }}"
            f"QToolButton:focus {{ border: 2px solid {tokens.accent}; padding: 5px 11px; }}"
        )

    def changeEvent(self, event: QEvent) -> None:
        # Only when the theme flips: a style sheet set here changes the palette again.
        if event.type() == QEvent.Type.PaletteChange and theme.is_dark(self.palette()) != (
            self._dark
        ):
            self._style()
        super().changeEvent(event)
