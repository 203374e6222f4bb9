"""The main window's menu bar (File, Edit, View, Help): where a person finds every action
and its keys. The actions themselves are the window's (MainWindow._build_actions).

Toolbar buttons join the Tab order here too: Qt leaves them out of it by default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QToolBar, QToolButton

if TYPE_CHECKING:
    from .main_window import MainWindow


def build_menu_bar(window: MainWindow) -> None:
    """The menu bar; call it once the toolbar is built."""
    for toolbar in window.findChildren(QToolBar):
        for button in toolbar.findChildren(QToolButton):
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    bar = window.menuBar()
    bar.setAccessibleName("Menu bar")
    menus: list[tuple[str, list[QAction | None]]] = [
        (
            "&File",
            [
                window.new_action,
                window.export_action,
                None,
                window.settings_action,
                None,
                window.quit_action,
            ],
        ),
        (
            "&Edit",
            [
                window.copy_answer_action,
                window.stop_action,
                None,
                window.search_action,
                window.focus_action,
            ],
        ),
        ("&View", [window.zoom_in_action, window.zoom_out_action, window.zoom_reset_action]),
        (
            "&Help",
            [window.shortcuts_action, window.log_folder_action, None, window.about_action],
        ),
    ]
    for title, actions in menus:
        menu = bar.addMenu(title)
        menu.setAccessibleName(title.replace("&", ""))
        for action in actions:
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
