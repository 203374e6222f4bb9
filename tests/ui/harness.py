"""The real main window on a qasync loop, driven as a person would, for the UI tests."""

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
from claude_desktop.event_loop import AppEventLoop
from claude_desktop.ui.main_window import MainWindow
from claude_desktop.ui.message_widget import AssistantMessageWidget
from claude_desktop.ui.model_picker import OTHER
from tests.fakeapi import FakeAnthropicAPI, JSONResponse

T = TypeVar("T")
MODELS = {
    "data": [
        {"type": "model", "id": "claude-opus-4-7", "display_name": "Claude Opus 4.7"},
        {"type": "model", "id": "claude-sonnet-4-6", "display_name": "Claude Sonnet 4.6"},
        {"type": "model", "id": "claude-haiku-4-5", "display_name": "Claude Haiku 4.5"},
    ],
    "has_more": False,
}


def _thinking_model(model_id: str, name: str, *, adaptive: bool, enabled: bool) -> dict[str, Any]:
    types = {"adaptive": {"supported": adaptive}, "enabled": {"supported": enabled}}
    return {
        "type": "model",
        "id": model_id,
        "display_name": name,
        "max_tokens": 64_000,
        "capabilities": {"thinking": {"supported": True, "types": types}},
    }


#: Models as /v1/models lists them with their thinking capabilities and max tokens.
THINKING_MODELS = {
    "data": [
        _thinking_model("claude-opus-4-7", "Claude Opus 4.7", adaptive=True, enabled=False),
        _thinking_model("claude-sonnet-4-6", "Claude Sonnet 4.6", adaptive=True, enabled=True),
        _thinking_model("claude-haiku-4-5", "Claude Haiku 4.5", adaptive=False, enabled=True),
    ],
    "has_more": False,
}


_CLOSED_LOOPS: list[qasync.QEventLoop] = []


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """An asyncio loop driven by Qt's, as in the app: Qt events are only ever processed
    with this loop marked running (pytest-qt pumps events between setup, call and
    teardown, and a task step run then must still find its loop)."""
    loop = AppEventLoop(qapp, already_running=True)
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

    def type_model_id(self, qtbot: QtBot, model_id: str) -> None:
        """Pick "Other model id…" and type a model id into its dialog, then Enter."""
        picker = self.window.picker
        index = picker.findText(OTHER)
        picker.setCurrentIndex(index)
        picker.activated.emit(index)
        dialog = picker.dialog
        assert dialog is not None
        qtbot.keyClicks(dialog.field, model_id)
        qtbot.keyClick(dialog.field, Qt.Key.Key_Return)


@contextmanager
def make_app(
    qtbot: QtBot,
    loop: qasync.QEventLoop,
    api: FakeAnthropicAPI,
    keys: KeyStore | None = None,
    *,
    titles: bool = False,
) -> Iterator[App]:
    """`titles`: let a small model title new chats (off, the tests' own requests are all the
    fake API sees; tests/ui/test_titles_window.py turns it on)."""
    settings = Settings.load()
    settings.generate_titles = titles
    session = Session(settings, keys or KeyStore())
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    window.raise_()
    window.activateWindow()
    app = App(qtbot, loop, window, api)
    # On a real X server focus only exists once the window is active, as for a person.
    app.wait(window.isActiveWindow)
    app.run(window.start())
    # The model list is asked for once the HTTP stack has loaded off the UI thread (after
    # the first paint): wait for it, so a test's own requests come after it, as they did.
    app.wait(lambda: not _refreshing_models(loop), limit=10.0)
    yield app
    app.run(window.tasks.cancel_all())
    app.run(session.aclose())


def _refreshing_models(loop: asyncio.AbstractEventLoop) -> bool:
    return any(task.get_name() == "refresh-models" for task in asyncio.all_tasks(loop))


@contextmanager
def running_with_thinking_models(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> Iterator[App]:
    """The window, once it has read THINKING_MODELS (their capabilities decide what it offers)."""
    api.route("GET", "/v1/models", JSONResponse(200, THINKING_MODELS))
    with make_app(qtbot, loop, api) as app:
        app.wait(lambda: app.window.session.model_info().max_tokens == 64_000)  # type: ignore[union-attr]
        yield app


@pytest.fixture
def keyed_api(fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAnthropicAPI:
    """The fake API where the app looks for it, with a key in the keyring."""
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, "sk-ant-stored-key-0000")
    return fake_api


@pytest.fixture
def app(qtbot: QtBot, loop: qasync.QEventLoop, keyed_api: FakeAnthropicAPI) -> Iterator[App]:
    keyed_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    with make_app(qtbot, loop, keyed_api) as app:
        yield app
