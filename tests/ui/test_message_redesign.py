"""The redesigned messages (issue #18, design.md): bubble, unframed answer, the quiet action
row and its ⓘ, the waiting dot, the thinking line, the error card and code copy, in both
themes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QEnterEvent, QGuiApplication, QPalette, QPointingDevice
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from claude_desktop.api.message import Message
from claude_desktop.ui import theme
from claude_desktop.ui.appearance import dark_palette, light_palette
from claude_desktop.ui.conversation_view import ConversationView
from claude_desktop.ui.message_actions import COPIED_MS
from claude_desktop.ui.text_block_view import CODE_COPIED_MS
from tests import sse
from tests.fakeapi import SSEResponse
from tests.ui.harness import App

FOOTER = (
    "Claude Sonnet 4.6 · 0.4 s to first token · 3.2 s · 1,234 in / 567 out"
    " · $0.0123 (cache saved $0.0040)"
)


@pytest.fixture(autouse=True)
def palette_back() -> Iterator[None]:
    yield
    QApplication.setPalette(QPalette())


@pytest.fixture
def wide(qtbot: QtBot, view: ConversationView) -> ConversationView:
    view.resize(1400, 800)
    view.show()
    qtbot.waitExposed(view)
    return view


def _answer(view: ConversationView, text: str = "Hello there.", footer: str = FOOTER):
    widget = view.begin_assistant_message("Claude Sonnet 4.6")
    widget.append_text(text)
    widget.finish(Message(content=[{"type": "text", "text": text}]), footer=footer)
    widget.flush()
    return widget


def _enter(widget) -> None:
    local = QPoint(2, 2)
    event = QEnterEvent(
        local, local, widget.mapToGlobal(local), QPointingDevice.primaryPointingDevice()
    )
    QApplication.sendEvent(widget, event)


# -- the reading column and the bubble ---------------------------------------------------------


def test_messages_sit_in_a_centred_column_that_scales_with_the_text(qtbot, wide) -> None:
    user = wide.add_user_message("Hi")
    qtbot.waitUntil(lambda: wide.column.width() > 0)
    column = wide.column
    assert column.width() == theme.COLUMN_MAX_WIDTH
    left = column.mapTo(wide.viewport(), QPoint(0, 0)).x()
    right = wide.viewport().width() - (left + column.width())
    assert abs(left - right) <= 2, "centred, the margins growing on a wide window"
    assert column.font().pixelSize() == theme.BODY_PX
    assert user.text_view.font().pixelSize() == theme.BODY_PX
    # Ctrl+= gives the view a bigger font: the text and the column grow with it.
    font = QApplication.font()
    font.setPointSizeF(font.pointSizeF() * 1.2)
    wide.setFont(font)
    assert column.font().pixelSize() == 18
    qtbot.waitUntil(lambda: column.width() == theme.scaled(theme.COLUMN_MAX_WIDTH, 18))


def test_your_message_is_a_right_aligned_bubble_at_most_80_percent_wide(qtbot, wide) -> None:
    short = wide.add_user_message("Hi")
    long = wide.add_user_message("A long question " * 60)
    qtbot.waitUntil(lambda: long.bubble.width() >= int(long.width() * 0.8) - 2)
    for message in (short, long):
        bubble_right = message.bubble.geometry().right()
        assert abs(bubble_right - message.contentsRect().right()) <= 1, "at the right"
    assert short.bubble.width() < 120
    assert long.bubble.width() <= int(long.width() * 0.8)
    assert long.bubble.width() >= int(long.width() * 0.8) - 2


def test_claudes_answer_has_no_model_label_above_it(qtbot, wide) -> None:
    answer = _answer(wide)
    labels = [label.text() for label in answer.findChildren(QLabel) if label.isVisible()]
    assert not any("Claude Sonnet" in text for text in labels)
    assert not hasattr(answer, "model_label") and not hasattr(answer, "footer_label")
    assert "Model: Claude Sonnet 4.6" in answer.details_text()


# -- the action row -----------------------------------------------------------------------------


def test_the_action_row_shows_on_hover_or_focus_and_always_on_the_newest(qtbot, wide) -> None:
    older = _answer(wide, "First.")
    newest = _answer(wide, "Second.")
    assert newest.tools.revealed and not older.tools.revealed
    assert older.tools.graphicsEffect().isEnabled()  # drawn transparent
    assert older.tools.graphicsEffect().opacity() == 0.0
    _enter(older)
    assert older.tools.revealed
    older.leaveEvent(None)  # type: ignore[arg-type]
    assert not older.tools.revealed
    older.copy_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: not older.tools.graphicsEffect().isEnabled())
    assert older.tools.revealed
    # A new question and answer: the pin moves to the new newest answer.
    third = _answer(wide, "Third.")
    assert third.tools.revealed and not newest.tools.revealed


def test_the_action_row_is_one_tab_stop_and_arrows_move_inside(qtbot, wide) -> None:
    answer = _answer(wide)
    answer.set_action("Regenerate", "Ask for a new answer (kept as another version)")
    answer.set_versions(1, 3)
    buttons = answer.tools.buttons()
    assert [b.accessibleName() for b in buttons] == [
        "Copy message",
        "Regenerate",
        "Previous version",
        "Next version",
        "Answer details",
    ]
    assert all(b.accessibleName() for b in buttons)
    tab_stops = [b for b in buttons if b.focusPolicy() & Qt.FocusPolicy.TabFocus]
    assert tab_stops == [answer.copy_button]
    answer.copy_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(answer.copy_button.hasFocus)
    for expected in ("Regenerate", "Previous version", "Next version", "Answer details"):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Right)
        assert QApplication.focusWidget().accessibleName() == expected
    tab_stops = [b for b in buttons if b.focusPolicy() & Qt.FocusPolicy.TabFocus]
    assert tab_stops == [answer.tools.info_button], "Tab comes back to where you were"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Left)
    assert QApplication.focusWidget() is answer.next_button


# Offscreen has no keyboard grab for the popup; real platforms do.
@pytest.mark.qt_log_ignore("This plugin does not support")
def test_the_info_button_shows_model_timings_tokens_cost_and_savings(qtbot, wide) -> None:
    answer = _answer(wide)
    assert answer.details_text().split("\n") == [
        "Model: Claude Sonnet 4.6",
        "First token: 0.4 s",
        "Duration: 3.2 s",
        "Tokens: 1,234 in / 567 out",
        "Cost: $0.0123",
        "Cache savings: $0.0040",
    ]
    qtbot.mouseClick(answer.tools.info_button, Qt.MouseButton.LeftButton)
    card = answer.tools.card
    assert card is not None
    qtbot.waitUntil(card.isVisible)
    assert card.text() == answer.details_text()
    assert card.accessibleName() == "Answer details"
    card.close()


def test_copy_flips_to_a_check_and_copied_for_two_seconds(qtbot, wide) -> None:
    answer = _answer(wide, "Copy *me*")
    assert COPIED_MS == 2000
    qtbot.mouseClick(answer.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "Copy *me*"
    assert answer.copy_button.text() == "Copied"
    assert answer.copy_button.accessibleName() == "Copied"
    qtbot.waitUntil(lambda: answer.copy_button.text() == "", timeout=COPIED_MS + 1500)
    assert answer.copy_button.accessibleName() == "Copy message"


# -- waiting and thinking ---------------------------------------------------------------------


def test_the_waiting_dot_pulses_only_until_the_first_token(qtbot, wide) -> None:
    answer = wide.begin_assistant_message("Claude Sonnet 4.6")
    qtbot.waitUntil(answer.waiting_dot.isVisible)
    assert answer.waiting_dot.is_animating
    answer.append_text("First")
    assert not answer.waiting_dot.is_animating and not answer.waiting_dot.isVisible()
    answer.append_text(" words")
    assert not answer.waiting_dot.is_animating, "nothing animates while streaming"
    # An answer from history never pulses.
    old = _answer(wide)
    assert not old.waiting_dot.is_animating and not old.waiting_dot.isVisible()


def test_deltas_after_the_first_leave_the_waiting_dot_alone(qtbot, wide, monkeypatch) -> None:
    # Streaming must cost nothing per delta beyond buffering it: the dot is stopped once.
    answer = wide.begin_assistant_message("Claude Sonnet 4.6")
    qtbot.waitUntil(answer.waiting_dot.isVisible)
    answer.append_text("First")
    touched: list[str] = []
    dot = answer.waiting_dot
    monkeypatch.setattr(dot, "hide", lambda: touched.append("hide"))
    monkeypatch.setattr(dot.animation, "stop", lambda: touched.append("stop"))
    for word in (" more", " words", " here"):
        answer.append_text(word)
    answer.append_thinking("late thought")
    assert touched == []


def test_thinking_reads_thinking_then_thought_for_n_seconds(qtbot, wide) -> None:
    answer = wide.begin_assistant_message("Claude Sonnet 4.6")
    answer.append_thinking("Let me see.")
    section = answer.thinking
    assert section.toggle.text() == "Thinking…"
    assert not answer.waiting_dot.is_animating
    answer.append_text("Answer.")
    assert section.toggle.text() == "Thought for 1 s"
    assert not section.expanded
    section.toggle.click()
    assert section.expanded and section.body.isVisible()


# -- the error card -----------------------------------------------------------------------------


def _card_colours(answer) -> tuple[str, str]:
    card = answer.error_card
    image = card.grab().toImage()
    background = image.pixelColor(card.width() // 2, 3).name()
    title = answer.error_title_label.palette().windowText().color().name()
    return background, title


def test_the_error_card_is_right_in_dark_mode(qtbot, wide) -> None:
    QApplication.setPalette(light_palette())
    light = wide.begin_assistant_message("Claude Sonnet 4.6")
    light.show_error("The server is overloaded.", lambda: None)
    assert _card_colours(light) == (theme.LIGHT_TOKENS.error_tint, theme.LIGHT_TOKENS.error_text)
    # The theme switches while the card is shown, and a card shown in dark mode.
    QApplication.setPalette(dark_palette())
    dark = wide.begin_assistant_message("Claude Sonnet 4.6")
    dark.show_error("The server is overloaded.", lambda: None)
    dark_tokens = (theme.DARK_TOKENS.error_tint, theme.DARK_TOKENS.error_text)
    qtbot.waitUntil(lambda: _card_colours(light) == dark_tokens)
    assert _card_colours(dark) == dark_tokens
    detail = dark.error_label.palette().windowText().color().name()
    assert detail == theme.DARK_TOKENS.text
    assert dark.retry_button.isVisible() and dark.retry_button.accessibleName() == "Retry"


# -- code blocks ---------------------------------------------------------------------------------


def test_a_code_blocks_copy_icon_confirms_for_two_seconds(qtbot, wide) -> None:
    answer = _answer(wide, "```python\nprint('hi')\n```\n")
    assert CODE_COPIED_MS == 2000
    assert answer.code_copy_label(0) == "Copy"
    assert "app-icon:copy" in answer.text_view.toHtml(), "an icon, not an underlined link"
    answer.open_link(__import__("PySide6.QtCore").QtCore.QUrl("copy-code:0"))
    assert QGuiApplication.clipboard().text() == "print('hi')"
    assert answer.code_copy_label(0) == "✓ Copied"
    qtbot.wait(1500)
    assert answer.code_copy_label(0) == "✓ Copied", "still confirming after 1.5 s"
    qtbot.waitUntil(lambda: answer.code_copy_label(0) == "Copy", timeout=2000)


def test_the_whole_window_shows_a_bubble_and_an_unframed_answer(app: App, qtbot: QtBot) -> None:
    app.api.enqueue(SSEResponse(sse.events(sse.text_stream(["Hello!"]))))
    app.type_and_send(qtbot, "Hi")
    app.wait(lambda: not app.window.streaming)
    user, answer = app.window.view.message_widgets()
    assert user.bubble.isVisible()
    assert answer.tools.revealed and answer.copy_button.isVisible()
    assert "Model:" in answer.details_text()
