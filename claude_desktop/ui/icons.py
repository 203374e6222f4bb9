"""The app's outline icons: a subset of Lucide (ISC license) as SVG, tinted from the palette.

The SVG files sit beside this module (`icons/<name>.svg`, with the set's LICENSE); each is
drawn with QtSvg after its `currentColor` is replaced by the wanted colour, at the pixel
ratios of the screens, and the result is cached per (name, colour, size, ratio). `tint`
keeps a button's icon in the palette's colours when the theme changes.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QEvent, QObject, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from claude_desktop.resources import folder_beside

from . import theme

#: Shown in About, with the license text from `license_text()`.
ICON_SET = "Lucide 1.62.0 (lucide.dev)"
ICON_LICENSE = "ISC"

#: A colour by its role in the design tokens, or a literal "#rrggbb".
ROLES = ("text", "secondary", "accent", "on_accent", "error_text", "disabled")

_STROKE = 'stroke-width="2"'
_THIN_STROKE = 'stroke-width="1.75"'


def _folder():  # type: ignore[no-untyped-def]
    return folder_beside(__file__, __name__, "icons")


@cache
def icon_names() -> tuple[str, ...]:
    """Every icon the app ships."""
    return tuple(sorted(p.name[:-4] for p in _folder().iterdir() if p.name.endswith(".svg")))


@cache
def _svg(name: str) -> str:
    path = _folder().joinpath(f"{name}.svg")
    if not path.is_file():
        raise KeyError(f"no icon named {name!r}")
    return path.read_text(encoding="utf-8").replace(_STROKE, _THIN_STROKE)


def license_text() -> str:
    return _folder().joinpath("LICENSE").read_text(encoding="utf-8")


def color_of(role: str, dark: bool | None = None) -> str:
    """The colour of `role` in the current theme (or the given one)."""
    if role.startswith("#"):
        return role
    if dark is None:
        dark = theme.is_dark(QApplication.palette())
    value = getattr(theme.tokens(dark), role)
    assert isinstance(value, str)
    return value


@cache
def _pixmap(name: str, color: str, size: int, ratio: float) -> QPixmap:
    data = QByteArray(_svg(name).replace("currentColor", color).encode())
    renderer = QSvgRenderer(data)
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, pixmap.width(), pixmap.height()))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def icon_ratios() -> tuple[float, ...]:
    """The pixel ratios an icon is drawn at: the screens' (1x and 2x with no screen). A
    button moved to a screen of a ratio not drawn yet is retinted (see _Retint)."""
    screens = QGuiApplication.screens()
    return tuple(sorted({screen.devicePixelRatio() for screen in screens})) or (1.0, 2.0)


@cache
def _icon(name: str, color: str, disabled: str, size: int, ratios: tuple[float, ...]) -> QIcon:
    # Drawn for the screens there are, not always at 1x and 2x: a 2x pixmap is four times
    # the pixels, and at start-up the window's ~15 icons drew 59 pixmaps (7.4 ms).
    result = QIcon()
    for ratio in ratios:
        result.addPixmap(_pixmap(name, color, size, ratio), QIcon.Mode.Normal)
        result.addPixmap(_pixmap(name, color, size, ratio), QIcon.Mode.Active)
        result.addPixmap(_pixmap(name, color, size, ratio), QIcon.Mode.Selected)
        result.addPixmap(_pixmap(name, disabled, size, ratio), QIcon.Mode.Disabled)
    return result


def icon(
    name: str, role: str = "text", size: int = theme.ICON_PX, dark: bool | None = None
) -> QIcon:
    """Icon `name` in the colour of `role` (a token name, or "#rrggbb") for the current theme."""
    if dark is None:
        dark = theme.is_dark(QApplication.palette())
    return _icon(name, color_of(role, dark), color_of("disabled", dark), size, icon_ratios())


_RETINT_ON = (QEvent.Type.PaletteChange, QEvent.Type.DevicePixelRatioChange)


class _Retint(QObject):
    """Sets a button's icon again when the palette changes (light ↔ dark) or the window
    moves to a screen of another pixel ratio."""

    def __init__(self, button: QAbstractButton, name: str, role: str, size: int) -> None:
        super().__init__(button)
        self.name, self.role, self.size = name, role, size
        self.apply(button)
        button.installEventFilter(self)

    def apply(self, button: QAbstractButton) -> None:
        button.setIcon(icon(self.name, self.role, self.size))
        button.setIconSize(QSize(self.size, self.size))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _RETINT_ON and isinstance(watched, QAbstractButton):
            self.apply(watched)
        return False


def tint(button: QAbstractButton, name: str, role: str = "text", size: int = theme.ICON_PX) -> None:
    """Give `button` icon `name`, kept in `role`'s colour across theme changes. Calling it
    again changes the icon (e.g. copy → check)."""
    for child in button.findChildren(_Retint, options=Qt.FindChildOption.FindDirectChildrenOnly):
        child.name, child.role, child.size = name, role, size
        child.apply(button)
        return
    _Retint(button, name, role, size)


def pixmap(
    name: str, role: str = "text", size: int = theme.ICON_PX, widget: QWidget | None = None
) -> QPixmap:
    """A tinted pixmap (for labels), at the widget's device pixel ratio."""
    ratio = widget.devicePixelRatioF() if widget is not None else 1.0
    return _pixmap(name, color_of(role), size, ratio)


def qcolor(role: str) -> QColor:
    return QColor(color_of(role))
