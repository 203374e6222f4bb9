"""Fenced code blocks of an answer: parsing a fence (closed or still streaming) and its HTML,
a header bar with the language and a copy icon over the code highlighted by Pygments.

Pygments is imported where a code block is first highlighted (or by `render.warm_up`, off
the UI thread), not with this module: its lexer and formatter tables were ~30 ms of the
window's cold start, which shows no code.
"""

from __future__ import annotations

import html
import re
import time
from collections import OrderedDict
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .answer_links import COPY_CODE_SCHEME, COPY_ICON_PX, COPY_ICON_URL
from .theme import markdown_colors

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pygments.formatters import HtmlFormatter
    from pygments.lexer import Lexer

#: Code longer than this is lexed a slice at a time, over as many event loop turns as it
#: takes (`Highlighting`): Pygments' Python lexer takes ~2 µs a character, so a 300-line
#: block (13 KB) held the window ~26 ms at each render of it.
LONG_CODE_CHARS = 2000

# An opening code fence: 3+ backticks or tildes. Indented fences count too, because the model
# often puts code inside list items, which python-markdown's own fences do not handle.
FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


# The code of a block's HTML sits between these, one line of highlighted code per line.
_CODE_OPEN = '<pre style="margin: 0px; white-space: pre-wrap;">'
_CODE_CLOSE = "</pre></td></tr></table>"


def closes_fence(line: str, char: str, length: int) -> bool:
    stripped = line.strip()
    return len(stripped) >= length and stripped == char * len(stripped)


@lru_cache(maxsize=64)
def lexer(lang: str) -> Lexer:
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    if lang:
        try:
            return get_lexer_by_name(lang, stripnl=False, ensurenl=False)
        except ClassNotFound:
            pass
    return TextLexer(stripnl=False, ensurenl=False)


@lru_cache(maxsize=2)
def formatter(dark: bool) -> HtmlFormatter[str]:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True, noclasses=True, style=markdown_colors(dark).pygments_style)


def is_fence_block(block: str) -> bool:
    """Whether a block of `split_blocks` is a fenced code block (its first line opens one)."""
    for line in block.split("\n"):
        if line.strip():
            return FENCE_OPEN.match(line) is not None
    return False


def dedent(line: str, indent: int) -> str:
    i = 0
    while i < indent and i < len(line) and line[i] in " \t":
        i += 1
    return line[i:]


def _parse_fence(block: str) -> tuple[str, str, bool]:
    """(language, raw code, closed) of a block that starts with a fence, closed or not."""
    lines = block.split("\n")
    first = 0
    while not lines[first].strip():
        first += 1
    opener = FENCE_OPEN.match(lines[first])
    assert opener is not None
    indent = len(opener.group("indent"))
    char = opener.group("fence")[0]
    length = len(opener.group("fence"))
    info = opener.group("info").strip()
    lang = info.split()[0].strip("{}.") if info else ""
    code: list[str] = []
    body = lines[first + 1 :]
    closed = False
    for i, line in enumerate(body):
        last = i == len(body) - 1
        if closes_fence(line, char, length) and not last:
            closed = True
            break
        # A partial last line made of fence characters is a closing fence still arriving:
        # hide it rather than flash backticks in the code.
        if last and line.strip() and set(line.strip()) == {char}:
            break
        code.append(dedent(line, indent))
    else:
        # Unclosed: a newline the model has not followed with anything yet is no code line.
        if code and code[-1] == "" and len(body) >= 1:
            code.pop()
    return lang, "\n".join(code), closed


def render_fence(block: str, dark: bool, index: int) -> tuple[str, tuple[str, ...]]:
    """The HTML of a fenced code block (header bar, highlighted code) and its raw code."""
    lang, code, closed = _parse_fence(block)
    if not closed and not code.strip():
        # A fence still being typed ("```pyth"), or opened with no code yet: a stopped or
        # cut-off answer ends there. An empty box, labelled with half a language name, is
        # no part of the answer; the code block appears with its first line of code.
        return "", ()
    c = markdown_colors(dark)
    body = _highlight(code, lang.lower(), dark)
    # Trailing newlines would show as empty last lines; and an empty last line in the last
    # cell is parsed differently when HTML follows (see _SafeTree), so there is never one.
    body = body.rstrip("\n") or "&nbsp;"
    label = html.escape(lang) if lang else "&nbsp;"
    # A header bar (the language at left, a copy icon at right) over the code, 12 px inside.
    # Qt draws no border around a lone cell and ignores a table's own background in places,
    # so the box is a table whose cells carry the backgrounds; its corners stay square (Qt's
    # text engine has no border-radius).
    head = (
        f'bgcolor="{c.code_header_background}" style="border-style: none;'
        f' border-color: {c.code_header_background}; padding: {{}};"'
    )
    cell = f'bgcolor="{c.code_background}" style="border-style: none; padding: 12px;"'
    out = (
        '<table width="100%" cellspacing="0" cellpadding="0" border="1" '
        f'style="border-collapse: collapse; border-style: solid; border-color: {c.code_border};'
        ' margin-top: 8px; margin-bottom: 12px;">'
        f"<tr><td {head.format('4px 12px 4px 12px')}>"
        f'<span style="color: {c.code_label}; font-size: small;">{label}</span></td>'
        f'<td align="right" {head.format("4px 12px 4px 12px")}>'
        f'<a href="{COPY_CODE_SCHEME}:{index}" style="color: {c.code_label};'
        ' text-decoration: none; font-size: small;">'
        f'<img src="{COPY_ICON_URL}" width="{COPY_ICON_PX}" height="{COPY_ICON_PX}" /></a>'
        "</td></tr>"
        f'<tr><td colspan="2" {cell}>{_CODE_OPEN}{body}{_CODE_CLOSE}'
    )
    return out, (code,)


def code_lines(block_html: str) -> tuple[str, list[str]] | None:
    """(the header bar's HTML, the code's lines of HTML) of one code block's HTML from
    `render_fence`, or None for any other HTML. Pygments closes and reopens its spans at
    each line's end, so each line's HTML stands alone."""
    if not block_html.endswith(_CODE_CLOSE) or block_html.count(_CODE_OPEN) != 1:
        return None
    head, body = block_html[: -len(_CODE_CLOSE)].split(_CODE_OPEN)
    return head, body.split("\n")


def code_html(head: str, lines: list[str]) -> str:
    """The HTML of a code block from its `code_lines` (or some of its lines)."""
    return head + _CODE_OPEN + "\n".join(lines) + _CODE_CLOSE


# -- long code, lexed over several turns --------------------------------------------------------

CodeKey = tuple[str, str, bool]  # (code, language, dark)

#: Long code highlighted by a `Highlighting`, for `render_fence` to use: the few most recent.
_highlighted: OrderedDict[CodeKey, str] = OrderedDict()
_HIGHLIGHTED_KEPT = 4


def _highlight(code: str, lang: str, dark: bool) -> str:
    body = _highlighted.get((code, lang, dark))
    if body is not None:
        return body
    from pygments import highlight

    return highlight(code, lexer(lang), formatter(dark))


def long_code(block: str, dark: bool) -> CodeKey | None:
    """The code of `block` if it is a code block too long to lex in one go and not
    highlighted yet (None otherwise): a `Highlighting` lexes it over several turns first."""
    if len(block) <= LONG_CODE_CHARS or not is_fence_block(block):
        return None  # the code is no longer than its block: most blocks stop here
    lang, code, _closed = _parse_fence(block)
    key = (code, lang.lower(), dark)
    return key if len(code) > LONG_CODE_CHARS and key not in _highlighted else None


class Highlighting:
    """Lexes one long code block's code a slice at a time (`advance`), then keeps its HTML
    where `render_fence` finds it: exactly `pygments.highlight`'s, which formats the tokens
    of `lexer.get_tokens` (a generator, so it can stop and go on)."""

    def __init__(self, key: CodeKey, block: str) -> None:
        self.key = key
        self.block = block  # the block it was made for
        code, lang, _dark = key
        self._tokens: Iterator[tuple[Any, str]] = lexer(lang).get_tokens(code)
        self._lexed: list[tuple[Any, str]] = []

    def advance(self, deadline: float) -> bool:
        """Lex on until `deadline` (perf_counter seconds); whether the HTML is ready."""
        tokens, lexed = self._tokens, self._lexed
        while True:
            for _ in range(64):  # the clock is read every 64 tokens (~50 µs of lexing)
                token = next(tokens, None)
                if token is None:
                    self._done()
                    return True
                lexed.append(token)
            if time.perf_counter() > deadline:
                return False

    def _done(self) -> None:
        from pygments import format as format_tokens

        _code, _lang, dark = self.key
        _highlighted[self.key] = format_tokens(iter(self._lexed), formatter(dark))
        while len(_highlighted) > _HIGHLIGHTED_KEPT:
            _highlighted.popitem(last=False)
