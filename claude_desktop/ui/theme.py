"""Colours of the conversation, derived from the widget's palette so light and dark both read well.

The Markdown colours (code background, Pygments style, table borders) depend only on whether
the palette is dark, so `render.py` can use them without Qt. The palette helpers only call
methods on the palette they are given, so this module imports no Qt at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QColor, QPalette


@dataclass(frozen=True, slots=True)
class Tokens:
    """The design brief's colour tokens (../shared/design.md): one palette, two themes.

    Every widget takes its colours from here (directly, or through the application palette
    that `appearance.palette_from_tokens` builds from them), so light and dark share one
    accent and the same warm neutrals.
    """

    dark: bool
    page: str
    sidebar: str
    surface: str
    bubble: str
    text: str
    secondary: str
    border: str
    accent: str
    on_accent: str
    error_tint: str
    error_text: str
    hover: str  # a row or icon button under the pointer
    selected: str  # the open conversation's pill in the sidebar
    disabled: str


LIGHT_TOKENS = Tokens(
    dark=False,
    page="#faf9f5",
    sidebar="#f3f1ea",
    surface="#ffffff",
    bubble="#efece3",
    text="#1f1e1d",
    secondary="#6b6a65",
    border="#e3e0d6",
    accent="#c96442",
    on_accent="#ffffff",
    error_tint="#fbeae6",
    error_text="#a1361f",
    hover="#ebe8df",
    selected="#e5e1d6",
    disabled="#b4b2ab",
)

DARK_TOKENS = Tokens(
    dark=True,
    page="#262624",
    sidebar="#1f1e1d",
    surface="#30302e",
    bubble="#393937",
    text="#f0eee6",
    secondary="#a8a69e",
    border="#45443f",
    accent="#d97757",
    on_accent="#ffffff",
    error_tint="#3d2622",
    error_text="#f0a08c",
    hover="#33332f",
    selected="#3b3a36",
    disabled="#6f6e69",
)

#: Shape and measure (px at the default 15 px body text; see `scaled`).
RADIUS_CONTROL = 8
RADIUS_CARD = 12
RADIUS_BUBBLE = 18
RADIUS_COMPOSER = 20
COLUMN_MAX_WIDTH = 760
BODY_PX = 15
ICON_PX = 18


def tokens(dark: bool) -> Tokens:
    return DARK_TOKENS if dark else LIGHT_TOKENS


def tokens_for(palette: QPalette) -> Tokens:
    """The tokens of the theme `palette` belongs to."""
    return tokens(is_dark(palette))


def scaled(px: int, body_px: float) -> int:
    """`px` (a measure at the default 15 px body text) at a body text of `body_px`: the
    reading column and the radii grow with Ctrl+=."""
    return round(px * body_px / BODY_PX)


@dataclass(frozen=True, slots=True)
class MarkdownColors:
    """Colours baked into rendered Markdown HTML (inline styles: Qt applies no stylesheet).

    Warm neutrals from the tokens: a code block is a shade off the page in both themes (not
    a black slab in dark), its header bar a shade further, and a table's header row tinted.
    """

    dark: bool
    pygments_style: str
    code_background: str
    code_header_background: str
    code_border: str
    code_label: str
    inline_code_background: str
    table_border: str
    table_header_background: str
    quote_text: str


LIGHT = MarkdownColors(
    dark=False,
    pygments_style="default",
    code_background="#f5f4ef",
    code_header_background="#ece9e0",
    # The header's own colour: Qt draws the table's border between the header's two cells
    # too, and a rule there splits the bar in two.
    code_border="#ece9e0",
    code_label="#6b6a65",
    inline_code_background="#efece3",
    table_border="#e3e0d6",
    table_header_background="#f0ede4",
    quote_text="#6b6a65",
)

DARK = MarkdownColors(
    dark=True,
    pygments_style="github-dark",
    code_background="#1f1e1d",
    code_header_background="#2c2b29",
    code_border="#2c2b29",
    code_label="#a8a69e",
    inline_code_background="#393937",
    table_border="#45443f",
    table_header_background="#30302e",
    quote_text="#a8a69e",
)


def markdown_colors(dark: bool) -> MarkdownColors:
    return DARK if dark else LIGHT


def pygments_style(dark: bool) -> str:
    return markdown_colors(dark).pygments_style


def _rgb(color: QColor) -> tuple[int, int, int]:
    return color.red(), color.green(), color.blue()


def _mix(a: QColor, b: QColor, t: float) -> str:
    """`a` moved a fraction `t` towards `b`, as #rrggbb."""
    (r1, g1, b1), (r2, g2, b2) = _rgb(a), _rgb(b)
    r, g, bl = (round(x + (y - x) * t) for x, y in ((r1, r2), (g1, g2), (b1, b2)))
    return f"#{r:02x}{g:02x}{bl:02x}"


def is_dark(palette: QPalette) -> bool:
    """Whether text is lighter than its background: a dark theme, whatever the platform."""
    return palette.window().color().lightness() < palette.windowText().color().lightness()


def user_bubble_color(palette: QPalette) -> str:
    """A faint tint of the highlight colour over the window: the user's own messages."""
    return _mix(
        palette.window().color(), palette.highlight().color(), 0.22 if is_dark(palette) else 0.10
    )


def bubble_border_color(palette: QPalette) -> str:
    return _mix(
        palette.window().color(), palette.highlight().color(), 0.35 if is_dark(palette) else 0.22
    )


def muted_text_color(palette: QPalette) -> str:
    """Secondary text (model name, footer, status): readable, but quieter than the answer."""
    return _mix(palette.windowText().color(), palette.window().color(), 0.38)


def chip_color(palette: QPalette) -> str:
    return _mix(palette.window().color(), palette.windowText().color(), 0.10)


def error_color(palette: QPalette) -> str:
    return "#ff7b72" if is_dark(palette) else "#cf222e"
