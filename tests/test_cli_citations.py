"""`ask` about documents: the sources of a cited answer are printed after it."""

from __future__ import annotations

from tests import sse
from tests.fakeapi import FakeAnthropicAPI, SSEResponse
from tests.test_cli import ask


def test_the_sources_follow_the_answer(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(SSEResponse(sse.load_fixture("cited_answer"), chunk_size=13))
    result = ask(fake_api, "What does the report say?")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "According to the report, revenue rose 12% to $4.1 million, and operating costs fell"
        " by 3%. Your notes add that churn dropped to 2.1% in Q3.\n"
        "\n"
        "Sources:\n"
        '[1] report.pdf, p. 4: "Revenue for the year rose 12% to $4.1 million, driven by the'
        ' new subscription plans."\n'
        '[2] report.pdf, pp. 6–7: "Operating costs fell by 3% as the data centre migration'
        ' completed."\n'
        '[3] notes.txt: "Q3 churn: 2.1%, down from 2.9%."\n'
    )


def test_an_answer_without_citations_prints_no_sources(fake_api: FakeAnthropicAPI) -> None:
    fake_api.enqueue(SSEResponse(sse.events(sse.text_stream(["Just words."]))))
    result = ask(fake_api, "Hi")
    assert result.stdout == "Just words.\n"
