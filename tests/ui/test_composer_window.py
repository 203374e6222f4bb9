"""The composer in the real window: the greeting on an empty chat, the web switches reaching
the request (loopback API), the context meter after a large answer."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from claude_desktop.domain.api_request import WEB_FETCH_BETA
from claude_desktop.ui.composer import EMPTY_CHAT_PLACEHOLDER, PLACEHOLDER
from tests import sse
from tests.fakeapi import SSEResponse
from tests.ui.harness import App


def _answer(text: str = "Sure.", input_tokens: int = 12) -> SSEResponse:
    return SSEResponse(sse.events(sse.text_stream([text], input_tokens=input_tokens)))


def _tool_types(app: App) -> list[str]:
    body = app.api.requests[-1].json
    return [tool["type"] for tool in body.get("tools", [])]


def test_an_empty_chat_greets_and_the_first_message_moves_the_composer_down(
    app: App, qtbot: QtBot
) -> None:
    window = app.window
    window.new_chat()
    sync = window.composer_sync
    assert sync.greeting.isVisible() and sync.suggestions.isVisible()
    assert not window.view.isVisible()
    assert window.composer.editor.placeholderText() == EMPTY_CHAT_PLACEHOLDER
    # Centred: the greeting above the composer, the suggestions under it, space both sides.
    composer = window.composer.mapTo(window, window.composer.rect().topLeft())
    assert sync.greeting.geometry().bottom() <= composer.y() + 1
    app.api.enqueue(_answer())
    app.type_and_send(qtbot, "Hello")
    app.wait(lambda: not window.streaming)
    assert window.view.isVisible()
    assert not sync.greeting.isVisible() and not sync.suggestions.isVisible()
    assert window.composer.editor.placeholderText() == PLACEHOLDER
    window.new_chat()
    assert sync.greeting.isVisible()


def test_a_suggestion_fills_the_composer_and_gives_it_the_keyboard(app: App, qtbot: QtBot) -> None:
    window = app.window
    window.new_chat()
    chip = window.composer_sync.suggestions.chips[0]
    assert chip.accessibleName().startswith("Suggestion: ")
    chip.click()
    assert window.composer.text() == "Help me write "
    app.wait(window.composer.editor.hasFocus)
    assert window.composer.editor.textCursor().atEnd()
    assert window.composer.button.isEnabled()


def test_web_search_on_offers_the_tool_and_off_does_not(app: App, qtbot: QtBot) -> None:
    window = app.window
    window.new_chat()
    app.api.enqueue(_answer(), _answer(), _answer())
    app.type_and_send(qtbot, "Without the web")
    app.wait(lambda: not window.streaming)
    assert _tool_types(app) == []

    window.new_chat()
    window.composer.web_search_action.trigger()  # the + menu, before the first question
    assert window.composer.web_search_chip.isVisible()
    app.type_and_send(qtbot, "What happened today?")
    app.wait(lambda: not window.streaming)
    assert _tool_types(app) == ["web_search_20250305"]
    record = window.session.current.record
    assert record is not None and record.settings["web_search"] is True  # kept with the chat

    # Off again, mid-conversation: the next request goes without it, and fetch alone goes.
    window.composer.web_search_chip.click()
    window.composer.web_fetch_action.trigger()
    app.type_and_send(qtbot, "And the page itself?")
    app.wait(lambda: not window.streaming)
    assert _tool_types(app) == ["web_fetch_20250910"]
    assert WEB_FETCH_BETA in app.api.requests[-1].headers.get("anthropic-beta", "")


def test_the_web_switches_come_back_with_the_chat(app: App, qtbot: QtBot) -> None:
    window = app.window
    window.new_chat()
    window.composer.web_search_action.trigger()
    app.api.enqueue(_answer())
    app.type_and_send(qtbot, "Search something")
    app.wait(lambda: not window.streaming)
    searched = window.session.current.id
    assert searched is not None
    window.new_chat()
    assert not window.composer.web_search_action.isChecked()  # a new chat: the default, off
    window.open_conversation(searched)
    assert window.composer.web_search_action.isChecked()
    assert window.composer.web_search_chip.isVisible()


def test_new_chats_take_the_web_defaults(app: App) -> None:
    window = app.window
    window.session.settings.web_search_default = True
    window.new_chat()
    assert window.composer.web_search_action.isChecked()
    assert not window.composer.web_fetch_action.isChecked()


def test_the_context_meter_appears_past_half_and_offers_a_new_chat_near_the_end(
    app: App, qtbot: QtBot
) -> None:
    window = app.window
    window.new_chat()
    composer = window.composer
    app.api.enqueue(_answer(input_tokens=40_000))
    app.type_and_send(qtbot, "A long document")
    app.wait(lambda: not window.streaming)
    assert not composer.meter.isVisible()  # 20% of 200k: nothing to say

    app.api.enqueue(_answer(input_tokens=124_000))
    app.type_and_send(qtbot, "More")
    app.wait(lambda: not window.streaming)
    assert composer.meter.isVisible() and not composer.nearly_full.isVisible()
    assert composer.meter.toolTip() == (
        "62% of the context window used (124,000 of 200,000 tokens)"
    )

    app.api.enqueue(_answer("The end of it.", input_tokens=185_000))
    app.type_and_send(qtbot, "Even more")
    app.wait(lambda: not window.streaming)
    assert composer.nearly_full.isVisible()
    assert "This chat is nearly full" in composer.nearly_full.label.text()
    title = window.session.current.record.title  # type: ignore[union-attr]
    sent = len(app.api.requests)
    composer.nearly_full.button.click()
    assert window.session.current.id is None  # a new chat...
    assert title in composer.text() and "The end of it." in composer.text()  # ...picking up
    assert composer.editor.hasFocus()
    assert not composer.meter.isVisible() and not composer.nearly_full.isVisible()
    assert len(app.api.requests) == sent  # nothing asked: the person reads it and sends it
