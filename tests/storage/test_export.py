"""Exports: Markdown a person can read, JSON whose messages go straight back to the API,
and never the API key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claude_desktop.storage.export import JSON_FORMAT, to_json, to_markdown
from claude_desktop.storage.store import ConversationRecord, MessageRecord, Store
from tests import sse

MODEL = "claude-sonnet-4-6"
PDF = {
    "type": "document",
    "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQK"},
    "title": "report.pdf",
}
PNG = {
    "type": "image",
    "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "history.sqlite3") as s:
        yield s


def sample(
    store: Store, title: str = "Quarterly numbers"
) -> tuple[ConversationRecord, list[MessageRecord]]:
    conv = store.create_conversation(model=MODEL, system="Answer in English.", title=title)
    q = store.add_message(
        conv.id,
        parent_id=None,
        role="user",
        content=[PDF, PNG, {"type": "text", "text": "What does the report say?"}],
    )
    a = store.add_message(
        conv.id,
        parent_id=q.id,
        role="assistant",
        model=MODEL,
        usage={"input_tokens": 10, "output_tokens": 20},
        meta={"time_to_first_token": 0.4, "total_time": 3.2},
        content=[
            {"type": "thinking", "thinking": "The user wants\na summary.", "signature": "U2ln=="},
            {"type": "text", "text": "Revenue **grew** by 4%.\n\n```py\nprint(1)\n```"},
            {"type": "tool_use", "id": "toolu_1", "name": "chart", "input": {"kind": "bar"}},
        ],
    )
    q2 = store.add_message(
        conv.id, parent_id=a.id, role="user", content=[{"type": "text", "text": "And costs?"}]
    )
    store.add_message(
        conv.id,
        parent_id=q2.id,
        role="assistant",
        status="interrupted",
        content=[{"type": "text", "text": "Costs were"}],
    )
    record = store.conversation(conv.id)
    assert record is not None
    return record, store.branch(conv.id)


def test_markdown_reads_like_the_conversation(store: Store) -> None:
    conv, messages = sample(store)
    md = to_markdown(conv, messages)
    assert md.startswith("# Quarterly numbers\n")
    assert f"`{MODEL}`" in md
    assert "> Answer in English." in md
    assert md.count("## You") == 2 and md.count("## Claude") == 2
    assert "Revenue **grew** by 4%.\n\n```py\nprint(1)\n```" in md  # text as it is
    assert "> 💭 **Thinking**\n>\n> The user wants\n> a summary." in md
    assert "📎 report.pdf (application/pdf)" in md
    assert "📎 image (image/png)" in md
    assert "JVBERi0xLjQK" not in md and "U2ln" not in md
    assert '**Tool call:** `chart`\n\n```json\n{\n  "kind": "bar"\n}\n```' in md
    assert "Interrupted" in md
    # In order.
    assert md.index("What does the report say?") < md.index("Revenue") < md.index("And costs?")


def test_markdown_can_leave_thinking_out(store: Store) -> None:
    conv, messages = sample(store)
    md = to_markdown(conv, messages, thinking=False)
    assert "The user wants" not in md
    assert "thinking is not included" in md


def test_markdown_marks_unfinished_answers(store: Store) -> None:
    conv = store.create_conversation(model=MODEL)
    q = store.add_message(conv.id, parent_id=None, role="user", content=[])
    for status, meta, expected in [
        ("stopped", {}, "Stopped before the answer finished."),
        (
            "error",
            {"error": "Overloaded.\nTry later."},
            "The answer failed: Overloaded. Try later.",
        ),
        ("streaming", {}, "Incomplete"),
        ("complete", {}, None),
    ]:
        answer = store.add_message(
            conv.id,
            parent_id=q.id,
            role="assistant",
            status=status,
            meta=meta,
            content=[{"type": "text", "text": "Partial"}],
        )
        md = to_markdown(conv, [answer])
        if expected is None:
            assert "_(" not in md
        else:
            assert f"_({expected}" in md
    md = to_markdown(conv, [store.branch(conv.id)[0]])
    assert "_(empty)_" in md


def test_markdown_code_fences_cannot_be_closed_by_the_content() -> None:
    conv = ConversationRecord(1, "", True, MODEL, "", 100, {}, 0.0, 0.0, None)
    message = MessageRecord(
        1,
        1,
        None,
        "assistant",
        [{"type": "tool_use", "id": "t", "name": "x", "input": {"code": "```\n````"}}],
        "complete",
        None,
        None,
        {},
        0.0,
    )
    md = to_markdown(conv, [message])
    assert md.startswith("# Untitled conversation\n")
    assert "\n`````json\n" in md


def test_markdown_lists_sources_and_other_blocks() -> None:
    conv = ConversationRecord(1, "Web", False, MODEL, "", 100, {}, 0.0, 0.0, None)
    content: list[dict[str, Any]] = [
        {"type": "server_tool_use", "id": "s", "name": "web_search", "input": {"query": "q"}},
        {
            "type": "web_search_tool_result",
            "tool_use_id": "s",
            "content": [{"type": "web_search_result", "url": "https://a.example", "title": "A"}],
        },
        {
            "type": "text",
            "text": "Cited.",
            "citations": [{"type": "web_search_result_location", "url": "https://a.example"}],
        },
        {"type": "redacted_thinking", "data": "secret"},
        {"type": "something_new", "x": 1},
    ]
    message = MessageRecord(1, 1, None, "assistant", content, "complete", None, None, {}, 0.0)
    md = to_markdown(conv, [message])
    assert "**Tool call:** `web_search`" in md
    assert "- [A](https://a.example)" in md
    assert "Sources:\n\n- [https://a.example](https://a.example)" in md
    assert "encrypted" in md and "secret" not in md
    assert "_[something_new block]_" in md


def test_json_messages_are_api_shaped(store: Store) -> None:
    conv, messages = sample(store)
    data = to_json(conv, messages)
    data = json.loads(json.dumps(data))  # JSON-ready, and survives the trip
    assert data["format"] == JSON_FORMAT and data["version"] == 1
    meta = data["conversation"]
    assert (meta["title"], meta["model"], meta["system"], meta["max_tokens"]) == (
        "Quarterly numbers",
        MODEL,
        "Answer in English.",
        8192,
    )
    assert meta["created_at"].endswith("+00:00")
    assert [m["content"] for m in data["messages"]] == [m.content for m in messages]
    assert [m["status"] for m in data["messages"]] == [
        "complete",
        "complete",
        "complete",
        "interrupted",
    ]
    assert data["messages"][1]["usage"] == {"input_tokens": 10, "output_tokens": 20}
    assert data["messages"][1]["content"][0]["signature"] == "U2ln=="
    # What a client would send back.
    body = {
        "model": meta["model"],
        "max_tokens": meta["max_tokens"],
        "system": meta["system"],
        "messages": [{"role": m["role"], "content": m["content"]} for m in data["messages"]],
    }
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["user", "assistant", "user", "assistant"]


def test_the_api_key_is_in_no_export_and_not_in_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "sk-ant-api03-EXPORT-TEST-abcdefghijklmnopqrstuvwxyz0123456789"
    monkeypatch.setenv("ANTHROPIC_API_KEY", key)
    path = tmp_path / "history.sqlite3"
    with Store.open(path) as store:
        conv, messages = sample(store)
        store.save_draft(conv.id, "draft")
        exports = [to_markdown(conv, messages), json.dumps(to_json(conv, messages))]
        on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    on_disk += b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    for text in exports:
        assert key not in text and "sk-ant" not in text
    assert key.encode() not in on_disk and b"sk-ant" not in on_disk


def test_citations_become_footnotes_numbered_through_the_export() -> None:
    conv = ConversationRecord(1, "Report", False, MODEL, "", 100, {}, 0.0, 0.0, None)
    content = sse.FIXTURE_EXPECTED["cited_answer"]["content"]
    first = MessageRecord(1, 1, None, "assistant", content, "complete", None, None, {}, 0.0)
    again = MessageRecord(2, 1, 1, "assistant", content[:2], "complete", None, None, {}, 0.0)
    md = to_markdown(conv, [first, again])
    assert (
        "According to the report, revenue rose 12% to $4.1 million[^1], and operating costs"
        " fell by 3%[^2]. Your notes add that churn dropped to 2.1% in Q3[^3]."
    ) in md, "consecutive text blocks read as one text, each cited passage marked"
    assert (
        '[^1]: "Revenue for the year rose 12% to $4.1 million, driven by the new subscription'
        ' plans." (report.pdf, p. 4)\n'
        '[^2]: "Operating costs fell by 3% as the data centre migration completed."'
        " (report.pdf, pp. 6–7)\n"
        '[^3]: "Q3 churn: 2.1%, down from 2.9%." (notes.txt)'
    ) in md
    # The second answer's footnote is numbered on, under that answer.
    assert md.index("[^4]: ") > md.index("## Claude", md.index("[^3]: "))
    data = to_json(conv, [first])
    assert data["messages"][0]["content"] == content, "JSON keeps them as the API gave them"
