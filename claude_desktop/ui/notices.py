"""What the window says above the conversation: the banner (a notice, or an error of the
app), the Undo bar after a delete, and the drop zone shown while files are dragged over."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

#: How long a deleted conversation can be brought back.
UNDO_SECONDS = 10


class Notices(QObject):
    """The banner and the Undo bar (laid out by the window), and the drop zone over it."""

    def __init__(self, window: QWidget, on_undo: Callable[[], None]) -> None:
        super().__init__(window)
        self.banner = QLabel(window)
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Error message")
        self.banner.setStyleSheet("background: #fdecea; color: #8a1c12; padding: 6px 12px;")
        self.banner.hide()

        self.undo_bar = QWidget(window)
        self.undo_label = QLabel(self.undo_bar)
        self.undo_button = QPushButton("Undo", self.undo_bar)
        self.undo_button.setAccessibleName("Undo delete")
        self.undo_button.clicked.connect(on_undo)
        undo_row = QHBoxLayout(self.undo_bar)
        undo_row.setContentsMargins(12, 2, 12, 2)
        undo_row.addWidget(self.undo_label, 1)
        undo_row.addWidget(self.undo_button)
        self.undo_bar.hide()
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.timeout.connect(self.undo_bar.hide)

        self.drop_zone = QLabel("Drop files to attach them", window)
        self.drop_zone.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_zone.setAccessibleName("Drop zone")
        self.drop_zone.setStyleSheet(
            "background: rgba(217, 119, 87, 40); border: 3px dashed #d97757;"
            "border-radius: 12px; font-size: 20px;"
        )
        self.drop_zone.hide()

    def show_notice(self, text: str) -> None:
        """A plain message above the conversation (not an error of the app)."""
        self.banner.setText(text)
        self.banner.show()

    def show_unexpected_error(self, exc: BaseException) -> None:
        """For bugs: say so plainly, keep the app usable (the traceback goes to the log)."""
        text = str(exc) or type(exc).__name__
        self.show_notice(f"Something went wrong: {text}. The details are in the log.")

    def clear(self) -> None:
        self.banner.hide()

    def offer_undo(self, text: str) -> None:
        """The Undo bar with `text`, for UNDO_SECONDS."""
        self.undo_label.setText(text)
        self.undo_bar.show()
        self._undo_timer.start(UNDO_SECONDS * 1000)

    def close_undo(self) -> None:
        self._undo_timer.stop()
        self.undo_bar.hide()

    def show_drop_zone(self, shown: bool = True) -> None:
        if shown:
            self.place_drop_zone()
            self.drop_zone.raise_()
        self.drop_zone.setVisible(shown)

    def place_drop_zone(self) -> None:
        parent = self.drop_zone.parentWidget()
        self.drop_zone.setGeometry(parent.rect().adjusted(8, 8, -8, -8))
