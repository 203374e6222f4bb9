"""First run and the key: the welcome page, a rejected key, and a 401 mid-conversation.

The key must never end up anywhere but the keyring: these tests type as a person does (into
whatever has the focus) and then scan settings.json, the history and exports for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QStatusBar, QToolBar, QWidget
from pytestqt.qtbot import QtBot

from claude_desktop.domain import paths
from claude_desktop.domain.secrets import KEYRING_SERVICE, KEYRING_USERNAME
from claude_desktop.domain.settings import Settings
from claude_desktop.ui.key_view import CONSOLE_URL
from claude_desktop.ui.settings_connection import ConnectionPage
from claude_desktop.ui.settings_dialog import SettingsDialog
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, RecordedRequest, SSEResponse, api_error
from tests.keyring_memory import MemoryKeyring
from tests.ui.harness import MODELS, App, make_app

WRONG_KEY = "sk-ant-api03-wrong-key-000000000000"
RIGHT_KEY = "sk-ant-api03-right-key-111111111111"


def _models_for_the_right_key(request: RecordedRequest) -> JSONResponse:
    if request.headers.get("x-api-key") == RIGHT_KEY:
        return JSONResponse(200, MODELS)
    return api_error(401, "authentication_error", "invalid x-api-key")


@pytest.fixture
def first_run(
    qtbot: QtBot,
    loop: qasync.QEventLoop,
    fake_api: FakeAnthropicAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[App]:
    """A fresh profile: no key in the environment or the keyring."""
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    fake_api.route("GET", "/v1/models", _models_for_the_right_key)
    with make_app(qtbot, loop, fake_api) as app:
        yield app


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def type_as_a_person(qtbot: QtBot, text: str) -> None:
    """Keys go wherever the focus is, as they do for a person: no aiming at a widget."""
    qtbot.keyClicks(focused(), text)


def press(
    qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    qtbot.keyClick(focused(), key, modifier)


def files_under(folder: Path) -> Iterator[Path]:
    for root, _dirs, names in os.walk(folder):
        for name in names:
            yield Path(root) / name


def assert_nowhere_on_disk(secret: str) -> None:
    """Not in settings.json, the history database (and its journal), or any other file the
    app keeps under its data folder."""
    folder = paths.override_dir()
    assert folder is not None
    needle = secret.encode()
    found = [path for path in files_under(folder) if needle in path.read_bytes()]
    assert not found, f"the key was written to {found}"


def test_a_wrong_then_right_key_typed_as_a_person_stays_out_of_the_model(
    first_run: App, qtbot: QtBot, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    window, api = first_run.window, first_run.api
    field = window.key_view.field
    assert window.pages.currentWidget() is window.key_view
    assert field.hasFocus()

    type_as_a_person(qtbot, WRONG_KEY)
    press(qtbot, Qt.Key.Key_Return)
    first_run.wait(lambda: "rejected" in window.key_view.message_text())
    # Focus is back in the key field after the failed check, its text selected to retype.
    first_run.wait(field.hasFocus)
    assert field.isEnabled()
    assert field.selectedText() == WRONG_KEY

    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_as_a_person(qtbot, RIGHT_KEY)
    press(qtbot, Qt.Key.Key_Return)
    first_run.wait(lambda: window.pages.currentWidget() is window.chat_page)
    assert memory_keyring.get_password(KEYRING_SERVICE, KEYRING_USERNAME) == RIGHT_KEY
    assert window.session.model == "claude-sonnet-4-6"
    assert Settings.load().model == "claude-sonnet-4-6"

    api.enqueue(SSEResponse(sse.text_stream(["Hello"])))
    first_run.type_and_send(qtbot, "Hi")
    first_run.wait(lambda: not window.streaming)
    asked = api.requests[-1]
    assert asked.json["model"] == "claude-sonnet-4-6"
    assert asked.headers["x-api-key"] == RIGHT_KEY
    answer = first_run.last_answer()
    assert RIGHT_KEY not in answer.details_text()  # the model name is behind ⓘ now

    window.save_state()
    window.session.history.store.close()  # flush the WAL into the file that is scanned
    window.session.close_history()
    exports = tmp_path / "exports"
    exports.mkdir()
    history = window.session.history
    conv = history.load(history.conversations()[0].id)
    assert conv is not None
    for name in ("chat.md", "chat.json"):
        history.export(conv, exports / name)
        text = (exports / name).read_text(encoding="utf-8")
        assert RIGHT_KEY not in text and WRONG_KEY not in text
    for secret in (WRONG_KEY, RIGHT_KEY):
        assert_nowhere_on_disk(secret)


def test_the_model_picker_is_not_editable_and_refuses_a_key_typed_on_purpose(
    app: App, qtbot: QtBot
) -> None:
    picker = app.window.picker
    assert not picker.isEditable()
    app.type_model_id(qtbot, RIGHT_KEY)
    dialog = picker.dialog
    assert dialog is not None and dialog.isVisible()
    assert "looks like an API key" in dialog.problem.text()
    assert dialog.field.selectedText() == RIGHT_KEY
    assert app.window.session.model == "claude-sonnet-4-6"
    assert picker.findText(RIGHT_KEY) < 0
    dialog.reject()
    app.window.save_state()
    assert_nowhere_on_disk(RIGHT_KEY)


def test_the_welcome_page_fills_the_window_with_nothing_of_the_chat(first_run: App) -> None:
    window = first_run.window
    view = window.key_view
    assert window.pages.currentWidget() is view
    assert not window.findChildren(QToolBar) and not window.findChildren(QStatusBar)
    assert not window.picker.isVisible() and not window.header.isVisible()
    assert not window.sidebar.isVisible() and not window.composer.isVisible()
    for action in (window.new_action, window.export_action, window.chat_settings_action):
        assert not action.isEnabled()
    assert window.settings_action.isEnabled()  # where a cloud provider is chosen
    assert view.field.echoMode() == QLineEdit.EchoMode.Password
    assert view.save_button.text() == "Continue" and view.save_button.isDefault()
    assert CONSOLE_URL in view.get_key.text() and "Get an API key" in view.get_key.text()
    assert "keyring" in view.where_kept.text()
    assert_nothing_clipped(view)


def test_show_hide_reveals_the_key_being_typed(first_run: App, qtbot: QtBot) -> None:
    view = first_run.window.key_view
    type_as_a_person(qtbot, "sk-ant-typed")
    qtbot.mouseClick(view.show_button, Qt.MouseButton.LeftButton)
    assert view.field.echoMode() == QLineEdit.EchoMode.Normal
    assert view.show_button.text() == "Hide"
    qtbot.mouseClick(view.show_button, Qt.MouseButton.LeftButton)
    assert view.field.echoMode() == QLineEdit.EchoMode.Password


def test_a_rejected_key_is_said_in_full_without_sending_to_settings(
    first_run: App, qtbot: QtBot
) -> None:
    window = first_run.window
    view = window.key_view
    window.resize(800, 600)
    type_as_a_person(qtbot, WRONG_KEY)
    press(qtbot, Qt.Key.Key_Return)
    first_run.wait(lambda: "rejected" in view.message_text())
    assert "Settings" not in view.message_text()
    assert view.message.isVisible()
    # Qt lays the page out again on its next turn (a posted LayoutRequest): then look.
    first_run.wait(
        lambda: view.message.height() >= view.message.heightForWidth(view.message.width())
    )
    assert_nothing_clipped(view)
    assert not view.message.geometry().intersects(view.get_key.geometry())
    # Cut into two lines, the sentence still shows whole.
    view.show_message("x " * 200, error=True)
    first_run.wait(
        lambda: view.message.height() >= view.message.heightForWidth(view.message.width())
    )
    assert_nothing_clipped(view)
    assert not view.message.geometry().intersects(view.save_button.geometry())


def test_a_401_mid_conversation_keeps_it_on_screen_and_the_key_is_updated_from_the_card(
    app: App, qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    window, api = app.window, app.api
    api.enqueue(SSEResponse(sse.text_stream(["First answer"])))
    app.type_and_send(qtbot, "First question")
    app.wait(lambda: not window.streaming)
    api.enqueue(api_error(401, "authentication_error", "invalid x-api-key"))
    app.type_and_send(qtbot, "Second question")
    app.wait(lambda: not window.streaming)

    failed = app.last_answer()
    assert window.pages.currentWidget() is window.chat_page
    assert [w.markdown_text() for w in window.view.message_widgets()][:3] == [
        "First question",
        "First answer",
        "Second question",
    ]
    assert failed.error_title() == "Your API key was rejected"
    assert failed.retry_button.text() == "Update API key"
    assert "Settings" not in (failed.error_text() or "")

    api.route(
        "GET",
        "/v1/models",
        lambda req: (
            JSONResponse(200, MODELS)
            if req.headers["x-api-key"] == RIGHT_KEY
            else api_error(401, "authentication_error", "invalid x-api-key")
        ),
    )
    qtbot.mouseClick(failed.retry_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.tabs.currentWidget() is dialog.account
    app.wait(dialog.account.new_key.hasFocus)
    assert window.pages.currentWidget() is window.chat_page  # the conversation stays
    type_as_a_person(qtbot, RIGHT_KEY)
    qtbot.mouseClick(dialog.account.replace_button, Qt.MouseButton.LeftButton)
    app.wait(lambda: not dialog.isVisible())
    assert memory_keyring.get_password(KEYRING_SERVICE, KEYRING_USERNAME) == RIGHT_KEY
    assert failed.retry_button.text() == "Retry"

    api.enqueue(SSEResponse(sse.text_stream(["Second answer"])))
    qtbot.mouseClick(failed.retry_button, Qt.MouseButton.LeftButton)
    app.wait(lambda: not window.streaming and app.last_answer() is not failed)
    app.wait(lambda: not window.streaming)
    assert app.last_answer().markdown_text() == "Second answer"
    assert api.requests[-1].headers["x-api-key"] == RIGHT_KEY
    assert [m["role"] for m in api.requests[-1].json["messages"]] == ["user", "assistant", "user"]
    assert window.pages.currentWidget() is window.chat_page


def assert_nothing_clipped(page: QWidget) -> None:
    """Every shown label of `page` is as tall as its text needs at its width."""
    for label in page.findChildren(QLabel):
        if label.isVisible() and label.wordWrap():
            needed = label.heightForWidth(label.width())
            assert label.height() >= needed, (
                f"{label.text()[:40]!r} is cut: {label.height()} < {needed}"
            )


def test_a_cloud_provider_can_be_chosen_from_the_welcome_page(first_run: App) -> None:
    window = first_run.window
    view = window.key_view
    view.clouds.linkActivated.emit("providers:")
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None
    assert dialog.tabs.currentWidget() is dialog.findChild(ConnectionPage)
    dialog.close()


def test_tab_from_the_key_field_stays_on_the_welcome_page(first_run: App, qtbot: QtBot) -> None:
    view = first_run.window.key_view
    for _ in range(8):
        press(qtbot, Qt.Key.Key_Tab)
        assert view.isAncestorOf(focused()), f"focus went to {focused()!r}"
