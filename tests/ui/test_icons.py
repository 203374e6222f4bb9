"""The shipped icon set: every icon draws, tinted from the palette, and follows the theme."""

from __future__ import annotations

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
