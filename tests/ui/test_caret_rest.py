"""The caret stops blinking (its timer woke the idle app twice a second) while nobody types,
and blinks again at the first input, which still reaches the composer. That no timer runs
then is measured by benchmarks/idle.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from claude_desktop.ui.caret_rest import CaretRest
from tests.ui.harness import App

FLASH_MS = 1000


@pytest.fixture
def caret(qapp: QApplication) -> Iterator[CaretRest]:
    """A CaretRest resting after 100 ms; the application's flash time restored after."""
    QApplication.setCursorFlashTime(FLASH_MS)
    rest = CaretRest(qapp, rest_after_ms=100)
    yield rest
    rest.wake()
    rest.deleteLater()
    QApplication.setCursorFlashTime(FLASH_MS)


def test_the_caret_rests_without_input_and_blinks_again_at_a_key(
    app: App, qtbot: QtBot, caret: CaretRest
) -> None:
    editor = app.window.composer.editor
    editor.setFocus()
    app.wait(lambda: caret.resting)
    assert QApplication.cursorFlashTime() == 0  # Qt's text widgets: a steady caret, no timer

    # Through the window, as the platform delivers a key (qtbot's go to the widget itself).
    QTest.keyClick(app.window.windowHandle(), Qt.Key.Key_H)
    QTest.keyClick(app.window.windowHandle(), Qt.Key.Key_I)

    assert not caret.resting
    assert QApplication.cursorFlashTime() == FLASH_MS
    assert editor.toPlainText() == "hi"  # the key that woke the caret was not swallowed
    app.wait(lambda: caret.resting)  # and it rests again once the typing stops


def test_a_dialog_closed_while_the_caret_rests_does_not_break_waking(
    app: App, qtbot: QtBot, caret: CaretRest
) -> None:
    dialog = QDialog(app.window)
    field = QLineEdit(dialog)
    dialog.show()
    app.wait(lambda: caret.resting)
    dialog.deleteLater()
    app.wait(lambda: not shiboken6.isValid(field))

    app.window.composer.editor.setFocus()
    QTest.keyClick(app.window.windowHandle(), Qt.Key.Key_A)

    assert not caret.resting
    assert QApplication.cursorFlashTime() == FLASH_MS
