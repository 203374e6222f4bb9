"""The registry of content-block kinds, for the domain and the ui.

The table itself is in claude_desktop/api/blocks.py, the lowest layer, because storage
(exports) consults it too and storage may not import the domain. This module is where the
layers above find it.
"""

from __future__ import annotations

from claude_desktop.api.blocks import (
    KINDS,
    UNKNOWN,
    BlockKind,
    attachment_markdown,
    block_markdown,
    is_sendable,
    kind_of,
    searchable_text,
    summary,
    text_of,
)

__all__ = [
    "KINDS",
    "UNKNOWN",
    "BlockKind",
    "attachment_markdown",
    "block_markdown",
    "is_sendable",
    "kind_of",
    "searchable_text",
    "summary",
    "text_of",
]
