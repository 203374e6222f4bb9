"""LaTeX formulas in rendered Markdown: stand-in images the text view draws (pure Python).

`MathExtension` adds an inline pass to python-markdown that runs after code spans have been
taken out (so code is never math) and before backslash escapes (so `\\[` and `\\\\` reach
the formula as written). Each formula becomes `<img src="math:…" alt="$…$">`: the URL names
the formula (a stable resource name per formula, whatever the theme or text size), the alt
keeps its source as written, for when it cannot be rendered. Nothing is rendered here: the
view (`math_images.MathBlockWriter`) supplies the images, or puts the source back.

A display formula alone in its paragraph becomes a centred paragraph of its own.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from .math_spans import match_at
from .math_urls import math_url

__all__ = ["MathExtension"]

# Escaped backslashes and dollars, and every opening delimiter.
_TRIGGER = r"\\\\|\\\$|\\\(|\\\[|\$\$?"


class _MathProcessor(InlineProcessor):
    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[str | etree.Element | None, int | None, int | None]:
        token = m.group()
        if token == "\\\\":
            return None, None, None  # an escaped backslash: the escape pass's, later
        if token == "\\$":
            return "$", m.start(), m.end()
        span = match_at(data, m.start())
        if span is None:
            return None, None, None
        source = html.escape(data[span.start : span.end])
        image = f'<img src="{html.escape(math_url(span.latex, span.display))}" alt="{source}" />'
        if span.display:
            # Alone in its paragraph, the raw-HTML pass puts this in the paragraph's place.
            image = f'<p align="center">{image}</p>'
        return self.md.htmlStash.store(image), span.start, span.end


class MathExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After code spans (190), before backslash escapes (180).
        md.inlinePatterns.register(_MathProcessor(_TRIGGER, md), "claude_math", 185)
