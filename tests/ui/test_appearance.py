"""Theme and text size: switching re-styles what is already shown; the size survives a restart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from claude_desktop.domain.settings import Settings
from claude_desktop.ui import theme
from claude_desktop.ui.appearance import appearance_for, default_font_size
from claude_desktop.ui.settings_appearance import AppearancePage
from claude_desktop.ui.settings_dialog import SettingsDialog
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, SSEResponse
from tests.ui.harness import MODELS, App, make_app

CODE_ANSWER = "Like this:\n\n```python\nprint('hi')\n```\n"


@pytest.fixture(autouse=True)
def platform_theme_back() -> Iterator[None]:
    """The application palette is global: put the platform's back after each test."""
    yield
    QGuiApplication.styleHints().unsetColorScheme()
    QApplication.setPalette(QPalette())


def _code_background(app: App) -> QColor:
    """The colour on screen inside the answer's code block, left of the code."""
    view = app.last_answer().text_view
    doc = view.document()
    block = doc.find("print")
    assert not block.isNull()
    rect = view.cursorRect(block)
    image = view.viewport().grab().toImage()
    return image.pixelColor(4, rect.center().y())


def _answer_with_code(app: App, qtbot: QtBot) -> None:
    app.api.enqueue(SSEResponse(sse.events(sse.text_stream([CODE_ANSWER]))))
    app.type_and_send(qtbot, "Code please")
    app.wait(lambda: not app.window.streaming)


def test_switching_the_theme_restyles_an_answer_already_shown(app: App, qtbot: QtBot) -> None:
    _answer_with_code(app, qtbot)
    html = app.last_answer().text_view.toHtml()
    assert theme.LIGHT.code_background in html
    assert _code_background(app).name() == theme.LIGHT.code_background

    app.window.appearance.set_theme("dark")
    assert theme.is_dark(QApplication.palette())
    app.wait(lambda: theme.DARK.code_background in app.last_answer().text_view.toHtml())
    assert theme.LIGHT.code_background not in app.last_answer().text_view.toHtml()
    app.wait(lambda: _code_background(app).name() == theme.DARK.code_background)
    app.run(app.window.session.settings.flush())  # the save runs in a worker thread
    assert Settings.load().theme == "dark"  # remembered

    app.window.appearance.set_theme("light")
    app.wait(lambda: _code_background(app).name() == theme.LIGHT.code_background)
    assert not theme.is_dark(QApplication.palette())

    # "system" on a platform that states no preference: its own palette, light here.
    app.window.appearance.set_theme("system")
    assert QApplication.palette() == QPalette()
    assert _code_background(app).name() == theme.LIGHT.code_background


def test_following_the_system_switches_live_when_the_os_does(app: App, qtbot: QtBot) -> None:
    _answer_with_code(app, qtbot)
    assert app.window.session.settings.theme == "system"
    hints = QGuiApplication.styleHints()
    # What the platform plugin does when the OS switches; offscreen and Xvfb never do.
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert theme.is_dark(QApplication.palette())
    app.wait(lambda: _code_background(app).name() == theme.DARK.code_background)
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert not theme.is_dark(QApplication.palette())
    app.wait(lambda: _code_background(app).name() == theme.LIGHT.code_background)
    # With the theme forced, the OS's switches are not followed.
    app.window.appearance.set_theme("light")
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert not theme.is_dark(QApplication.palette())


def test_new_messages_after_a_switch_use_the_new_theme(app: App, qtbot: QtBot) -> None:
    app.window.appearance.set_theme("dark")
    _answer_with_code(app, qtbot)
    assert theme.DARK.code_background in app.last_answer().text_view.toHtml()


def test_the_settings_page_switches_the_theme(app: App, qtbot: QtBot) -> None:
    dialog = SettingsDialog(app.window.session, app.window.tasks, app.window)
    qtbot.addWidget(dialog)
    # (A tab widget before the Settings window got its page list, on purpose: issue #18.)
    names = dialog.page_names()
    assert names == ["General", "Account", "Connection", "Tools", "Appearance"]
    page = dialog.tabs.widget(names.index("Appearance"))
    assert isinstance(page, AppearancePage)
    assert page.appearance is app.window.appearance
    page.theme.setCurrentIndex(page.theme.findData("dark"))
    assert app.window.session.settings.theme == "dark"
    assert theme.is_dark(QApplication.palette())
    page.font_size.setValue(18)
    assert app.window.view.font().pointSize() == 18
    page.font_size.setValue(page.font_size.minimum())
    assert app.window.session.settings.font_size == 0
    assert app.window.view.font().pointSize() == default_font_size()


def _press(app: App, qtbot: QtBot, key: Qt.Key) -> None:
    qtbot.keyClick(app.window.composer.editor, key, Qt.KeyboardModifier.ControlModifier)


def test_font_size_keys_and_restart(
    qtbot: QtBot, loop: qasync.QEventLoop, keyed_api: FakeAnthropicAPI
) -> None:
    fake_api = keyed_api
    fake_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    default = default_font_size()
    with make_app(qtbot, loop, fake_api) as app:
        _answer_with_code(app, qtbot)
        text_view = app.last_answer().text_view
        height = text_view.height()
        for _ in range(3):
            _press(app, qtbot, Qt.Key.Key_Equal)
        assert app.window.view.font().pointSize() == default + 3
        # The text inherits it (as body pixels scaled alike: theme.BODY_PX at the default
        # size), and the message grows to fit.
        assert text_view.font().pixelSize() == round(theme.BODY_PX * (default + 3) / default)
        app.wait(lambda: text_view.height() > height)
        _press(app, qtbot, Qt.Key.Key_Minus)
        assert app.window.view.font().pointSize() == default + 2
        app.window.save_state()
        app.window.hide()  # as at quit: its shortcuts leave with it
    assert Settings.load().font_size == default + 2

    with make_app(qtbot, loop, fake_api) as again:
        assert again.window.view.font().pointSize() == default + 2
        _press(again, qtbot, Qt.Key.Key_0)
        assert again.window.view.font().pointSize() == default
        again.run(again.window.session.settings.flush())  # saved in a worker thread
    assert Settings.load().font_size == 0


def test_font_size_stays_within_bounds(app: App) -> None:
    appearance = app.window.appearance
    for _ in range(60):
        appearance.zoom_in()
    assert appearance.font_size == 32
    for _ in range(60):
        appearance.zoom_out()
    assert appearance.font_size == 7


def test_one_appearance_per_settings(app: App) -> None:
    settings = app.window.session.settings
    assert appearance_for(settings) is app.window.appearance
    assert appearance_for(Settings()) is not app.window.appearance
