"""The Settings window in the real app: one window, reused, a page list driven by the
keyboard, every page reachable, plain labels, General's switches applied and kept at once,
and the Connection page's unsaved-changes question when leaving it for another page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from claude_desktop.domain.settings import Settings
from claude_desktop.ui.settings_dialog import NO_TOOLS, SettingsDialog
from claude_desktop.ui.settings_general import SWITCHES
from claude_desktop.ui.switch import Switch
from tests.fakeapi import FakeAnthropicAPI, JSONResponse
from tests.ui.harness import MODELS, App, make_app

PAGES = ["General", "Account", "Connection", "Tools", "Appearance"]
#: Words that said what a thing is to the people who built it, not to those who use it.
JARGON = ("Who answers", "Silence before giving up", " tab ", "tab.")


@pytest.fixture
def app(qtbot: QtBot, loop: qasync.QEventLoop, keyed_api: FakeAnthropicAPI) -> Iterator[App]:
    keyed_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    with make_app(qtbot, loop, keyed_api) as app:
        yield app


def open_settings(app: App, qtbot: QtBot) -> SettingsDialog:
    """As a person would: Ctrl+, in the window."""
    app.window.activateWindow()
    app.wait(app.window.isActiveWindow)
    qtbot.keyClick(
        app.window.composer.editor, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier
    )
    dialog = app.window.findChild(SettingsDialog)
    assert dialog is not None
    app.wait(dialog.isVisible)
    return dialog


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def test_one_window_reused_not_modal(app: App, qtbot: QtBot) -> None:
    dialog = open_settings(app, qtbot)
    assert not dialog.isModal()
    dialog.show_page(dialog.appearance)
    dialog.reject()
    app.wait(lambda: not dialog.isVisible())
    again = open_settings(app, qtbot)
    assert again is dialog
    assert len(app.window.findChildren(SettingsDialog)) == 1
    assert again.tabs.currentWidget() is dialog.appearance  # where it was left
    # Esc closes it (not the window's Esc, which stops an answer).
    qtbot.keyClick(dialog.page_list, Qt.Key.Key_Escape)
    app.wait(lambda: not dialog.isVisible())


def test_the_page_list_by_keyboard_reaches_every_page(app: App, qtbot: QtBot) -> None:
    dialog = open_settings(app, qtbot)
    assert dialog.page_names() == PAGES
    pages = dialog.page_list
    assert pages.accessibleName() == "Settings pages"
    app.wait(pages.hasFocus)
    pages.setCurrentRow(0)
    shown = [dialog.tabs.currentWidget().accessibleName()]
    for _ in PAGES[1:]:
        qtbot.keyClick(pages, Qt.Key.Key_Down)
        shown.append(dialog.tabs.currentWidget().accessibleName())
    assert shown == PAGES
    for _ in PAGES[1:]:
        qtbot.keyClick(pages, Qt.Key.Key_Up)
    assert dialog.tabs.currentWidget() is dialog.general
    # Tab goes from the list into the page shown, Shift+Tab back to the list.
    qtbot.keyClick(pages, Qt.Key.Key_Tab)
    widget = focused()
    assert widget is not None and dialog.general.isAncestorOf(widget)
    qtbot.keyClick(widget, Qt.Key.Key_Backtab)
    assert focused() is pages
    # Opening the Tools page: the placeholder until tools exist.
    dialog.show_page(dialog.tools)
    texts = [label.text() for label in dialog.tools.findChildren(QLabel)]
    assert NO_TOOLS in texts
    dialog.reject()


def test_every_label_is_in_plain_words(app: App, qtbot: QtBot) -> None:
    dialog = open_settings(app, qtbot)
    words = []
    for widget in dialog.findChildren(QWidget):
        if isinstance(widget, QLabel):
            words.append(widget.text())
        if isinstance(widget, QAbstractButton):
            words.append(widget.text())
        words.append(widget.accessibleName())
    text = "\n".join(words)
    for jargon in JARGON:
        assert jargon not in text
    for label in ("Proxy", "Stop waiting after", "Provider", "Theme", "Text size"):
        assert label in words
    for _name, label, _hint in SWITCHES:
        assert label in words
    dialog.reject()


def test_general_switches_apply_and_are_kept_at_once(
    qtbot: QtBot, loop: qasync.QEventLoop, keyed_api: FakeAnthropicAPI
) -> None:
    keyed_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    with make_app(qtbot, loop, keyed_api) as app:
        # The harness starts with titles off (its tests count requests): the rest as shipped.
        settings = app.window.session.settings
        before = {name: getattr(settings, name) for name, _label, _hint in SWITCHES}
        dialog = open_settings(app, qtbot)
        page = dialog.general
        changed: list[str] = []
        dialog.setting_changed.connect(changed.append)
        for name, switch in page.switches.items():
            assert isinstance(switch, Switch)
            assert switch.isChecked() == before[name]
            switch.setFocus()
            qtbot.keyClick(switch, Qt.Key.Key_Space)  # Space flips a focused switch
            assert getattr(app.window.session.settings, name) is not before[name]
            assert getattr(Settings.load(), name) is not before[name]  # on disk now
        assert changed == list(page.switches)
        dialog.reject()
        app.window.hide()
    with make_app(qtbot, loop, keyed_api, titles=not before["generate_titles"]) as app:
        dialog = open_settings(app, qtbot)
        for name, switch in dialog.general.switches.items():
            assert switch.isChecked() is not before[name]
        dialog.reject()


def _question(app: App, dialog: SettingsDialog) -> QMessageBox:
    app.wait(lambda: (box := dialog.findChild(QMessageBox)) is not None and box.isVisible())
    box = dialog.findChild(QMessageBox)
    assert box is not None and "unsaved changes" in box.text()
    return box


def _answer(app: App, box: QMessageBox, answer: QMessageBox.StandardButton) -> None:
    app.qtbot.mouseClick(box.button(answer), Qt.MouseButton.LeftButton)
    app.wait(lambda: not box.isVisible())


def test_leaving_the_connection_page_with_unsaved_text_asks_first(app: App, qtbot: QtBot) -> None:
    dialog = open_settings(app, qtbot)
    dialog.show_page(dialog.connection)
    page = dialog.connection
    qtbot.keyClicks(page.proxy, "http://proxy.corp:3128")
    # Another page, by the list: the question, and the page stays until it is answered.
    dialog.page_list.setFocus()
    qtbot.keyClick(dialog.page_list, Qt.Key.Key_Down)
    box = _question(app, dialog)
    assert dialog.tabs.currentWidget() is page
    _answer(app, box, QMessageBox.StandardButton.Cancel)
    assert dialog.tabs.currentWidget() is page and page.proxy.text() == "http://proxy.corp:3128"
    assert dialog.page_list.currentRow() == PAGES.index("Connection")
    # Discard: the typed text goes, and the page asked for is shown.
    dialog.show_page(dialog.appearance)
    _answer(app, _question(app, dialog), QMessageBox.StandardButton.Discard)
    assert dialog.tabs.currentWidget() is dialog.appearance
    assert page.proxy.text() == "" and Settings.load().proxy == ""
    # Save: kept, then the page asked for.
    dialog.show_page(page)
    qtbot.keyClicks(page.proxy, "http://proxy.corp:3128")
    dialog.show_page(dialog.general)
    _answer(app, _question(app, dialog), QMessageBox.StandardButton.Save)
    assert dialog.tabs.currentWidget() is dialog.general
    assert Settings.load().proxy == "http://proxy.corp:3128"
    dialog.reject()


def test_enter_in_a_connection_field_saves_it(app: App, qtbot: QtBot) -> None:
    dialog = open_settings(app, qtbot)
    dialog.show_page(dialog.connection)
    page = dialog.connection
    qtbot.keyClicks(page.proxy, "http://proxy.corp:3128")
    qtbot.keyClick(page.proxy, Qt.Key.Key_Return)
    assert Settings.load().proxy == "http://proxy.corp:3128"
    assert not page.has_unsaved_changes()
    assert dialog.isVisible()  # Enter saved the field; it pressed no Close button
    dialog.reject()


def test_every_control_of_every_page_and_the_sheet_has_a_name_and_takes_tab(
    app: App, qtbot: QtBot
) -> None:
    from tests.ui.test_accessibility import accessible_name, visible_controls

    dialog = open_settings(app, qtbot)
    unnamed: list[str] = []
    for row, name in enumerate(PAGES):
        dialog.page_list.setCurrentRow(row)
        for widget in visible_controls(dialog):
            if not accessible_name(widget):
                unnamed.append(f"{name}: {type(widget).__name__} {widget.objectName()!r}")
            if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
                unnamed.append(f"{name}: {accessible_name(widget)!r} takes no Tab")
    dialog.reject()
    sheet = app.window.open_conversation_settings()
    sheet.advanced_button.click()
    unnamed += [
        f"sheet: {type(w).__name__}" for w in visible_controls(sheet) if not accessible_name(w)
    ]
    unnamed += [
        f"sheet: {accessible_name(w)!r} takes no Tab"
        for w in visible_controls(sheet)
        if not w.focusPolicy() & Qt.FocusPolicy.TabFocus
    ]
    assert unnamed == [], unnamed
    sheet.close_sheet()


def test_the_tools_page_is_the_app_s_mcp_servers(app: App, qtbot: QtBot, tmp_path) -> None:
    """With the app's tools (app.py gives the window its AppTools), Settings → Tools is the
    real page over them, not the note."""
    from claude_desktop.app_tools import AppTools
    from claude_desktop.ui.settings_tools import ToolsPage

    app.window.app_tools = AppTools(tmp_path / "mcp_servers.json")
    dialog = app.window.open_settings()
    dialog.show_page(dialog.tools)
    (page,) = dialog.tools.findChildren(ToolsPage)
    assert page.tools is app.window.app_tools
    assert page.approvals is app.window.turns.approvals
    assert not [label for label in dialog.tools.findChildren(QLabel) if label.text() == NO_TOOLS]
