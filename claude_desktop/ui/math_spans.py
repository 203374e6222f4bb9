"""Where the LaTeX formulas are in Markdown source (pure Python, no Qt, no renderer).

Claude writes math as `$…$` and `\\(…\\)` (inline) or `$$…$$` and `\\[…\\]` (display). A
dollar sign is also money, so `$…$` follows the usual rules (Pandoc's, tightened): the
opening `$` is not followed by a space, and the first unescaped `$` after it closes the
formula only if it is not preceded by a space nor followed by a digit; otherwise there is no
formula there at all. So "$5 and $10" is money, and so is "$5-$10"; `\\$` is a literal dollar.
A formula that has not closed yet (still being streamed) is no formula: it stays text until
its closing delimiter arrives. Code spans and fenced or indented code blocks are never math.

`match_at` decides one candidate (python-markdown's inline pass uses it after it has taken
out the code itself); `find_math` scans a whole Markdown text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MathSpan", "find_math", "match_at"]


@dataclass(frozen=True, slots=True)
class MathSpan:
    """A formula at `text[start:end]` (delimiters included); `latex` is what is inside."""

    start: int
    end: int
    latex: str
    display: bool


# A blank line ends a paragraph, and with it any inline formula.
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")


def _unescaped(text: str, needle: str, start: int) -> int:
    """The first `needle` at or after `start` not escaped by a backslash; -1 if none."""
    i = start
    while True:
        i = text.find(needle, i)
        if i == -1:
            return -1
        backslashes = 0
        j = i - 1
        while j >= 0 and text[j] == "\\":
            backslashes += 1
            j -= 1
        if backslashes % 2 == 0:
            return i
        i += 1


def match_at(text: str, pos: int) -> MathSpan | None:
    """The formula whose opening delimiter starts at `text[pos]`, or None.

    The caller has made sure the character at `pos` is not escaped.
    """
    if text.startswith("\\(", pos) or text.startswith("\\[", pos):
        closer = "\\)" if text[pos + 1] == "(" else "\\]"
        end = text.find(closer, pos + 2)
        if end == -1:
            return None
        latex = text[pos + 2 : end]
        if not latex.strip() or (closer == "\\)" and _BLANK_LINE.search(latex)):
            return None
        return MathSpan(pos, end + 2, latex.strip(), display=closer == "\\]")
    if text.startswith("$$", pos):
        end = _unescaped(text, "$$", pos + 2)
        if end == -1:
            return None
        latex = text[pos + 2 : end]
        if not latex.strip():
            return None
        return MathSpan(pos, end + 2, latex.strip(), display=True)
    if not text.startswith("$", pos):
        return None
    after = text[pos + 1 : pos + 2]
    if not after or after.isspace():
        return None
    end = _unescaped(text, "$", pos + 1)
    if end == -1:
        return None
    latex = text[pos + 1 : end]
    if latex[-1].isspace() or text[end + 1 : end + 2].isdigit() or _BLANK_LINE.search(latex):
        return None
    return MathSpan(pos, end + 1, latex, display=False)


def _code_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the fenced and indented code blocks of `text`, in order."""
    spans: list[tuple[int, int]] = []
    pos = 0
    fence = ""  # the open fence's marker
    fence_start = 0
    previous_blank = True
    indented_start = -1
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if fence:
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                spans.append((fence_start, pos + len(line)))
                fence = ""
        elif match := _FENCE.match(line):
            fence, fence_start = match.group(1), pos
        elif line.startswith(("    ", "\t")) and (previous_blank or indented_start != -1):
            if indented_start == -1:
                indented_start = pos
        elif stripped and indented_start != -1:
            spans.append((indented_start, pos))
            indented_start = -1
        previous_blank = not stripped
        pos += len(line)
    if fence:
        spans.append((fence_start, len(text)))
    elif indented_start != -1:
        spans.append((indented_start, len(text)))
    return spans


def find_math(text: str) -> list[MathSpan]:
    """Every formula in a Markdown text, in order, outside code."""
    found: list[MathSpan] = []
    code = _code_lines(text)
    n = len(text)
    i = 0
    while i < n:
        if code and i >= code[0][0]:
            i = max(i, code.pop(0)[1])
            continue
        limit = code[0][0] if code else n
        ch = text[i]
        if ch == "\\":
            # An escaped character (\$, \\) is itself; \( and \[ open formulas.
            if text.startswith(("\\(", "\\["), i) and (span := match_at(text[:limit], i)):
                found.append(span)
                i = span.end
            else:
                i += 2
        elif ch == "`":
            run = _BACKTICKS.match(text, i)
            assert run is not None
            ticks = run.group()
            # A code span closes at the next run of exactly as many backticks.
            close = re.compile(rf"(?<!`){ticks}(?!`)").search(text, run.end(), limit)
            i = close.end() if close else run.end()
        elif ch == "$" and (span := match_at(text[:limit], i)):
            found.append(span)
            i = span.end
        else:
            i += 1 + (ch == "$" and text.startswith("$$", i))
    return found
