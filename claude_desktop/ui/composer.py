"""Where a person writes: Enter sends, Shift+Enter breaks the line, Send turns into Stop."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QMimeData, QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.domain.attachments import Attachment

from .attachment_chips import AttachmentTray

MIN_LINES = 2
MAX_LINES = 10


class _Editor(QPlainTextEdit):
    """The text field; a pasted image or copied files become attachments, not text."""

    files_pasted = Signal(list)
    image_pasted = Signal(QImage)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return (
            source.hasImage() or _local_files(source) != [] or super().canInsertFromMimeData(source)
        )

    def insertFromMimeData(self, source: QMimeData) -> None:
        files = _local_files(source)
        if files:
            self.files_pasted.emit(files)
        elif source.hasImage():
            image = source.imageData()
            if isinstance(image, QImage) and not image.isNull():
                self.image_pasted.emit(image)
        else:
            super().insertFromMimeData(source)


def _local_files(source: QMimeData) -> list[str]:
    if not source.hasUrls():
        return []
    return [url.toLocalFile() for url in source.urls() if url.isLocalFile()]


class Composer(QWidget):
    send_requested = Signal(str)
    stop_requested = Signal()
    attach_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tray = AttachmentTray(self)
        self.tray.changed.connect(self._update_button)
        self.attach_button = QToolButton(self)
        self.attach_button.setText("Attach…")
        self.attach_button.setAccessibleName("Attach files")
        self.attach_button.setToolTip("Attach images, PDFs or text files (or drop them here)")
        self.attach_button.clicked.connect(self.attach_requested.emit)
        self.editor = _Editor(self)
        self.editor.setPlaceholderText("Ask Claude…  (Enter sends, Shift+Enter for a new line)")
        self.editor.setAccessibleName("Message to Claude")
        self.editor.setTabChangesFocus(True)
        self.editor.installEventFilter(self)
        self.editor.document().contentsChanged.connect(self._fit_height)
        self.button = QPushButton("Send", self)
        self.button.setAccessibleName("Send message")
        self.button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.button.clicked.connect(self._on_button)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 6, 12, 12)
        outer.setSpacing(4)
        outer.addWidget(self.tray)
        layout = QHBoxLayout()
        layout.addWidget(self.attach_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addWidget(self.editor)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignBottom)
        outer.addLayout(layout)
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
        self._update_button()

    def load(self, text: str, attachments: Sequence[Attachment] = ()) -> None:
        """Show a saved draft (or a question being edited) without announcing it as typing:
        no textChanged or tray.changed, so nothing takes it for a new draft to save."""
        with QSignalBlocker(self.editor), QSignalBlocker(self.tray):
            self.editor.setPlainText(text)
            self.tray.set_attachments(attachments)
        self.editor.moveCursor(QTextCursor.MoveOperation.End)
        self._update_button()

    def focus(self) -> None:
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def submit(self) -> None:
        """Send what is written (and attached), unless there is nothing, an attachment is
        still being read, or an answer is still streaming."""
        text = self.text()
        if self._streaming or self.tray.pending:
            return
        if not text.strip() and not self.tray.attachments():
            return
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

    def clear(self) -> None:
        """After a send: the text and the attachments went with the message."""
        self.editor.clear()
        self.tray.clear()

    def _update_button(self) -> None:
        # Every path that changes what could be sent ends here: typing, set_text and load,
        # chips added, read or removed, streaming started or ended.
        ready = bool(self.text().strip()) or bool(self.tray.attachments())
        self.button.setEnabled(self._streaming or (ready and not self.tray.pending))

    def _fit_height(self) -> None:
        # Grow with the text from MIN_LINES up to MAX_LINES, then scroll.
        metrics = self.editor.fontMetrics()
        lines = max(MIN_LINES, min(MAX_LINES, self.editor.document().lineCount()))
        margins = self.editor.contentsMargins()
        frame = 2 * self.editor.frameWidth() + margins.top() + margins.bottom()
        self.editor.setFixedHeight(lines * metrics.lineSpacing() + frame + 8)
