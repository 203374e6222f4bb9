"""What a finished turn measured: timings, tokens and cost (web searches included, at their
own price) and what the prompt cache saved, kept as plain JSON in the answer's meta under
"metrics"; the line under an answer is made from them when it is shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from claude_desktop.api.message import Message, Usage
from claude_desktop.api.pricing import cost_of, format_usd, web_searches

#: The key of an answer's meta that holds its TurnMetrics.
METRICS = "metrics"
#: The key of a first answer's meta that holds the TurnMetrics of its conversation's title
#: request (domain/titles.py): a call like any other, shown with the answer's usage.
TITLE_METRICS = "title_metrics"
#: The usage field counting server tool requests (`web_search_requests`...).
SERVER_TOOL_USE = "server_tool_use"


@dataclass(frozen=True)
class TurnMetrics:
    """Timings always; usage and cost once the API said which message it answered with
    (usage None before that). Cost is None for a model without a known price."""

    total_time: float
    time_to_first_token: float | None = None
    model: str = ""
    usage: Usage | None = None
    cost: Decimal | None = None
    #: What the prompt cache saved against the same input uncached (reads' discount less
    #: writes' premium; negative when it only wrote); None without a known price.
    cache_savings: Decimal | None = None

    @classmethod
    def of(
        cls, message: Message | None, *, total_time: float, time_to_first_token: float | None
    ) -> TurnMetrics:
        if message is None or not message.id:
            return cls(total_time, time_to_first_token, message.model if message else "")
        usage = Usage.from_dict(message.usage.to_dict())
        cost = cost_of(message.model, usage)
        return cls(
            total_time,
            time_to_first_token,
            message.model,
            usage,
            None if cost is None else cost.total,
            None if cost is None else cost.cache_savings,
        )

    def to_json(self) -> dict[str, Any]:
        """Plain JSON fields (amounts in USD as decimal strings, so nothing is rounded)."""
        out: dict[str, Any] = {"total_time": self.total_time}
        if self.time_to_first_token is not None:
            out["time_to_first_token"] = self.time_to_first_token
        if self.model:
            out["model"] = self.model
        if self.usage is not None:
            out["usage"] = self.usage.to_dict()
            # The prompt cache's part, spelled out for whoever shows it (the ⓘ of an answer).
            out["cache_read_tokens"] = self.usage.cache_read_input_tokens or 0
            out["cache_write_tokens"] = self.usage.cache_creation_input_tokens or 0
        if self.cost is not None:
            out["cost_usd"] = str(self.cost)
        if self.cache_savings is not None:
            out["saved_usd"] = str(self.cache_savings)
        return out

    @classmethod
    def from_json(cls, data: object) -> TurnMetrics | None:
        """The metrics kept in a row; None when they are missing or not ours to read (a
        hand-edited or damaged row shows no footer rather than failing)."""
        if not isinstance(data, Mapping):
            return None
        total = _seconds(data.get("total_time"))
        if total is None:
            return None
        usage = data.get("usage")
        try:
            parsed_usage = Usage.from_dict(dict(usage)) if isinstance(usage, Mapping) else None
        except (TypeError, ValueError):
            parsed_usage = None
        model = data.get("model")
        return cls(
            total,
            _seconds(data.get("time_to_first_token")),
            model if isinstance(model, str) else "",
            parsed_usage,
            _amount(data.get("cost_usd")),
            # Rows saved before "saved_usd" kept the reads' discount alone under this name.
            _amount(data.get("saved_usd", data.get("cache_savings_usd"))),
        )

    def footer(self, display_name: str) -> str:
        """The line under an answer: model, timings, tokens and cost."""
        parts = [display_name]
        if self.time_to_first_token is not None:
            parts.append(f"{self.time_to_first_token:.1f} s to first token")
        parts.append(f"{self.total_time:.1f} s")
        usage = self.usage
        if usage is not None:
            parts.append(f"{usage.total_input_tokens:,} in / {usage.output_tokens:,} out")
            if usage.cache_read_input_tokens:
                parts.append(f"{usage.cache_read_input_tokens:,} from cache")
            if usage.cache_creation_input_tokens:
                parts.append(f"{usage.cache_creation_input_tokens:,} cached")
            searches = web_searches(usage)
            if searches:
                parts.append(f"{searches:,} web search" + ("es" if searches > 1 else ""))
            if self.cost is not None:
                parts.append(format_usd(self.cost))
            if self.cache_savings is not None and self.cache_savings > 0:
                parts.append(f"saved {format_usd(self.cache_savings)} with caching")
        return " · ".join(parts)


def footer_from_meta(meta: Mapping[str, Any], display_name: str) -> str:
    """The line under an answer from its meta: made from "metrics", or an older row's
    "footer" string as it was saved; empty when there is neither."""
    metrics = TurnMetrics.from_json(meta.get(METRICS))
    if metrics is not None:
        return metrics.footer(display_name) + _title_part(meta)
    footer = meta.get("footer")
    return footer if isinstance(footer, str) else ""


def _title_part(meta: Mapping[str, Any]) -> str:
    """The title request's tokens and cost, after the answer's own."""
    title = TurnMetrics.from_json(meta.get(TITLE_METRICS))
    if title is None or title.usage is None:
        return ""
    part = f" · title {title.usage.total_input_tokens:,} in / {title.usage.output_tokens:,} out"
    return part + (f", {format_usd(title.cost)}" if title.cost is not None else "")


def _seconds(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def _amount(value: object) -> Decimal | None:
    if not isinstance(value, str):
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def added_usage(earlier: Usage | None, usage: Usage | None = None) -> Usage:
    """Usage of several steps together: each step pays for its own request."""
    total = Usage()
    searches: dict[str, int] = {}
    for part in (earlier, usage):
        if part is None:
            continue
        total.input_tokens += part.input_tokens
        total.output_tokens += part.output_tokens
        for name in ("cache_creation_input_tokens", "cache_read_input_tokens"):
            value = getattr(part, name)
            if value is not None:
                setattr(total, name, (getattr(total, name) or 0) + value)
        # Server tools' use (web searches, fetches) is billed per request: summed too.
        server = part.extra.get(SERVER_TOOL_USE)
        if isinstance(server, dict):
            for name, count in server.items():
                if isinstance(count, int) and not isinstance(count, bool):
                    searches[name] = searches.get(name, 0) + count
    if searches:
        total.extra[SERVER_TOOL_USE] = searches
    return total
