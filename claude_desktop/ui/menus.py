"""The main window's menu bar (File, Edit, View, Help): where a person finds every action
and its keys. The actions and their menus are listed once, in actions.py.

Toolbar buttons join the Tab order here too: Qt leaves them out of it by default.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QToolBar, QToolButton

from .actions import MENUS, menu_entries


def build_menu_bar(window: QMainWindow, actions: dict[str, QAction]) -> None:
    """The menu bar; call it once the toolbar is built."""
    for toolbar in window.findChildren(QToolBar):
        for button in toolbar.findChildren(QToolButton):
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
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
