"""The composer on its own: Send is enabled exactly when there is something to send; the
card's parts (the round Send/Stop, the + menu, the web switches, the context meter)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pytestqt.qtbot import QtBot

from claude_desktop.domain.attachments import Attachment, prepare_bytes
from claude_desktop.domain.context_window import ContextUse
from claude_desktop.ui.composer import EMPTY_CHAT_PLACEHOLDER, PLACEHOLDER, Composer


def picture(name: str = "dot.png") -> Attachment:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "#d97757").save(out, "PNG")
    return prepare_bytes(name, out.getvalue())


@pytest.fixture
def composer(qtbot: QtBot) -> Composer:
    widget = Composer()
    qtbot.addWidget(widget)
    widget.resize(700, 160)
    widget.show()
    return widget


def test_send_follows_the_text(composer: Composer, qtbot: QtBot) -> None:
    assert not composer.button.isEnabled()
    qtbot.keyClicks(composer.editor, "   ")
    assert not composer.button.isEnabled()  # blank is nothing to send
    qtbot.keyClicks(composer.editor, "Hi")
    assert composer.button.isEnabled()
    composer.set_text("")
    assert not composer.button.isEnabled()
    composer.set_text("Set, not typed")
    assert composer.button.isEnabled()


def test_send_follows_the_attachments(composer: Composer) -> None:
    chip = composer.tray.add_pending("dot.png")
    assert not composer.button.isEnabled()  # still being read
    chip.set_attachment(picture())
    composer.tray.changed.emit()
    assert composer.button.isEnabled()
    composer.tray.remove(chip)
    assert not composer.button.isEnabled()


def test_a_loaded_draft_can_be_sent_whatever_it_holds(composer: Composer) -> None:
    composer.load("", [picture()])
    assert composer.button.isEnabled()
    composer.load("", [])
    assert not composer.button.isEnabled()
    composer.load("Only text")
    assert composer.button.isEnabled()
    assert composer.editor.textCursor().atEnd()


def test_stop_is_always_enabled_while_streaming(composer: Composer) -> None:
    composer.set_streaming(True)
    assert composer.button.isEnabled() and composer.button.text() == "Stop"
    composer.set_streaming(False)
    assert not composer.button.isEnabled() and composer.button.text() == "Send"


def test_the_card_holds_a_round_send_button_bottom_right(composer: Composer) -> None:
    button = composer.button
    assert button.width() == button.height()  # round: drawn as a circle in its square
    assert composer.card.isAncestorOf(button) and composer.card.isAncestorOf(composer.editor)
    assert composer.card.isAncestorOf(composer.picker)
    # The + bottom-left, the model chip and Send bottom-right, under the text.
    plus = composer.plus_button.geometry()
    send = button.geometry()
    assert plus.left() < composer.picker.geometry().left() < send.left()
    assert plus.top() > composer.editor.geometry().top() and send.top() > plus.top() - 4
    assert composer.plus_button.accessibleName() and button.accessibleName() == "Send message"
    composer.set_streaming(True)
    assert button.accessibleName() == "Stop the answer"


def test_the_card_keeps_to_the_reading_column(composer: Composer) -> None:
    composer.resize(1600, 200)
    composer.set_body_px(15)
    assert composer.card.maximumWidth() == 760
    composer.set_body_px(20)  # Ctrl+= widens the column with the text
    assert composer.card.maximumWidth() > 760


def test_the_placeholder_greets_an_empty_chat(composer: Composer) -> None:
    assert composer.editor.placeholderText() == PLACEHOLDER == "Reply to Claude…"
    composer.set_empty_chat(True)
    assert composer.editor.placeholderText() == EMPTY_CHAT_PLACEHOLDER


def test_the_plus_menu_attaches_and_switches_the_web(composer: Composer, qtbot: QtBot) -> None:
    texts = [a.text() for a in composer.menu.actions() if not a.isSeparator()]
    assert texts == ["Attach files…", "Web search", "Web fetch"]
    with qtbot.waitSignal(composer.attach_requested):
        composer.attach_action.trigger()
    with qtbot.waitSignal(composer.web_search_changed) as changed:
        composer.web_search_action.trigger()
    assert changed.args == [True] and composer.web_search_chip.isVisible()
    # The chip turns it off again.
    with qtbot.waitSignal(composer.web_search_changed) as changed:
        composer.web_search_chip.click()
    assert changed.args == [False] and not composer.web_search_chip.isVisible()
    assert not composer.web_search_action.isChecked()


def test_web_switches_are_hidden_where_the_provider_has_none(composer: Composer) -> None:
    composer.set_web(True, True)
    assert composer.web_search_chip.isVisible() and composer.web_fetch_chip.isVisible()
    composer.set_web_available(False)
    assert not composer.web_search_action.isVisible()
    assert not composer.web_fetch_action.isVisible()
    assert not composer.web_search_chip.isVisible() and not composer.web_fetch_chip.isVisible()
    assert composer.attach_action.isVisible()


def test_the_context_meter_shows_past_half_and_warns_near_the_end(composer: Composer) -> None:
    composer.set_context_use(None)
    assert not composer.meter.isVisible()
    composer.set_context_use(ContextUse(90_000, 200_000))
    assert not composer.meter.isVisible()  # 45%: nothing to say yet
    composer.set_context_use(ContextUse(124_000, 200_000))
    assert composer.meter.isVisible() and not composer.nearly_full.isVisible()
    assert composer.meter.toolTip() == (
        "62% of the context window used (124,000 of 200,000 tokens)"
    )
    composer.set_context_use(ContextUse(186_000, 200_000))
    assert composer.meter.isVisible() and composer.nearly_full.isVisible()
    assert "This chat is nearly full" in composer.nearly_full.label.text()
    assert composer.nearly_full.button.text() == "New chat with summary"
