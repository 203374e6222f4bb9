"""The main window's menu bar (File, Edit, View, Help): where a person finds every action
and its keys. The actions and their menus are listed once, in actions.py.

macOS shows it as its global menu bar. Elsewhere it is built but hidden, as in other chat
apps: the actions stay on the window (their keys work), and the header's ⋯ menu and the
sidebar reach them with a pointer.
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow

from .actions import MENUS, menu_entries


def menu_bar_shown(platform: str = sys.platform) -> bool:
    """Whether the platform shows the menu bar: only macOS, where it is the global one."""
    return platform == "darwin"


def build_menu_bar(window: QMainWindow, actions: dict[str, QAction]) -> None:
    """The menu bar, shown only where menu_bar_shown() says."""
    bar = window.menuBar()
    bar.setAccessibleName("Menu bar")
    for title in MENUS:
        menu = bar.addMenu(title)
        menu.setAccessibleName(title.replace("&", ""))
        for spec in menu_entries(title):
            if spec is None:
                menu.addSeparator()
            else:
                menu.addAction(actions[spec.name])
    bar.setVisible(menu_bar_shown())
