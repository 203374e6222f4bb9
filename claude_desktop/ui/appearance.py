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
from PySide6.QtCore import QObject, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleOption,
    QStyleOptionComplex,
    QStyleOptionSlider,
    QWidget,
)

from claude_desktop.domain.settings import Settings, Theme

from . import theme as colors

#: Font sizes the zoom keys move between, in points (0 in the settings: the default).
MIN_FONT_SIZE = 7
MAX_FONT_SIZE = 32
#: Scroll bars' thickness (the thumb is drawn inset within it).
_SCROLLBAR_EXTENT = 10

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


class FocusRingStyle(QProxyStyle):
    """The platform's style, plus a ring around a focused tool button, and slim scroll bars.

    Fusion (and others) draw no focus at all on auto-raised tool buttons (the message's
    Copy, Edit, Regenerate; the toolbar's), so a keyboard user could not see where they are.
    Scroll bars are a thin rounded thumb in the border colour with no arrows and no groove,
    as in the chat apps people compare this one with (drawn here rather than by a style
    sheet: a sheet would take this style, and its focus ring, from the widgets under it).
    """

    def styleHint(  # type: ignore[override]
        self,
        hint: QStyle.StyleHint,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
        returnData: object = None,
    ) -> int:
        # No stock icons on dialog buttons (xcb's Fusion puts a red cross on Close).
        if hint == QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons:
            return 0
        return super().styleHint(hint, option, widget, returnData)  # type: ignore[arg-type]

    def pixelMetric(
        self,
        metric: QStyle.PixelMetric,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
    ) -> int:
        if metric == QStyle.PixelMetric.PM_ScrollBarExtent:
            return _SCROLLBAR_EXTENT
        if metric == QStyle.PixelMetric.PM_ScrollBarSliderMin:
            return 32
        return super().pixelMetric(metric, option, widget)

    def subControlRect(
        self,
        control: QStyle.ComplexControl,
        option: QStyleOptionComplex,
        sub: QStyle.SubControl,
        widget: QWidget | None = None,
    ) -> QRect:
        if control != QStyle.ComplexControl.CC_ScrollBar or not isinstance(
            option, QStyleOptionSlider
        ):
            return super().subControlRect(control, option, sub, widget)
        rect = option.rect
        horizontal = option.orientation == Qt.Orientation.Horizontal
        length = rect.width() if horizontal else rect.height()
        span = option.maximum - option.minimum
        if span <= 0:
            thumb, start = length, 0
        else:
            thumb = max(32, length * option.pageStep // (span + option.pageStep))
            thumb = min(thumb, length)
            start = (length - thumb) * (option.sliderPosition - option.minimum) // span
        SC = QStyle.SubControl

        def part(a: int, b: int) -> QRect:
            if horizontal:
                return QRect(rect.x() + a, rect.y(), max(0, b - a), rect.height())
            return QRect(rect.x(), rect.y() + a, rect.width(), max(0, b - a))

        if sub == SC.SC_ScrollBarSlider:
            return part(start, start + thumb)
        if sub == SC.SC_ScrollBarSubPage:
            return part(0, start)
        if sub == SC.SC_ScrollBarAddPage:
            return part(start + thumb, length)
        if sub == SC.SC_ScrollBarGroove:
            return QRect(rect)
        return QRect()  # no arrow buttons

    def _draw_scroll_bar(self, option: QStyleOptionSlider, painter: QPainter) -> None:
        slider = self.subControlRect(
            QStyle.ComplexControl.CC_ScrollBar, option, QStyle.SubControl.SC_ScrollBarSlider
        )
        if option.maximum <= option.minimum or slider.isEmpty():
            return
        t = colors.tokens_for(option.palette)
        active = bool(option.state & QStyle.StateFlag.State_MouseOver) or bool(
            option.activeSubControls & QStyle.SubControl.SC_ScrollBarSlider
        )
        inset = 2
        thumb = QRectF(slider).adjusted(inset, inset, -inset, -inset)
        radius = min(thumb.width(), thumb.height()) / 2
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(t.secondary if active else t.border))
        painter.drawRoundedRect(thumb, radius, radius)
        painter.restore()

    def drawComplexControl(
        self,
        control: QStyle.ComplexControl,
        option: QStyleOptionComplex,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if control == QStyle.ComplexControl.CC_ScrollBar and isinstance(option, QStyleOptionSlider):
            self._draw_scroll_bar(option, painter)
            return
        super().drawComplexControl(control, option, painter, widget)
        if control == QStyle.ComplexControl.CC_ToolButton and (
            option.state & QStyle.StateFlag.State_HasFocus
        ):
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(option.palette.highlight().color(), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(option.rect).adjusted(1, 1, -1, -1), 4, 4)
            painter.restore()


def install_focus_ring(app: QApplication) -> None:
    """Wrap the application's style in FocusRingStyle (once)."""
    if not isinstance(app.style(), FocusRingStyle):
        base = app.style()
        app.setStyle(FocusRingStyle(base.name() if base is not None else None))


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
