"""The tray icon (off by default; Settings → `tray_icon`): Show/Hide window, New chat, Quit.

With it, closing the window hides it and the app goes on (an answer keeps streaming into
its chat); Quit in its menu, or the window's Quit, quits as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from . import icons

if TYPE_CHECKING:
    from .main_window import MainWindow


class Tray(QObject):
    """The icon and its menu, for `window`."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        icon = window.windowIcon()
        if icon.isNull():
            icon = QApplication.windowIcon()
        if icon.isNull():
            icon = QIcon(icons.icon("message-square", "accent", 32))
        self.icon = QSystemTrayIcon(icon, self)
        self.icon.setToolTip("Claude")
        self.menu = QMenu()
        self.menu.setAccessibleName("Claude Desktop")
        self.show_action = QAction("Hide window", self.menu)
        self.show_action.triggered.connect(self.toggle_window)
        self.new_action = QAction("New chat", self.menu)
        self.new_action.triggered.connect(self.new_chat)
        self.quit_action = QAction("Quit", self.menu)
        self.quit_action.triggered.connect(window.quit_requested.emit)
        self.menu.addAction(self.show_action)
        self.menu.addAction(self.new_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.menu.aboutToShow.connect(self._update_texts)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self._update_texts()
        self.icon.show()

    def _update_texts(self) -> None:
        self.show_action.setText("Hide window" if self._window_shown() else "Show window")

    def _window_shown(self) -> bool:
        return self.window.isVisible() and not self.window.isMinimized()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:  # a left click
            self.toggle_window()

    def toggle_window(self) -> None:
        if self._window_shown():
            self.window.hide()
        else:
            self.show_window()
        self._update_texts()

    def show_window(self) -> None:
        window = self.window
        if window.isMinimized():
            window.showNormal()
        window.show()
        window.raise_()
        window.activateWindow()

    def new_chat(self) -> None:
        self.show_window()
        if self.window.new_action.isEnabled():  # not on the welcome page
            self.window.new_chat()

    def remove(self) -> None:
        self.icon.hide()
        self.menu.deleteLater()
        self.deleteLater()


def tray_available() -> bool:
    return QSystemTrayIcon.isSystemTrayAvailable()


def apply_tray_setting(window: MainWindow, available: bool | None = None) -> Tray | None:
    """Add or remove the window's tray icon as `settings.tray_icon` says (and the platform
    allows: `available`, by default asked of Qt). Call again after the setting changes."""
    if available is None:
        available = tray_available()
    wanted = window.session.settings.tray_icon and available
    if wanted and window.tray is None:
        window.tray = Tray(window)
    elif not wanted and window.tray is not None:
        window.tray.remove()
        window.tray = None
    return window.tray
