"""The window's shell: no toolbar or status bar, the header (sidebar toggle, title that
renames in place, ⋯ menu), toasts, the sidebar folding on narrow windows, the tray icon."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu, QStatusBar, QToolBar
from pytestqt.qtbot import QtBot

from claude_desktop.ui.conversation_settings import ChatSettingsSheet
from claude_desktop.ui.main_window import NARROW_WIDTH
from claude_desktop.ui.toasts import Toast
from claude_desktop.ui.tray import Tray, apply_tray_setting, tray_available
from tests import sse
from tests.fakeapi import SSEResponse
from tests.ui.harness import App

CTRL = Qt.KeyboardModifier.ControlModifier
#: Qt's tray icon on a platform plugin without one (offscreen) says so; the icon's logic
#: is what these tests drive.
NO_TRAY_HOST = "systemTrayWindowChanged"


def ask(app: App, qtbot: QtBot, question: str, deltas: list[str]) -> None:
    app.api.enqueue(SSEResponse(sse.text_stream(deltas)))
    app.type_and_send(qtbot, question)
    app.wait(lambda: not app.window.streaming)


def _menu_texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def _stored_title(app: App) -> str:
    conversation_id = app.window.session.current.id
    assert conversation_id is not None
    record = app.window.history.conversation(conversation_id)
    assert record is not None
    return record.title


# -- no toolbar, no status bar, no menu bar off macOS ------------------------------------------


def test_no_toolbar_no_status_bar_and_the_menu_bar_only_on_macos(app: App) -> None:
    window = app.window
    assert window.findChildren(QToolBar) == []
    assert window.findChildren(QStatusBar) == []
    assert window.menuBar().isVisible() == (sys.platform == "darwin")
    assert window.header.isVisible() and window.header.height() <= 48
    # The model picker is the composer's chip.
    assert window.picker.isVisible() and window.composer.isAncestorOf(window.picker)


def test_the_keys_work_with_the_menu_bar_hidden(app: App, qtbot: QtBot) -> None:
    ask(app, qtbot, "Hello", ["Hi"])
    before = app.window.session.current.id
    qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_N, CTRL)
    assert app.window.session.current.id != before


# -- toasts ------------------------------------------------------------------------------------


def test_a_toast_shows_above_the_composer_then_goes(app: App) -> None:
    window = app.window
    window.show_toast("Something happened", 300)
    (toast,) = window.toasts.toasts()
    assert toast.isVisible() and toast.accessibleName() == "Something happened"
    stack = window.toasts.stack
    composer_top = window.composer.mapTo(window, window.composer.rect().topLeft()).y()
    bottom = stack.mapTo(window, stack.rect().bottomLeft()).y()
    assert bottom < composer_top
    column = stack.parentWidget()
    middle = stack.geometry().center().x()
    assert abs(middle - column.width() // 2) <= 2
    app.wait(lambda: not window.toasts.toasts() and not stack.isVisible(), 3)
    assert window.toasts.last_text == "Something happened"


def test_the_same_toast_twice_shows_once(app: App) -> None:
    app.window.show_toast("Copied", 2000)
    app.window.show_toast("Copied", 2000)
    assert app.window.toasts.texts() == ["Copied"]


def test_export_says_where_in_a_toast(app: App, qtbot: QtBot, tmp_path: Path) -> None:
    app.window.export_dialog()  # nothing asked yet
    assert app.window.toasts.texts() == ["Nothing to export yet: ask something first."]
    ask(app, qtbot, "Export me", ["Exported."])
    target = tmp_path / "chat.md"
    app.window.export_to(target)
    assert target.is_file()
    assert f"Exported to {target}" in app.window.toasts.texts()


def test_delete_offers_undo_in_a_toast(app: App, qtbot: QtBot) -> None:
    ask(app, qtbot, "Keep me", ["Kept."])
    app.window.delete_current_conversation()
    toast = app.window.undo_bar
    assert isinstance(toast, Toast) and toast.isVisible()
    assert toast.text().startswith("Deleted") and app.window.undo_button is not None
    app.window.undo_button.click()
    app.wait(lambda: app.window.undo_bar is None)
    assert [i.text() for i in app.window.sidebar.items()] == ["Keep me"]


# -- the header --------------------------------------------------------------------------------


def test_the_header_title_follows_the_open_chat(app: App, qtbot: QtBot) -> None:
    header = app.window.header
    assert header.title() == "New chat"
    qtbot.mouseClick(header.title_button, Qt.MouseButton.LeftButton)
    assert not header.is_renaming()  # a new chat has nothing to rename yet
    ask(app, qtbot, "Volcanoes and magma", ["Hot."])
    assert header.title() == "Volcanoes and magma"


def test_clicking_the_title_renames_the_chat_in_place(app: App, qtbot: QtBot) -> None:
    ask(app, qtbot, "A question", ["An answer"])
    header = app.window.header
    qtbot.mouseClick(header.title_button, Qt.MouseButton.LeftButton)
    assert header.is_renaming() and header.title_edit.hasFocus()
    assert header.title_edit.selectedText() == "A question"
    qtbot.keyClicks(header.title_edit, "My renamed chat")
    qtbot.keyClick(header.title_edit, Qt.Key.Key_Return)
    assert not header.is_renaming()
    assert _stored_title(app) == "My renamed chat"
    assert header.title() == "My renamed chat"
    assert [i.text() for i in app.window.sidebar.items()] == ["My renamed chat"]


def test_f2_on_the_title_renames_and_esc_cancels(app: App, qtbot: QtBot) -> None:
    ask(app, qtbot, "Keep this title", ["Ok"])
    header = app.window.header
    header.title_button.setFocus()
    qtbot.keyClick(header.title_button, Qt.Key.Key_F2)
    assert header.is_renaming()
    qtbot.keyClicks(header.title_edit, "Not this")
    qtbot.keyClick(header.title_edit, Qt.Key.Key_Escape)
    assert not header.is_renaming() and header.title_button.hasFocus()
    assert _stored_title(app) == "Keep this title"
    qtbot.keyClick(header.title_button, Qt.Key.Key_Return)  # Enter starts it too
    assert header.is_renaming()
    header.title_edit.clear()
    qtbot.keyClick(header.title_edit, Qt.Key.Key_Return)  # an empty title is no title
    assert _stored_title(app) == "Keep this title"


def test_the_more_menu_has_the_chats_actions_and_the_apps(app: App, qtbot: QtBot) -> None:
    window = app.window
    menu = window.header.menu
    assert window.header.menu_button.accessibleName() == "Chat menu"
    texts = _menu_texts(menu)
    assert texts[:3] == ["Chat settings…", "Export conversation…", "Delete chat"]
    for action in ("Settings…", "Keyboard shortcuts", "About Claude Desktop", "Quit"):
        assert action in texts
    ask(app, qtbot, "Settings for this chat", ["Sure."])
    chat_settings = next(a for a in menu.actions() if a.text() == "Chat settings…")
    chat_settings.trigger()
    app.wait(lambda: _visible(app, ChatSettingsSheet))
    _visible(app, ChatSettingsSheet)[0].close_sheet()
    delete = next(a for a in menu.actions() if a.text() == "Delete chat")
    delete.trigger()
    assert window.sidebar.items() == []
    assert window.undo_bar is not None
    menu.aboutToShow.emit()
    assert not delete.isEnabled()  # a new chat: nothing to delete


def _visible(app: App, kind: type) -> list[object]:
    return [w for w in app.window.findChildren(kind) if w.isVisible()]


def test_header_controls_have_names_and_show_focus(app: App) -> None:
    header = app.window.header
    for widget in (header.sidebar_button, header.title_button, header.menu_button):
        assert widget.accessibleName()
        assert widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        unfocused = widget.grab().toImage()
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        app.wait(widget.hasFocus)
        assert widget.grab().toImage() != unfocused, widget.accessibleName()


# -- the sidebar -------------------------------------------------------------------------------


def test_ctrl_b_and_the_header_toggle_show_and_hide_the_sidebar(app: App, qtbot: QtBot) -> None:
    window = app.window
    assert window.sidebar.isVisible()
    window.sidebar.list.setFocus()
    app.wait(window.sidebar.list.hasFocus)
    qtbot.keyClick(window.sidebar.list, Qt.Key.Key_B, CTRL)
    assert not window.sidebar.isVisible() and window.composer.editor.hasFocus()
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_B, CTRL)
    assert window.sidebar.isVisible() and window.composer.editor.hasFocus()
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_B, CTRL)
    assert not window.sidebar.isVisible()
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_B, CTRL)
    assert window.sidebar.isVisible()
    qtbot.mouseClick(window.header.sidebar_button, Qt.MouseButton.LeftButton)
    assert not window.sidebar.isVisible()
    qtbot.mouseClick(window.header.sidebar_button, Qt.MouseButton.LeftButton)
    assert window.sidebar.isVisible()


def test_a_narrow_window_folds_the_sidebar_and_a_wide_one_brings_it_back(app: App) -> None:
    window = app.window
    window.resize(1200, 780)
    app.wait(lambda: window.width() == 1200)
    assert window.sidebar.isVisible()
    window.resize(800, 600)
    app.wait(lambda: window.width() < NARROW_WIDTH and not window.sidebar.isVisible())
    window.resize(1200, 780)
    app.wait(lambda: window.sidebar.isVisible())


def test_a_sidebar_the_person_hid_stays_hidden_when_the_window_widens(app: App) -> None:
    window = app.window
    window.resize(800, 600)
    app.wait(lambda: not window.sidebar.isVisible())
    window.toggle_sidebar()  # wanted even though narrow
    assert window.sidebar.isVisible()
    window.toggle_sidebar()
    window.resize(1200, 780)
    app.wait(lambda: window.width() == 1200)
    assert not window.sidebar.isVisible()


# -- the tray icon -----------------------------------------------------------------------------


def test_no_tray_icon_by_default_and_closing_quits(app: App, qtbot: QtBot) -> None:
    window = app.window
    assert window.session.settings.tray_icon is False
    assert apply_tray_setting(window, available=True) is None
    with qtbot.waitSignal(window.quit_requested, timeout=1000):
        window.close()


@pytest.mark.qt_log_ignore(NO_TRAY_HOST)
def test_with_the_setting_a_tray_icon_and_closing_hides(app: App, qtbot: QtBot) -> None:
    window = app.window
    window.session.settings.tray_icon = True
    assert apply_tray_setting(window, available=False) is None  # no tray on this desktop
    tray = apply_tray_setting(window, available=True)
    assert isinstance(tray, Tray) and window.tray is tray
    assert _menu_texts(tray.menu) == ["Hide window", "New chat", "Quit"]
    quits: list[bool] = []
    window.quit_requested.connect(lambda: quits.append(True))
    window.close()
    assert not window.isVisible() and quits == []
    tray.menu.aboutToShow.emit()
    assert tray.show_action.text() == "Show window"
    tray.show_action.trigger()
    assert window.isVisible()
    ask(app, qtbot, "Old chat", ["Old."])
    before = window.session.current.id
    tray.new_action.trigger()
    assert window.session.current.id != before
    tray.quit_action.trigger()
    assert quits == [True]
    window.session.settings.tray_icon = False
    assert apply_tray_setting(window, available=True) is None and window.tray is None


@pytest.mark.qt_log_ignore(NO_TRAY_HOST)
def test_a_real_tray_icon_where_the_desktop_has_a_tray(app: App) -> None:
    if not tray_available():
        pytest.skip("no system tray on this desktop (the logic is tested with the flag)")
    app.window.session.settings.tray_icon = True
    tray = apply_tray_setting(app.window)
    assert tray is not None and tray.icon.isVisible()
    tray.remove()
    app.window.tray = None


@pytest.mark.qt_log_ignore(NO_TRAY_HOST)
def test_closing_to_the_tray_keeps_an_answer_streaming(app: App, qtbot: QtBot) -> None:
    window = app.window
    window.session.settings.tray_icon = True
    apply_tray_setting(window, available=True)
    deltas = [f"word{i} " for i in range(30)]
    events = sse.events(sse.text_stream(deltas))
    app.api.enqueue(SSEResponse(events, delay=0.02))
    app.type_and_send(qtbot, "Stream while hidden")
    app.wait(lambda: window.streaming and app.last_answer().markdown_text())
    window.show_toast("While streaming", 5000)
    (toast,) = window.toasts.toasts()
    assert toast.graphicsEffect() is None  # nothing animates while an answer streams
    window.close()
    assert not window.isVisible()
    app.wait(lambda: not window.streaming, 10)
    assert app.last_answer().markdown_text() == "".join(deltas)
    stored = window.session.current.branch
    assert stored[-1].role == "assistant"
    assert window.tray is not None
    window.tray.show_window()
    assert window.isVisible()


def test_the_sidebar_and_the_menu_actions_are_in_the_shortcuts_table(app: App) -> None:
    assert isinstance(app.window.sidebar_action, QAction)
    assert app.window.sidebar_action.shortcut().toString() == "Ctrl+B"


def test_tab_goes_through_the_header_in_order(app: App, qtbot: QtBot) -> None:
    header = app.window.header
    ask(app, qtbot, "Something to rename", ["Ok."])
    header.sidebar_button.setFocus(Qt.FocusReason.TabFocusReason)
    app.wait(header.sidebar_button.hasFocus)
    seen = []
    for _ in range(2):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert seen == [header.title_button, header.menu_button]
