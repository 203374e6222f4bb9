"""Citations as the API gives them, said for people: where a cited passage comes from.

A text block of an answer about documents may carry `citations`, each the passage it quotes
(`cited_text`) and where: a page range of a PDF (`page_location`), a character range of a
text document (`char_location`), a range of a custom-content document's blocks
(`content_block_location`), or a web page (`web_search_result_location`). Ranges end
exclusively, as the API sends them. Pure functions: storage (exports), the domain (`ask`)
and the ui (the sources list) all use them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["citations_of", "cited_text", "numbered_citations", "source_label"]

Citation = Mapping[str, Any]


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _title(citation: Citation) -> str:
    for key in ("document_title", "title"):
        value = citation.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    index = _int(citation.get("document_index"))
    if index is not None:
        return f"Document {index + 1}"
    url = citation.get("url")
    return url if isinstance(url, str) and url else "Source"


def _range(one: str, several: str, start: int | None, end: int | None) -> str:
    """ "p. 4" or "pp. 4–6" from an exclusive end."""
    if start is None:
        return ""
    last = end - 1 if end is not None and end - 1 > start else start
    return f"{one} {start}" if last == start else f"{several} {start}–{last}"


def source_label(citation: Citation) -> str:
    """Where a citation points, in a few words: "report.pdf, p. 4"."""
    kind = citation.get("type")
    title = _title(citation)
    if kind == "page_location":
        where = _range(
            "p.",
            "pp.",
            _int(citation.get("start_page_number")),
            _int(citation.get("end_page_number")),
        )
    elif kind == "content_block_location":
        start = _int(citation.get("start_block_index"))
        end = _int(citation.get("end_block_index"))
        # Block indexes count from 0; people count from 1.
        where = _range(
            "block",
            "blocks",
            None if start is None else start + 1,
            None if end is None else end + 1,
        )
    elif kind == "web_search_result_location":
        url = citation.get("url")
        where = url if isinstance(url, str) and url != title else ""
    else:  # char_location, and kinds not known yet: the document is what a person needs
        where = ""
    return f"{title}, {where}" if where else title


def cited_text(citation: Citation) -> str:
    """The quoted passage on one line ("" if the citation has none)."""
    text = citation.get("cited_text")
    return " ".join(text.split()) if isinstance(text, str) else ""


def citations_of(block: Mapping[str, Any]) -> list[Citation]:
    """The well-formed citations of one content block (none for a block without)."""
    citations = block.get("citations")
    if not isinstance(citations, list):
        return []
    return [c for c in citations if isinstance(c, Mapping)]


def numbered_citations(content: Sequence[Mapping[str, Any]]) -> list[Citation]:
    """Every citation of a message in the order it reads; the number of a citation is its
    place in this list plus one."""
    return [c for block in content for c in citations_of(block)]
