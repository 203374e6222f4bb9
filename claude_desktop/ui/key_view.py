"""The welcome page: asks for an API key, checks it and hands it over to be kept.

It fills the window (the main window hides its toolbar and chat while it shows), in one
centred column of fixed width, so wrapped text always gets the height it needs.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.resources import icon_file

from . import theme

CONSOLE_URL = "https://console.anthropic.com/settings/keys"
COLUMN_WIDTH = 440
GET_KEY = "Get an API key ↗"
USE_CLOUDS = "Use Amazon Bedrock or Google Vertex AI instead"
WHERE_KEPT = (
    "The key is checked with one request, then kept in your system's keyring, never in a file."
)

# The design's tokens (design.md): light, dark.
_ACCENT = ("#c96442", "#d97757")
_ACCENT_HOVER = ("#b5573a", "#e0876a")
_SECONDARY_TEXT = ("#6b6a65", "#a8a69e")
_ERROR_TINT = ("#fbeae6", "#3d2622")
_ERROR_TEXT = ("#a1361f", "#f0a08c")


class KeyView(QWidget):
    #: (key, remember): remember=False means "for this session only".
    key_submitted = Signal(str, bool)
    #: The person would rather use Amazon Bedrock or Google Vertex AI (no API key).
    providers_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Welcome")
        self._busy = False
        self.logo = QLabel(self)
        pixmap = QPixmap()
        if pixmap.loadFromData(icon_file(128).read_bytes(), "PNG"):
            ratio = self.devicePixelRatioF()
            pixmap = pixmap.scaledToWidth(
                round(64 * ratio), Qt.TransformationMode.SmoothTransformation
            )
            pixmap.setDevicePixelRatio(ratio)
            self.logo.setPixmap(pixmap)
        self.logo.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.title = self._label("Welcome to Claude Desktop", align=True)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setWeight(font.Weight.DemiBold)
        self.title.setFont(font)
        self.intro = self._label("Paste your Anthropic API key to start talking to Claude.")
        self.intro.setAlignment(Qt.AlignmentFlag.AlignHCenter)

        self.field = QLineEdit(self)
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setPlaceholderText("sk-ant-…")
        self.field.setAccessibleName("API key")
        self.field.setMinimumHeight(36)
        self.field.returnPressed.connect(lambda: self._submit(remember=True))
        self.show_button = QToolButton(self)
        self.show_button.setText("Show")
        self.show_button.setCheckable(True)
        self.show_button.setAccessibleName("Show the API key")
        self.show_button.setToolTip("Show or hide the key as you type it")
        self.show_button.setMinimumHeight(36)
        self.show_button.toggled.connect(self._show_key)

        self.message = self._label("")
        self.message.setAccessibleName("Key status")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        self.save_button = QPushButton("Continue", self)
        self.save_button.setAccessibleName("Check and save the API key")
        self.save_button.setDefault(True)
        self.save_button.setMinimumHeight(38)
        self.save_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.save_button.clicked.connect(lambda: self._submit(remember=True))
        self.session_button = QPushButton("Use for this session only", self)
        self.session_button.setAccessibleName("Use the key for this session only")
        self.session_button.setMinimumHeight(34)
        self.session_button.clicked.connect(lambda: self._submit(remember=False))
        self.session_button.hide()

        self.get_key = self._label("", align=True)
        self.get_key.setTextFormat(Qt.TextFormat.RichText)
        self.get_key.setOpenExternalLinks(True)
        self.get_key.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.get_key.setAccessibleName("Get an API key in the Anthropic Console")
        self.where_kept = self._label(WHERE_KEPT, align=True)
        self.clouds = self._label("", align=True)
        self.clouds.setTextFormat(Qt.TextFormat.RichText)
        self.clouds.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.clouds.setAccessibleName(USE_CLOUDS)
        self.clouds.linkActivated.connect(lambda _link: self.providers_requested.emit())

        key_row = QHBoxLayout()
        key_row.setSpacing(8)
        key_row.addWidget(self.field, 1)
        key_row.addWidget(self.show_button)

        self.column = QWidget(self)
        self.column.setFixedWidth(COLUMN_WIDTH)
        column = QVBoxLayout(self.column)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(12)
        column.addWidget(self.logo)
        column.addWidget(self.title)
        column.addWidget(self.intro)
        column.addSpacing(8)
        column.addLayout(key_row)
        column.addWidget(self.message)
        column.addWidget(self.save_button)
        column.addWidget(self.session_button)
        column.addSpacing(4)
        column.addWidget(self.get_key)
        column.addWidget(self.where_kept)
        column.addSpacing(16)
        column.addWidget(self.clouds)

        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.column)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 24, 24, 24)
        outer.addStretch(2)
        outer.addLayout(row)
        outer.addStretch(3)
        self._apply_palette()

    def _label(self, text: str, *, align: bool = False) -> QLabel:
        label = QLabel(text, self)
        label.setWordWrap(True)
        label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        if align:
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        return label

    # -- what the window asks of it ----------------------------------------------------------

    def focus(self) -> None:
        self.field.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_busy(self, busy: bool) -> None:
        """While the key is checked: the field keeps the focus but takes no typing (a
        disabled field would pass the focus, and the next keys, to some other widget)."""
        self._busy = busy
        self.field.setReadOnly(busy)
        for widget in (self.save_button, self.session_button):
            widget.setEnabled(not busy)
        if busy:
            self.show_message("Checking the key…")

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.message.setProperty("error", error)
        self._apply_palette()

    def message_text(self) -> str:
        return self.message.text()

    def key_refused(self, text: str) -> None:
        """The key did not work: say why, and put the focus back in the field, its text
        selected, so the next keys typed replace it."""
        self.set_busy(False)
        self.show_message(text, error=True)
        self.field.setFocus(Qt.FocusReason.OtherFocusReason)
        self.field.selectAll()

    def offer_session_only(self, reason: str) -> None:
        self.key_refused(reason)
        self.session_button.show()

    def reset(self, message: str = "") -> None:
        self.set_busy(False)
        self.field.clear()
        self.show_button.setChecked(False)
        self.session_button.hide()
        self.show_message(message, error=bool(message))

    # -- inside --------------------------------------------------------------------------------

    def _submit(self, remember: bool = True) -> None:
        if self._busy:
            return
        key = self.field.text().strip()
        if not key:
            self.key_refused("Paste your API key first.")
            return
        self.key_submitted.emit(key, remember)

    def _show_key(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.field.setEchoMode(mode)
        self.show_button.setText("Hide" if shown else "Show")
        self.show_button.setAccessibleName("Hide the API key" if shown else "Show the API key")

    def _apply_palette(self) -> None:
        dark = int(theme.is_dark(self.palette()))
        accent, hover = _ACCENT[dark], _ACCENT_HOVER[dark]
        muted = _SECONDARY_TEXT[dark]
        self.save_button.setStyleSheet(
            f"QPushButton {{ background: {accent}; color: white; border: none;"
            " border-radius: 8px; padding: 8px 16px; font-weight: 600; }"
            f"QPushButton:hover {{ background: {hover}; }}"
            f"QPushButton:focus {{ border: 2px solid {hover}; }}"
            f"QPushButton:disabled {{ background: {muted}; }}"
        )
        secondary = f"color: {muted};"
        self.intro.setStyleSheet(secondary)
        self.where_kept.setStyleSheet(secondary)
        # Inline: a rich-text label takes its link colour from the application's palette.
        self.get_key.setText(f'<a href="{CONSOLE_URL}" style="color: {accent};">{GET_KEY}</a>')
        self.clouds.setText(f'<a href="providers:" style="color: {accent};">{USE_CLOUDS}</a>')
        if self.message.property("error"):
            self.message.setStyleSheet(
                f"background: {_ERROR_TINT[dark]}; color: {_ERROR_TEXT[dark]};"
                " border-radius: 8px; padding: 8px 12px;"
            )
        else:
            self.message.setStyleSheet(secondary + " padding: 0 2px;")

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "column"):
            self._apply_palette()
