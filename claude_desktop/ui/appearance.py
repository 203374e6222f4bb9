"""The app's look as the person chose it: the light/dark theme and the conversation's font size.

The theme follows the OS ("system") or is forced light or dark. Qt is asked first
(`QStyleHints.setColorScheme`, Qt 6.8+), which works where the platform theme supports it
(Windows, macOS, GNOME and KDE through their platform themes); where it does not (checked:
the offscreen and plain xcb platforms of Qt 6.11 leave the scheme Unknown and the palette
light), the application palette is set instead. The conversation re-renders itself on the
palette change (`MessageWidget.changeEvent`), code highlighting included.
"""

from __future__ import annotations

import logging
import weakref

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from claude_desktop.domain.settings import Settings, Theme

from . import theme as colors

# The app's style lives in app_style; these names stay importable from here.
from .app_style import FocusRingStyle as FocusRingStyle
from .app_style import install_focus_ring as install_focus_ring

#: Font sizes the zoom keys move between, in points (0 in the settings: the default).
MIN_FONT_SIZE = 7
MAX_FONT_SIZE = 32

log = logging.getLogger(__name__)

THEMES: dict[Theme, str] = {"system": "Follow the system", "light": "Light", "dark": "Dark"}


def palette_from_tokens(t: colors.Tokens) -> QPalette:
    """The application palette of one theme, from the design tokens: the same accent and
    warm neutrals in light and dark, whatever the platform's own palette is."""
    palette = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    for r, color in {
        role.Window: t.page,
        role.WindowText: t.text,
        role.Base: t.surface,
        role.AlternateBase: t.sidebar,
        role.Text: t.text,
        role.Button: t.surface,
        role.ButtonText: t.text,
        role.BrightText: t.on_accent,
        role.Light: t.surface,
        role.Midlight: t.hover,
        role.Mid: t.border,
        role.Dark: t.border,
        role.Shadow: "#000000",
        role.Highlight: t.accent,
        role.HighlightedText: t.on_accent,
        role.PlaceholderText: t.secondary,
        role.ToolTipBase: t.surface,
        role.ToolTipText: t.text,
        role.Link: t.accent,
        role.LinkVisited: t.accent,
        role.Accent: t.accent,
    }.items():
        palette.setColor(r, QColor(color))
    for r in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, r, QColor(t.disabled))
    return palette


def dark_palette() -> QPalette:
    """The dark theme's palette."""
    return palette_from_tokens(colors.DARK_TOKENS)


def light_palette() -> QPalette:
    """The light theme's palette."""
    return palette_from_tokens(colors.LIGHT_TOKENS)


class Appearance(QObject):
    """Applies `Settings.theme` to the application and `Settings.font_size` to whoever listens.

    One per Settings object (:func:`appearance_for`), shared by the window and the
    Settings dialog's Appearance page.
    """

    #: The conversation's font changed (the new size in points, 0: the default).
    font_size_changed = Signal(int)
    #: The theme setting changed ("system", "light" or "dark").
    theme_changed = Signal(str)

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._own_palette = False  # whether the application palette is one we set
        self._applying = False
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(self._on_system_scheme_changed)
        # The application's palette is one for the whole process: only the newest
        # Appearance follows the OS, so an older one (an earlier window's) cannot undo it.
        global _following
        _following = weakref.ref(self)

    # -- theme -------------------------------------------------------------------------------

    @property
    def theme(self) -> Theme:
        return self.settings.theme

    def set_theme(self, theme: Theme) -> None:
        """Use `theme` now and remember it."""
        if theme not in THEMES:
            raise ValueError(f"unknown theme {theme!r}")
        changed = theme != self.settings.theme
        self.settings.theme = theme
        self.apply_theme()
        if changed:
            self._save()
            self.theme_changed.emit(theme)

    def apply_theme(self, scheme: Qt.ColorScheme | None = None) -> None:
        """Make the application's palette match the theme setting (and the OS, for "system":
        `scheme` when the OS just announced it, else what Qt says it is now)."""
        if self._applying:  # setColorScheme below emits colorSchemeChanged
            return
        self._applying = True
        try:
            self._apply(self.settings.theme, scheme)
        finally:
            self._applying = False

    def _apply(self, theme: Theme, scheme: Qt.ColorScheme | None) -> None:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        hints = QGuiApplication.styleHints()
        requested = {
            "light": Qt.ColorScheme.Light,
            "dark": Qt.ColorScheme.Dark,
        }.get(theme)
        # Qt 6.8+: ask the platform; a no-op where the platform cannot switch.
        if requested is None and hasattr(hints, "unsetColorScheme"):
            hints.unsetColorScheme()
        elif requested is not None and hasattr(hints, "setColorScheme"):
            hints.setColorScheme(requested)
        if theme == "system":
            if scheme is None:
                scheme = hints.colorScheme()
            # No stated preference (Unknown): the platform palette's own lightness tells.
            want_dark = (
                scheme == Qt.ColorScheme.Dark
                if scheme != Qt.ColorScheme.Unknown
                else (not self._own_palette and colors.is_dark(app.palette()))
            )
        else:
            want_dark = theme == "dark"
        # Always the design's palette, never the platform's: one brand in both themes.
        app.setPalette(dark_palette() if want_dark else light_palette())
        self._own_palette = True

    def _save(self) -> None:
        # Off the UI thread: Ctrl+= pressed five times is five saves, coalesced. A failure
        # is logged; the change still applies, it is only not remembered after a restart.
        self.settings.save_in_background()

    def _on_system_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        if _following is not None and _following() is self and self.settings.theme == "system":
            self.apply_theme(scheme)

    def is_dark(self) -> bool:
        return colors.is_dark(QApplication.palette())

    # -- font size ---------------------------------------------------------------------------

    @property
    def font_size(self) -> int:
        """The conversation's point size as set (0: the platform's default)."""
        return self.settings.font_size

    def effective_font_size(self) -> int:
        return self.settings.font_size or default_font_size()

    def set_font_size(self, size: int) -> None:
        """Use `size` points (0: the default), within MIN..MAX, and remember it."""
        if size:
            size = max(MIN_FONT_SIZE, min(MAX_FONT_SIZE, size))
        if size == default_font_size():
            size = 0  # the default follows the platform's, should that change
        if size == self.settings.font_size:
            return
        self.settings.font_size = size
        self._save()
        self.font_size_changed.emit(size)

    def zoom_in(self) -> None:
        self.set_font_size(self.effective_font_size() + 1)

    def zoom_out(self) -> None:
        self.set_font_size(self.effective_font_size() - 1)

    def reset_font_size(self) -> None:
        self.set_font_size(0)

    def font(self) -> QFont:
        """The conversation's font: the application's, at the chosen size."""
        font = QApplication.font()
        if self.settings.font_size:
            font.setPointSize(self.settings.font_size)
        return font


def default_font_size() -> int:
    size = QApplication.font().pointSize()
    return size if size > 0 else 10


_following: weakref.ref[Appearance] | None = None
_BY_SETTINGS: weakref.WeakKeyDictionary[Settings, Appearance] = weakref.WeakKeyDictionary()


def appearance_for(settings: Settings) -> Appearance:
    """The one Appearance of these settings (made on first use)."""
    existing = _BY_SETTINGS.get(settings)
    if existing is not None and shiboken6.isValid(existing):
        return existing
    appearance = Appearance(settings)
    _BY_SETTINGS[settings] = appearance
    return appearance
