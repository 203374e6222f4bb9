"""What a message cost, from its usage and the price table in data/prices.json, plus the
server tools it used (web search: $10 per 1,000 searches).

A model the table does not know gets no price at all rather than a wrong one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

from .message import Usage

_MILLION = Decimal(1_000_000)
#: Web search, billed per search on top of tokens: $10 per 1,000.
WEB_SEARCH_PRICE = Decimal(10) / Decimal(1000)
_DATE_SUFFIX = re.compile(r"-\d{8}$")


@dataclass(frozen=True, slots=True)
class Price:
    input: Decimal
    output: Decimal
    cache_write: Decimal
    cache_read: Decimal


@dataclass(frozen=True, slots=True)
class Cost:
    total: Decimal
    #: What the prompt cache saved against the same input sent uncached: the reads' discount
    #: less the writes' premium (negative for a turn that only wrote to the cache).
    cache_savings: Decimal
    #: The input side alone (uncached input, cache writes and reads): no output, no tools.
    input: Decimal = Decimal(0)


@cache
def _table() -> dict[str, Price]:
    raw = json.loads(resources.files(__package__).joinpath("data/prices.json").read_text("utf-8"))
    write = Decimal(str(raw["cache_write_multiplier"]))
    read = Decimal(str(raw["cache_read_multiplier"]))
    table = {}
    for model, p in raw["models"].items():
        inp = Decimal(str(p["input"]))
        table[model] = Price(inp, Decimal(str(p["output"])), inp * write, inp * read)
    return table


def price_for(model: str) -> Price | None:
    table = _table()
    return table.get(model) or table.get(_DATE_SUFFIX.sub("", model))


def cost_of(model: str, usage: Usage) -> Cost | None:
    price = price_for(model)
    if price is None:
        return None
    cache_write = usage.cache_creation_input_tokens or 0
    cache_read = usage.cache_read_input_tokens or 0
    inputs = (
        usage.input_tokens * price.input
        + cache_write * price.cache_write
        + cache_read * price.cache_read
    ) / _MILLION
    total = inputs + usage.output_tokens * price.output / _MILLION
    total += web_searches(usage) * WEB_SEARCH_PRICE
    uncached = (usage.input_tokens + cache_write + cache_read) * price.input / _MILLION
    return Cost(total, uncached - inputs, inputs)


def web_searches(usage: Usage) -> int:
    """How many web searches `usage` counts (`server_tool_use.web_search_requests`)."""
    server = usage.extra.get("server_tool_use")
    count = server.get("web_search_requests") if isinstance(server, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 0


def format_usd(amount: Decimal) -> str:
    if amount == 0:
        return "$0"
    if amount < 1:
        # Single answers mostly cost fractions of a cent: two decimals would hide them.
        return f"${amount:.4f}"
    return f"${amount:.2f}"
