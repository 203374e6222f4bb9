"""The keyboard: each shortcut, pressed on the real window, does what the menu says."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from claude_desktop.domain.paths import log_dir
from claude_desktop.ui.actions import ACTIONS
from claude_desktop.ui.help_dialogs import AboutDialog, ShortcutsDialog
from claude_desktop.ui.settings_dialog import SettingsDialog
from tests import sse
from tests.fakeapi import SSEResponse
from tests.ui.harness import App

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def _ask(app: App, qtbot: QtBot, question: str, answer: str) -> None:
    app.api.enqueue(SSEResponse(sse.events(sse.text_stream([answer]))))
    app.type_and_send(qtbot, question)
    app.wait(lambda: not app.window.streaming)


def _focused() -> QWidget | None:
    return QApplication.focusWidget()


def _dialogs(app: App, kind: type) -> list[QWidget]:
    return [w for w in app.window.findChildren(kind) if w.isVisible()]


def test_ctrl_shift_c_copies_the_last_answers_markdown(app: App, qtbot: QtBot) -> None:
    _ask(app, qtbot, "One", "First **answer**")
    _ask(app, qtbot, "Two", "Second *answer*:\n\n```sh\nls -l\n```\n")
    QGuiApplication.clipboard().setText("something else")
    qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_C, CTRL | SHIFT)
    assert QGuiApplication.clipboard().text() == "Second *answer*:\n\n```sh\nls -l\n```\n"
    assert app.last_answer().copy_button.text() == "Copied"


def test_ctrl_shift_c_with_no_answer_says_so(app: App, qtbot: QtBot) -> None:
    QGuiApplication.clipboard().setText("kept")
    qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_C, CTRL | SHIFT)
    assert QGuiApplication.clipboard().text() == "kept"
    assert app.window.toasts.texts() == ["There is no answer to copy yet"]


def test_ctrl_n_starts_a_new_chat(app: App, qtbot: QtBot) -> None:
    _ask(app, qtbot, "Hello", "Hi")
    before = app.window.session.current.id
    assert app.window.view.message_widgets()
    qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_N, CTRL)
    assert app.window.view.message_widgets() == []
    assert app.window.session.current.id != before


def test_ctrl_k_searches_and_ctrl_l_comes_back(app: App, qtbot: QtBot) -> None:
    # Ctrl+K opens the search palette (the sidebar's search field moved there, #18).
    qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_K, CTRL)
    assert _focused() is app.window.search_palette.field
    qtbot.keyClick(app.window.search_palette.field, Qt.Key.Key_L, CTRL)
    assert _focused() is app.window.composer.editor
    qtbot.waitUntil(lambda: not app.window.search_palette.isVisible())


def test_escape_stops_from_anywhere(app: App, qtbot: QtBot) -> None:
    deltas = [f"w{i} " for i in range(300)]
    app.api.enqueue(SSEResponse(sse.events(sse.text_stream(deltas)), delay=0.03))
    app.type_and_send(qtbot, "Go")
    app.wait(lambda: "w1" in app.last_answer().markdown_text())
    app.window.sidebar.list.setFocus()
    qtbot.keyClick(app.window.sidebar.list, Qt.Key.Key_Escape)
    app.wait(lambda: not app.window.streaming)
    assert app.window.session.current.branch[-1].status == "stopped"


def test_ctrl_comma_opens_settings(app: App, qtbot: QtBot) -> None:
    qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_Comma, CTRL)
    app.wait(lambda: _dialogs(app, SettingsDialog))
    dialog = _dialogs(app, SettingsDialog)[0]
    dialog.reject()


def test_ctrl_q_quits(app: App, qtbot: QtBot) -> None:
    with qtbot.waitSignal(app.window.quit_requested, timeout=2000):
        qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_Q, CTRL)


def test_f1_lists_the_shortcuts(app: App, qtbot: QtBot) -> None:
    qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_F1)
    app.wait(lambda: _dialogs(app, ShortcutsDialog))
    dialog = _dialogs(app, ShortcutsDialog)[0]
    assert isinstance(dialog, ShortcutsDialog)
    rows = dict(dialog.rows)
    assert rows["Copy last answer"] == "Ctrl+Shift+C"
    assert rows["New chat"] == "Ctrl+N"
    assert rows["Search"] == "Ctrl+K"
    assert rows["Focus composer"] == "Ctrl+L"
    assert rows["Stop"] == "Esc"
    assert rows["Settings"] == "Ctrl+,"
    assert rows["Quit"] == "Ctrl+Q"
    assert rows["Larger text"] == "Ctrl+=, Ctrl++"
    assert rows["Smaller text"] == "Ctrl+-"
    assert rows["Default text size"] == "Ctrl+0"
    assert dialog.table.item(0, 0) is not None
    dialog.reject()


def test_the_help_menu_has_shortcuts_log_folder_and_about(app: App) -> None:
    menus = {
        m.title().replace("&", ""): [a.text() for a in m.actions() if a.text()]
        for m in (a.menu() for a in app.window.menuBar().actions())
        if m is not None
    }
    assert menus["Help"] == ["Keyboard shortcuts", "Open log folder", "About Claude Desktop"]
    app.window.about_action.trigger()
    app.wait(lambda: _dialogs(app, AboutDialog))
    _dialogs(app, AboutDialog)[0].reject()


class _FileOpener(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url)


def test_open_log_folder_opens_the_apps_log_folder(app: App) -> None:
    opener = _FileOpener()
    # Qt's own hook for "open this URL", so no file manager starts during the test.
    QDesktopServices.setUrlHandler("file", opener, "open")
    try:
        app.window.log_folder_action.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [Path(u.toLocalFile()) for u in opener.opened] == [log_dir()]
    assert log_dir().is_dir()


def test_escape_still_closes_a_dialog(app: App, qtbot: QtBot) -> None:
    """The window's Esc (Stop) must not swallow the key a dialog closes on."""
    app.window.show_about()
    app.wait(lambda: _dialogs(app, AboutDialog))
    dialog = _dialogs(app, AboutDialog)[0]
    dialog.activateWindow()
    app.wait(dialog.isActiveWindow)
    assert isinstance(dialog, AboutDialog)
    qtbot.keyClick(dialog.text, Qt.Key.Key_Escape)
    app.wait(lambda: not dialog.isVisible(), 2)


def test_every_action_of_the_table_is_in_a_menu_and_keys_are_listed(app: App, qtbot: QtBot) -> None:
    """One table (ui/actions.py) makes the actions: the menus (the menu bar's, shown on
    macOS, hidden elsewhere) and the shortcuts dialog show each one with the keys it has.
    (There is no toolbar any more: the header's ⋯ menu has its former buttons.)"""
    in_menus = {
        a.text()
        for m in (a.menu() for a in app.window.menuBar().actions())
        if m is not None
        for a in m.actions()
    }
    for spec in ACTIONS:
        action = getattr(app.window, f"{spec.name}_action")
        assert action.text() == spec.text
        assert spec.text in in_menus, spec.name
        assert action in app.window.actions(), spec.name  # its keys work with no menu bar
    qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_F1)
    app.wait(lambda: _dialogs(app, ShortcutsDialog))
    dialog = _dialogs(app, ShortcutsDialog)[0]
    assert isinstance(dialog, ShortcutsDialog)
    listed = [what for what, _keys in dialog.rows]
    expected = [spec.text.rstrip("…") for spec in ACTIONS if spec.keys]
    assert listed == expected
    dialog.reject()
