"""python-markdown, set up for answers: the safety pass over its tree, tables, lists, math.

Imported by `render` at the first render (or by its warm-up, in a worker after the first
paint), never at start-up: importing python-markdown is ~15 ms, and an empty chat shows
none of it.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from urllib.parse import urlsplit

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE

from .answer_links import ALLOWED_LINK_SCHEMES
from .math_markdown import MathExtension
from .theme import MarkdownColors, markdown_colors


def _scheme(url: str) -> str:
    try:
        return urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return ""


def _link_allowed(href: str) -> bool:
    # Automatic mail links arrive entity-obfuscated, with python-markdown's `&` placeholder.
    plain = html.unescape(href.replace(AMP_SUBSTITUTE, "&"))
    return _scheme(plain) in ALLOWED_LINK_SCHEMES


class _SafeTree(Treeprocessor):
    """Unsafe links become text, images become links, and tables and code get inline styles."""

    def __init__(self, md: markdown.Markdown, colors: MarkdownColors) -> None:
        super().__init__(md)
        self.colors = colors

    def run(self, root: etree.Element) -> None:
        c = self.colors
        for el in root.iter():
            tag = el.tag
            if tag == "a":
                href = el.get("href", "")
                el.attrib.pop("title", None)
                if not _link_allowed(href):
                    el.tag = "span"
                    el.attrib.clear()
            elif tag == "img":
                src = el.get("src", "")
                label = el.get("alt") or src
                el.attrib.clear()
                if _link_allowed(src) and _scheme(src) != "mailto":
                    el.tag = "a"
                    el.set("href", src)
                    el.text = f"[image: {label}]"
                else:
                    el.tag = "span"
                    el.text = f"[image: {label}]" if label else "[image]"
            elif tag == "table":
                # A thin outer border and rules between rows, 8 px inside each cell. Qt's
                # text engine draws no rounded table corners (border-radius is ignored).
                el.set("border", "1")
                el.set("cellspacing", "0")
                el.set("cellpadding", "8")
                el.set(
                    "style",
                    f"border-collapse: collapse; border-style: solid; "
                    f"border-color: {c.table_border}; margin-top: 8px; margin-bottom: 12px;",
                )
            elif tag in ("th", "td"):
                if not el.text and not len(el):
                    # Qt's importer treats an empty cell differently when more HTML follows in
                    # the same parse; streaming parses blocks apart, so never leave one empty.
                    el.text = "\u00a0"
                # Qt honours the align attribute on cells, not text-align in a style.
                style = el.attrib.pop("style", "")
                m = re.search(r"text-align:\s*(left|right|center)", style)
                if m:
                    el.set("align", m.group(1))
                if tag == "th":
                    el.set("bgcolor", c.table_header_background)
            elif tag == "code":
                el.set("style", f"background-color: {c.inline_code_background};")
            elif tag == "pre":
                el.set("style", f"background-color: {c.code_background}; white-space: pre-wrap;")
                for child in el:
                    child.attrib.pop("style", None)
            elif tag == "blockquote":
                el.set("style", f"color: {c.quote_text};")


class _SafeMarkdown(Extension):
    def __init__(self, colors: MarkdownColors) -> None:
        super().__init__()
        self.colors = colors

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Raw HTML in the model's text is shown as text: the serializer escapes what these
        # two would have passed through.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        # After inline patterns (20), before prettify (10).
        md.treeprocessors.register(_SafeTree(md, self.colors), "claude_safe", 15)


def new_markdown(dark: bool) -> markdown.Markdown:
    """A python-markdown instance for answers: tables, lists, math, and the safety pass."""
    # tab_length=2: the model indents nested lists by 2 or 3 spaces, which the default of 4
    # would flatten into text.
    return markdown.Markdown(
        extensions=["tables", "sane_lists", _SafeMarkdown(markdown_colors(dark)), MathExtension()],
        tab_length=2,
        output_format="html",
    )
