"""LaTeX formulas drawn as images in a text view: ziamath's SVG, tinted and sized like the text.

`MathBlockWriter` is the BlockWriter of an answer's text view. Before HTML goes into the
document it finds the stand-in images `math_markdown` left there; for each formula it adds
an image resource under the formula's own URL (rendered in the view's text colour, at its
text size), or, if the formula cannot be rendered, puts its source back as monospace text.
When the text size changes, the images are rendered again under the same URLs, in place.

ziamath (pure Python: LaTeX to MathML to SVG, with its own STIX Two Math font) costs ~170
ms to import, so nothing imports it until a formula appears: the first formula seen in the
growing end of a streamed answer starts the import on a worker thread and stays source
until it is done; a finished block waits for it. Images are cached per (formula, colour,
size) in a small LRU, so a formula the streaming tail renders again and again is rendered
once.
"""

from __future__ import annotations

import html
import logging
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QEvent, QObject, QRectF, QUrl
from PySide6.QtGui import (
    QColor,
    QFontInfo,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
    QTextDocument,
)

from .math_urls import MATH_IMAGE, formula_from_url
from .rich_text_view import BlockWriter

if TYPE_CHECKING:
    from PySide6.QtWidgets import QTextEdit

__all__ = ["CACHE_SIZE", "MathBlockWriter", "formula_image", "renderer_loaded", "selected_text"]

log = logging.getLogger(__name__)

#: Formula images kept (each a few KB to a few hundred KB).
CACHE_SIZE = 256
#: Formulas are drawn a little larger than the text around them: STIX Two's letters are
#: smaller than a UI font's at the same size.
MATH_SCALE = 1.12
DISPLAY_SCALE = 1.2

# ziamath stretches an integral sign to the height of everything beside it, so inline an
# integral grew to two lines; in a group of its own it keeps the text style's size.
_INTEGRAL = re.compile(r"\\(i{1,3}nt|oint)(?![A-Za-z])(?!\s*\\(?:no)?limits)")

_VIEW_BOX = re.compile(r'viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"')

_cache: OrderedDict[tuple[str, bool, str, float, float, float], QImage | None] = OrderedDict()
_loader: threading.Thread | None = None
_ziamath: Any = None


def _import_renderer() -> None:
    global _ziamath
    try:
        import ziamath

        # QtSvg draws SVG Tiny 1.2: no <symbol>, which ziamath's SVG 2 output uses.
        ziamath.config.svg2 = False
        ziamath.Latex("x", size=12).svg()  # loads and parses the math font once
        _ziamath = ziamath
    except Exception:  # a broken install: formulas stay source, the answer still shows
        log.warning(
            "The math renderer could not be loaded; formulas are shown as source", exc_info=True
        )
        _ziamath = False


def _start_loading() -> None:
    global _loader
    if _loader is None:
        _loader = threading.Thread(target=_import_renderer, name="math-import", daemon=True)
        _loader.start()


def renderer_loaded() -> bool:
    """Whether ziamath is imported and ready (or failed to, for good)."""
    return _ziamath is not None


def _renderer(wait: bool) -> Any:
    """ziamath, False if it cannot load, or None if still loading and `wait` is false."""
    if _ziamath is None:
        _start_loading()
        if wait and _loader is not None:
            _loader.join()
    return _ziamath


def _svg_image(svg: str, x_height: float, dpr: float) -> QImage | None:
    from PySide6.QtSvg import QSvgRenderer

    box = _VIEW_BOX.search(svg)
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    if box is None or not renderer.isValid():
        return None
    width, height = float(box.group(3)), float(box.group(4))
    ascent = -float(box.group(2))  # the formula's baseline is at y = 0
    # Qt centres an image aligned "middle" (xHeight / 4) above the baseline: pad the image so
    # that the formula's baseline lands on the text's.
    pad_bottom = max(0.0, 2 * ascent - height - x_height / 2)
    pad_top = max(0.0, height + x_height / 2 - 2 * ascent)
    full = height + pad_top + pad_bottom
    image = QImage(
        math.ceil(width * dpr), math.ceil(full * dpr), QImage.Format.Format_ARGB32_Premultiplied
    )
    image.fill(0)
    painter = QPainter(image)
    renderer.render(painter, QRectF(0, pad_top * dpr, width * dpr, height * dpr))
    painter.end()
    image.setDevicePixelRatio(dpr)
    return image


def formula_image(
    latex: str, display: bool, color: str, px: float, x_height: float, dpr: float = 1.0
) -> QImage | None:
    """`latex` drawn in `color` for text of `px` pixels; None if it cannot be rendered.

    Loads the renderer if need be (blocking); cached.
    """
    key = (latex, display, color, px, x_height, dpr)
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    ziamath = _renderer(wait=True)
    image: QImage | None = None
    if ziamath:
        size = px * (DISPLAY_SCALE if display else MATH_SCALE)
        try:
            tex = latex if display else _INTEGRAL.sub(r"{\\\1}", latex)
            svg = ziamath.Latex(tex, size=size, color=color, inline=not display).svg()
            image = _svg_image(svg, x_height, dpr)
        except Exception as exc:  # latex2mathml raises its own errors for bad LaTeX
            log.debug(
                "A formula of %d characters not rendered (%s)", len(latex), type(exc).__name__
            )
    _cache[key] = image
    if len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return image


def _source_html(source: str) -> str:
    """A formula that cannot be drawn: its source, as written, in monospace."""
    return f"<code>{source}</code>"  # `source` is still escaped, as it was in the alt


def selected_text(view: QTextEdit) -> str:
    """The view's selection as plain text, each formula as its LaTeX source."""
    cursor = view.textCursor()
    text = cursor.selection().toPlainText()
    if "\ufffc" not in text:
        return text
    start, end = cursor.selectionStart(), cursor.selectionEnd()
    sources: list[str] = []
    block = view.document().findBlock(start)
    while block.isValid() and block.position() < end:
        for it in block:
            fragment = it.fragment()
            fmt = fragment.charFormat()
            if not fmt.isImageFormat():
                continue
            first = max(start, fragment.position())
            last = min(end, fragment.position() + fragment.length())
            formula = formula_from_url(fmt.toImageFormat().name())
            if formula is not None:
                latex, display = formula
                sources += [f"$${latex}$$" if display else f"${latex}$"] * max(0, last - first)
            else:
                sources += ["\ufffc"] * max(0, last - first)
        block = block.next()
    pieces = text.split("\ufffc")
    out = [pieces[0]]
    for i, piece in enumerate(pieces[1:]):
        out += [sources[i] if i < len(sources) else "", piece]
    return "".join(out)


class _ViewWatcher(QObject):
    """Calls back when the view's font changes (Ctrl+= and Ctrl+-), and copies a selection
    with its formulas as LaTeX, not as object replacement characters."""

    def __init__(self, view: QTextEdit, font_changed: Callable[[], None]) -> None:
        super().__init__(view)
        self._view = view
        self._font_changed = font_changed
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.FontChange:
            self._font_changed()
        elif (
            kind == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Copy)
            and self._view.textCursor().hasSelection()
        ):
            text = selected_text(self._view)
            if "\ufffc" not in text:  # otherwise Qt's own copy, for what it is
                QGuiApplication.clipboard().setText(text)
                return True
        return False


class MathBlockWriter(BlockWriter):
    """A BlockWriter that draws the formulas in what it writes (see the module docstring)."""

    def __init__(self, view: QTextEdit) -> None:
        super().__init__(view.document())
        self._view = view
        #: The formulas in the document by URL, to draw again when the text size changes.
        self._formulas: dict[str, tuple[str, bool]] = {}
        self._style: tuple[str, float, float, float] | None = None  # read when a formula shows
        self._watcher = _ViewWatcher(view, self._font_changed)

    def update(self, finished_html: str, tail_html: str) -> None:
        if self._formulas or "math:" in finished_html or "math:" in tail_html:
            self._restyle()
        super().update(self._resolve(finished_html, True), self._resolve(tail_html, False))

    def clear(self) -> None:
        super().clear()
        self._formulas.clear()

    def _font_changed(self) -> None:
        if self._formulas:
            self._restyle()

    def _restyle(self) -> None:
        """Draw the formulas again if the text size or colour changed since they were drawn."""
        style = self._current_style()
        if style != self._style:
            self._style = style
            self._redraw()

    def _current_style(self) -> tuple[str, float, float, float]:
        view = self._view
        color = view.palette().color(QPalette.ColorRole.Text).name(QColor.NameFormat.HexRgb)
        font = view.font()
        return (
            color,
            float(QFontInfo(font).pixelSize()),
            QFontMetricsF(font).xHeight(),
            view.devicePixelRatioF(),
        )

    def _image(self, latex: str, display: bool) -> QImage | None:
        assert self._style is not None  # set by _restyle before any formula is drawn
        color, px, x_height, dpr = self._style
        return formula_image(latex, display, color, px, x_height, dpr)

    def _resolve(self, chunk: str, finished: bool) -> str:
        if "math:" not in chunk:
            return chunk
        if _renderer(wait=finished) is None:
            # Still loading: the streaming tail shows the source for a moment, the finished
            # blocks wait for it.
            return MATH_IMAGE.sub(lambda m: _source_html(m.group(2)), chunk)

        def draw(m: re.Match[str]) -> str:
            url = html.unescape(m.group(1))
            formula = formula_from_url(url)
            image = self._image(*formula) if formula else None
            if image is None:
                return _source_html(m.group(2))
            self._add(url, image)
            self._formulas[url] = formula  # type: ignore[assignment]
            return f'<img src="{m.group(1)}" style="vertical-align: middle" />'

        return MATH_IMAGE.sub(draw, chunk)

    def _add(self, url: str, image: QImage) -> None:
        self._view.document().addResource(
            QTextDocument.ResourceType.ImageResource, QUrl(url), image
        )

    def _redraw(self) -> None:
        """Draw every formula again at the current size and colour, under the same URLs."""
        doc = self._view.document()
        for url, (latex, display) in self._formulas.items():
            image = self._image(latex, display)
            if image is not None:
                self._add(url, image)
        if self._formulas:
            doc.markContentsDirty(0, doc.characterCount())
