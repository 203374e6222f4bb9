"""What every message has: a frame, a Copy button, and its versions and one action.

The user's question (message_widget.py) and Claude's answer (answer_view.py) build on it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

__all__ = ["MessageWidget", "set_text_color", "small"]


def small(widget: QWidget, factor: float = 0.9) -> None:
    font = widget.font()
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * factor)
    widget.setFont(font)


def set_text_color(widget: QWidget, color: str) -> None:
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(color))
    palette.setColor(QPalette.ColorRole.Text, QColor(color))
    widget.setPalette(palette)


class MessageWidget(QFrame):
    """What every message has: its Markdown text and a button that copies it."""

    role = ""
    _built = False  # set once a subclass has made the widgets _apply_palette colours

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.copy_button = QToolButton(self)
        self.copy_button.setText("Copy")
        self.copy_button.setAutoRaise(True)
        self.copy_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.copy_button.setAccessibleName("Copy message")
        self.copy_button.setAccessibleDescription("Copy this message as Markdown")
        self.copy_button.setToolTip("Copy this message as Markdown")
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        self._copied_timer = QTimer(self)
        self._copied_timer.setSingleShot(True)
        self._copied_timer.setInterval(1500)
        self._copied_timer.timeout.connect(lambda: self.copy_button.setText("Copy"))
        small(self.copy_button)

        # Versions of this message ("‹ 2/3 ›") and the one action it offers (Edit for a
        # question, Regenerate for an answer); hidden until the window asks for them.
        self.prev_button = self._tool("‹", "Previous version")
        self.next_button = self._tool("›", "Next version")
        self.version_label = QLabel(self)
        self.version_label.setAccessibleName("Version")
        small(self.version_label)
        self.action_button = self._tool("", "")
        self.prev_button.clicked.connect(lambda: self.version_requested.emit(-1))
        self.next_button.clicked.connect(lambda: self.version_requested.emit(1))
        self.action_button.clicked.connect(self.action_requested.emit)
        for widget in (self.prev_button, self.version_label, self.next_button, self.action_button):
            widget.hide()
        self.tools = QWidget(self)
        row = QHBoxLayout(self.tools)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        for widget in (
            self.prev_button,
            self.version_label,
            self.next_button,
            self.action_button,
            self.copy_button,
        ):
            row.addWidget(widget)

    version_requested = Signal(int)
    action_requested = Signal()

    def _tool(self, text: str, accessible: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setAutoRaise(True)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setAccessibleName(accessible)
        button.setToolTip(accessible)
        small(button)
        return button

    def set_versions(self, index: int, count: int) -> None:
        """Show "‹ index+1/count ›" when this message has other versions."""
        several = count > 1
        for widget in (self.prev_button, self.version_label, self.next_button):
            widget.setVisible(several)
        self.version_label.setText(f"{index + 1}/{count}")
        self.prev_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < count - 1)

    def versions_text(self) -> str | None:
        return self.version_label.text() if self.version_label.isVisibleTo(self) else None

    def set_action(self, text: str | None, description: str = "") -> None:
        """Offer one action on this message (e.g. "Edit"), or none."""
        self.action_button.setText(text or "")
        self.action_button.setAccessibleName(description or text or "")
        self.action_button.setToolTip(description)
        self.action_button.setVisible(bool(text))

    def markdown_text(self) -> str:
        raise NotImplementedError

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.markdown_text())
        self.copy_button.setText("Copied")
        self._copied_timer.start()

    def _apply_palette(self) -> None:
        """Recolour what the palette does not colour by itself."""

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._built:
            self._apply_palette()
