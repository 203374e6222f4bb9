"""A widget's style sheet built from the design tokens, set again when the theme flips.

`follow_theme(widget, sheet)` sets `sheet(tokens)` on `widget` now and again whenever the
application's theme changes between light and dark, and at no other palette change.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

from . import theme


class ThemeSheet(QObject):
    """Keeps `sheet(tokens)` on the widget it belongs to, one theme at a time."""

    def __init__(self, widget: QWidget, sheet: Callable[[theme.Tokens], str]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._sheet = sheet
        self._dark: bool | None = None
        self.apply()
        widget.installEventFilter(self)

    def apply(self) -> None:
        """Set the sheet for the theme that is on, unless it is already set for it."""
        # The application's palette: a style sheet changes the widget's own (and sends
        # PaletteChange again), so it cannot say which theme is on.
        dark = theme.is_dark(QApplication.palette())
        if dark == self._dark:
            return
        self._dark = dark
        self._widget.setStyleSheet(self._sheet(theme.tokens(dark)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.PaletteChange:
            self.apply()
        return False


def follow_theme(widget: QWidget, sheet: Callable[[theme.Tokens], str]) -> ThemeSheet:
    """Give `widget` the style sheet `sheet(tokens)`, kept in step with light and dark."""
    return ThemeSheet(widget, sheet)
