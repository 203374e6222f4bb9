"""The real main window on a qasync loop, against the loopback API server."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
import qasync
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from claude_desktop.domain.secrets import KEYRING_SERVICE, KEYRING_USERNAME, KeyStore
from claude_desktop.domain.settings import Settings
from claude_desktop.ui.settings_dialog import SettingsDialog
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, SSEResponse, api_error
from tests.keyring_memory import FailingKeyring, MemoryKeyring
from tests.ui.harness import MODELS, App, make_app


def test_type_enter_and_watch_it_stream(app: App, qtbot: QtBot) -> None:
    window = app.window
    assert window.pages.currentWidget() is window.chat_page
    assert window.composer.editor.hasFocus()
    answer = "# Title\n\nSome *text* and code:\n\n```python\nprint(1)\n```\n"
    app.api.enqueue(
        SSEResponse(
            sse.events(sse.text_stream([answer[i : i + 5] for i in range(0, len(answer), 5)]))
        )
    )
    app.type_and_send(qtbot, "Hello Claude")
    assert window.composer.text() == ""
    app.wait(lambda: not window.streaming)
    widget = app.last_answer()
    assert widget.markdown_text() == answer
    request = app.api.requests[-1]
    assert request.headers["x-api-key"] == "sk-ant-stored-key-0000"
    assert request.json["messages"] == [
        # The prompt cache's rolling breakpoint ends the newest question.
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Hello Claude", "cache_control": {"type": "ephemeral"}}
            ],
        }
    ]
    assert window.composer.editor.hasFocus()
    assert window.composer.button.text() == "Send"
    branch = window.session.current.branch
    assert [(m.role, m.status) for m in branch] == [("user", "complete"), ("assistant", "complete")]
    assert branch[1].content == [{"type": "text", "text": answer}]


def test_shift_enter_makes_a_newline_not_a_send(app: App, qtbot: QtBot) -> None:
    editor = app.window.composer.editor
    qtbot.keyClicks(editor, "line one")
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(editor, "line two")
    assert app.window.composer.text() == "line one\nline two"
    assert not [r for r in app.api.requests if r.path == "/v1/messages"]


def test_stop_mid_stream_keeps_the_partial_answer(app: App, qtbot: QtBot) -> None:
    deltas = [f"word{i} " for i in range(300)]
    app.api.enqueue(SSEResponse(sse.events(sse.text_stream(deltas)), delay=0.03))
    app.type_and_send(qtbot, "Count")
    window = app.window
    app.wait(
        lambda: (
            window.composer.button.text() == "Stop" and "word2" in app.last_answer().markdown_text()
        )
    )
    qtbot.mouseClick(window.composer.button, Qt.MouseButton.LeftButton)
    app.wait(lambda: not window.streaming)
    assert app.api.wait_for_disconnect(timeout=2) is not None
    partial = app.last_answer().markdown_text()
    assert partial.startswith("word0 word1 word2")
    assert "word299" not in partial
    kept = window.session.current.branch[-1]
    assert (kept.role, kept.status) == ("assistant", "stopped")
    assert kept.content[0]["text"].startswith("word0")
    assert window.composer.button.text() == "Send"


def test_escape_stops_too(app: App, qtbot: QtBot) -> None:
    deltas = [f"w{i} " for i in range(300)]
    app.api.enqueue(SSEResponse(sse.events(sse.text_stream(deltas)), delay=0.03))
    app.type_and_send(qtbot, "Go")
    app.wait(lambda: "w1" in app.last_answer().markdown_text())
    qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_Escape)
    app.wait(lambda: not app.window.streaming)
    assert app.api.wait_for_disconnect(timeout=2) is not None


def test_error_mid_stream_is_shown_inline_with_retry(app: App, qtbot: QtBot) -> None:
    body = sse.message_stream([sse.text_block(["Partial ", "answer"])], finish=False)
    app.api.enqueue(SSEResponse(body + sse.error_event("overloaded_error", "Overloaded")))
    app.type_and_send(qtbot, "Question")
    app.wait(lambda: not app.window.streaming)
    failed = app.last_answer()
    assert failed.markdown_text() == "Partial answer"
    assert failed.error_text() == "Claude is overloaded right now. Try again in a moment."
    app.api.enqueue(SSEResponse(sse.text_stream(["Whole answer"])))
    failed.retry()
    app.wait(lambda: not app.window.streaming and app.last_answer() is not failed)
    app.wait(lambda: not app.window.streaming)
    assert app.last_answer().markdown_text() == "Whole answer"
    # The retry asks the same question again, without the failed partial answer...
    retried = app.api.requests[-1].json["messages"]
    assert [m["role"] for m in retried] == ["user"]
    # ...which is kept, as the first of two versions of the answer.
    assert app.last_answer().versions_text() == "2/2"
    app.last_answer().prev_button.click()
    assert app.last_answer().markdown_text() == "Partial answer"
    assert app.last_answer().error_text() == (
        "Claude is overloaded right now. Try again in a moment."
    )


def test_retrying_status_is_shown_while_backing_off(app: App, qtbot: QtBot) -> None:
    app.api.enqueue(api_error(529, "overloaded_error", "Overloaded", retry_after="1"))
    app.api.enqueue(SSEResponse(sse.text_stream(["Recovered"])))
    app.type_and_send(qtbot, "Hi")
    app.wait(lambda: "retrying in 1 s" in (app.last_answer().status_text() or ""))
    app.wait(lambda: not app.window.streaming)
    assert app.last_answer().markdown_text() == "Recovered"
    assert not app.last_answer().status_text()


def test_model_change_reaches_the_request_and_persists(app: App, qtbot: QtBot) -> None:
    picker = app.window.picker
    app.wait(lambda: len(picker.model_ids()) == 3)
    index = picker.findData("claude-haiku-4-5")
    picker.setCurrentIndex(index)
    picker.activated.emit(index)
    app.api.enqueue(SSEResponse(sse.text_stream(["ok"])))
    app.type_and_send(qtbot, "Hi")
    app.wait(lambda: not app.window.streaming)
    assert app.api.requests[-1].json["model"] == "claude-haiku-4-5"
    app.run(app.window.session.settings.flush())  # the choice is saved in a worker thread
    assert Settings.load().model == "claude-haiku-4-5"


def test_a_typed_custom_model_id_is_used(app: App, qtbot: QtBot) -> None:
    app.type_model_id(qtbot, "claude-future-9")
    assert app.window.picker.currentText() == "claude-future-9"
    app.api.enqueue(SSEResponse(sse.text_stream(["ok"])))
    app.type_and_send(qtbot, "Hi")
    app.wait(lambda: not app.window.streaming)
    assert app.api.requests[-1].json["model"] == "claude-future-9"


@pytest.fixture
def first_run(
    qtbot: QtBot,
    loop: qasync.QEventLoop,
    fake_api: FakeAnthropicAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[App]:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    with make_app(qtbot, loop, fake_api) as app:
        yield app


def test_first_run_asks_for_a_key_checks_it_and_saves_it(
    first_run: App, qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    window, api = first_run.window, first_run.api
    assert window.pages.currentWidget() is window.key_view
    assert window.key_view.field.echoMode() == window.key_view.field.EchoMode.Password
    api.route(
        "GET",
        "/v1/models",
        lambda req: (
            JSONResponse(200, MODELS)
            if req.headers["x-api-key"] == "sk-ant-good"
            else api_error(401, "authentication_error", "invalid x-api-key")
        ),
    )
    qtbot.keyClicks(window.key_view.field, "sk-ant-bad")
    qtbot.keyClick(window.key_view.field, Qt.Key.Key_Return)
    first_run.wait(lambda: "rejected" in window.key_view.message.text())
    assert memory_keyring.get_password(KEYRING_SERVICE, KEYRING_USERNAME) is None
    window.key_view.field.clear()
    qtbot.keyClicks(window.key_view.field, "sk-ant-good")
    qtbot.mouseClick(window.key_view.save_button, Qt.MouseButton.LeftButton)
    first_run.wait(lambda: window.pages.currentWidget() is window.chat_page)
    assert memory_keyring.get_password(KEYRING_SERVICE, KEYRING_USERNAME) == "sk-ant-good"
    assert window.composer.editor.hasFocus()


def test_without_a_keyring_the_key_can_be_used_for_this_session(
    qtbot: QtBot,
    loop: qasync.QEventLoop,
    fake_api: FakeAnthropicAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    fake_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    failing = FailingKeyring()
    with make_app(qtbot, loop, fake_api, KeyStore(failing)) as app:
        view = app.window.key_view
        qtbot.keyClicks(view.field, "sk-ant-session")
        qtbot.keyClick(view.field, Qt.Key.Key_Return)
        app.wait(lambda: view.session_button.isVisible())
        assert "session only" in view.message.text()
        qtbot.mouseClick(view.session_button, Qt.MouseButton.LeftButton)
        app.wait(lambda: app.window.pages.currentWidget() is app.window.chat_page)
        assert "session only" in app.window.toasts.last_text
        fake_api.enqueue(SSEResponse(sse.text_stream(["ok"])))
        app.type_and_send(qtbot, "Hi")
        app.wait(lambda: not app.window.streaming)
        assert fake_api.requests[-1].headers["x-api-key"] == "sk-ant-session"


def test_environment_key_wins_and_the_ui_says_so(
    qtbot: QtBot,
    loop: qasync.QEventLoop,
    fake_api: FakeAnthropicAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env")
    keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, "sk-ant-stored")
    fake_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    with make_app(qtbot, loop, fake_api) as app:
        assert "ANTHROPIC_API_KEY" in app.window.toasts.last_text
        app.wait(lambda: fake_api.requests)
        assert fake_api.requests[0].headers["x-api-key"] == "sk-ant-from-env"


def test_an_unexpected_exception_in_a_task_is_shown_and_the_app_goes_on(app: App) -> None:
    async def broken() -> None:
        raise RuntimeError("kaboom")

    app.window.spawn(broken(), "broken")
    app.wait(lambda: app.window.banner.isVisible())
    assert "kaboom" in app.window.banner.text()


def test_settings_replace_test_and_remove_the_key(
    app: App, qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    window, api = app.window, app.api
    api.route(
        "GET",
        "/v1/models",
        lambda req: (
            api_error(401, "authentication_error", "invalid x-api-key")
            if req.headers["x-api-key"] == "sk-ant-wrong"
            else JSONResponse(200, MODELS)
        ),
    )
    window.open_settings()
    dialog = window.findChild(SettingsDialog).account
    assert dialog is not None
    qtbot.waitExposed(dialog)
    # The saved key is shown masked, never in full.
    assert "sk-ant-stored-key-0000" not in dialog.key_label.text()
    assert "0000" in dialog.key_label.text()

    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    app.wait(lambda: "The key works: 3 models" in dialog.status.text())

    qtbot.keyClicks(dialog.new_key, "sk-ant-wrong")
    qtbot.mouseClick(dialog.replace_button, Qt.MouseButton.LeftButton)
    app.wait(lambda: "rejected" in dialog.status.text())
    assert memory_keyring.get_password(KEYRING_SERVICE, KEYRING_USERNAME) == (
        "sk-ant-stored-key-0000"
    )

    dialog.new_key.clear()
    qtbot.keyClicks(dialog.new_key, "sk-ant-replacement-1111")
    qtbot.mouseClick(dialog.replace_button, Qt.MouseButton.LeftButton)
    app.wait(lambda: "works and is saved" in dialog.status.text())
    assert memory_keyring.get_password(KEYRING_SERVICE, KEYRING_USERNAME) == (
        "sk-ant-replacement-1111"
    )
    api.enqueue(SSEResponse(sse.text_stream(["ok"])))
    app.type_and_send(qtbot, "Hi")
    app.wait(lambda: not window.streaming)
    assert api.requests[-1].headers["x-api-key"] == "sk-ant-replacement-1111"

    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    app.wait(lambda: window.pages.currentWidget() is window.key_view)
    assert memory_keyring.get_password(KEYRING_SERVICE, KEYRING_USERNAME) is None
    dialog.close()
