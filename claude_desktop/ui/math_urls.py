"""The names of formulas as images: `math:d:` (display) or `math:i:` and the LaTeX, quoted.

`MathExtension` (math_markdown.py) writes them into the HTML; the view (math_images.py)
draws each one under its name. Apart from python-markdown, so the view loads without it.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

__all__ = ["MATH_IMAGE", "MATH_SCHEME", "formula_from_url", "math_url"]

MATH_SCHEME = "math"
#: A stand-in image as `MathExtension` writes it: group 1 the URL, group 2 the source.
MATH_IMAGE = re.compile(r'<img src="(math:[^"]*)" alt="([^"]*)" />')


def math_url(latex: str, display: bool) -> str:
    """The resource name of a formula: `math:d:` (display) or `math:i:` and its LaTeX."""
    return f"{MATH_SCHEME}:{'d' if display else 'i'}:{quote(latex, safe='')}"


def formula_from_url(url: str) -> tuple[str, bool] | None:
    """(latex, display) of a `math_url`, or None for any other URL."""
    scheme, _, rest = url.partition(":")
    kind, _, latex = rest.partition(":")
    if scheme != MATH_SCHEME or kind not in ("d", "i"):
        return None
    return unquote(latex), kind == "d"
