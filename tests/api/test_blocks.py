"""The registry of content-block kinds: one answer for every block type, unknown ones included,
and the search index (SQL, in storage/schema.py) reads the fields the registry names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from claude_desktop.api.blocks import (
    KINDS,
    UNKNOWN,
    block_markdown,
    is_sendable,
    kind_of,
    searchable_text,
    summary,
    text_of,
)
from claude_desktop.storage.store import Store

EVERY_KIND: list[dict[str, Any]] = [
    {"type": "text", "text": "Plain words"},
    {"type": "thinking", "thinking": "Mulling it over", "signature": "c2ln"},
    {"type": "redacted_thinking", "data": "RW5j"},
    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBO"}},
    {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "body"},
        "title": "notes.txt",
    },
    {"type": "tool_use", "id": "toolu_1", "name": "get_time", "input": {"city": "Tokyo"}},
    {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "q"}},
    {"type": "tool_result", "tool_use_id": "toolu_1", "content": "12:00"},
    {
        "type": "web_search_tool_result",
        "tool_use_id": "srvtoolu_1",
        "content": [{"type": "web_search_result", "url": "https://a.example", "title": "A"}],
    },
    {"type": "hologram", "frames": 3},
]


def test_every_type_has_a_kind_and_an_unknown_one_is_never_dropped() -> None:
    for block in EVERY_KIND:
        kind = kind_of(block)
        assert (kind is UNKNOWN) == (block["type"] == "hologram")
        assert kind.view in ("text", "thinking", "attachment", "tool", "unknown")
        assert block_markdown(block) is not None, block["type"]
    assert kind_of({"type": 7}) is UNKNOWN and kind_of({}) is UNKNOWN
    assert block_markdown({"type": "hologram"}) == "_[hologram block]_"


@pytest.mark.parametrize(
    ("block", "partial", "sendable"),
    [
        ({"type": "text", "text": "Hi"}, True, True),
        ({"type": "text", "text": ""}, False, False),  # the API refuses empty text blocks
        ({"type": "thinking", "thinking": "…", "signature": "c2ln"}, True, True),
        ({"type": "thinking", "thinking": "…", "signature": ""}, True, False),
        ({"type": "thinking", "thinking": "…", "signature": ""}, False, True),
        ({"type": "redacted_thinking", "data": "x"}, True, True),
        ({"type": "tool_use", "id": "t", "name": "n", "input": {}}, True, False),
        ({"type": "tool_use", "id": "t", "name": "n", "input": {}}, False, True),
        ({"type": "hologram"}, True, False),
        ({"type": "hologram"}, False, True),
    ],
)
def test_what_goes_back_to_the_api(block: dict[str, Any], partial: bool, sendable: bool) -> None:
    assert is_sendable(block, partial=partial) is sendable


def test_text_of_reads_only_text_blocks() -> None:
    assert text_of(EVERY_KIND) == "Plain words"
    assert text_of([{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]) == "ab"


def test_the_search_index_reads_what_the_registry_names(tmp_path: Path) -> None:
    # The index is SQL so it stays right whoever writes the row; this keeps the two in step.
    with Store.open(tmp_path / "h.sqlite3") as store:
        conv = store.create_conversation(model="m")
        message = store.add_message(
            conv.id, parent_id=None, role="assistant", model="m", content=EVERY_KIND
        )
        (body,) = store._con.execute(
            "SELECT body FROM message_fts WHERE rowid = ?", (message.id,)
        ).fetchone()
    assert body == searchable_text(EVERY_KIND) == "Plain words\nMulling it over\nnotes.txt\n12:00"
    assert {k.type for k in KINDS.values() if k.search_field} == {
        "text",
        "thinking",
        "document",
        "tool_result",
    }


def test_a_summary_is_one_short_line() -> None:
    assert summary(EVERY_KIND[5]) == 'tool_use: get_time {"city": "Tokyo"}'
    assert summary({"type": "hologram", "frames": 3}) == 'hologram: {"frames": 3}'
    assert summary({"type": "hologram"}) == "hologram"
    long = summary({"type": "x", "data": "word\n" * 100}, width=40)
    assert len(long) == 40 and long.endswith("…") and "\n" not in long
