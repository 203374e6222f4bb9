"""The window against a server that echoes the key, and with a key no key could be.

Black-box on purpose: send a question as a person would, then read what is on screen (every
visible label) and every byte the app wrote under its data folder (the history database,
its journal, the log), and an export made afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTextBrowser, QTextEdit
from pytestqt.qtbot import QtBot

from claude_desktop import cli
from claude_desktop.domain import paths
from claude_desktop.domain.secrets import KEYRING_SERVICE, KEYRING_USERNAME
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, RecordedRequest, SSEResponse
from tests.keyring_memory import MemoryKeyring
from tests.ui.harness import MODELS, App, make_app

# A gateway's own key: not shaped like Anthropic's, so only the client's own-key masking
# can catch it.
GATEWAY_KEY = "gw-live-0123456789abcdefSECRET"


@pytest.fixture
def gateway_app(
    qtbot: QtBot,
    loop: qasync.QEventLoop,
    fake_api: FakeAnthropicAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[App]:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, GATEWAY_KEY)
    fake_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    with make_app(qtbot, loop, fake_api) as app:
        yield app


def echo_in_body(status: int) -> Callable[[RecordedRequest], JSONResponse]:
    def answer(request: RecordedRequest) -> JSONResponse:
        said = f"rejected; you sent {dict(request.headers)}"
        body = {"type": "error", "error": {"type": "invalid_request_error", "message": said}}
        return JSONResponse(status, body, {"x-should-retry": "false"})

    return answer


def echo_in_stream(request: RecordedRequest) -> SSEResponse:
    said = f"overloaded, key {request.headers['x-api-key']}"
    begun = sse.events(sse.message_stream([sse.text_block(["Partial"])], finish=False))[:3]
    return SSEResponse(b"".join(begun) + sse.error_event("invalid_request_error", said))


def visible_text(app: App) -> str:
    widgets = app.window.findChildren(QLabel) + app.window.findChildren(QTextEdit)
    widgets += app.window.findChildren(QTextBrowser)
    out = []
    for widget in widgets:
        if widget.isVisible():
            out.append(widget.text() if isinstance(widget, QLabel) else widget.toPlainText())
    return "\n".join(out)


def written_bytes() -> bytes:
    return b"".join(p.read_bytes() for p in paths.data_dir().rglob("*") if p.is_file())


@pytest.mark.parametrize("answer", [echo_in_body(400), echo_in_body(500), echo_in_stream])
def test_a_key_the_server_echoes_is_nowhere_on_screen_or_on_disk(
    gateway_app: App,
    qtbot: QtBot,
    tmp_path: Path,
    answer: Callable[[RecordedRequest], object],
) -> None:
    app = gateway_app
    app.api.enqueue(answer)
    app.type_and_send(qtbot, "Hi")
    app.wait(lambda: not app.window.streaming and app.last_answer().error_text())
    assert app.api.requests[-1].headers["x-api-key"] == GATEWAY_KEY  # it was sent, and echoed
    shown = visible_text(app)
    assert "masked" in shown
    assert GATEWAY_KEY not in shown
    app.run(app.window.tasks.cancel_all())
    assert GATEWAY_KEY.encode() not in written_bytes()
    export = tmp_path / "export.json"
    assert cli.main(["export", "--all", "--format", "json", "--output", str(export)]) == 0
    exported = export.read_text(encoding="utf-8")
    assert json.loads(exported) and GATEWAY_KEY not in exported


def test_a_pasted_key_with_a_zero_width_space_is_named_not_called_invalid_json(
    qtbot: QtBot,
    loop: qasync.QEventLoop,
    fake_api: FakeAnthropicAPI,
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    with make_app(qtbot, loop, fake_api) as app:
        view = app.window.key_view
        assert app.window.pages.currentWidget() is view
        view.field.setText("sk-ant-api03-abcdef\u200b0123456789")
        qtbot.keyClick(view.field, Qt.Key.Key_Return)
        app.wait(lambda: "paste it again" in view.message.text())
        assert view.message.text() == (
            "The API key contains a character that cannot be part of a key (U+200B ZERO"
            " WIDTH SPACE, character 20 of 30): paste it again."
        )
        assert "JSON" not in view.message.text()
        assert not fake_api.requests
        assert memory_keyring.get_password(KEYRING_SERVICE, KEYRING_USERNAME) is None
