"""Markdown from the model to safe HTML for Qt's rich-text engine (pure Python, no Qt).

The model's Markdown is untrusted: raw HTML is shown as text, images never load (they become
links), and only http, https and mailto links stay links. Fenced code is highlighted with
Pygments (inline styles: Qt ignores CSS classes) and gets a `copy-code:N` link. A fence
still being typed at the end of the text ("``", "```pyth", an opener with no code yet) shows
nothing until its code arrives, so neither a streaming nor a cut-off answer shows stray
backticks or an empty box labelled with half a language name.

Streaming renders block by block: `split_blocks` cuts the text into top-level blocks so that
finished blocks are rendered once and only the growing last block is rendered again. The
split is prefix-stable: growing the text only ever changes the last block, so rendering the
blocks of a stream one by one gives exactly `render_markdown` of the whole text.

Rendering never raises: a block nested deeper than `MAX_NESTING`, or one python-markdown
fails on, is shown as escaped plain text, and the shared Markdown instance is rebuilt after
any failure (it keeps state between conversions that a half-done one leaves inconsistent).
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .answer_links import (
    has_cite_markers,
    link_cite_markers,
    strip_cite_markers,
)
from .code_blocks import (
    FENCE_OPEN,
    closes_fence,
    dedent,
    formatter,
    is_fence_block,
    lexer,
    render_fence,
)

if TYPE_CHECKING:  # python-markdown (~15 ms) is imported at the first render, not at start-up
    import markdown

__all__ = [
    "MAX_NESTING",
    "RenderedBlock",
    "is_plain_continuation",
    "render_block",
    "render_blocks",
    "render_markdown",
    "split_blocks",
    "warm_up",
]

log = logging.getLogger(__name__)

#: Blocks nested deeper than this (quote and list markers and indentation levels at the start
#: of a line) are shown as plain text. python-markdown recurses a few frames per level and
#: raises RecursionError at ~230 list levels (and takes seconds over 1,000 quote levels
#: before that); no real answer nests past a handful.
MAX_NESTING = 64

# What nests at the start of a line: indentation, quote markers and list markers.
_NESTING_MARKER = r">|[-*+](?=[ \t])|[0-9]{1,9}[.)](?=[ \t])"
_NESTING_PREFIX = re.compile(rf"(?:[ \t]|{_NESTING_MARKER})*")

# The first characters of a fence the model is still typing, as a text's unfinished last line.
_FENCE_BEING_TYPED = re.compile(r"[ \t]*(?:`{1,2}|~{1,2})")


@dataclass(frozen=True, slots=True)
class RenderedBlock:
    """The HTML of some Markdown and the raw text of its code blocks, in `copy-code` order."""

    html: str
    code: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# Splitting


def split_blocks(text: str) -> list[str]:
    """Cut Markdown into top-level blocks; `"".join(split_blocks(t)) == t`.

    A block ends at a blank line followed by an unindented line (an indented one continues a
    list item or code block), and a fenced code block is a block of its own even where it
    interrupts a paragraph. Blank lines belong to the block before them; nothing inside a
    fence ever splits. Every decision depends only on text before a boundary and the first
    character after it, so more text can change the last block but never the ones before it.
    """
    blocks: list[str] = []
    start = 0  # offset where the current block begins
    pos = 0
    # "empty": nothing but blank lines yet; "md": Markdown; "md_blank": Markdown then blank
    # lines; "fence": inside an open fence; "fenced": after a closing fence.
    state = "empty"
    fence_char, fence_len = "", 0
    n = len(text)
    while pos < n:
        end = text.find("\n", pos)
        complete = end != -1
        line_end = end + 1 if complete else n
        line = text[pos : end if complete else n]
        if state == "fence":
            if complete and closes_fence(line, fence_char, fence_len):
                state = "fenced"
        elif line.strip():
            opener = FENCE_OPEN.match(line)
            new_block = False
            if opener:
                new_block = state != "empty"
                fence = opener.group("fence")
                fence_char, fence_len = fence[0], len(fence)
                state = "fence"
            elif state == "fenced":
                new_block, state = True, "md"
            elif state == "md_blank":
                new_block = line[0] not in " \t"
                state = "md"
            elif state == "empty":
                state = "md"
            if new_block:
                blocks.append(text[start:pos])
                start = pos
        elif state == "md":
            state = "md_blank"
        pos = line_end
    if start < n:
        blocks.append(text[start:])
    return blocks


@lru_cache(maxsize=2)
def _markdown(dark: bool) -> markdown.Markdown:
    from .markdown_engine import new_markdown

    return new_markdown(dark)


# ---------------------------------------------------------------------------------------------
# Plain continuations of a streaming tail

# Every character that can start, end or change a Markdown, math, table, HTML or citation
# construct, and whitespace that HTML would collapse or that starts a line.
_SYNTAX = frozenset("\\`*_[]()<>&!#|$~-=+:{}\n\t\r\ue000\ue001")


def is_plain_continuation(tail: str, new: str) -> bool:
    """Whether `render_block(tail + new)` shows `new` as plain text in the format of the text
    at the end of `render_block(tail)`, right after it (conservative: False if unsure).

    True when `new` has no syntax character, no double space and no line break, the tail's
    last line already has a letter (so it is known not to start a list, heading, table or
    fence) and ends in a character that is neither whitespace nor syntax, or in one space
    after such a character, `new` not starting with another (so the text before
    it is not inside an emphasis, code span or link: those end in a syntax character, and
    unclosed ones are shown as literal text). Table rows (cells are padded or dropped) and
    code fences (highlighted, and copied from the raw text) are never continued this way.
    """
    if not new or not tail or "  " in new or not _SYNTAX.isdisjoint(new):
        return False
    # A single space at the end is shown once the text after it comes (HTML drops it).
    body = tail[:-1] if tail[-1] == " " and new[0] != " " else tail
    if not body or body[-1].isspace() or body[-1] in _SYNTAX:
        return False
    line = tail[tail.rfind("\n") + 1 :]
    if not any(ch.isalpha() for ch in line) or "|" in line or line.lstrip().startswith("["):
        return False  # a line of unknown kind, a table row, a link definition
    return not is_fence_block(tail) and _nesting(tail) <= MAX_NESTING


# ---------------------------------------------------------------------------------------------
# Public entry points


def _nesting(block: str) -> int:
    """How deep the most nested line of `block` goes (indentation counts a level per 2)."""
    deepest = 0
    for line in block.split("\n"):
        match = _NESTING_PREFIX.match(line)
        prefix = match.group() if match else ""
        if len(prefix) <= deepest:
            continue  # cannot be deeper: every level takes at least one character
        markers = len(re.findall(_NESTING_MARKER, prefix))
        indent = prefix.count(" ") + 2 * prefix.count("\t")
        deepest = max(deepest, markers + indent // 2)
    return deepest


def _plain_text(block: str) -> RenderedBlock:
    """A block as the text it is: escaped, its line breaks and spaces kept."""
    text = html.escape(block.strip("\n"), quote=False)
    return RenderedBlock(f'<p style="white-space: pre-wrap;">{text}</p>')


def render_block(block: str, *, dark: bool = False, code_index: int = 0) -> RenderedBlock:
    """HTML for one block of `split_blocks`; its code block, if any, is `copy-code:code_index`.

    Never raises: a block that cannot be rendered is shown as plain text.
    """
    if not block.strip():
        return RenderedBlock("")
    try:
        rendered = _render_block(block, dark, code_index)
        if not has_cite_markers(block):
            return rendered
        code = tuple(strip_cite_markers(code) for code in rendered.code)
        return RenderedBlock(link_cite_markers(rendered.html), code)
    except Exception as exc:  # RecursionError, or a bug in a library: the text still shows
        # python-markdown keeps parser state between conversions; after one that stopped
        # half-way every later render would come out wrong, so build fresh instances.
        _markdown.cache_clear()
        log.warning(
            "A block of %d characters could not be rendered (%s); shown as plain text",
            len(block),
            type(exc).__name__,
        )
        return _plain_text(block)


def _render_block(block: str, dark: bool, code_index: int) -> RenderedBlock:
    if is_fence_block(block):
        html_, code = render_fence(block, dark, code_index)
        return RenderedBlock(html_, code)
    last_line = block[block.rfind("\n") + 1 :]
    if _FENCE_BEING_TYPED.fullmatch(last_line):
        # "``" as the unfinished last line is a fence being typed, not text: hide it until
        # it is one (then it is a block of its own), or for good if the answer ended there.
        block = block[: -len(last_line)]
        if not block.strip():
            return RenderedBlock("")
    if _nesting(block) > MAX_NESTING:
        return _plain_text(block)
    first = block.lstrip("\n")
    if first[:1] in (" ", "\t"):
        # Only text right after a fence starts indented: the rest of a list item whose code
        # was split off. Unindented it reads as text, not as an indented code block.
        lines = first.split("\n")
        indent = len(lines[0]) - len(lines[0].lstrip(" \t"))
        block = "\n".join(dedent(line, indent) for line in lines)
    md = _markdown(dark)
    md.reset()
    return RenderedBlock(md.convert(block))


def render_blocks(blocks: list[str], *, dark: bool = False, code_index: int = 0) -> RenderedBlock:
    """The blocks rendered one after another; code numbered on from `code_index`."""
    parts: list[str] = []
    code: list[str] = []
    for block in blocks:
        rendered = render_block(block, dark=dark, code_index=code_index + len(code))
        parts.append(rendered.html)
        code.extend(rendered.code)
    return RenderedBlock("".join(parts), tuple(code))


def render_markdown(text: str, *, dark: bool = False) -> str:
    """Safe HTML for a whole Markdown text, exactly as streaming it block by block gives."""
    return render_blocks(split_blocks(text), dark=dark).html


#: Languages the model writes most; their lexers load in `warm_up`.
COMMON_LANGUAGES = (
    "python", "bash", "sh", "javascript", "typescript", "json", "yaml", "toml", "html", "css",
    "sql", "rust", "go", "java", "c", "cpp", "csharp", "diff",
)  # fmt: skip


def warm_up(languages: tuple[str, ...] = COMMON_LANGUAGES) -> None:
    """Load what the first render would otherwise load (Markdown, lexers, styles: ~150 ms).

    Safe to call from a worker thread at start-up: it only imports modules and fills caches;
    the Markdown instances the GUI thread renders with are not used here.
    """
    from .markdown_engine import new_markdown

    for dark in (False, True):
        formatter(dark)
        new_markdown(dark).convert("# a\n\n*b* `c` [d](https://e)\n\n- f\n\n| g |\n|---|\n| h |\n")
    for language in languages:
        lexer(language)
