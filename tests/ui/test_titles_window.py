"""Generated titles through the real window and the loopback API (#18): asked for after the
first answer only, shown in the sidebar when they come, never in the way."""

from __future__ import annotations

import asyncio

import keyring
import pytest
import qasync
from pytestqt.qtbot import QtBot

from claude_desktop.domain.secrets import KEYRING_SERVICE, KEYRING_USERNAME
from claude_desktop.domain.titles import TITLE_MODEL, is_title_request
from claude_desktop.domain.turn_metrics import TITLE_METRICS
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, SSEResponse, api_error
from tests.ui.harness import MODELS, App, make_app

QUESTION = "How do I keep a sourdough starter alive over a long holiday?"


@pytest.fixture
def api(fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAnthropicAPI:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, "sk-ant-titles-0000")
    fake_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    return fake_api


def _message_requests(api: FakeAnthropicAPI) -> list[dict]:  # type: ignore[type-arg]
    return [r.json for r in api.requests if r.method == "POST" and r.path == "/v1/messages"]


def _titles(app: App) -> list[str]:
    return [item.text() for item in app.window.sidebar.items()]


def _titling(app: App) -> bool:
    return any(task.get_name() == "title" for task in asyncio.all_tasks(app.loop))


def _ask(app: App, qtbot: QtBot, text: str) -> None:
    app.type_and_send(qtbot, text)
    app.wait(lambda: not app.window.streaming)


def test_a_small_model_titles_the_chat_after_its_first_answer(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    api.enqueue(
        SSEResponse(sse.text_stream(["Feed it, ", "then refrigerate."])),
        SSEResponse(sse.text_stream(["Sourdough Starter ", "Holiday Care"], model=TITLE_MODEL)),
    )
    with make_app(qtbot, loop, api, titles=True) as app:
        changed: list[tuple[int, str]] = []
        app.window.turns.titles.title_changed.connect(lambda i, t: changed.append((i, t)))
        _ask(app, qtbot, QUESTION)
        # The answer is shown first; the title follows in the background.
        app.wait(lambda: _titles(app) == ["Sourdough Starter Holiday Care"])
        conversation_id = app.window.session.current.id
        assert changed == [(conversation_id, "Sourdough Starter Holiday Care")]
        # The header reads the open conversation's record: it has the new title.
        record = app.window.session.current.record
        assert record is not None and record.title == "Sourdough Starter Holiday Care"
        answer_request, title_request = _message_requests(api)
        assert not is_title_request(answer_request)
        assert is_title_request(title_request) and title_request["model"] == TITLE_MODEL
        assert title_request["max_tokens"] <= 32
        # Its usage and cost are kept on the answer, like any call's.
        answer = app.window.session.current.branch[-1]
        assert TITLE_METRICS in answer.meta
        # A second answer asks for no title.
        api.enqueue(SSEResponse(sse.text_stream(["Yes."])))
        _ask(app, qtbot, "Can I freeze it?")
        assert len(_message_requests(api)) == 3
        assert _titles(app) == ["Sourdough Starter Holiday Care"]


def test_titles_off_keep_the_first_words_and_ask_nothing(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    api.enqueue(SSEResponse(sse.text_stream(["Feed it."])))
    with make_app(qtbot, loop, api, titles=False) as app:
        assert app.window.session.settings.generate_titles is False
        _ask(app, qtbot, QUESTION)
        app.wait(lambda: _titles(app) == [QUESTION])
        # The answer has ended, and no title request is under way or was made.
        assert not _titling(app)
        assert len(_message_requests(api)) == 1
        assert _titles(app) == [QUESTION]


def test_a_failed_title_keeps_the_first_words_and_says_nothing(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    api.enqueue(
        SSEResponse(sse.text_stream(["Feed it."])),
        api_error(529, "overloaded_error", "Overloaded", x_should_retry="false"),
    )
    with make_app(qtbot, loop, api, titles=True) as app:
        _ask(app, qtbot, QUESTION)
        app.wait(lambda: len(_message_requests(api)) == 2)
        app.wait(lambda: not _titling(app))
        assert _titles(app) == [QUESTION]
        assert not app.window.banner.isVisible()
        assert app.last_answer().markdown_text() == "Feed it."


def test_a_rename_before_the_title_comes_wins(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    api.enqueue(
        SSEResponse(sse.text_stream(["Feed it."])),
        SSEResponse(sse.text_stream(["Generated"], model=TITLE_MODEL), headers_delay=0.3),
    )
    with make_app(qtbot, loop, api, titles=True) as app:
        _ask(app, qtbot, QUESTION)
        conversation_id = app.window.session.current.id
        assert conversation_id is not None
        app.window.rename_conversation(conversation_id, "My own title")
        app.wait(lambda: len(_message_requests(api)) == 2)
        app.wait(lambda: not _titling(app))
        assert _titles(app) == ["My own title"]


def test_the_title_and_the_sidebar_wait_until_the_answer_is_shown(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    """The work after an answer (the title's request, the sidebar's refresh) is not needed
    to show it: it runs once the answer's end is on screen, and it still runs."""
    api.enqueue(
        SSEResponse(sse.text_stream(["Feed it, ", "then refrigerate."])),
        SSEResponse(sse.text_stream(["Sourdough Starter ", "Holiday Care"], model=TITLE_MODEL)),
    )
    with make_app(qtbot, loop, api, titles=True) as app:
        window = app.window
        refreshes: list[str] = []
        set_conversations = window.sidebar.set_conversations

        def counted(*args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            refreshes.append("after" if at_end else "before")
            set_conversations(*args, **kwargs)

        at_end: list[tuple[bool, bool, int]] = []
        window.sidebar.set_conversations = counted  # type: ignore[method-assign]
        app.type_and_send(qtbot, QUESTION)
        turn = window.turns.open_stream()
        assert turn is not None and turn.task is not None
        # When the turn ends: the answer is whole on screen, and nothing else began yet.
        turn.task.add_done_callback(
            lambda _: at_end.append(
                (app.last_answer().is_rendered, _titling(app), len(_message_requests(api)))
            )
        )
        app.wait(lambda: at_end)
        assert at_end == [(True, False, 1)]
        # Then both happen: the sidebar refreshed after the answer, the title asked for.
        app.wait(lambda: _titles(app) == ["Sourdough Starter Holiday Care"])
        assert refreshes[0] == "before" and "after" in refreshes
        assert len(_message_requests(api)) == 2
