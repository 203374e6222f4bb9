"""The app's style draws plain buttons and fields itself: a 2 px accent ring on focus, none
otherwise (Fusion's grey bevels read as "old Qt" next to the redesigned window)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from claude_desktop.ui.appearance import FocusRingStyle, install_focus_ring, light_palette


@pytest.fixture
def app_style() -> Iterator[QApplication]:
    """The app's style and light palette, as app.py sets them; the previous ones after."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    previous_style, previous_palette = app.style().name(), app.palette()
    app.setStyle("Fusion")
    install_focus_ring(app)
    app.setPalette(light_palette())
    yield app
    app.setStyle(previous_style)
    app.setPalette(previous_palette)


def accent_pixels(image: QImage, accent: QColor) -> int:
    """How many pixels are (nearly) the accent colour."""
    return sum(
        1
        for y in range(image.height())
        for x in range(image.width())
        if _near(image.pixelColor(x, y), accent)
    )


def _near(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 40


def row(qtbot: QtBot, *widgets: QWidget) -> QWidget:
    parent = QWidget()
    qtbot.addWidget(parent)
    layout = QHBoxLayout(parent)
    for widget in widgets:
        layout.addWidget(widget)
    parent.show()
    qtbot.waitExposed(parent)
    return parent


def test_a_push_button_shows_an_accent_ring_only_when_tabbed_to(
    app_style: QApplication, qtbot: QtBot
) -> None:
    first, button = QPushButton("Close"), QPushButton("Test connection")
    _parent = row(qtbot, first, button)
    assert isinstance(button.style(), FocusRingStyle)
    accent = button.palette().highlight().color()
    assert accent_pixels(button.grab().toImage(), accent) == 0
    first.setFocus()
    qtbot.waitUntil(first.hasFocus)
    qtbot.keyClick(first, Qt.Key.Key_Tab)
    qtbot.waitUntil(button.hasFocus)
    focused = button.grab().toImage()
    # A ring all round: at least the button's perimeter in the accent.
    assert accent_pixels(focused, accent) > focused.width() + focused.height()
    # The left edge, halfway down, is the ring.
    assert any(_near(focused.pixelColor(x, focused.height() // 2), accent) for x in range(3))


def test_a_push_button_is_a_rounded_surface_not_a_grey_bevel(
    app_style: QApplication, qtbot: QtBot
) -> None:
    button = QPushButton("Close")
    _parent = row(qtbot, button)
    image = button.grab().toImage()
    surface = button.palette().base().color()
    middle = image.pixelColor(image.width() // 4, image.height() // 2)
    assert _near(middle, surface), middle.name()
    # Rounded by RADIUS_CONTROL: a pixel in from the corner still shows the page behind
    # (Fusion's 2 px rounding puts its border there).
    assert _near(image.pixelColor(1, 1), button.palette().window().color())


def test_a_focused_line_edit_has_an_accent_border(app_style: QApplication, qtbot: QtBot) -> None:
    field, other = QLineEdit("text"), QLineEdit()
    _parent = row(qtbot, field, other)
    accent = field.palette().highlight().color()
    other.setFocus()
    qtbot.waitUntil(other.hasFocus)
    assert accent_pixels(field.grab().toImage(), accent) == 0
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    focused = field.grab().toImage()
    assert accent_pixels(focused, accent) > focused.width() + focused.height()


def test_a_focused_combo_box_has_an_accent_border(app_style: QApplication, qtbot: QtBot) -> None:
    combo, other = QComboBox(), QLineEdit()
    combo.addItems(["Light", "Dark"])
    _parent = row(qtbot, combo, other)
    accent = combo.palette().highlight().color()
    other.setFocus()
    qtbot.waitUntil(other.hasFocus)
    assert accent_pixels(combo.grab().toImage(), accent) == 0
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    focused = combo.grab().toImage()
    assert accent_pixels(focused, accent) > focused.width() + focused.height()


def test_sizes_stay_fusions(app_style: QApplication, qtbot: QtBot) -> None:
    """Only the drawing changes: no control grows or shrinks (no layout moves)."""
    # (Combo boxes are left out: their hint counts the slim scroll bar of their list.)
    widgets = [QPushButton("Close"), QLineEdit("text"), QSpinBox()]
    hints = [w.sizeHint() for w in widgets]
    app_style.setStyle("Fusion")
    for widget, hint in zip(widgets, hints, strict=True):
        widget.setStyle(app_style.style())
        assert widget.sizeHint() == hint, type(widget).__name__
