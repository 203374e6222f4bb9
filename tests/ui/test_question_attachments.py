"""A question's attachments above its bubble, through the real window: images as thumbnails
(made in the background when a conversation is opened), PDFs as file cards, an image gone
from the history as a card saying so; each reachable by Tab and opened with Enter."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
import qasync
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from claude_desktop.domain.secrets import KEYRING_SERVICE, KEYRING_USERNAME
from claude_desktop.ui.message_widget import UserMessageWidget
from claude_desktop.ui.question_attachments import FileCard, ThumbnailTile
from tests.fakeapi import FakeAnthropicAPI, JSONResponse
from tests.ui.harness import MODELS, App, make_app
from tests.ui.test_attachments_window import ask_with, pdf, png

#: A 400×300 image fits the 240×120 thumbnail box as 160×120.
THUMB = QSize(160, 120)


@pytest.fixture
def api(fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAnthropicAPI:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, "sk-ant-thumbs-0000")
    fake_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    return fake_api


def question(app: App) -> UserMessageWidget:
    widget = app.window.view.message_widgets()[0]
    assert isinstance(widget, UserMessageWidget) and widget.chips is not None
    return widget


def ask_about_a_photo_and_a_report(app: App, qtbot: QtBot, folder: Path) -> None:
    ask_with(
        app,
        qtbot,
        "What are these?",
        png(folder / "photo.png", 400, 300),
        pdf(folder / "report.pdf", pages=3),
    )


def test_a_question_shows_a_thumbnail_and_a_card_above_its_bubble_at_once(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    with make_app(qtbot, loop, api) as app:
        ask_about_a_photo_and_a_report(app, qtbot, tmp_path)
        widget = question(app)
        assert widget.chips is not None
        [tile] = widget.chips.thumbnails()
        [card] = widget.chips.cards()
        # The composer's thumbnail at once, at the size the sharp one will have.
        assert tile.pixmap is not None and tile.sizeHint() == THUMB
        assert (tile.name, card.name) == ("photo.png", "report.pdf")
        assert card.detail.text().startswith("3 pages · ")
        app.wait(lambda: not tile.is_loading)
        assert tile.pixmap is not None and tile.pixmap.deviceIndependentSize().toSize() == THUMB
        app.wait(lambda: tile.height() == THUMB.height())
        # Above the bubble, its row ending where the bubble ends (both at the right).
        bubble = widget.bubble.geometry()
        row = widget.chips.geometry()
        assert row.bottom() < bubble.top()
        assert abs(widget.chips.mapTo(widget, card.geometry().topRight()).x() - bubble.right()) <= 1
        assert tile.geometry().right() < card.geometry().left()


def test_reopened_from_history_the_thumbnail_is_made_in_the_background(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    with make_app(qtbot, loop, api) as app:
        ask_about_a_photo_and_a_report(app, qtbot, tmp_path)
        conversation_id = app.window.session.current.id
        assert conversation_id is not None
        app.window.new_chat()  # so the next start does not open it (and make its thumbnail)
        app.window.save_state()
    with make_app(qtbot, loop, api) as again:
        assert again.window.view.message_widgets() == []
        again.window.open_conversation(conversation_id)
        widget = question(again)
        assert widget.chips is not None
        [tile] = widget.chips.thumbnails()
        [card] = widget.chips.cards()
        # Opening did not wait for it: a placeholder now, the image once a worker made it.
        assert tile.pixmap is None and tile.sizeHint().height() <= THUMB.height()
        again.wait(lambda: tile.pixmap is not None)
        assert tile.pixmap is not None and tile.pixmap.deviceIndependentSize().toSize() == THUMB
        assert card.accessibleName() == "PDF: report.pdf"
        assert "KB" in card.detail.text() or "B" in card.detail.text()


def test_an_image_gone_from_the_history_shows_a_card_saying_so(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    with make_app(qtbot, loop, api) as app:
        ask_about_a_photo_and_a_report(app, qtbot, tmp_path)
        record = app.window.session.current.branch[0]
        image = next(b for b in record.content if b["type"] == "image")
        image["source"]["sha256"] = "0" * 64  # bytes no blob holds
        app.window.history.store.update_message(record.id, content=record.content)
        app.window.session.current = app.window.history.reload(app.window.session.current)
        app.window._show_conversation()
        widget = question(app)
        assert widget.chips is not None
        app.wait(lambda: len(widget.chips.cards()) == 2)  # type: ignore[union-attr]
        gone = widget.chips.cards()[0]
        assert gone.accessibleName() == "Image: photo.png"
        assert gone.detail.text() == "No longer in the history"
        assert widget.chips.thumbnails() == []
        assert not app.window.banner.isVisibleTo(app.window)  # no error, only the card


def test_tab_reaches_a_thumbnail_and_enter_opens_the_image(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    with make_app(qtbot, loop, api) as app:
        ask_about_a_photo_and_a_report(app, qtbot, tmp_path)
        opened: list[Path] = []
        app.window.presenter.thumbnails.open_file = lambda path: bool(opened.append(path)) or True
        widget = question(app)
        assert widget.chips is not None
        [tile] = widget.chips.thumbnails()
        assert isinstance(tile, ThumbnailTile)
        assert tile.accessibleName() == "Image: photo.png"
        assert isinstance(widget.chips.cards()[0], FileCard)
        app.window.view.setFocus()
        for _ in range(40):
            if tile.hasFocus():
                break
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert tile.hasFocus()
        qtbot.keyClick(tile, Qt.Key.Key_Return)
        app.wait(lambda: len(opened) == 1)
        assert opened[0].name == "photo.png"
        assert opened[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
        app.wait(lambda: len(opened) == 2)
