"""Cost to the person paying: what the prompt cache takes off a conversation's input price.

Two conversations go through the window's own path (a History, the TurnRunner, the real
request builder placing the cache breakpoints, the app's MessagesClient) against the tests'
loopback fake (tests/fakeapi.py), which keeps the API's caching rules: a prefix up to a
breakpoint is read back when it is the same, for 5 minutes, once it reaches the model's
minimum; usage reports reads (0.1x), writes (1.25x) and the rest (1x) as the API does.
The fake's clock moves 30 s between questions: a person reading the answer.

- a chat of 10 turns, each ~2,000 tokens (a ~1,000-token question, a ~1,000-token answer):
  its whole input cost against the same requests' input at the full price, i.e. the same
  conversation without caching (the fake counts the same tokens either way);
- 5 questions about one dropped 80-page PDF (made here, text on every page; the fake counts
  a page as 1,500 tokens): each follow-up's input cost against the first question's.

Prices are the app's own table (api/data/prices.json), Sonnet 4.6. Input cost only: output
is the same with or without the cache. The short run is the same: it takes about a second.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

from .common import Metric, worker_main, write_pdf

MODEL = "claude-sonnet-4-6"
CASE = "7 cost"
TURNS = 10
PDF_PAGES = 80
PDF_QUESTIONS = 5
TARGET_CHAT_PERCENT = 35.0
TARGET_PDF_PERCENT = 15.0
#: About 1,000 tokens as the fake counts them (characters / 4).
WORDS = "the quick brown fox jumps over the lazy dog and keeps running far away "
THOUSAND_TOKENS = (WORDS * 60)[:4000]
#: Seconds between one answer and the next question.
READING = 30.0


def make_pdf(path: Path, pages: int) -> None:
    """A valid PDF of `pages` pages, each a few lines of text in Helvetica."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(pages)), pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i in range(pages):
        lines = b" ".join(
            b"(Page %d, line %d: quarterly figures and their notes.) Tj T*" % (i + 1, n)
            for n in range(40)
        )
        text = zlib.compress(b"BT /F1 10 Tf 12 TL 50 800 Td " + lines + b" ET")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(text), text)
        )
    write_pdf(path, objects)


class _Quiet:
    """A TurnObserver that listens to nothing."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args: None


async def converse(
    api: Any, history_file: Path, questions: list[tuple[str, list[Any]]], answer: str
) -> list[Any]:
    """Ask `questions` (text, attachments) one after the other in one new conversation, as
    the window does; the usage of each answer."""
    from claude_desktop.api.client import MessagesClient
    from claude_desktop.domain.attachments import user_content
    from claude_desktop.domain.history import History, OpenConversation
    from claude_desktop.domain.request_messages import request_for
    from claude_desktop.domain.turn_runner import TurnRunner

    history = History.open(history_file)
    usages = []
    try:
        conv = OpenConversation(None)
        async with MessagesClient("sk-ant-benchmark", base_url=api.base_url) as client:
            for text, attachments in questions:
                api.enqueue(api.cached_answer(answer))
                content = user_content(text, attachments) if attachments else None
                question = history.add_question(
                    conv, text, content=content, model=MODEL, system="", max_tokens=4000
                )
                runner = TurnRunner(client, _Quiet(), history=history)
                runner.begin_answer(conv, question.id, MODEL)
                result = await runner.run(request_for(conv, upto=question.id))
                if result.message is None or result.error is not None:
                    raise RuntimeError(f"the turn failed: {result.error}")
                usages.append(result.message.usage)
                conv = history.reload(conv)
                api.prompt_cache.clock.advance(READING)
    finally:
        history.close()
    return usages


def input_costs(usages: list[Any]) -> list[tuple[Decimal, Decimal]]:
    """Each request's input cost with the cache, and the same tokens at the full price."""
    from claude_desktop.api.pricing import cost_of, price_for

    price = price_for(MODEL)
    assert price is not None
    out = []
    for usage in usages:
        cost = cost_of(MODEL, usage)
        assert cost is not None
        out.append((cost.input, usage.total_input_tokens * price.input / 1_000_000))
    return out


async def measure(folder: Path) -> dict[str, Any]:
    from claude_desktop.domain.attachments import load_attachment
    from tests.fakeapi import FakeAnthropicAPI

    api = FakeAnthropicAPI()
    try:
        chat = [(f"Question {n}: {THOUSAND_TOKENS}", []) for n in range(TURNS)]
        answer = "An answer. " + THOUSAND_TOKENS
        chat_usage = await converse(api, folder / "chat.sqlite3", chat, answer)
        pdf_path = folder / "report-80-pages.pdf"
        make_pdf(pdf_path, PDF_PAGES)
        pdf = await load_attachment(pdf_path)
        asks = ["Summarise this report.", "What changed in Q3?", "Which page has the totals?",
                "Any risks named?", "List the open questions."]  # fmt: skip
        pdf_questions = [(q, [pdf] if n == 0 else []) for n, q in enumerate(asks)]
        answer = "An answer. " + WORDS * 12
        pdf_usage = await converse(api, folder / "pdf.sqlite3", pdf_questions, answer)
        if api.errors:
            raise RuntimeError("; ".join(api.errors))
    finally:
        api.close()
    return {"chat": input_costs(chat_usage), "pdf": input_costs(pdf_usage)}


def run(args: argparse.Namespace) -> list[Metric]:
    with tempfile.TemporaryDirectory(prefix="cd-bench-cost-") as tmp:
        results = asyncio.run(measure(Path(tmp)))
    chat = results["chat"]
    cached = sum(c for c, _ in chat)
    full = sum(f for _, f in chat)
    metrics = [
        Metric("cost.chat", CASE, f"{TURNS}-turn chat, ~2,000-token turns: input cost with"
               " caching, % of without", float(cached / full * 100), "%", TARGET_CHAT_PERCENT,
               note=f"${cached:.4f} against ${full:.4f}"),
    ]  # fmt: skip
    pdf = results["pdf"]
    first = pdf[0][0]
    metrics.append(
        Metric("cost.pdf.first", CASE, f"{PDF_PAGES}-page PDF: the first question's input cost",
               float(first), "$", note=f"${pdf[0][1]:.4f} without caching")
    )  # fmt: skip
    for n, (cost, _full) in enumerate(pdf[1:], 2):
        metrics.append(
            Metric(f"cost.pdf.{n}", CASE, f"{PDF_PAGES}-page PDF: question {n}, % of the first's",
                   float(cost / first * 100), "%", TARGET_PDF_PERCENT, note=f"${cost:.4f}")
        )  # fmt: skip
    return metrics


def main() -> None:
    worker_main(run)


if __name__ == "__main__":
    main()
