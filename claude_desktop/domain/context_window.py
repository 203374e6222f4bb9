"""How full a conversation's context window is: the input of its last answer against the
model's limit, and when that is worth showing (past half) or warning about (near the end)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from claude_desktop.api.models import ModelInfo
from claude_desktop.storage.records import MessageRecord

#: The context window of current Claude models, for a model the API did not describe.
DEFAULT_CONTEXT_TOKENS = 200_000
#: Known context windows by model id prefix, for when `/v1/models` gives none.
KNOWN_CONTEXT_TOKENS: dict[str, int] = {
    "claude-opus-4": 200_000,
    "claude-sonnet-4": 200_000,
    "claude-haiku-4": 200_000,
    "claude-3": 200_000,
}
#: Past this share of the window the meter is shown; past NEARLY_FULL it warns.
SHOWN_FROM = 0.5
NEARLY_FULL = 0.9

#: The draft of a new chat that continues a nearly full one (`title`, and the end of its
#: last answer as `last`).
SUMMARY_PROMPT = (
    'Let\'s continue our conversation "{title}", which ran out of room. '
    "Here is where your last answer ended:\n\n{last}\n\n"
    "Please sum up what we had established, then we go on from there."
)


def context_limit(model_id: str, model: ModelInfo | None) -> int:
    """The model's input limit: the API's figure, else the table's, else 200k."""
    if model is not None and model.max_input_tokens:
        return model.max_input_tokens
    for prefix, size in KNOWN_CONTEXT_TOKENS.items():
        if model_id.startswith(prefix):
            return size
    return DEFAULT_CONTEXT_TOKENS


def input_tokens(usage: Mapping[str, Any] | None) -> int:
    """Every input token a request used: fresh, written to the cache and read from it."""
    if not usage:
        return 0
    total = 0
    for key in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"):
        value = usage.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            total += value
    return total


@dataclass(frozen=True, slots=True)
class ContextUse:
    used: int
    limit: int

    @property
    def fraction(self) -> float:
        return min(1.0, self.used / self.limit) if self.limit > 0 else 0.0

    @property
    def percent(self) -> int:
        return round(self.fraction * 100)

    @property
    def shown(self) -> bool:
        return self.fraction > SHOWN_FROM

    @property
    def nearly_full(self) -> bool:
        return self.fraction >= NEARLY_FULL

    @property
    def over(self) -> bool:
        """Past the model's limit: the API would refuse the request."""
        return self.used > self.limit

    def describe(self) -> str:
        counts = f"({self.used:,} of {self.limit:,} tokens)"
        if self.over:
            return f"Too long for the context window {counts}"
        if self.nearly_full:
            return f"This chat is nearly full: {self.percent}% of the context window used {counts}"
        return f"{self.percent}% of the context window used {counts}"

    def short(self) -> str:
        """The count beside the meter: "124k / 200k"."""
        return f"{_thousands(self.used)} / {_thousands(self.limit)}"


def _thousands(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M".replace(".0M", "M")
    return f"{round(n / 1000)}k"


def context_use(
    branch: Sequence[MessageRecord], model_id: str, model: ModelInfo | None
) -> ContextUse | None:
    """How full the branch's context is after its last answer that reported usage; None
    before any."""
    for record in reversed(branch):
        if record.role == "assistant":
            used = input_tokens(record.usage)
            if used:
                return ContextUse(used, context_limit(model_id, model))
    return None
