"""The real main window with a cloud provider active, and the Settings → Connection page,
against the loopback Bedrock and Vertex servers."""

from __future__ import annotations

import sys

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot

from claude_desktop.domain.secrets import KeyStore
from claude_desktop.domain.settings import Settings
from claude_desktop.ui.settings_connection import ConnectionPage
from claude_desktop.ui.settings_dialog import SettingsDialog
from tests import sse
from tests.fake_clouds import (
    GoogleAccount,
    aws_env,
    bedrock_frames,
    bedrock_http_error,
    bedrock_response,
    google_account,
    request_path,
    sigv4_problem,
)
from tests.fakeapi import FakeAnthropicAPI, SSEResponse
from tests.ui.harness import App, make_app

__all__ = ["aws_env", "google_account"]
ANSWER = "## From the cloud\n\nIt *works*:\n\n```python\nprint('bedrock')\n```\n"


def _use(**fields: object) -> None:
    settings = Settings.load()
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()


def _connection_page(app: App) -> ConnectionPage:
    app.window.open_settings()
    dialog = app.window.findChild(SettingsDialog)
    page = dialog.findChild(ConnectionPage)
    assert page is not None
    dialog.tabs.setCurrentWidget(page)  # as a click on the Connection tab does
    app.qtbot.waitExposed(page)
    return page


def test_bedrock_answers_in_the_window_without_an_api_key(
    qtbot: QtBot, loop: qasync.QEventLoop, aws_env: FakeAnthropicAPI
) -> None:
    _use(provider="bedrock", bedrock_model_prefix="us")
    with make_app(qtbot, loop, aws_env, KeyStore()) as app:
        window = app.window
        # No key anywhere, yet no key page: the cloud has its own credentials.
        assert window.session.key is None
        assert window.pages.currentWidget() is window.chat_page
        assert "Amazon Bedrock" in window.toasts.last_text
        deltas = [ANSWER[i : i + 4] for i in range(0, len(ANSWER), 4)]
        aws_env.enqueue(bedrock_response(bedrock_frames(sse.text_stream(deltas)), chunk_size=5))
        app.type_and_send(qtbot, "Hello Bedrock")
        app.wait(lambda: not window.streaming)
        assert app.last_answer().markdown_text() == ANSWER
        (request,) = aws_env.requests
        assert request_path(request).startswith("/model/us.anthropic.claude-sonnet-4-6/")
        assert sigv4_problem(request, aws_env.base_url) is None
        assert request.json["messages"][0]["content"][0]["text"] == "Hello Bedrock"


def test_a_cloud_credentials_error_is_shown_inline_not_as_a_key_page(
    qtbot: QtBot, loop: qasync.QEventLoop, aws_env: FakeAnthropicAPI
) -> None:
    _use(provider="bedrock", bedrock_profile="")
    with make_app(qtbot, loop, aws_env, KeyStore()) as app:
        aws_env.enqueue(bedrock_http_error(403, "ExpiredTokenException", "Token expired"))
        app.type_and_send(qtbot, "Hi")
        app.wait(lambda: not app.window.streaming)
        error = app.last_answer().error_label.text()
        assert "Your AWS session has expired: run `aws sso login`" in error
        assert app.window.pages.currentWidget() is app.window.chat_page


def test_vertex_answers_in_the_window(
    qtbot: QtBot, loop: qasync.QEventLoop, google_account: GoogleAccount, fake_api: FakeAnthropicAPI
) -> None:
    _use(provider="vertex", vertex_region="us-east5")
    with make_app(qtbot, loop, fake_api, KeyStore()) as app:
        fake_api.enqueue(SSEResponse(sse.events(sse.text_stream(["Hello ", "from Vertex"]))))
        app.type_and_send(qtbot, "Hi")
        app.wait(lambda: not app.window.streaming)
        assert app.last_answer().markdown_text() == "Hello from Vertex"
        request = fake_api.requests[-1]
        assert request.headers["authorization"] == f"Bearer {google_account.issued[0]}"
        assert "/locations/us-east5/" in request.path


def test_switching_to_a_cloud_in_settings_leaves_the_key_page(
    qtbot: QtBot, loop: qasync.QEventLoop, aws_env: FakeAnthropicAPI
) -> None:
    with make_app(qtbot, loop, aws_env, KeyStore()) as app:
        window = app.window
        assert window.pages.currentWidget() is window.key_view  # no key, Anthropic API
        page = _connection_page(app)
        page.provider.setCurrentIndex(page.provider.findData("bedrock"))
        assert page.form.isVisible() and page.bedrock_region.isVisible()
        assert not page.base_url.isVisible()
        qtbot.keyClicks(page.bedrock_region, "us-west-2")
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
        app.wait(lambda: window.pages.currentWidget() is window.chat_page)
        assert "Amazon Bedrock (us-west-2)" in page.status.text()
        saved = Settings.load()
        assert (saved.provider, saved.bedrock_region) == ("bedrock", "us-west-2")

        # Test connection asks Bedrock for real.
        aws_env.enqueue(bedrock_response(bedrock_frames(sse.text_stream(["."]))))
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        app.wait(lambda: "Amazon Bedrock answered" in page.status.text())
        assert request_path(aws_env.requests[-1]).startswith("/model/anthropic.claude-sonnet-4-6/")
        assert aws_env.requests[-1].json["max_tokens"] == 1

        # Back to the Anthropic API: the Bedrock fields are kept, and the key is asked for.
        page.provider.setCurrentIndex(page.provider.findData("anthropic"))
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
        app.wait(lambda: window.pages.currentWidget() is window.key_view)
        assert Settings.load().bedrock_region == "us-west-2"
        page.window().close()


def test_an_invalid_base_url_is_refused_with_a_sentence(
    qtbot: QtBot, loop: qasync.QEventLoop, fake_api: FakeAnthropicAPI
) -> None:
    with make_app(qtbot, loop, fake_api, KeyStore()) as app:
        page = _connection_page(app)
        qtbot.keyClicks(page.base_url, "gateway.example.com")
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
        assert page.status.text() == (
            "The API base URL 'gateway.example.com' must start with https://"
            " (or http:// for a local gateway)."
        )
        assert Settings.load().base_url == ""
        page.base_url.clear()
        qtbot.keyClicks(page.proxy, "http://proxy corp:3128")
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
        assert page.status.text().startswith("The proxy 'http://proxy corp:3128' is not")
        assert Settings.load().proxy == ""
        page.window().close()


def test_a_missing_package_is_explained_when_its_provider_is_picked(
    qtbot: QtBot, loop: qasync.QEventLoop, fake_api: FakeAnthropicAPI, monkeypatch
) -> None:
    monkeypatch.setitem(sys.modules, "google.auth", None)
    with make_app(qtbot, loop, fake_api, KeyStore()) as app:
        page = _connection_page(app)
        assert page.missing.isHidden()
        page.provider.setCurrentIndex(page.provider.findData("vertex"))
        assert page.missing.isVisible()
        assert "pip install 'claude-desktop[vertex]'" in page.missing.text()
        page.window().close()


def _unsaved_question(app: App, dialog: SettingsDialog) -> QMessageBox:
    app.wait(lambda: (box := dialog.findChild(QMessageBox)) is not None and box.isVisible())
    box = dialog.findChild(QMessageBox)
    assert "unsaved changes" in box.text()
    buttons = {box.standardButton(b) for b in box.buttons()}
    assert buttons == {
        QMessageBox.StandardButton.Save,
        QMessageBox.StandardButton.Discard,
        QMessageBox.StandardButton.Cancel,
    }
    return box


def _answer(app: App, box: QMessageBox, answer: QMessageBox.StandardButton) -> None:
    button = box.button(answer)
    app.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    app.wait(lambda: not box.isVisible())


def test_closing_with_an_unsaved_proxy_asks_and_save_keeps_it(
    qtbot: QtBot, loop: qasync.QEventLoop, fake_api: FakeAnthropicAPI
) -> None:
    with make_app(qtbot, loop, fake_api, KeyStore()) as app:
        page = _connection_page(app)
        dialog = page.window()
        assert isinstance(dialog, SettingsDialog)
        qtbot.keyClicks(page.proxy, "http://proxy.corp:3128")
        close = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
        qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
        box = _unsaved_question(app, dialog)
        assert dialog.isVisible()  # nothing is thrown away before the answer
        _answer(app, box, QMessageBox.StandardButton.Save)
        app.wait(lambda: not dialog.isVisible())
        assert Settings.load().proxy == "http://proxy.corp:3128"
        assert app.window.session.settings.proxy == "http://proxy.corp:3128"


def test_escape_with_unsaved_changes_asks_and_discard_forgets_them(
    qtbot: QtBot, loop: qasync.QEventLoop, fake_api: FakeAnthropicAPI
) -> None:
    with make_app(qtbot, loop, fake_api, KeyStore()) as app:
        page = _connection_page(app)
        dialog = page.window()
        qtbot.keyClicks(page.proxy, "http://proxy.corp:3128")
        qtbot.keyClick(page.proxy, Qt.Key.Key_Escape)
        box = _unsaved_question(app, dialog)
        _answer(app, box, QMessageBox.StandardButton.Discard)
        app.wait(lambda: not dialog.isVisible())
        assert Settings.load().proxy == ""
        assert page.proxy.text() == ""  # shown again, the page holds what is saved
        assert not page.has_unsaved_changes()


def test_the_window_close_button_asks_too_and_cancel_keeps_the_edit(
    qtbot: QtBot, loop: qasync.QEventLoop, fake_api: FakeAnthropicAPI
) -> None:
    with make_app(qtbot, loop, fake_api, KeyStore()) as app:
        page = _connection_page(app)
        dialog = page.window()
        page.read_timeout.lineEdit().selectAll()
        qtbot.keyClicks(page.read_timeout.lineEdit(), "120")
        dialog.close()  # what the title bar's close button does
        box = _unsaved_question(app, dialog)
        _answer(app, box, QMessageBox.StandardButton.Cancel)
        assert dialog.isVisible()
        assert page.read_timeout.value() == 120
        assert Settings.load().read_timeout == 60
        # A second close asks again, and a second Esc does not stack a second question.
        qtbot.keyClick(page.proxy, Qt.Key.Key_Escape)
        box = _unsaved_question(app, dialog)
        dialog.reject()
        assert len(dialog.findChildren(QMessageBox)) == 1
        _answer(app, box, QMessageBox.StandardButton.Save)
        app.wait(lambda: not dialog.isVisible())
        assert Settings.load().read_timeout == 120


def test_save_in_the_question_with_a_bad_value_keeps_the_dialog_open_and_says_why(
    qtbot: QtBot, loop: qasync.QEventLoop, fake_api: FakeAnthropicAPI
) -> None:
    with make_app(qtbot, loop, fake_api, KeyStore()) as app:
        page = _connection_page(app)
        dialog = page.window()
        qtbot.keyClicks(page.proxy, "not a proxy")
        dialog.reject()
        _answer(app, _unsaved_question(app, dialog), QMessageBox.StandardButton.Save)
        assert dialog.isVisible()
        assert page.status.text().startswith("The proxy 'not a proxy'")
        assert page.proxy.text() == "not a proxy"
        assert Settings.load().proxy == ""
        page.proxy.clear()  # back to what is saved: closing asks nothing
        dialog.reject()
        app.wait(lambda: not dialog.isVisible())
        assert not any(box.isVisible() for box in dialog.findChildren(QMessageBox))


def test_closing_without_changes_or_after_saving_asks_nothing(
    qtbot: QtBot, loop: qasync.QEventLoop, fake_api: FakeAnthropicAPI
) -> None:
    with make_app(qtbot, loop, fake_api, KeyStore()) as app:
        page = _connection_page(app)
        dialog = page.window()
        qtbot.keyClicks(page.proxy, "http://proxy.corp:3128")
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
        assert not page.has_unsaved_changes()
        dialog.reject()
        assert not dialog.isVisible()
        assert dialog.findChild(QMessageBox) is None


@pytest.mark.parametrize(("field", "typed"), [("read_timeout", "0"), ("connect_timeout", "")])
def test_a_timeout_typed_out_of_range_is_refused_with_a_sentence(
    qtbot: QtBot, loop: qasync.QEventLoop, fake_api: FakeAnthropicAPI, field: str, typed: str
) -> None:
    with make_app(qtbot, loop, fake_api, KeyStore()) as app:
        page = _connection_page(app)
        box = getattr(page, field)
        box.lineEdit().selectAll()
        qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Delete)
        qtbot.keyClicks(box.lineEdit(), typed)
        qtbot.keyClicks(box.lineEdit(), "-")  # a minus sign is not even taken
        assert "-" not in box.text()
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
        name = "read" if field == "read_timeout" else "connect"
        assert page.status.text().startswith(f"The {name} timeout must be between")
        saved = Settings.load()
        assert (saved.read_timeout, saved.connect_timeout) == (60.0, 10.0)
        page.window().close()
        _answer(app, _unsaved_question(app, page.window()), QMessageBox.StandardButton.Discard)
        assert box.text() == ("60 s" if field == "read_timeout" else "10 s")
        assert not page.has_unsaved_changes()
