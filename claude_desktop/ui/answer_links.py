"""The app's own links in a rendered answer: `copy-code:N` on code blocks, `cite:N` citations.

Pure Python, no Qt. render.py makes these links; the text view reads them back on a click.
Neither scheme is ever taken from the model's Markdown, whose links keep to the schemes
render.py allows.
"""

from __future__ import annotations

import re

__all__ = [
    "ALLOWED_LINK_SCHEMES",
    "CITE_SCHEME",
    "COPY_CODE_LABEL",
    "COPY_CODE_SCHEME",
    "COPY_ICON_PX",
    "COPY_ICON_URL",
    "cite_index",
    "cite_marker",
    "copy_code_index",
    "has_cite_markers",
    "link_cite_markers",
    "strip_cite_markers",
]

#: The links of an answer that open outside the app (in the browser, the mail program).
ALLOWED_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
COPY_CODE_SCHEME = "copy-code"
#: What a code block's copy link says (to tests and screen readers): it shows an icon, the
#: image resource `COPY_ICON_URL` the text view provides, `COPY_ICON_PX` square.
COPY_CODE_LABEL = "Copy"
COPY_ICON_URL = "app-icon:copy"
COPY_ICON_PX = 14
#: A citation marker's link, `cite:N`: made only from the app's own markers (`cite_marker`).
CITE_SCHEME = "cite"
# A citation marker in the Markdown a view renders: private-use characters around its
# number, which no Markdown syntax touches; the HTML gets a superscript link in its place.
_CITE_OPEN, _CITE_CLOSE = "\ue000", "\ue001"
_CITE_TOKEN = re.compile(f"{_CITE_OPEN}([0-9]+){_CITE_CLOSE}")


def cite_marker(number: int) -> str:
    """What stands for citation `number` in Markdown given to `render_block`."""
    return f"{_CITE_OPEN}{number}{_CITE_CLOSE}"


def has_cite_markers(text: str) -> bool:
    return _CITE_OPEN in text


def strip_cite_markers(text: str) -> str:
    return _CITE_TOKEN.sub("", text) if _CITE_OPEN in text else text


def link_cite_markers(html: str) -> str:
    """Rendered HTML with each citation marker made a superscript `cite:N` link, [N]."""
    return _CITE_TOKEN.sub(rf'<sup><a href="{CITE_SCHEME}:\1">[\1]</a></sup>', html)


def cite_index(url: str) -> int | None:
    """N for a `cite:N` link, else None."""
    scheme, _, rest = url.partition(":")
    return int(rest) if scheme == CITE_SCHEME and rest.isdigit() else None


def copy_code_index(url: str) -> int | None:
    """N for a `copy-code:N` link, else None."""
    scheme, _, rest = url.partition(":")
    return int(rest) if scheme == COPY_CODE_SCHEME and rest.isdigit() else None
