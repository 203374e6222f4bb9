"""The window starting on a damaged history: it says so, keeps working on a temporary
history, and leaves the damaged file exactly as it was."""

from __future__ import annotations

import sqlite3

import keyring
import pytest
import qasync
from pytestqt.qtbot import QtBot

from claude_desktop.domain.history import default_db_path
from claude_desktop.domain.secrets import KEYRING_SERVICE, KEYRING_USERNAME
from claude_desktop.domain.settings import Settings
from tests import sse
from tests.damaged_history import build_history, damaged_history, sha256_of
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, SSEResponse
from tests.ui.harness import MODELS, App, make_app


@pytest.fixture
def api(fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAnthropicAPI:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, "sk-ant-damaged-0000")
    fake_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    return fake_api


def reopen_last(conversation_id: int) -> None:
    settings = Settings.load()
    settings.last_conversation_id = conversation_id
    settings.save()


def works_on_a_temporary_history(app: App, qtbot: QtBot) -> None:
    window = app.window
    assert window.banner.isVisible()
    banner = window.banner.text()
    assert "damaged" in banner and "will not be saved" in banner
    assert window.session.history.store.path != default_db_path()
    assert window.view.message_widgets() == []  # a new chat, nothing half-shown
    app.api.enqueue(SSEResponse(sse.text_stream(["Still ", "here."])))
    app.type_and_send(qtbot, "Are you there?")
    app.wait(lambda: not window.streaming and window.view.message_widgets())
    app.wait(lambda: app.last_answer().markdown_text() == "Still here.")
    assert [item.text() for item in window.sidebar.items()] == ["Are you there?"]


def test_damaged_pages_start_a_temporary_history(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    damaged = damaged_history(default_db_path())
    reopen_last(damaged.damaged)
    before = sha256_of(damaged.path)
    with make_app(qtbot, loop, api) as app:
        works_on_a_temporary_history(app, qtbot)
    assert sha256_of(damaged.path) == before


def test_damage_met_by_the_first_reads_starts_a_temporary_history(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    # Pages intact, a value inside one damaged: only reading that conversation finds it.
    path = default_db_path()
    texts = build_history(path)
    broken = sorted(texts)[0]
    con = sqlite3.connect(path)
    con.execute("PRAGMA ignore_check_constraints = ON")
    con.execute("UPDATE conversations SET settings = '{\"bro' WHERE id = ?", (broken,))
    con.commit()
    con.close()
    reopen_last(broken)
    before = sha256_of(path)
    with make_app(qtbot, loop, api) as app:
        works_on_a_temporary_history(app, qtbot)
    assert sha256_of(path) == before
