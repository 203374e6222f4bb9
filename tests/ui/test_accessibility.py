"""Every control of the main window can be found by a screen reader and reached by keyboard."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QMenuBar,
    QScrollBar,
    QWidget,
)
from pytestqt.qtbot import QtBot

from claude_desktop.ui.appearance import FocusRingStyle, install_focus_ring
from claude_desktop.ui.message_actions import ActionRow
from tests import sse
from tests.fakeapi import SSEResponse
from tests.ui.harness import App

ANSWER = "Here:\n\n```python\nprint('hi')\n```\n\nDone."


def accessible_name(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name) if interface is not None else ""


def is_control(widget: QWidget) -> bool:
    """What a person operates: buttons, fields, lists, text areas, menus."""
    if isinstance(widget, QScrollBar | QLabel):
        # Scroll bars move with the keys of their area; labels are text (read out as part
        # of the window, selectable with the mouse), not controls.
        return False
    return (
        isinstance(widget, QAbstractButton | QComboBox | QLineEdit | QAbstractScrollArea | QMenuBar)
        or widget.focusPolicy() != Qt.FocusPolicy.NoFocus
    )


def visible_controls(root: QWidget) -> list[QWidget]:
    return [w for w in root.findChildren(QWidget) if w.isVisible() and is_control(w)]


def test_every_visible_control_has_a_name_and_takes_focus(app: App, qtbot: QtBot) -> None:
    window = app.window
    app.api.enqueue(SSEResponse(sse.events(sse.text_stream([ANSWER]))))
    app.type_and_send(qtbot, "Show me code")
    app.wait(lambda: not window.streaming)
    controls = visible_controls(window)
    assert len(controls) > 10
    unnamed = [f"{type(w).__name__} {w.objectName()!r}" for w in controls if not accessible_name(w)]
    assert unnamed == []
    # A message's action row is one Tab stop: one of its buttons takes Tab, the arrow keys
    # reach the others (test_message_actions.py).
    rows = {w.parentWidget() for w in controls if isinstance(w.parentWidget(), ActionRow)}
    assert all(
        sum(bool(b.focusPolicy() & Qt.FocusPolicy.TabFocus) for b in row.buttons()) == 1
        for row in rows
    )
    unfocusable = [
        f"{type(w).__name__} {accessible_name(w)!r}"
        for w in controls
        if not isinstance(w, QMenuBar)
        and not isinstance(w.parentWidget(), ActionRow)
        and not w.focusPolicy() & Qt.FocusPolicy.TabFocus
    ]
    assert unfocusable == [], unfocusable


def test_messages_read_as_who_and_what(app: App, qtbot: QtBot) -> None:
    app.api.enqueue(SSEResponse(sse.events(sse.text_stream([ANSWER]))))
    app.type_and_send(qtbot, "Show me code")
    app.wait(lambda: not app.window.streaming)
    user, answer = app.window.view.message_widgets()
    assert (user.accessibleName(), user.accessibleDescription()) == ("You", "Show me code")
    assert answer.accessibleName() == "Claude"
    # The plain text, not the Markdown: no fences, no asterisks.
    description = answer.accessibleDescription()
    assert "print('hi')" in description and "Done." in description
    assert "```" not in description


@pytest.fixture
def focus_ring() -> Iterator[None]:
    """The app's style, as app.py installs it; the plain style back afterwards."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    previous = app.style().name()
    install_focus_ring(app)
    yield
    app.setStyle(previous)


def test_a_focused_tool_button_shows_its_focus(app: App, qtbot: QtBot, focus_ring: None) -> None:
    app.api.enqueue(SSEResponse(sse.events(sse.text_stream([ANSWER]))))
    app.type_and_send(qtbot, "Show me code")
    app.wait(lambda: not app.window.streaming)
    copy = app.last_answer().copy_button
    assert isinstance(copy.style(), FocusRingStyle)
    unfocused = copy.grab().toImage()
    copy.setFocus(Qt.FocusReason.TabFocusReason)
    app.wait(copy.hasFocus)
    focused = copy.grab().toImage()
    assert focused != unfocused
    # The ring is drawn in the highlight colour, round the edge of the button.
    highlight = copy.palette().highlight().color()
    edge = [focused.pixelColor(x, focused.height() // 2) for x in range(3)]
    assert any(
        abs(c.red() - highlight.red()) + abs(c.green() - highlight.green()) < 60 for c in edge
    )


def test_the_key_page_controls_have_names_too(app: App) -> None:
    window = app.window
    window._show_key_page("Your API key was removed.")
    window.key_view.offer_session_only("The keyring is locked.")
    controls = visible_controls(window.key_view)
    assert {accessible_name(w) for w in controls} >= {"API key", "Check and save the API key"}
    assert [type(w).__name__ for w in controls if not accessible_name(w)] == []
    assert all(w.focusPolicy() & Qt.FocusPolicy.TabFocus for w in controls)


def test_scroll_bars_are_slim_with_no_arrows(qtbot) -> None:
    """The app's style draws a thin thumb, no arrow buttons (old-Qt chrome otherwise)."""
    from PySide6.QtWidgets import QScrollBar, QStyle, QStyleOptionSlider

    app = QApplication.instance()
    install_focus_ring(app)
    bar = QScrollBar(Qt.Orientation.Vertical)
    qtbot.addWidget(bar)
    bar.setRange(0, 1000)
    bar.setPageStep(100)
    bar.resize(bar.sizeHint().width(), 400)
    assert bar.sizeHint().width() <= 10
    option = QStyleOptionSlider()
    bar.initStyleOption(option)
    style = bar.style()
    cc, sc = QStyle.ComplexControl.CC_ScrollBar, QStyle.SubControl
    assert style.subControlRect(cc, option, sc.SC_ScrollBarAddLine, bar).isEmpty()
    assert style.subControlRect(cc, option, sc.SC_ScrollBarSubLine, bar).isEmpty()
    thumb = style.subControlRect(cc, option, sc.SC_ScrollBarSlider, bar)
    assert 32 <= thumb.height() < 400 and thumb.top() == 0
    bar.setValue(1000)
    bar.initStyleOption(option)
    assert style.subControlRect(cc, option, sc.SC_ScrollBarSlider, bar).bottom() == 399
