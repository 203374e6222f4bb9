"""Prices from the data file and model entries from /v1/models."""

from __future__ import annotations

from decimal import Decimal

from claude_desktop.api.message import Usage
from claude_desktop.api.models import FALLBACK_MODELS, parse_model, pickable_models
from claude_desktop.api.pricing import cost_of, format_usd, price_for


def test_seed_prices() -> None:
    for model, inp, out in [
        ("claude-opus-4-7", 15, 75),
        ("claude-sonnet-4-6", 3, 15),
        ("claude-haiku-4-5", 1, 5),
    ]:
        price = price_for(model)
        assert price is not None
        assert (price.input, price.output) == (Decimal(inp), Decimal(out))
        assert price.cache_write == Decimal(inp) * Decimal("1.25")
        assert price.cache_read == Decimal(inp) * Decimal("0.1")


def test_cost_with_cache_and_dated_model_id() -> None:
    usage = Usage(
        input_tokens=1_000_000,
        output_tokens=100_000,
        cache_creation_input_tokens=200_000,
        cache_read_input_tokens=1_000_000,
    )
    cost = cost_of("claude-sonnet-4-6-20260101", usage)
    assert cost is not None
    # 3 + 1.5 + 0.2 * 3.75 + 1 * 0.3
    assert cost.total == Decimal("5.55")
    # The reads' discount (1M * 2.7) less the writes' premium (0.2M * 0.75).
    assert cost.cache_savings == Decimal("2.55")
    assert cost.input == Decimal("4.05")  # 3 + 0.75 + 0.3
    assert format_usd(cost.total) == "$5.55"
    assert format_usd(Decimal("0.00123")) == "$0.0012"


def test_unknown_model_has_no_price() -> None:
    assert cost_of("claude-future-9", Usage(input_tokens=10)) is None


def test_model_entries_tolerate_missing_and_extra_fields() -> None:
    full = parse_model(
        {
            "type": "model",
            "id": "claude-x",
            "display_name": "Claude X",
            "created_at": "2026-01-01T00:00:00Z",
            "lifecycle": "deprecated",
            "max_tokens": 64000,
            "max_input_tokens": 200000,
            "capabilities": {"thinking": {"types": {"adaptive": {"supported": True}}}},
            "something_new": [1],
        }
    )
    assert full.deprecated and not full.retired
    assert (full.max_tokens, full.max_input_tokens) == (64000, 200000)
    assert full.supports_thinking("adaptive") is True
    assert full.supports_thinking("enabled") is None
    bare = parse_model({"id": "claude-y"})
    assert bare.display_name == "claude-y" and bare.lifecycle is None and bare.max_tokens is None


def test_retired_models_are_hidden_and_fallback_has_the_default() -> None:
    models = [parse_model({"id": "a", "lifecycle": "retired"}), parse_model({"id": "b"})]
    assert [m.id for m in pickable_models(models)] == ["b"]
    assert "claude-sonnet-4-6" in [m.id for m in FALLBACK_MODELS]
