"""Citations: the request flag on documents, where a citation points, and an answer's sources."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

from claude_desktop.api.citations import source_label
from claude_desktop.api.client import MessagesClient
from claude_desktop.api.message import Message
from claude_desktop.domain.citations import format_sources, with_citations
from claude_desktop.domain.history import History, OpenConversation
from claude_desktop.domain.request_builder import build_request
from claude_desktop.domain.request_messages import request_for
from tests import sse

PDF = {
    "type": "document",
    "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQK"},
    "title": "report.pdf",
}
TEXT_DOC = {
    "type": "document",
    "source": {"type": "text", "media_type": "text/plain", "data": "Q3 churn: 2.1%"},
    "title": "notes.txt",
}
PNG = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iV"}}


def question(*blocks: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [*blocks, {"type": "text", "text": "Summarise"}]}]


def test_documents_ask_for_citations_and_nothing_else_changes() -> None:
    messages = question(PDF, TEXT_DOC, PNG)
    before = copy.deepcopy(messages)
    sent = with_citations(messages, True)
    pdf, text, image, words = sent[0]["content"]
    assert pdf["citations"] == {"enabled": True} and text["citations"] == {"enabled": True}
    assert "citations" not in image and "citations" not in words
    assert {k: v for k, v in pdf.items() if k != "citations"} == PDF
    assert messages == before, "the stored messages are not changed"
    assert with_citations(messages, False) == before


def test_documents_inside_tool_results_ask_too() -> None:
    result = {"type": "tool_result", "tool_use_id": "t", "content": [TEXT_DOC]}
    sent = with_citations([{"role": "user", "content": [result]}], True)
    assert sent[0]["content"][0]["content"][0]["citations"] == {"enabled": True}


def test_where_a_citation_points() -> None:
    assert source_label(sse.CITED_PAGE) == "report.pdf, p. 4"
    assert source_label(sse.CITED_PAGES) == "report.pdf, pp. 6–7"  # the end is exclusive
    assert source_label(sse.CITED_CHARS) == "notes.txt"
    blocks = {
        "type": "content_block_location",
        "document_index": 2,
        "document_title": None,
        "start_block_index": 0,
        "end_block_index": 2,
    }
    assert source_label(blocks) == "Document 3, blocks 1–2"
    web = {"type": "web_search_result_location", "url": "https://a.example", "title": "A"}
    assert source_label(web) == "A, https://a.example"
    assert source_label({"type": "new_kind"}) == "Source"


def test_the_sources_of_an_answer_numbered_as_it_reads() -> None:
    content = sse.FIXTURE_EXPECTED["cited_answer"]["content"]
    assert format_sources(Message(content=content)) == [
        '[1] report.pdf, p. 4: "Revenue for the year rose 12% to $4.1 million, driven by the'
        ' new subscription plans."',
        '[2] report.pdf, pp. 6–7: "Operating costs fell by 3% as the data centre migration'
        ' completed."',
        '[3] notes.txt: "Q3 churn: 2.1%, down from 2.9%."',
    ]
    assert format_sources(Message(content=[{"type": "text", "text": "No sources"}])) == []


def test_the_request_from_history_asks_for_citations_unless_turned_off(tmp_path: Path) -> None:
    history = History.open(tmp_path / "h.sqlite3")
    try:
        conv = OpenConversation(None)
        history.add_question(
            conv,
            "Summarise",
            model="m",
            system="",
            max_tokens=100,
            content=question(PDF)[0]["content"],
        )
        stored = conv.branch[0].content[0]
        assert "citations" not in stored, "the flag is added to the request, never stored"
        request = request_for(conv)
        assert "citations" not in request.messages[0]["content"][0], "added by build_request"

        async def built(citations: bool) -> dict[str, Any]:
            async with MessagesClient("k", base_url="http://127.0.0.1:9") as client:
                sent = await build_request(request, client, citations=citations)
            return sent.messages[0]["content"][0]

        sent = asyncio.run(built(True))
        assert sent["citations"] == {"enabled": True}
        plain = asyncio.run(built(False))
        assert "citations" not in plain
    finally:
        history.close()
