"""What the window says above the conversation: the banner (a notice that stays, or an
error of the app), the Undo toast after a delete, and the drop zone shown while files are
dragged over. Passing messages are toasts (toasts.py)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QWidget

from . import theme
from .theme_sheet import follow_theme
from .toasts import Toast, Toasts

#: How long a deleted conversation can be brought back.
UNDO_SECONDS = 10


class Banner(QLabel):
    """A notice that stays until the next conversation: tinted, in the error tokens."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAccessibleName("Error message")
        follow_theme(self, _banner_sheet)


def _banner_sheet(t: theme.Tokens) -> str:
    return f"background: {t.error_tint}; color: {t.error_text}; padding: 8px 16px;"


class Notices(QObject):
    """The banner (laid out by the window), the Undo toast, and the drop zone over it all.

    `toasts` is given by the window once the conversation column exists.
    """

    toasts: Toasts

    def __init__(self, window: QWidget, on_undo: Callable[[], None]) -> None:
        super().__init__(window)
        self.banner = Banner(window)
        self.banner.hide()
        self._on_undo = on_undo
        #: The Undo toast while it shows.
        self.undo_toast: Toast | None = None

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
        """A toast with `text` and Undo, for UNDO_SECONDS."""
        self.close_undo()
        toast = self.toasts.show(text, UNDO_SECONDS * 1000, "Undo", self._on_undo)
        assert toast.button is not None
        toast.button.setAccessibleName("Undo delete")
        toast.destroyed.connect(lambda: self._forget_undo(toast))
        self.undo_toast = toast

    def _forget_undo(self, toast: Toast) -> None:
        if self.undo_toast is toast:
            self.undo_toast = None

    def close_undo(self) -> None:
        if self.undo_toast is not None:
            self.toasts.dismiss(self.undo_toast)
            self.undo_toast = None

    def show_drop_zone(self, shown: bool = True) -> None:
        if shown:
            self.place_drop_zone()
            self.drop_zone.raise_()
        self.drop_zone.setVisible(shown)

    def place_drop_zone(self) -> None:
        parent = self.drop_zone.parentWidget()
        self.drop_zone.setGeometry(parent.rect().adjusted(8, 8, -8, -8))
