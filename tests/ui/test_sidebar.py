"""The sidebar as designed (#18): tinted, New chat first, recency sections, pill rows with
ellipsised titles, a ⋯ menu on the row under the pointer or the cursor, Settings in the
footer, and every keyboard path it had."""

from __future__ import annotations

import time

import keyring
import pytest
import qasync
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from claude_desktop.domain.history import History
from claude_desktop.domain.secrets import KEYRING_SERVICE, KEYRING_USERNAME
from claude_desktop.ui import theme
from claude_desktop.ui.settings_dialog import SettingsDialog
from claude_desktop.ui.sidebar import ID_ROLE, ROW_HEIGHT
from tests.fakeapi import FakeAnthropicAPI, JSONResponse
from tests.ui.harness import MODELS, make_app

LONG_TITLE = "A very long conversation title that cannot possibly fit in the sidebar row"


@pytest.fixture
def api(fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAnthropicAPI:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, "sk-ant-sidebar-0000")
    fake_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    return fake_api


def _write(title: str, days_ago: float = 0) -> int:
    history = History.open()
    store = history.store
    conv = store.create_conversation(model="claude-sonnet-4-6", title=title)
    store.add_message(conv.id, parent_id=None, role="user", content=[{"type": "text", "text": "Q"}])
    when = time.time() - days_ago * 86400
    with store.db.transaction() as con:
        con.execute(
            "UPDATE conversations SET created_at = ?, updated_at = ? WHERE id = ?",
            (when, when, conv.id),
        )
    history.close()
    return conv.id


@pytest.fixture
def running(qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI):  # type: ignore[no-untyped-def]
    ids = [
        _write("Old one", days_ago=30),
        _write("Last week", days_ago=4),
        _write("Yesterday's", days_ago=1),
        _write(LONG_TITLE),
    ]
    with make_app(qtbot, loop, api) as app:
        yield ids, app


def test_new_chat_first_sections_rows_and_settings_in_the_footer(running) -> None:  # type: ignore[no-untyped-def]
    _ids, app = running
    sidebar = app.window.sidebar
    assert sidebar.headings() == ["Today", "Yesterday", "Previous 7 days", "Older"]
    assert [i.text() for i in sidebar.items()] == [
        LONG_TITLE,
        "Yesterday's",
        "Last week",
        "Old one",
    ]
    # New chat above the list, Settings below it, both named for screen readers.
    assert sidebar.new_button.accessibleName() == "New chat"
    assert sidebar.settings_button.accessibleName() == "Settings"
    assert sidebar.new_button.y() < sidebar.list.y() < sidebar.settings_button.y()
    assert not sidebar.new_button.icon().isNull() and not sidebar.settings_button.icon().isNull()
    for item in sidebar.items():
        assert sidebar.list.visualItemRect(item).height() == ROW_HEIGHT
    # Full titles in the tooltip (the row elides them).
    assert sidebar.items()[0].toolTip() == LONG_TITLE


def test_the_sidebar_is_tinted_and_frameless(running) -> None:  # type: ignore[no-untyped-def]
    _ids, app = running
    sidebar = app.window.sidebar
    image = sidebar.grab().toImage()
    tint = QColor(theme.tokens_for(sidebar.palette()).sidebar)
    right, bottom = image.width() - 1, image.height() - 1
    # To its very edges: the corners, and the middle of each side.
    for x, y in ((0, 0), (right, 0), (0, bottom), (right, bottom), (right, bottom // 2)):
        assert image.pixelColor(x, y).name() == tint.name(), (x, y)
    assert image.pixelColor(0, bottom // 2).name() == tint.name()
    assert sidebar.list.frameShape() == sidebar.list.frameShape().NoFrame


def test_new_chat_and_settings_rows_work(running, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    ids, app = running
    window = app.window
    window.open_conversation(ids[0])
    qtbot.mouseClick(window.sidebar.new_button, Qt.MouseButton.LeftButton)
    assert window.session.current.id is None
    qtbot.mouseClick(window.sidebar.settings_button, Qt.MouseButton.LeftButton)
    app.wait(lambda: any(d.isVisible() for d in window.findChildren(SettingsDialog)))
    for dialog in window.findChildren(SettingsDialog):
        dialog.reject()


# The offscreen platform says this of every popup menu; it is not our doing.
@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")
def test_the_hover_options_button_opens_rename_and_delete(running, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    ids, app = running
    sidebar = app.window.sidebar
    row = next(i for i in sidebar.items() if i.data(ID_ROLE) == ids[0])
    sidebar.list.itemEntered.emit(row)  # what hovering does (offscreen has no pointer)
    button = sidebar.options_button
    assert button.isVisible() and button.accessibleName() == "Options for “Old one”"
    rect = sidebar.list.visualItemRect(row)
    assert rect.top() <= button.geometry().center().y() <= rect.bottom()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    app.wait(lambda: any(m.isVisible() for m in sidebar.findChildren(QMenu)))
    (menu,) = [m for m in sidebar.findChildren(QMenu) if m.isVisible()]
    assert [a.text() for a in menu.actions()] == ["Rename", "Delete"]
    menu.actions()[1].trigger()
    menu.close()
    app.wait(lambda: ids[0] not in [i.data(ID_ROLE) for i in sidebar.items()])
    assert app.window.undo_bar.isVisibleTo(app.window)


@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")
def test_the_keyboard_reaches_the_menu_renames_with_f2_and_deletes(running, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    ids, app = running
    window = app.window
    sidebar = window.sidebar
    window.open_conversation(ids[3])
    sidebar.list.setFocus()
    app.wait(sidebar.list.hasFocus)
    # The ⋯ follows the keyboard cursor while the list has the focus.
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Down)
    assert sidebar.options_button.isVisible()
    assert sidebar.options_button.accessibleName() == "Options for “Yesterday's”"
    # The menu key opens the row's menu.
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Menu)
    app.wait(lambda: any(m.isVisible() for m in sidebar.findChildren(QMenu)))
    (menu,) = [m for m in sidebar.findChildren(QMenu) if m.isVisible()]
    qtbot.keyClick(menu, Qt.Key.Key_Escape)
    app.wait(lambda: not menu.isVisible())
    # F2 renames in place.
    sidebar.list.setFocus()
    app.wait(sidebar.list.hasFocus)
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Down)
    qtbot.keyClick(sidebar.list, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert editor is not None and editor is not sidebar.list
    editor.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(editor, "Renamed by keys")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    app.wait(lambda: "Renamed by keys" in [i.text() for i in sidebar.items()])
    # Delete deletes the row under the cursor (with Undo).
    window.activateWindow()  # the offscreen platform leaves no window active after the edit
    app.wait(window.isActiveWindow)
    sidebar.list.setFocus()
    app.wait(sidebar.list.hasFocus)
    target = sidebar.list.currentItem()
    assert target is not None
    gone = target.data(ID_ROLE)
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Delete)
    app.wait(lambda: gone not in [i.data(ID_ROLE) for i in sidebar.items()])
    assert window.undo_bar.isVisibleTo(window)


def test_tab_goes_new_chat_list_then_settings(running, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    _ids, app = running
    sidebar = app.window.sidebar
    sidebar.new_button.setFocus()
    app.wait(sidebar.new_button.hasFocus)
    qtbot.keyClick(sidebar.new_button, Qt.Key.Key_Tab)
    app.wait(sidebar.list.hasFocus)  # the ⋯ is no stop of its own: the menu key reaches it
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Tab)
    app.wait(sidebar.settings_button.hasFocus)
    # Focus shows: the row draws the accent ring.
    image = sidebar.settings_button.grab().toImage()
    accent = QColor(theme.tokens_for(sidebar.palette()).accent)
    middle = image.height() // 2
    ring = [image.pixelColor(x, middle) for x in range(3)]
    assert any(
        abs(c.red() - accent.red()) < 40 and abs(c.green() - accent.green()) < 40 for c in ring
    )


def test_an_ellipsised_title_paints_inside_its_row(running) -> None:  # type: ignore[no-untyped-def]
    _ids, app = running
    sidebar = app.window.sidebar
    app.window.resize(900, 600)
    row = sidebar.items()[0]
    rect = sidebar.list.visualItemRect(row)
    assert rect.right() <= sidebar.list.viewport().width()
    assert sidebar.list.viewport().mapTo(sidebar, QPoint(rect.right(), 0)).x() < sidebar.width()


def test_a_refresh_with_nothing_new_keeps_the_rows(running, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    """Every Send and every answer's end refresh the sidebar; with the same chats in the
    same order it keeps its rows (rebuilding them and repainting the list was ~9 ms at
    500 chats), highlighting the open one; anything new builds them again."""
    ids, app = running
    window = app.window
    sidebar = window.sidebar
    rows = sidebar.items()
    window.open_conversation(ids[1])
    window.conversations.refresh_sidebar()
    assert sidebar.items() == rows and all(
        a is b for a, b in zip(sidebar.items(), rows, strict=True)
    )
    assert sidebar.current_conversation_item() is rows[2]
    window.rename_conversation(ids[1], "Renamed")
    assert "Renamed" in [i.text() for i in sidebar.items()]
    # An edit in the list that renames nothing (blank) is undone by the next refresh.
    rows = sidebar.items()
    rows[0].setText("   ")
    window.conversations.refresh_sidebar()
    assert sidebar.items()[0].text() == LONG_TITLE
