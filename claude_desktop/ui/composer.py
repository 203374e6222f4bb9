"""Where a person writes: Enter sends, Shift+Enter breaks the line, Send turns into Stop."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QSizePolicy, QWidget

MIN_LINES = 2
MAX_LINES = 10


class Composer(QWidget):
    send_requested = Signal(str)
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = QPlainTextEdit(self)
        self.editor.setPlaceholderText("Ask Claude…  (Enter sends, Shift+Enter for a new line)")
        self.editor.setAccessibleName("Message to Claude")
        self.editor.setTabChangesFocus(True)
        self.editor.installEventFilter(self)
        self.editor.document().contentsChanged.connect(self._fit_height)
        self.button = QPushButton("Send", self)
        self.button.setAccessibleName("Send message")
        self.button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.button.clicked.connect(self._on_button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 12)
        layout.addWidget(self.editor)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignBottom)
        self._streaming = False
        self._fit_height()
        self._update_button()
        self.editor.textChanged.connect(self._update_button)

    @property
    def streaming(self) -> bool:
        return self._streaming

    def set_streaming(self, streaming: bool) -> None:
        self._streaming = streaming
        self.button.setText("Stop" if streaming else "Send")
        self.button.setAccessibleName("Stop the answer" if streaming else "Send message")
        self._update_button()

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        self.editor.setPlainText(text)

    def focus(self) -> None:
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def submit(self) -> None:
        """Send what is written, unless it is blank or an answer is still streaming."""
        text = self.text()
        if self._streaming or not text.strip():
            return
        self.editor.clear()
        self.send_requested.emit(text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.editor and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                mods = event.modifiers()
                if not mods & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier):
                    self.submit()
                    return True
            elif event.key() == Qt.Key.Key_Escape and self._streaming:
                self.stop_requested.emit()
                return True
        return super().eventFilter(watched, event)

    def _on_button(self) -> None:
        if self._streaming:
            self.stop_requested.emit()
        else:
            self.submit()
        self.focus()

    def _update_button(self) -> None:
        self.button.setEnabled(self._streaming or bool(self.text().strip()))

    def _fit_height(self) -> None:
        # Grow with the text from MIN_LINES up to MAX_LINES, then scroll.
        metrics = self.editor.fontMetrics()
        lines = max(MIN_LINES, min(MAX_LINES, self.editor.document().lineCount()))
        margins = self.editor.contentsMargins()
        frame = 2 * self.editor.frameWidth() + margins.top() + margins.bottom()
        self.editor.setFixedHeight(lines * metrics.lineSpacing() + frame + 8)
