"""Markdown rendering: structure, highlighting, safety with untrusted text, block splitting."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_desktop.ui import markdown_engine
from claude_desktop.ui.answer_links import copy_code_index
from claude_desktop.ui.render import (
    render_block,
    render_blocks,
    render_markdown,
    split_blocks,
)

from .conftest import realistic_answer


def visible_text(markup: str) -> str:
    """The text a reader sees: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def tags(markup: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", markup)}


# -- structure ---------------------------------------------------------------------------------


def test_headings_lists_tables_and_code_render():
    out = render_markdown(
        "# Title\n\nSome **bold** and *em* and `code`.\n\n"
        "- one\n- two\n  - nested\n\n"
        "1. first\n2. second\n\n"
        "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n"
        "```python\nprint('hi')\n```\n"
    )
    assert {"h1", "strong", "em", "code", "ul", "ol", "li", "table", "th", "td", "pre"} <= tags(out)
    # A nested list stays nested (the model indents sub-items by 2 or 3 spaces).
    assert re.search(r"<li>two<ul>\s*<li>nested</li>", out)
    # Qt shows cell alignment from the align attribute, and tables need explicit borders.
    assert 'align="right"' in out
    assert 'border="1"' in out


def test_ordered_list_keeps_its_start_number():
    assert '<ol start="3">' in render_markdown("3. third\n4. fourth\n")


def test_code_is_highlighted_with_inline_colours_light_and_dark():
    light = render_markdown("```python\ndef f():\n    return 1\n```\n")
    dark = render_markdown("```python\ndef f():\n    return 1\n```\n", dark=True)
    for out in (light, dark):
        assert 'style="color: #' in out
        assert "class=" not in out
        assert 'href="copy-code:0"' in out
    assert light != dark


def test_unknown_language_and_no_language_still_render_code():
    for fence in ("```nosuchlanguage\n", "```\n"):
        out = render_markdown(fence + "a < b && c\n```\n")
        assert "a &lt; b &amp;&amp; c" in out
        assert "<pre" in out


def test_fenced_code_keeps_blank_lines_and_raw_text():
    code = "x = 1\n\n\ny = '<tag>'  # two blank lines above"
    rendered = render_blocks(split_blocks(f"Intro\n\n```python\n{code}\n```\n\nAfter\n"))
    assert rendered.code == (code,)
    assert "After" in visible_text(rendered.html)


def test_code_block_indices_count_up_within_a_message():
    text = "```\na\n```\n\ntext\n\n```sh\nb\n```\n\n~~~\nc\n~~~\n"
    rendered = render_blocks(split_blocks(text))
    assert rendered.code == ("a", "b", "c")
    for i in range(3):
        assert f'href="copy-code:{i}"' in rendered.html


def test_copy_code_index_parses_only_its_own_scheme():
    assert copy_code_index("copy-code:12") == 12
    assert copy_code_index("copy-code:x") is None
    assert copy_code_index("https://copy-code:1") is None
    assert copy_code_index("copy-code:-1") is None


def test_fence_inside_a_list_item_becomes_a_code_block():
    text = "1. Install:\n   ```bash\n   pip install x\n   ```\n2. Run it\n"
    rendered = render_blocks(split_blocks(text))
    assert rendered.code == ("pip install x",)
    assert '<ol start="2">' in rendered.html


def test_unclosed_fence_renders_what_arrived_and_hides_a_closing_fence_in_progress():
    assert render_block("```python\nprint(1)\n``").code == ("print(1)",)
    assert render_block("```python\nprint(1)\n").code == ("print(1)",)
    assert render_block("```python\nprint(1)\npri").code == ("print(1)\npri",)


@pytest.mark.parametrize(
    "text",
    [
        "Here is the code:\n\n```pyth",  # a stopped answer: the opener still being typed
        "Here is the code:\n\n```",
        "Here is the code:\n\n~~~",
        "Here is the code:\n\n``",  # a dropped stream: the opener's first backticks
        "Here is the code:\n\n`",
        "Here is the code:\n``",
        "Here is the code:\n\n```python\n",  # the opener done, no code yet
        "Here is the code:\n\n```python\n\n",
        "Here is the code:\n\n```python\n``",
    ],
)
def test_an_unfinished_fence_with_nothing_in_it_renders_nothing(text):
    rendered = render_blocks(split_blocks(text))
    assert rendered.html == render_markdown("Here is the code:\n")
    assert rendered.code == ()


def test_an_unfinished_fence_in_a_list_item_renders_nothing_either():
    for tail in ("  ``", "  ```ba", "  ```bash\n"):
        text = f"1. Install:\n{tail}"
        assert render_markdown(text) == render_markdown("1. Install:\n")


def test_an_unfinished_fence_with_code_is_a_code_block_of_what_arrived():
    rendered = render_blocks(split_blocks("Code:\n\n```python\nprint(1)\n``"))
    assert rendered.code == ("print(1)",)
    assert "``" not in visible_text(rendered.html)
    assert ">python<" in rendered.html  # the opener was finished: its language is real


def test_what_only_looks_like_a_fence_being_typed_stays():
    # Inside a longer fence, a shorter fence line is code; inline code is text.
    assert render_block("````md\n```js").code == ("```js",)
    assert "`" in visible_text(render_markdown("Use ` for code"))
    assert ">x</code>" in render_markdown("a line\n`x` here")
    # A fence the model closed with nothing in it is an empty block it meant to write.
    assert render_blocks(split_blocks("```\n```\n")).code == ("",)


# -- safety ------------------------------------------------------------------------------------

DANGEROUS = [
    "<img src=http://x>",
    "<script>alert(1)</script>",
    '<a href="file:///etc/passwd">x</a>',
    "<b>bold?</b>",
    '<iframe src="http://evil"></iframe>',
    '<div style="background-image: url(http://x/y.png)">z</div>',
    "<style>p { color: red }</style>",
]


@pytest.mark.parametrize("raw", DANGEROUS)
def test_raw_html_is_shown_as_text(raw):
    for text in (raw, f"Before {raw} after", f"{raw}\n\nnext", f"- item {raw}"):
        out = render_markdown(text)
        assert raw in visible_text(out)
        assert not tags(out) & {"a", "img", "script", "b", "iframe", "div", "style"}


def test_raw_html_link_does_not_become_a_link():
    out = render_markdown('<a href="file:///etc/passwd">x</a>')
    assert "<a " not in out


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "/relative/path",
        "relative.html",
        "//evil.example/x",
        "ftp://example.com/x",
        "vbscript:msgbox",
    ],
)
def test_disallowed_link_schemes_render_as_plain_text(href):
    out = render_markdown(f"[click me]({href})")
    assert "<a " not in out
    assert "click me" in visible_text(out)


@pytest.mark.parametrize(
    "href", ["http://example.com", "https://example.com/a?b=c", "mailto:someone@example.com"]
)
def test_web_and_mail_links_stay_links(href):
    out = render_markdown(f"[ok]({href})")
    assert f'<a href="{html.escape(href)}">ok</a>' in out


def test_autolinks_keep_allowed_schemes():
    out = render_markdown("<https://example.com> and <me@example.com>")
    assert '<a href="https://example.com">' in out
    assert html.unescape(out).count("mailto:me@example.com") == 1


def test_images_never_load_anything():
    out = render_markdown("![a cat](http://example.com/cat.png) ![local](file:///etc/x.png)")
    assert "<img" not in out
    assert '<a href="http://example.com/cat.png">[image: a cat]</a>' in out
    assert "[image: local]" in visible_text(out)
    assert "file:" not in out


def test_image_reference_and_raw_img_do_not_load():
    out = render_markdown("![x][r]\n\n[r]: http://example.com/x.png\n\n<img src='http://x'>")
    assert "<img" not in out


# -- splitting ---------------------------------------------------------------------------------


def test_split_keeps_fenced_code_with_blank_lines_together():
    code_block = "```python\na = 1\n\n\nb = 2\n\n```\n"
    blocks = split_blocks(f"Para one\n\n{code_block}\nPara two\n")
    assert blocks == ["Para one\n\n", code_block + "\n", "Para two\n"]


def test_split_keeps_indented_continuations_together():
    text = "- item\n\n  continued paragraph\n- next\n\nAfter\n"
    assert split_blocks(text) == ["- item\n\n  continued paragraph\n- next\n\n", "After\n"]


def test_split_of_empty_and_blank_text():
    assert split_blocks("") == []
    assert split_blocks("\n\n  \n") == ["\n\n  \n"]
    assert render_markdown("\n\n  \n") == ""


def test_realistic_answer_splits_into_many_blocks():
    text = realistic_answer(5000)
    blocks = split_blocks(text)
    assert "".join(blocks) == text
    assert len(blocks) > 20


# Markdown-ish text: the pieces whose combinations the splitter has to get right.
MARKDOWNISH = st.lists(
    st.sampled_from(
        [*"ab `~-*#|>1.:\t", "\n", "\n", "\n", "  ", "```", "~~~", "```py", "- ", "1. ", "| a |"]
    ),
    max_size=80,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(MARKDOWNISH)
def test_split_round_trips(text):
    assert "".join(split_blocks(text)) == text


@settings(max_examples=300, deadline=None)
@given(MARKDOWNISH, st.data())
def test_split_is_prefix_stable(text, data):
    """More text only ever changes the last block: what streaming relies on."""
    whole = split_blocks(text)
    cut = data.draw(st.integers(min_value=0, max_value=len(text)))
    finished = split_blocks(text[:cut])[:-1]
    assert whole[: len(finished)] == finished
    # Splitting again from a block boundary gives the same remaining blocks.
    start = sum(map(len, finished))
    assert split_blocks(text[start:]) == whole[len(finished) :]


@settings(max_examples=150, deadline=None)
@given(MARKDOWNISH, st.lists(st.integers(min_value=0, max_value=200), max_size=12))
def test_rendering_a_stream_block_by_block_equals_rendering_the_whole(text, cuts):
    """What the answer widget does: at each cut, render the finished blocks once, for good."""
    committed = 0
    pieces: list[str] = []
    code: list[str] = []
    for cut in [*sorted(c for c in cuts if c <= len(text)), None]:
        blocks = split_blocks(text[committed:cut])
        if cut is not None:
            blocks = blocks[:-1]  # the growing last block is not final yet
        for block in blocks:
            rendered = render_block(block, code_index=len(code))
            pieces.append(rendered.html)
            code.extend(rendered.code)
            committed += len(block)
    whole = render_blocks(split_blocks(text))
    assert "".join(pieces) == whole.html == render_markdown(text)
    assert tuple(code) == whole.code


def test_render_and_theme_import_no_qt():
    """Rendering stays pure Python: usable by any layer, testable without a display."""
    code = (
        "import sys, claude_desktop.ui.render, claude_desktop.ui.theme;"
        "sys.exit(any(m.startswith('PySide6') for m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0


# -- content the renderer cannot handle ----------------------------------------------------------

#: Nesting python-markdown recurses into, a few frames a level (RecursionError at ~230 levels).
DEEP = {
    "lists": "".join("  " * i + "- x\n" for i in range(1000)),
    "markers": "- " * 1000 + "x",
    "tab lists": "".join("\t" * i + "- x\n" for i in range(400)),
    "quotes": "> " * 1000 + "x",
    "quote lines": "\n".join(">" * i + " a" for i in range(1, 1000)),
    "lists in quotes": "".join("> " * i + "- x\n" for i in range(300)),
    "ordered": "1. " * 1000 + "x",
    "emphasis": "*_" * 1000 + "x" + "_*" * 1000,
}


@pytest.mark.parametrize("name", DEEP)
def test_pathologically_deep_nesting_renders_as_plain_text(name):
    text = DEEP[name]
    out = render_markdown(text)
    assert "x" in visible_text(out) or "a" in visible_text(out)
    # The renderer is still sound afterwards.
    assert render_markdown("**hi** there\n\n- a\n- b\n") == (
        "<p><strong>hi</strong> there</p><ul>\n<li>a</li>\n<li>b</li>\n</ul>"
    )


def test_a_block_that_fails_to_render_is_escaped_plain_text_and_the_renderer_is_rebuilt(
    monkeypatch, caplog
):
    from claude_desktop.ui import render

    # Past the nesting guard, python-markdown itself raises RecursionError half-way through,
    # leaving its shared instance in a state that breaks every later render.
    monkeypatch.setattr(render, "MAX_NESTING", 10**6)
    deep = "".join("  " * i + "- <x&y>\n" for i in range(300))
    rendered = render_blocks(split_blocks(f"Before\n\n{deep}\nAfter *this*\n"))
    assert visible_text(rendered.html).count("<x&y>") == 300
    assert "could not be rendered (RecursionError)" in caplog.text
    assert "<x&y>" not in rendered.html  # escaped
    assert "<em>this</em>" in rendered.html  # the blocks around it render as ever
    assert render_markdown("**hi** there\n\n- a\n- b\n") == (
        "<p><strong>hi</strong> there</p><ul>\n<li>a</li>\n<li>b</li>\n</ul>"
    )


def test_any_exception_while_rendering_falls_back_to_plain_text(monkeypatch):

    calls = []

    def broken(self, root):
        calls.append(1)
        raise ValueError("boom")

    monkeypatch.setattr(markdown_engine._SafeTree, "run", broken)
    out = render_block("Some *text* & <more>\nsecond line")
    assert visible_text(out.html) == "Some *text* & <more>\nsecond line"
    assert calls
    monkeypatch.undo()
    assert render_block("Some *text*").html == "<p>Some <em>text</em></p>"


# Random nesting: quote markers, list markers, indentation, emphasis, links and fences, each
# repeated up to far past anything python-markdown survives.
NESTING_PIECES = st.sampled_from(
    ["> ", ">", "- ", "* ", "1. ", "  ", "\t", "*", "_", "**", "[", "](http://a)", "`", "```",
     "~~~", "<", "|", "#", "x", " ", "\n", "\n\n"]
)  # fmt: skip
NESTED = st.lists(st.tuples(NESTING_PIECES, st.integers(min_value=1, max_value=600)), max_size=6)


def nested_text(pieces: list[tuple[str, int]]) -> str:
    return "".join(piece * count for piece, count in pieces) + "x"


@settings(max_examples=60, deadline=None)
@given(NESTED, st.lists(st.integers(min_value=0, max_value=5000), max_size=4))
def test_random_nesting_never_raises_and_streams_as_it_renders_whole(pieces, cuts):
    text = nested_text(pieces)
    whole = render_blocks(split_blocks(text))
    assert whole.html == render_markdown(text)
    committed = 0
    html: list[str] = []
    for cut in [*sorted(c for c in cuts if c <= len(text)), None]:
        blocks = split_blocks(text[committed:cut])
        if cut is not None:
            render_block(blocks[-1] if blocks else "")  # the growing tail, rendered too
            blocks = blocks[:-1]
        for block in blocks:
            html.append(render_block(block).html)
            committed += len(block)
    assert "".join(html) == whole.html
