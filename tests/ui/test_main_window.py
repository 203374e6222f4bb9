"""The real main window on a qasync loop, against the loopback API server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import keyring
import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from claude_desktop.app import asyncgen_hooks
from claude_desktop.domain.secrets import KEYRING_SERVICE, KEYRING_USERNAME, KeyStore
from claude_desktop.domain.session import Session
from claude_desktop.domain.settings import Settings
from claude_desktop.ui.main_window import MainWindow
from claude_desktop.ui.message_widget import AssistantMessageWidget
from claude_desktop.ui.settings_dialog import SettingsDialog
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, SSEResponse, api_error
from tests.keyring_memory import FailingKeyring, MemoryKeyring

T = TypeVar("T")
MODELS = {
    "data": [
        {"type": "model", "id": "claude-opus-4-7", "display_name": "Claude Opus 4.7"},
        {"type": "model", "id": "claude-sonnet-4-6", "display_name": "Claude Sonnet 4.6"},
        {"type": "model", "id": "claude-haiku-4-5", "display_name": "Claude Haiku 4.5"},
    ],
    "has_more": False,
}


_CLOSED_LOOPS: list[qasync.QEventLoop] = []


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """An asyncio loop driven by Qt's, as in the app: Qt events are only ever processed
    with this loop marked running (pytest-qt pumps events between setup, call and
    teardown, and a task step run then must still find its loop)."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    with asyncgen_hooks(loop):
        yield loop
        drain = asyncio.ensure_future(loop.shutdown_asyncgens(), loop=loop)
        deadline = time.monotonic() + 5
        while not drain.done() and time.monotonic() < deadline:
            qapp.processEvents()
    asyncio.events._set_running_loop(None)
    # already_running mode has no public way back to "stopped", which close() requires.
    loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
    loop.close()
    asyncio.set_event_loop(None)
    # qasync's close() leaves its timer object's Qt timers registered. Kill them here, on
    # the main thread, and keep the loop alive: a closed loop sits in reference cycles,
    # and if the garbage collector frees it on one of qasync's worker threads, its timers
    # cannot be unregistered from there and one later fires on freed memory (segfault).
    timer = loop._timer  # type: ignore[attr-defined]
    for timer_id in list(timer._SimpleTimer__callbacks):
        timer.killTimer(timer_id)
    timer._SimpleTimer__callbacks.clear()
    _CLOSED_LOOPS.append(loop)


class App:
    """A started main window, and ways to wait on it as a person would."""

    def __init__(
        self, qtbot: QtBot, loop: qasync.QEventLoop, window: MainWindow, api: FakeAnthropicAPI
    ):
        self.qtbot = qtbot
        self.loop = loop
        self.window = window
        self.api = api

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        task = asyncio.ensure_future(coro, loop=self.loop)
        self.qtbot.waitUntil(task.done, timeout=10_000)
        return task.result()

    def wait(self, condition: Callable[[], object], limit: float = 5.0) -> None:
        self.qtbot.waitUntil(lambda: bool(condition()), timeout=int(limit * 1000))

    def last_answer(self) -> AssistantMessageWidget:
        widgets = [
            w for w in self.window.view.message_widgets() if isinstance(w, AssistantMessageWidget)
        ]
        return widgets[-1]

    def type_and_send(self, qtbot: QtBot, text: str) -> None:
        editor = self.window.composer.editor
        qtbot.keyClicks(editor, text)
        qtbot.keyClick(editor, Qt.Key.Key_Return)


@contextmanager
def make_app(
    qtbot: QtBot,
    loop: qasync.QEventLoop,
    api: FakeAnthropicAPI,
    keys: KeyStore | None = None,
) -> Iterator[App]:
    session = Session(Settings.load(), keys or KeyStore())
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    window.raise_()
    window.activateWindow()
    app = App(qtbot, loop, window, api)
    # On a real X server focus only exists once the window is active, as for a person.
    app.wait(window.isActiveWindow)
    app.run(window.start())
    yield app
    app.run(window.tasks.cancel_all())
    app.run(session.aclose())


@pytest.fixture
def app(
    qtbot: QtBot,
    loop: qasync.QEventLoop,
    fake_api: FakeAnthropicAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[App]:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, "sk-ant-stored-key-0000")
    fake_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    with make_app(qtbot, loop, fake_api) as app:
        yield app


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
        {"role": "user", "content": [{"type": "text", "text": "Hello Claude"}]}
    ]
    assert window.composer.editor.hasFocus()
    assert window.composer.button.text() == "Send"
    assert [m["role"] for m in window.session.conversation.messages] == ["user", "assistant"]


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
    kept = window.session.conversation.messages[-1]
    assert kept["role"] == "assistant" and kept["content"][0]["text"].startswith("word0")
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
    # The retry asks the same question again, without the failed partial answer.
    retried = app.api.requests[-1].json["messages"]
    assert [m["role"] for m in retried] == ["user"]
    assert failed.markdown_text() == "Partial answer"  # still on screen


def test_retrying_status_is_shown_while_backing_off(app: App, qtbot: QtBot) -> None:
    app.api.enqueue(api_error(529, "overloaded_error", "Overloaded", retry_after="1"))
    app.api.enqueue(SSEResponse(sse.text_stream(["Recovered"])))
    app.type_and_send(qtbot, "Hi")
    app.wait(lambda: "retrying in 1 s" in (app.last_answer().status_text() or ""))
    app.wait(lambda: not app.window.streaming)
    assert app.last_answer().markdown_text() == "Recovered"
    assert not app.last_answer().status_text()


def test_401_leads_to_the_key_page(app: App, qtbot: QtBot) -> None:
    app.api.enqueue(api_error(401, "authentication_error", "invalid x-api-key"))
    app.type_and_send(qtbot, "Hi")
    app.wait(lambda: app.window.pages.currentWidget() is app.window.key_view)
    assert "API key was rejected" in app.window.key_view.message.text()


def test_model_change_reaches_the_request_and_persists(app: App, qtbot: QtBot) -> None:
    picker = app.window.picker
    app.wait(lambda: picker.count() == 3)
    index = picker.findData("claude-haiku-4-5")
    picker.setCurrentIndex(index)
    picker.activated.emit(index)
    app.api.enqueue(SSEResponse(sse.text_stream(["ok"])))
    app.type_and_send(qtbot, "Hi")
    app.wait(lambda: not app.window.streaming)
    assert app.api.requests[-1].json["model"] == "claude-haiku-4-5"
    assert Settings.load().model == "claude-haiku-4-5"


def test_a_typed_custom_model_id_is_used(app: App, qtbot: QtBot) -> None:
    picker = app.window.picker
    line = picker.lineEdit()
    assert line is not None
    line.setText("claude-future-9")
    line.editingFinished.emit()
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
        assert "session only" in app.window.statusBar().currentMessage()
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
        assert "ANTHROPIC_API_KEY" in app.window.statusBar().currentMessage()
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
    dialog = window.findChild(SettingsDialog)
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
