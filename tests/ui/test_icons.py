"""The shipped icon set: every icon draws, tinted from the palette, and follows the theme."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QToolButton

from claude_desktop.ui import icons, theme
from claude_desktop.ui.appearance import dark_palette, light_palette


def test_every_icon_draws_in_the_tokens_colour(qtbot):
    names = icons.icon_names()
    assert {"copy", "arrow-up", "square", "plus", "panel-left", "ellipsis"} <= set(names)
    for name in names:
        image = icons.icon(name, "accent", 18, dark=False).pixmap(36, 36).toImage()
        pixels = [
            image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())
        ]
        darkest = max(pixels, key=lambda c: c.alpha())
        assert darkest.alpha() > 120, name
        want = QColor(theme.LIGHT_TOKENS.accent)
        for got, expected in zip(darkest.getRgb()[:3], want.getRgb()[:3], strict=True):
            assert abs(got - expected) <= 3, (name, darkest.name())
    assert "ISC" in icons.license_text()


def test_a_tinted_button_follows_the_theme(qtbot):
    app = QApplication.instance()
    button = QToolButton()
    qtbot.addWidget(button)
    app.setPalette(light_palette())
    icons.tint(button, "copy")
    light = button.icon().pixmap(18, 18).toImage()
    app.setPalette(dark_palette())
    try:
        qtbot.waitUntil(lambda: button.icon().pixmap(18, 18).toImage() != light)
    finally:
        app.setPalette(light_palette())


def test_the_palette_is_the_design_tokens_in_both_themes(qtbot):
    for palette, t in ((light_palette(), theme.LIGHT_TOKENS), (dark_palette(), theme.DARK_TOKENS)):
        assert palette.window().color().name() == t.page
        assert palette.highlight().color().name() == t.accent
        assert theme.is_dark(palette) == t.dark


def test_icons_are_drawn_at_the_screens_pixel_ratios_and_redrawn_for_a_new_one(qtbot, monkeypatch):
    # Each ratio is a pixmap per colour (normal, disabled): only what a screen shows is drawn.
    def drawn(name, size):
        before = icons._pixmap.cache_info().currsize
        icons.icon(name, "accent", size)
        return icons._pixmap.cache_info().currsize - before

    assert icons.icon_ratios() == (1.0,)  # the offscreen screen
    assert drawn("search", 17) == 2
    button = QToolButton()
    qtbot.addWidget(button)
    icons.tint(button, "search", size=21)
    monkeypatch.setattr(icons, "icon_ratios", lambda: (1.0, 2.0))
    assert drawn("search", 19) == 4
    hidpi = icons.icon("search", "accent", 19).pixmap(QSize(19, 19), 2.0)
    assert (hidpi.width(), hidpi.deviceIndependentSize().width()) == (38, 19)
    # A button moved to a screen of another ratio is drawn again for it.
    before = icons._pixmap.cache_info().currsize
    QApplication.sendEvent(button, QEvent(QEvent.Type.DevicePixelRatioChange))
    assert icons._pixmap.cache_info().currsize > before
