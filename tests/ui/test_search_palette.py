"""Search as a Ctrl+K palette (#18): a card over the window, plain-text snippets with the
match marked, ↑/↓/Enter, the opened message flashing once, Esc closing."""

from __future__ import annotations

import keyring
import pytest
import qasync
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from claude_desktop.domain.history import History
from claude_desktop.domain.secrets import KEYRING_SERVICE, KEYRING_USERNAME
from claude_desktop.ui import flash, theme
from claude_desktop.ui.flash import FlashOverlay
from claude_desktop.ui.search_palette import RESULT_ROLE, SearchPalette
from tests.fakeapi import FakeAnthropicAPI, JSONResponse
from tests.ui.harness import MODELS, App, make_app

CTRL = Qt.KeyboardModifier.ControlModifier
MARKDOWN_ANSWER = (
    "## How it works\n\n**Magma** rises through the `crust`, as the "
    "[USGS](https://www.usgs.gov) explains:\n\n```python\nprint('magma')\n```\n"
)


@pytest.fixture
def api(fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAnthropicAPI:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, "sk-ant-palette-0000")
    fake_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    return fake_api


def write_conversation(title: str, texts: list[str]) -> tuple[int, list[int]]:
    """A stored conversation whose messages, a question first, have these texts."""
    history = History.open()
    store = history.store
    conv = store.create_conversation(model="claude-sonnet-4-6", title=title)
    parent = None
    ids = []
    for i, text in enumerate(texts):
        role = "user" if i % 2 == 0 else "assistant"
        content = [{"type": "text", "text": text}]
        parent = store.add_message(conv.id, parent_id=parent, role=role, content=content).id
        ids.append(parent)
    history.close()
    return conv.id, ids


def _open(app: App, qtbot: QtBot) -> SearchPalette:
    qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_K, CTRL)
    palette = app.window.search_palette
    app.wait(palette.isVisible)
    assert palette.field.hasFocus()
    return palette


def _search(app: App, qtbot: QtBot, query: str) -> SearchPalette:
    palette = _open(app, qtbot)
    qtbot.keyClicks(palette.field, query)
    app.wait(lambda: palette.items() and palette.current_result() is not None)
    app.wait(lambda: not palette._timer.isActive())
    return palette


def _headings(palette: SearchPalette) -> list[str]:
    rows = [palette.list.item(i) for i in range(palette.list.count())]
    return [
        item.text() for item in rows if item is not None and item.flags() == Qt.ItemFlag.NoItemFlags
    ]


def test_ctrl_k_opens_a_centred_card_listing_the_recent_conversations(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    for name in "ABC":
        write_conversation(f"Chat {name}", [f"Question {name}", f"Answer {name}"])
    with make_app(qtbot, loop, api) as app:
        app.window.resize(1200, 800)
        palette = _open(app, qtbot)
        assert palette.field.accessibleName() == "Search conversations"
        assert palette.list.accessibleName() == "Search results"
        # Over the whole window, the card centred on it.
        assert palette.geometry() == app.window.pages.rect()
        card = palette.card.geometry()
        assert abs(card.center().x() - palette.width() // 2) <= 1
        assert card.width() <= 640
        # Nothing typed: the recent conversations, newest first.
        assert _headings(palette) == ["Recent"]
        assert [i.text() for i in palette.items()] == ["Chat C", "Chat B", "Chat A"]
        # The card is the surface colour with round corners.
        image = palette.card.grab().toImage()
        surface = theme.tokens_for(palette.palette()).surface
        assert image.pixelColor(card.width() // 2, card.height() - 6).name() == surface


def test_snippets_are_plain_text_with_the_match_marked(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    write_conversation("Magma chamber", ["What is under a volcano?", "Rock."])
    write_conversation("Volcanoes", ["How do volcanoes form?", MARKDOWN_ANSWER])
    with make_app(qtbot, loop, api) as app:
        palette = _search(app, qtbot, "magma")
        app.wait(lambda: len(palette.items()) == 2)
        assert _headings(palette) == ["Titles (1)", "Messages (1)"]
        title_row, message_row = palette.items()
        assert title_row.text() == "Magma chamber"
        title, snippet = message_row.text().split("\n")
        assert title == "Volcanoes"
        for markup in ("«", "»", "\x02", "\x03", "**", "##", "`", "](", "```"):
            assert markup not in snippet
        assert snippet.startswith("How it works Magma rises through the crust, as the USGS")
        result = message_row.data(RESULT_ROLE)
        assert [run.text for run in result.snippet if run.match] == ["Magma"]
        # The title is drawn bold and the match in the accent colour.
        image = palette.list.viewport().grab().toImage()
        rect = palette.list.visualItemRect(message_row)
        accent = theme.tokens_for(palette.palette()).accent
        colours = {
            image.pixelColor(x, y).name()
            for x in range(rect.left(), rect.right(), 2)
            for y in range(rect.top(), rect.bottom(), 2)
        }
        assert accent in colours


def test_no_match_says_so(qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI) -> None:
    write_conversation("Volcanoes", ["How do volcanoes form?", "Magma."])
    with make_app(qtbot, loop, api) as app:
        palette = _open(app, qtbot)
        qtbot.keyClicks(palette.field, "glacier")
        app.wait(lambda: _headings(palette) == ["No matches for “glacier”"])
        assert palette.items() == []
        qtbot.keyClick(palette.field, Qt.Key.Key_Return)  # nothing to open: nothing happens
        assert palette.isVisible()


def test_arrows_pick_a_result_and_enter_opens_it_scrolled_to_and_flashing(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(flash, "FLASH_MS", 300)
    ids = [write_conversation(f"Chat {n}", [f"Question {n}", f"Answer {n}"]) for n in "ABC"]
    (a, _), (b, b_messages), _c = ids
    with make_app(qtbot, loop, api) as app:
        app.window.open_conversation(a)
        palette = _search(app, qtbot, "answer")
        app.wait(lambda: len(palette.items()) == 3)
        first = palette.current_result()
        assert first is not None and first.title_text == "Chat C"
        qtbot.keyClick(palette.field, Qt.Key.Key_Down)
        qtbot.keyClick(palette.field, Qt.Key.Key_Down)
        qtbot.keyClick(palette.field, Qt.Key.Key_Up)
        chosen = palette.current_result()
        assert chosen is not None and chosen.conversation_id == b
        qtbot.keyClick(palette.field, Qt.Key.Key_Return)
        app.wait(lambda: app.window.session.current.id == b)
        assert not palette.isVisible()
        answer = app.window.presenter.widget_for(b_messages[1])
        assert answer is not None
        # The message flashes once: a tint over it, gone again after FLASH_MS.
        overlays = answer.findChildren(FlashOverlay)
        assert len(overlays) == 1 and overlays[0].isVisible()
        app.wait(lambda: not answer.findChildren(FlashOverlay), limit=3)
        assert app.window.sidebar.current_conversation_item().data(Qt.ItemDataRole.UserRole) == b


def test_escape_closes_and_goes_back_to_the_composer(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    write_conversation("Chat A", ["Question A", "Answer A"])
    with make_app(qtbot, loop, api) as app:
        palette = _search(app, qtbot, "question")
        qtbot.keyClick(palette.field, Qt.Key.Key_Escape)
        assert not palette.isVisible()
        app.wait(app.window.composer.editor.hasFocus)
        # Next time it starts afresh.
        palette = _open(app, qtbot)
        assert palette.field.text() == ""
        app.wait(lambda: _headings(palette) == ["Recent"])


def test_a_click_outside_the_card_closes_it(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    with make_app(qtbot, loop, api) as app:
        palette = _open(app, qtbot)
        corner = palette.rect().bottomLeft()
        corner.setX(corner.x() + 4)
        corner.setY(corner.y() - 4)
        qtbot.mouseClick(palette, Qt.MouseButton.LeftButton, pos=corner)
        assert not palette.isVisible()
