"""A key is never a model id: refused where a model id enters (settings, the session, the
history, the request), with a sentence saying it looks like a key."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from claude_desktop.domain.api_request import ApiRequest
from claude_desktop.domain.history import History
from claude_desktop.domain.secrets import KeyStore
from claude_desktop.domain.session import Session
from claude_desktop.domain.settings import (
    KEY_AS_MODEL,
    ModelIdError,
    Settings,
    looks_like_api_key,
    model_id_problem,
)
from tests.domain.test_chat import run_turn
from tests.fakeapi import FakeAnthropicAPI

KEY = "sk-ant-api03-AbCdEf0123456789_-xyz"


@pytest.mark.parametrize(
    "text", [KEY, "sk-ant-admin01-abc", "  sk-ant-api03-x", "SK-ANT-API03-X", "sk-ant-"]
)
def test_anything_shaped_like_a_key_is_refused_as_a_model_id(text: str) -> None:
    assert looks_like_api_key(text)
    assert model_id_problem(text) == KEY_AS_MODEL
    assert "looks like an API key" in KEY_AS_MODEL


@pytest.mark.parametrize(
    "text", ["claude-sonnet-4-6", "claude-future-9", "anthropic.claude-x", "sk-other"]
)
def test_model_ids_are_accepted(text: str) -> None:
    assert not looks_like_api_key(text)
    assert model_id_problem(text) is None


@pytest.mark.parametrize("text", ["", "   ", "claude sonnet"])
def test_empty_or_spaced_model_ids_are_refused_with_a_sentence(text: str) -> None:
    problem = model_id_problem(text)
    assert problem is not None and problem.endswith(".")


def test_assigning_a_key_as_the_model_setting_raises_and_keeps_the_old_one() -> None:
    settings = Settings()
    with pytest.raises(ModelIdError) as caught:
        settings.model = KEY
    assert caught.value.human == KEY_AS_MODEL
    assert settings.model == "claude-sonnet-4-6"


def test_a_key_in_settings_json_is_not_loaded_and_leaves_the_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"model": KEY, "max_tokens": 1000}), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        settings = Settings.load(path)
    assert settings.model == "claude-sonnet-4-6"
    assert settings.max_tokens == 1000
    assert KEY not in path.read_text(encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8"))["max_tokens"] == 1000
    assert KEY not in caplog.text


def test_the_session_refuses_a_key_as_the_model(tmp_path: Path) -> None:
    session = Session(Settings.load(tmp_path / "settings.json"), KeyStore())
    history = History.open(tmp_path / "history.sqlite3")
    session._history = history
    question = history.add_question(
        session.current, "Hi", model="claude-haiku-4-5", system="", max_tokens=100
    )
    session.open_conversation(question.conversation_id)
    with pytest.raises(ModelIdError):
        session.set_model(KEY)
    assert session.model == "claude-haiku-4-5"
    assert session.settings.model == "claude-sonnet-4-6"
    history.close()


def test_the_history_refuses_a_key_as_a_model(tmp_path: Path) -> None:
    history = History.open(tmp_path / "history.sqlite3")
    session = Session(Settings.load(tmp_path / "settings.json"), KeyStore(), history)
    with pytest.raises(ModelIdError):
        history.add_question(session.current, "Hi", model=KEY, system="", max_tokens=100)
    assert history.conversations() == []
    question = history.add_question(session.current, "Hi", model="m", system="", max_tokens=100)
    with pytest.raises(ModelIdError):
        history.begin_answer(session.current, question.id, KEY)
    history.close()
    assert KEY.encode() not in (tmp_path / "history.sqlite3").read_bytes()


def test_a_key_stored_as_a_conversation_model_by_an_older_version_is_replaced(
    tmp_path: Path,
) -> None:
    history = History.open(tmp_path / "history.sqlite3")
    conv = history.store.create_conversation(model=KEY, title="Old")
    session = Session(Settings.load(tmp_path / "settings.json"), KeyStore(), history)
    session.open_conversation(conv.id)
    assert session.model == "claude-sonnet-4-6"
    assert session.display_name(KEY) == "Unknown model"
    assert history.store.conversation(conv.id).model == "claude-sonnet-4-6"  # type: ignore[union-attr]
    history.close()


def test_a_key_is_never_sent_as_the_requests_model(fake_api: FakeAnthropicAPI) -> None:
    import asyncio

    from claude_desktop.api.client import MessagesClient

    class Sink:
        def on_text(self, text: str) -> None: ...
        def on_thinking(self, text: str) -> None: ...
        def on_status(self, text: str | None) -> None: ...

    user = {"role": "user", "content": [{"type": "text", "text": "Hi"}]}

    async def go():  # type: ignore[no-untyped-def]
        async with MessagesClient("k", base_url=fake_api.base_url) as client:
            return await run_turn(client, ApiRequest(KEY, messages=[user]), Sink())

    result = asyncio.run(go())
    assert result.error is not None and result.error.human == KEY_AS_MODEL
    assert fake_api.requests == []
