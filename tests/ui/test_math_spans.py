"""Finding LaTeX formulas in Markdown source, and the stand-ins they become in rendered HTML:
money is not math, code is never math, `\\$` is a dollar, an unclosed formula is text."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from claude_desktop.ui.math_spans import MathSpan, find_math, match_at
from claude_desktop.ui.math_urls import formula_from_url, math_url
from claude_desktop.ui.render import render_markdown, split_blocks


def formulas(text: str) -> list[tuple[str, bool]]:
    return [(span.latex, span.display) for span in find_math(text)]


def test_the_four_delimiters() -> None:
    text = r"a $x^2$ b \(y_1\) c $$\sum_i i$$ d \[\frac{1}{2}\] e"
    assert formulas(text) == [
        ("x^2", False),
        ("y_1", False),
        (r"\sum_i i", True),
        (r"\frac{1}{2}", True),
    ]
    spans = find_math(text)
    assert [text[s.start : s.end] for s in spans] == [
        "$x^2$",
        r"\(y_1\)",
        r"$$\sum_i i$$",
        r"\[\frac{1}{2}\]",
    ]


def test_display_math_over_several_lines() -> None:
    text = "Then\n$$\n\\int_0^1 x\\,dx\n= \\tfrac12\n$$\nso."
    assert formulas(text) == [("\\int_0^1 x\\,dx\n= \\tfrac12", True)]


def test_money_is_not_math() -> None:
    for text in (
        "It costs $5.",
        "$5 and $10",
        "between $5 and $10, or $20",
        "$5-$10",
        "from $5.00/$6.00 a month",
        "US$5 and US$10",
        "a $ sign and another $ sign",
        "pay $ 5 then $ 6",
    ):
        assert find_math(text) == [], text


def test_money_next_to_a_formula() -> None:
    assert formulas("It costs $5 and $10 when $n = 2$.") == [("n = 2", False)]


def test_an_escaped_dollar_is_a_dollar() -> None:
    assert find_math(r"\$x$ and \$5") == []
    assert formulas(r"$a \$ b$") == [(r"a \$ b", False)]
    assert formulas(r"\\$x$") == [("x", False)], "an escaped backslash escapes nothing else"


def test_code_is_never_math() -> None:
    assert find_math("use `$x$` or ``a $y$ b``") == []
    assert find_math("```latex\n$x^2$\n\\[y\\]\n```\n") == []
    assert find_math("Text\n\n    $x$ indented code\n") == []
    assert formulas("`$a$` then $b$") == [("b", False)]
    assert formulas("```\n$a$\n```\n$b$") == [("b", False)]


def test_an_unclosed_formula_is_text_until_it_closes() -> None:
    for text in ("$x + ", "$$\\int_0^1", "\\(a +", "\\[\\frac{1}{"):
        assert find_math(text) == [], text
    assert formulas("$x + y$") == [("x + y", False)]
    assert formulas("$$\\int_0^1$$") == [("\\int_0^1", True)]


def test_an_inline_formula_ends_with_its_paragraph() -> None:
    assert find_math("$a\n\nb$") == []


def test_empty_delimiters_are_no_formula() -> None:
    for text in ("$$ $$", "\\( \\)", "\\[\n\\]", "$$"):
        assert find_math(text) == [], text


def test_match_at() -> None:
    assert match_at("x $a$", 2) == MathSpan(2, 5, "a", False)
    assert match_at("x $a$", 0) is None


@given(st.text(alphabet="$\\()[]`ab 5\n", max_size=40))
def test_spans_are_ordered_inside_the_text_and_never_overlap(text: str) -> None:
    end = 0
    for span in find_math(text):
        assert end <= span.start < span.end <= len(text)
        assert span.latex.strip()
        end = span.end


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=5))
def test_prices_in_prose_are_never_math(prices: list[int]) -> None:
    text = " and ".join(f"${p}" for p in prices) + "."
    assert find_math(text) == []


# -- in rendered Markdown -------------------------------------------------------------------


def test_a_formula_becomes_a_stand_in_image_with_its_source() -> None:
    html = render_markdown("Euler: $e^{i\\pi}+1=0$ and $5 and $10.")
    url = math_url("e^{i\\pi}+1=0", False)
    assert f'<img src="{url}" alt="$e^{{i\\pi}}+1=0$" />' in html
    assert "$5 and $10" in html
    assert formula_from_url(url) == ("e^{i\\pi}+1=0", False)
    assert formula_from_url("https://example.com") is None


def test_a_display_formula_is_a_centred_paragraph() -> None:
    html = render_markdown("Before\n\n$$\nx^2\n$$\n\nafter")
    assert f'<p align="center"><img src="{math_url("x^2", True)}"' in html
    assert "<p><p" not in html


def test_markdown_does_not_reach_into_a_formula() -> None:
    # Emphasis markers and backslash escapes are the formula's own.
    html = render_markdown(r"$a_1 * b_2 * c_3$ and \[x \\ y\]")
    assert "<em>" not in html
    assert math_url("a_1 * b_2 * c_3", False) in html
    assert math_url(r"x \\ y", True) in html


def test_code_stays_code_in_rendered_markdown() -> None:
    html = render_markdown("`$x$`\n\n```\n$$y$$\n```\n")
    assert "math:" not in html
    assert "$x$" in html and "$$y$$" in html


def test_an_escaped_dollar_renders_as_a_dollar() -> None:
    html = render_markdown(r"It is \$5, not \$x\$.")
    assert "math:" not in html
    assert "It is $5, not $x$." in html


def test_a_formula_still_streaming_is_text() -> None:
    html = render_markdown("so $x + ")
    assert "math:" not in html and "$x +" in html


def test_a_formula_in_a_table_cell() -> None:
    html = render_markdown("| a | $x^2$ |\n|---|---|\n| 1 | 2 |\n")
    assert re.search(r"<th[^>]*><img src=\"math:i:", html)


def test_streaming_block_by_block_gives_the_same_formulas() -> None:
    text = "Intro $a$.\n\n$$\nb\n$$\n\nEnd $c$ and $5."
    streamed = "".join(render_markdown(block) for block in split_blocks(text))
    assert streamed == render_markdown(text)
    assert streamed.count("math:") == 3
