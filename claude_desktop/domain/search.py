"""Search results as a person reads them: plain text with the matched words marked.

The store finds matches in the messages as they were written, Markdown and all, and marks
each matched word (:data:`~claude_desktop.storage.store.MATCH_START` ... ``MATCH_END``).
This module turns such an excerpt into runs of plain text, with the Markdown syntax left
out (headings, emphasis, code fences, link targets; the words they hold are kept), each run
saying whether it matched, for the window to show without ever showing a marker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from claude_desktop.storage.store import MATCH_END, MATCH_START, SearchHit

#: Results listed at most; more than this and the list says so.
SEARCH_LIMIT = 50


class Run(NamedTuple):
    """A stretch of text, matched or not."""

    text: str
    match: bool


@dataclass(frozen=True, slots=True)
class SearchResult:
    conversation_id: int
    #: None when the conversation's title matched (then `snippet` is empty).
    message_id: int | None
    title: tuple[Run, ...]
    snippet: tuple[Run, ...]

    @property
    def title_text(self) -> str:
        return "".join(run.text for run in self.title)

    @property
    def snippet_text(self) -> str:
        return "".join(run.text for run in self.snippet)


@dataclass(frozen=True, slots=True)
class SearchResults:
    """What a search found: matching titles first, then matching messages."""

    results: tuple[SearchResult, ...]
    #: More matched than are listed.
    more: bool = False

    @property
    def titles(self) -> list[SearchResult]:
        return [r for r in self.results if r.message_id is None]

    @property
    def messages(self) -> list[SearchResult]:
        return [r for r in self.results if r.message_id is not None]


def results_of(hits: Sequence[SearchHit], limit: int = SEARCH_LIMIT) -> SearchResults:
    """The store's hits (asked for with `limit` + 1, to know whether there are more) as
    plain-text results."""
    listed = [
        SearchResult(
            hit.conversation_id,
            hit.message_id,
            runs(hit.snippet if hit.message_id is None else hit.title),
            () if hit.message_id is None else runs(strip_markdown(hit.snippet)),
        )
        for hit in hits[:limit]
    ]
    return SearchResults(tuple(listed), more=len(hits) > limit)


def runs(marked: str) -> tuple[Run, ...]:
    """`marked` cut into runs at its match markers (the markers dropped). The spaces between
    two matched words count as matched, so "sourdough bread" reads as one highlight."""
    out: list[Run] = []
    match = False
    for part in re.split(f"({re.escape(MATCH_START)}|{re.escape(MATCH_END)})", marked):
        if part == MATCH_START:
            match = True
        elif part == MATCH_END:
            match = False
        elif part:
            out.append(Run(part, match))
    merged: list[Run] = []
    for i, run in enumerate(out):
        between_matches = (
            not run.match
            and not run.text.strip()
            and 0 < i < len(out) - 1
            and out[i - 1].match
            and out[i + 1].match
        )
        if between_matches:
            run = Run(run.text, True)
        if merged and merged[-1].match == run.match:
            merged[-1] = Run(merged[-1].text + run.text, run.match)
        else:
            merged.append(run)
    return tuple(merged)


# The excerpt is a window of a few words cut from anywhere in a message, so every pattern
# copes with markup that starts or ends outside it (a link without its "[", an unclosed **).
_BLOCK_MARKUP = [
    (re.compile(r"(```|~~~)[\w+#.-]*"), " "),  # code fences and their language
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.M), ""),  # headings
    (re.compile(r"[ \t]+#+[ \t]*$", re.M), ""),  # closing hashes of a heading
    (re.compile(r"^[ \t]*(>[ \t]?)+", re.M), ""),  # quotes
    (re.compile(r"^[ \t]*([-*+]|\d{1,9}[.)])[ \t]+(\[[ xX]\][ \t]+)?", re.M), ""),  # lists
    (re.compile(r"^[ \t]*([-*_])([ \t]*\1){2,}[ \t]*$", re.M), ""),  # rules
    (re.compile(r"^[ \t|:-]*-{3,}[ \t|:-]*$", re.M), ""),  # a table's header underline
]
_INLINE_MARKUP = [
    (re.compile(r"!?\[([^\]\n]*)\]\([^)\s]*(\s+\"[^\"\n]*\")?\)"), r"\1"),  # [text](url)
    (re.compile(r"!?\[([^\]\n]*)\]\[[^\]\n]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"!?\[([^\]\n]*)\]\([^)\s]*$"), r"\1"),  # [text](url cut off
    (re.compile(r"\]\([^)\s]*\)?"), ""),  # text](url): the "[" cut off
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),  # <https://autolink>
    (re.compile(r"</?[A-Za-z][\w-]*(\s[^<>\n]*)?/?>"), ""),  # HTML tags
    (re.compile(r"(\*\*\*|\*\*|__|~~)(?=\S)([^\n]*?\S)\1"), r"\2"),  # **bold**, ~~struck~~
    (re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![\w*])"), r"\1"),  # *em*
    (re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]*?[^\s_])_(?![\w_])"), r"\1"),  # _em_
    (re.compile(r"\*\*\*|\*\*|~~|(?<!\w)__|__(?!\w)"), ""),  # halves cut off by the excerpt
    (re.compile(r"`+"), ""),  # a backtick whose code span the excerpt cut
    (re.compile(r"\s*\|\s*"), " "),  # table cells
]


_INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.S)


def strip_markdown(text: str) -> str:
    """`text` (an excerpt of a message, perhaps with match markers) as plain text on one
    line: the Markdown syntax left out, the words it holds kept, the markers kept."""
    for pattern, replacement in _BLOCK_MARKUP:
        text = pattern.sub(replacement, text)
    # Inline code is shown as it is (`__init__`, `a * b`): only the text around it is
    # Markdown.
    pieces: list[str] = []
    start = 0
    for code in _INLINE_CODE.finditer(text):
        pieces += [_strip_inline(text[start : code.start()]), code.group(2)]
        start = code.end()
    pieces.append(_strip_inline(text[start:]))
    return " ".join("".join(pieces).split())


#: What a backslash makes literal, and the private-use characters that stand for each such
#: escaped character while the patterns run (so a backslash-star never opens an emphasis).
_ESCAPABLE = "\\`*_{}[]()#+-.!|>~"
_ESCAPED = re.compile(r"\\([" + re.escape(_ESCAPABLE) + "])")
_UNESCAPE = {0xE000 + i: c for i, c in enumerate(_ESCAPABLE)}


def _strip_inline(text: str) -> str:
    text = _ESCAPED.sub(lambda m: chr(0xE000 + _ESCAPABLE.index(m.group(1))), text)
    for pattern, replacement in _INLINE_MARKUP:
        text = pattern.sub(replacement, text)
    return text.translate(_UNESCAPE)
