"""What every message has: its Markdown text and a row of actions under it (copy, its one
action, its versions, and for an answer ⓘ), shown on hover or keyboard focus.

The user's question (message_widget.py) and Claude's answer (answer_view.py) build on it;
the row itself is message_actions.py.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QColor, QEnterEvent, QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QWidget

from .message_actions import ActionRow

__all__ = ["MessageWidget", "set_text_color", "small"]


def small(widget: QWidget, factor: float = 0.9) -> None:
    font = widget.font()
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * factor)
    elif font.pixelSize() > 0:
        font.setPixelSize(max(1, round(font.pixelSize() * factor)))
    widget.setFont(font)


def set_text_color(widget: QWidget, color: str) -> None:
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(color))
    palette.setColor(QPalette.ColorRole.Text, QColor(color))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(color))
    widget.setPalette(palette)


class MessageWidget(QFrame):
    """What every message has: its Markdown text and the row of actions (`tools`)."""

    role = ""
    _built = False  # set once a subclass has made the widgets _apply_palette colours

    version_requested = Signal(int)
    action_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tools = ActionRow(self)
        self.copy_button = self.tools.copy_button
        self.prev_button = self.tools.prev_button
        self.next_button = self.tools.next_button
        self.version_label = self.tools.version_label
        self.action_button = self.tools.action_button
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        self.prev_button.clicked.connect(lambda: self.version_requested.emit(-1))
        self.next_button.clicked.connect(lambda: self.version_requested.emit(1))
        self.action_button.clicked.connect(self.action_requested.emit)

    def set_versions(self, index: int, count: int) -> None:
        """Show "‹ index+1/count ›" when this message has other versions."""
        self.tools.set_versions(index, count)

    def versions_text(self) -> str | None:
        return self.version_label.text() if self.version_label.isVisibleTo(self) else None

    def set_action(self, text: str | None, description: str = "") -> None:
        """Offer one action on this message (e.g. "Edit"), or none."""
        self.tools.set_action(text, description)

    def set_newest(self, newest: bool) -> None:
        """The conversation's newest answer shows its actions without a hover."""

    def markdown_text(self) -> str:
        raise NotImplementedError

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.markdown_text())
        self.tools.show_copied()

    def _apply_palette(self) -> None:
        """Recolour what the palette does not colour by itself."""

    def enterEvent(self, event: QEnterEvent) -> None:
        super().enterEvent(event)
        self.tools.set_hovered(True)

    def leaveEvent(self, event: QEvent) -> None:
        super().leaveEvent(event)
        self.tools.set_hovered(False)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._built:
            self._apply_palette()
