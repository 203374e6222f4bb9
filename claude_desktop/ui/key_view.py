"""The welcome page that asks for an API key, checks it and hands it over to be kept."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

CONSOLE_URL = "https://console.anthropic.com/settings/keys"


class KeyView(QWidget):
    #: (key, remember): remember=False means "for this session only".
    key_submitted = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("<h2>Welcome to Claude Desktop</h2>", self)
        intro = QLabel(
            "To talk to Claude, paste an Anthropic API key. You can create one in the "
            f'<a href="{CONSOLE_URL}">Anthropic Console</a>. The key is checked with one '
            "request, then kept in your system's keyring, never in a file.",
            self,
        )
        intro.setWordWrap(True)
        intro.setOpenExternalLinks(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.field = QLineEdit(self)
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setPlaceholderText("sk-ant-…")
        self.field.setAccessibleName("API key")
        self.field.returnPressed.connect(lambda: self._submit(remember=True))
        self.save_button = QPushButton("Check and save key", self)
        self.save_button.setAccessibleName("Check and save the API key")
        self.save_button.clicked.connect(lambda: self._submit(remember=True))
        self.session_button = QPushButton("Use for this session only", self)
        self.session_button.setAccessibleName("Use the key for this session only")
        self.session_button.clicked.connect(lambda: self._submit(remember=False))
        self.session_button.hide()
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Key status")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.session_button)
        buttons.addStretch(1)
        box = QWidget(self)
        box.setMaximumWidth(560)
        inner = QVBoxLayout(box)
        for widget in (title, intro, self.field):
            inner.addWidget(widget)
        inner.addLayout(buttons)
        inner.addWidget(self.message)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

    def focus(self) -> None:
        self.field.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_busy(self, busy: bool) -> None:
        for widget in (self.field, self.save_button, self.session_button):
            widget.setEnabled(not busy)
        if busy:
            self.show_message("Checking the key…")

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("error", error)
        color = self.palette().color(self.palette().ColorRole.PlaceholderText)
        self.message.setStyleSheet("color: #c0392b;" if error else f"color: {color.name()};")

    def offer_session_only(self, reason: str) -> None:
        self.show_message(reason, error=True)
        self.session_button.show()

    def reset(self, message: str = "") -> None:
        self.field.clear()
        self.session_button.hide()
        self.show_message(message)

    def _submit(self, remember: bool = True) -> None:
        key = self.field.text().strip()
        if not key:
            self.show_message("Paste your API key first.", error=True)
            return
        self.key_submitted.emit(key, remember)
