"""Limits said before they bite, through the real window and the loopback API: a question
whose large attachments would make the chat too long for the model (counted with
count_tokens first) and one that would send more than 100 PDF pages across the
conversation are refused in one sentence, keeping the draft; a failed count sends as before."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from claude_desktop.domain import context_check
from claude_desktop.domain.attachments import PageCounts
from tests import sse
from tests.fakeapi import COUNT_TOKENS_PATH, FakeAnthropicAPI, JSONResponse, SSEResponse, api_error
from tests.ui.harness import MODELS, App, make_app
from tests.ui.test_attachments_window import drop, pdf, ready


def models(max_input_tokens: int) -> dict[str, Any]:
    data = [{**m, "max_input_tokens": max_input_tokens} for m in MODELS["data"]]
    return {**MODELS, "data": data}


def app_with_limit(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI, max_input_tokens: int
) -> Iterator[App]:
    api.route("GET", "/v1/models", JSONResponse(200, models(max_input_tokens)))
    with make_app(qtbot, loop, api) as app:
        app.wait(lambda: app.window.session.model_info() is not None)
        info = app.window.session.model_info()
        app.wait(lambda: info is not None and info.max_input_tokens == max_input_tokens)
        yield app


@pytest.fixture
def small(qtbot: QtBot, loop: qasync.QEventLoop, keyed_api: FakeAnthropicAPI) -> Iterator[App]:
    """A model whose context window is 20,000 tokens: a 15-page PDF (22,500 by the fake's
    count) is too long for it."""
    yield from app_with_limit(qtbot, loop, keyed_api, 20_000)


@pytest.fixture
def roomy(qtbot: QtBot, loop: qasync.QEventLoop, keyed_api: FakeAnthropicAPI) -> Iterator[App]:
    yield from app_with_limit(qtbot, loop, keyed_api, 200_000)


def message_requests(app: App) -> list[Any]:
    return [r for r in app.api.requests if r.path == "/v1/messages"]


def attach(app: App, *paths: Path) -> None:
    drop(app, *paths)
    ready(app, len(app.window.composer.tray.chips))


def press_send(app: App, qtbot: QtBot, text: str) -> float:
    """Type `text` and press Enter; how long the UI thread was held by the press."""
    editor = app.window.composer.editor
    qtbot.keyClicks(editor, text)
    started = time.perf_counter()
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    return time.perf_counter() - started


def test_a_document_too_long_for_the_model_is_refused_and_the_draft_kept(
    small: App, qtbot: QtBot, tmp_path: Path
) -> None:
    app = small
    attach(app, pdf(tmp_path / "annual-report.pdf", pages=15))
    stall = press_send(app, qtbot, "Summarise it")
    composer = app.window.composer
    app.wait(lambda: composer.too_long.isVisible())
    assert stall < 0.05  # the count runs off the UI thread
    said = composer.too_long.label.text()
    assert said.startswith("This document makes the chat too long for Claude ")
    assert "(22," in said and "of 20,000 tokens)" in said
    assert said.endswith("Remove a page range.")  # a new chat would not help: it is one
    assert not composer.too_long.button.isVisible()
    assert composer.text() == "Summarise it"
    assert [a.name for a in composer.tray.attachments()] == ["annual-report.pdf"]
    assert len(app.api.count_requests()) == 1 and message_requests(app) == []
    assert app.window.view.message_widgets() == []
    # The meter shows the count, past the limit.
    assert composer.meter.isVisible() and "22," in composer.meter.toolTip()
    # Removing the attachment takes the refusal away.
    composer.tray.chips[0].remove.click()
    assert not composer.too_long.isVisible()


def test_too_long_after_earlier_turns_offers_a_new_chat_with_the_draft(
    small: App, qtbot: QtBot, tmp_path: Path
) -> None:
    app = small
    app.api.enqueue(SSEResponse(sse.text_stream(["Hello."])))
    app.type_and_send(qtbot, "Hi")
    app.wait(lambda: not app.window.streaming and len(message_requests(app)) == 1)
    first_chat = app.window.session.current.id
    attach(app, pdf(tmp_path / "big.pdf", pages=15))
    press_send(app, qtbot, "Read this")
    composer = app.window.composer
    app.wait(lambda: composer.too_long.isVisible())
    said = composer.too_long.label.text()
    assert said.startswith("This document makes the chat too long for ")
    assert said.endswith("Start a new chat with it, or remove a page range.")
    assert composer.too_long.button.isVisible()
    assert composer.too_long.button.accessibleName() == "New chat with it"
    composer.too_long.button.click()
    # The draft moved: in the new chat, not left in the old one's draft.
    assert app.window.session.current.id is None
    assert composer.text() == "Read this"
    assert [a.name for a in composer.tray.attachments()] == ["big.pdf"]
    assert not composer.too_long.isVisible()
    text, attachments, _problems = app.window.history.draft(first_chat)
    assert text == "" and attachments == []


def test_a_large_document_that_fits_is_counted_then_sent(
    roomy: App, qtbot: QtBot, tmp_path: Path
) -> None:
    app = roomy
    attach(app, pdf(tmp_path / "report.pdf", pages=15))
    app.api.enqueue(SSEResponse(sse.text_stream(["A summary."])))
    press_send(app, qtbot, "Summarise it")
    app.wait(lambda: len(message_requests(app)) == 1 and not app.window.streaming)
    paths = [r.path for r in app.api.requests if r.method == "POST"]
    assert paths == [COUNT_TOKENS_PATH, "/v1/messages"]
    counted = app.api.count_requests()[0].json
    assert "max_tokens" not in counted and "stream" not in counted
    assert counted["messages"][0]["content"][0]["source"]["type"] == "base64"
    assert not app.window.composer.too_long.isVisible()
    assert app.last_answer().markdown_text() == "A summary."


def test_a_small_attachment_is_sent_without_a_count(
    small: App, qtbot: QtBot, tmp_path: Path
) -> None:
    app = small
    attach(app, pdf(tmp_path / "memo.pdf", pages=2))
    app.api.enqueue(SSEResponse(sse.text_stream(["Short."])))
    press_send(app, qtbot, "Read")
    app.wait(lambda: len(message_requests(app)) == 1 and not app.window.streaming)
    assert app.api.count_requests() == []


@pytest.mark.parametrize(
    "failure",
    [
        api_error(500, "api_error", "Internal error"),
        api_error(400, "invalid_request_error", "count_tokens is not available"),
        JSONResponse(200, {"input_tokens": 1}, headers_delay=3.0),  # too slow
    ],
    ids=["5xx", "4xx", "timeout"],
)
def test_a_failed_count_sends_as_before(
    small: App,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: Any,
) -> None:
    app = small
    monkeypatch.setattr(context_check, "COUNT_TIMEOUT", 0.5)
    app.api.route("POST", COUNT_TOKENS_PATH, failure)
    attach(app, pdf(tmp_path / "report.pdf", pages=15))
    app.api.enqueue(SSEResponse(sse.text_stream(["Sent anyway."])))
    press_send(app, qtbot, "Summarise it")
    app.wait(lambda: len(message_requests(app)) == 1 and not app.window.streaming)
    assert app.last_answer().markdown_text() == "Sent anyway."
    assert not app.window.composer.too_long.isVisible()


def test_a_second_send_while_counting_sends_once(roomy: App, qtbot: QtBot, tmp_path: Path) -> None:
    app = roomy
    slow = JSONResponse(200, {"input_tokens": 30_000}, headers_delay=0.6)
    app.api.route("POST", COUNT_TOKENS_PATH, slow)
    attach(app, pdf(tmp_path / "report.pdf", pages=15))
    app.api.enqueue(SSEResponse(sse.text_stream(["Once."])))
    press_send(app, qtbot, "Summarise it")
    assert app.window.asking.check.busy
    for _ in range(3):
        qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_Return)
        app.window.composer.button.click()
    app.wait(lambda: len(message_requests(app)) == 1 and not app.window.streaming)
    assert len(app.api.count_requests()) == 1
    assert len(app.window.view.message_widgets()) == 2  # one question, one answer


# -- The 100-page limit across the conversation -------------------------------------------


def test_pdf_pages_already_in_the_chat_count_toward_the_limit(
    roomy: App, qtbot: QtBot, tmp_path: Path
) -> None:
    app = roomy
    attach(app, pdf(tmp_path / "report.pdf", pages=60))
    app.api.enqueue(SSEResponse(sse.text_stream(["Read it."])))
    press_send(app, qtbot, "First")
    app.wait(lambda: len(message_requests(app)) == 1 and not app.window.streaming)
    # As after a restart: the stored PDF's pages are counted again, off the UI thread.
    app.window.asking.check.pages = PageCounts()
    attach(app, pdf(tmp_path / "annex.pdf", pages=50))
    stall = press_send(app, qtbot, "And this one")
    composer = app.window.composer
    app.wait(lambda: composer.too_long.isVisible())
    assert stall < 0.05
    said = composer.too_long.label.text()
    assert "report.pdf (60 pages)" in said and "annex.pdf (50 pages)" in said
    assert "110 pages" in said and "at most 100" in said
    assert composer.text() == "And this one"
    assert [a.name for a in composer.tray.attachments()] == ["annex.pdf"]
    assert len(message_requests(app)) == 1
    # In a new chat the same question goes.
    composer.too_long.button.click()
    assert composer.text() == "And this one"
    app.api.enqueue(SSEResponse(sse.text_stream(["Fifty pages."])))
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return)
    app.wait(lambda: len(message_requests(app)) == 2 and not app.window.streaming)
    assert app.last_answer().markdown_text() == "Fifty pages."
