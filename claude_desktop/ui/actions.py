"""Every action of the main window in one table: its text, keys, what it runs, where it shows.

The menu bar (menus.py), the header's ⋯ menu and the keyboard shortcuts dialog all read this
table, so a key changed here changes everywhere it is shown. Every action is also added to
the window itself, so its keys work where the menu bar is hidden (Linux, Windows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from .main_window import MainWindow

Keys = QKeySequence.StandardKey | str


@dataclass(frozen=True)
class ActionSpec:
    """One action: `name` is the window's attribute (`new` → window.new_action), `slot`
    what it runs (read from the window when the action is made)."""

    name: str
    text: str
    keys: tuple[Keys, ...]
    slot: Callable[[MainWindow], Callable[[], object]]
    #: Usable on the chat page only: disabled on the welcome page, until a key is set.
    chat_only: bool = False
    tooltip: str = ""
    #: When the platform has no standard key for `keys` (Windows has no Quit key).
    fallback: str = ""


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "new",
        "New chat",
        (QKeySequence.StandardKey.New,),
        lambda w: w.new_chat,
        chat_only=True,
    ),
    ActionSpec(
        "search",
        "Search",
        ("Ctrl+K",),
        lambda w: w.open_search,
        chat_only=True,
    ),
    ActionSpec(
        "settings",
        "Settings…",
        ("Ctrl+,",),
        lambda w: w.open_settings,
    ),
    ActionSpec(
        "chat_settings",
        "Chat settings…",
        ("Ctrl+Shift+S",),
        lambda w: w.open_conversation_settings,
        chat_only=True,
        tooltip="System prompt, max tokens, temperature, thinking and presets of this chat "
        "(Ctrl+Shift+S)",
    ),
    ActionSpec(
        "export",
        "Export conversation…",
        ("Ctrl+Shift+E",),
        lambda w: w.export_dialog,
        chat_only=True,
    ),
    ActionSpec(
        "delete",
        "Delete chat",
        (),
        lambda w: w.delete_current_conversation,
        chat_only=True,
    ),
    ActionSpec(
        "quit",
        "Quit",
        (QKeySequence.StandardKey.Quit,),
        lambda w: w.quit_requested.emit,
        fallback="Ctrl+Q",
    ),
    ActionSpec("stop", "Stop", ("Esc",), lambda w: w.stop, chat_only=True),
    ActionSpec(
        "focus",
        "Focus composer",
        ("Ctrl+L",),
        lambda w: w.composer.focus,
        chat_only=True,
    ),
    ActionSpec(
        "copy_answer",
        "Copy last answer",
        ("Ctrl+Shift+C",),
        lambda w: w.copy_last_answer,
        chat_only=True,
    ),
    ActionSpec(
        "sidebar",
        "Show or hide sidebar",
        ("Ctrl+B",),
        lambda w: w.toggle_sidebar,
        chat_only=True,
    ),
    ActionSpec(
        "zoom_in",
        "Larger text",
        ("Ctrl+=", "Ctrl++"),
        lambda w: w.appearance.zoom_in,
    ),
    ActionSpec(
        "zoom_out",
        "Smaller text",
        ("Ctrl+-",),
        lambda w: w.appearance.zoom_out,
    ),
    ActionSpec(
        "zoom_reset",
        "Default text size",
        ("Ctrl+0",),
        lambda w: w.appearance.reset_font_size,
    ),
    ActionSpec(
        "shortcuts",
        "Keyboard shortcuts",
        ("F1",),
        lambda w: w.show_shortcuts,
    ),
    ActionSpec(
        "log_folder",
        "Open log folder",
        (),
        lambda w: w.open_log_folder,
    ),
    ActionSpec("about", "About Claude Desktop", (), lambda w: w.show_about),
)

#: The menus in the menu bar's order, each its actions in order; None is a separator line.
MENUS: dict[str, tuple[str | None, ...]] = {
    "&File": ("new", "chat_settings", "export", "delete", None, "settings", None, "quit"),
    "&Edit": ("copy_answer", "stop", None, "search", "focus"),
    "&View": ("sidebar", None, "zoom_in", "zoom_out", "zoom_reset"),
    "&Help": ("shortcuts", "log_folder", None, "about"),
}
#: The header's ⋯ menu, in groups: the open chat's actions first, then the app's (with the
#: menu bar hidden, this is where a pointer finds them).
MORE_MENU: tuple[tuple[str, ...], ...] = (
    ("chat_settings", "export", "delete"),
    ("settings", "shortcuts", "log_folder", "about"),
    ("quit",),
)


def build_actions(window: MainWindow) -> dict[str, QAction]:
    """Make every action of the table on `window`, as window.<name>_action, by name."""
    made: dict[str, QAction] = {}
    for spec in ACTIONS:
        action = QAction(spec.text, window)
        action.setShortcuts([QKeySequence(keys) for keys in spec.keys])
        if spec.fallback and action.shortcut().isEmpty():
            action.setShortcut(QKeySequence(spec.fallback))
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        if spec.tooltip:
            action.setToolTip(spec.tooltip)
        action.triggered.connect(spec.slot(window))
        window.addAction(action)
        setattr(window, f"{spec.name}_action", action)
        made[spec.name] = action
    return made


def menu_entries(menu: str) -> list[ActionSpec | None]:
    """The actions of `menu` in order, None where a separator goes."""
    specs = {spec.name: spec for spec in ACTIONS}
    return [None if name is None else specs[name] for name in MENUS[menu]]


def chat_only(actions: dict[str, QAction]) -> list[QAction]:
    return [actions[spec.name] for spec in ACTIONS if spec.chat_only]


def more_menu_actions(actions: dict[str, QAction]) -> list[list[QAction]]:
    """The header's ⋯ menu, group by group."""
    return [[actions[name] for name in group] for group in MORE_MENU]
