"""The composer on its own: Send is enabled exactly when there is something to send."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pytestqt.qtbot import QtBot

from claude_desktop.domain.attachments import Attachment, prepare_bytes
from claude_desktop.ui.composer import Composer


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
