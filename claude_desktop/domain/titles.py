"""Short conversation titles written by a small model after the first answer.

A new conversation is first titled with the opening words of its question
(:func:`~claude_desktop.domain.history.auto_title`). Once its first answer has ended, a
cheap model is asked, in the background, for a 2-6 word title; its tokens and cost are kept
in the answer's meta under :data:`TITLE_METRICS` (shown with the answer's usage), and the
title replaces the first words only if the person has not renamed the conversation since.
Any failure keeps the first words: a title is never worth an error message.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from claude_desktop.api.client import BaseMessagesClient
from claude_desktop.api.models import ModelInfo
from claude_desktop.api.pricing import price_for

from .history import History, auto_title
from .turn_metrics import TITLE_METRICS, TurnMetrics

log = logging.getLogger(__name__)

#: The model asked when the model list names none cheaper (Haiku-class).
TITLE_MODEL = "claude-haiku-4-5"
TITLE_SYSTEM = "Reply with a 2-6 word title for this conversation, no quotes."
#: A title is a few words: this is enough, and keeps the call cheap.
TITLE_MAX_TOKENS = 20
#: How much of the question and the answer the title model reads.
EXCERPT_CHARS = 2000
#: A title longer than this is cut like a first-words title.
TITLE_CHARS = 60


def title_model(models: Sequence[ModelInfo]) -> str:
    """The cheapest priced model of `models` (by output price), else :data:`TITLE_MODEL`."""
    priced = [(price, m.id) for m in models if not m.retired and (price := price_for(m.id))]
    if not priced:
        return TITLE_MODEL
    return min(priced, key=lambda pair: (pair[0].output, pair[0].input))[1]


def title_request(question: str, answer: str, model: str) -> dict[str, Any]:
    """The body of the title request: short, and recognisable by its system prompt and
    small max_tokens."""
    conversation = (
        f"<question>\n{question[:EXCERPT_CHARS]}\n</question>\n"
        f"<answer>\n{answer[:EXCERPT_CHARS]}\n</answer>"
    )
    return {
        "model": model,
        "max_tokens": TITLE_MAX_TOKENS,
        "system": TITLE_SYSTEM,
        "messages": [{"role": "user", "content": conversation}],
    }


def is_title_request(body: object) -> bool:
    """Whether a request body is a title request (the tests and logs tell them apart so)."""
    return (
        isinstance(body, dict)
        and body.get("system") == TITLE_SYSTEM
        and int(body.get("max_tokens") or 0) <= TITLE_MAX_TOKENS
    )


_QUOTES = "\"'“”‘’`*_#"


def clean_title(text: str) -> str:
    """The model's reply as a title: one line, no quotes, markup or end punctuation;
    empty when nothing usable is left."""
    line = next((part for part in text.strip().splitlines() if part.strip()), "")
    line = re.sub(r"^(title)\s*:\s*", "", line.strip(), flags=re.IGNORECASE)
    line = " ".join(line.strip(_QUOTES + " ").split()).rstrip(" .!,;:")
    line = line.strip(_QUOTES + " ")
    if not line:
        return ""
    return auto_title(line) if len(line) > TITLE_CHARS else line


@dataclass(frozen=True)
class GeneratedTitle:
    title: str
    metrics: TurnMetrics


async def generate_title(
    client: BaseMessagesClient, question: str, answer: str, model: str
) -> GeneratedTitle | None:
    """Ask `model` for a title; None when the call fails or says nothing usable (the
    caller keeps the first words). Never raises, but for cancellation."""
    started = time.monotonic()
    try:
        message = await client.stream(title_request(question, answer, model)).final_message()
    except Exception as exc:  # any failure keeps the fallback title
        log.info("No title was generated: %s", type(exc).__name__)
        return None
    metrics = TurnMetrics.of(
        message, total_time=time.monotonic() - started, time_to_first_token=None
    )
    title = clean_title(message.text)
    if not title:
        log.info("The title model's reply was not usable as a title")
        return None
    return GeneratedTitle(title, metrics)


def keep_title(
    history: History, conversation_id: int, answer_id: int, generated: GeneratedTitle
) -> bool:
    """Record the call's usage on the answer and, unless the person renamed the
    conversation meanwhile (or deleted it), use the title. Whether the title was used."""
    answer = history.message(answer_id)
    if answer is not None:
        meta = {**answer.meta, TITLE_METRICS: generated.metrics.to_json()}
        history.store.update_message(answer_id, meta=meta)
    record = history.conversation(conversation_id)
    if record is None or record.deleted_at is not None or not record.title_is_auto:
        return False
    history.store.rename(conversation_id, generated.title, auto=True)
    return True
