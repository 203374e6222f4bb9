"""Extended thinking: which forms a model takes, the budget's bounds, and the request's
`thinking` fragment.

Two forms exist: ``{"type": "adaptive"}`` (the model decides how long to think) and
``{"type": "enabled", "budget_tokens": N}`` with 1024 <= N < max_tokens. Models differ
(Opus 4.7 refuses "enabled", Haiku 4.5 has no "adaptive"), and a form a model refuses is a
400, so the app only ever offers, and only ever sends, forms the model is known to take.
"""

from __future__ import annotations

from typing import Any, Literal

from claude_desktop.api.models import FALLBACK_MODELS, ModelInfo

Mode = Literal["off", "adaptive", "enabled"]
Form = Literal["adaptive", "enabled"]
FORMS: tuple[Form, ...] = ("adaptive", "enabled")

#: The API's smallest thinking budget.
MIN_BUDGET = 1024
DEFAULT_BUDGET = 4096
#: For a model whose `max_tokens` the API did not say: the field's upper bound only, the
#: API still has the last word.
FALLBACK_MAX_TOKENS = 128_000

_KNOWN = {m.id: m for m in FALLBACK_MODELS}


def find_model(models: list[ModelInfo], model_id: str) -> ModelInfo | None:
    for model in models:
        if model.id == model_id:
            return model
    return _KNOWN.get(model_id)


def supported_forms(model: ModelInfo | None) -> tuple[Form, ...]:
    """The thinking forms `model` takes, preferred first (adaptive, then enabled).

    What `/v1/models` says wins. When it says nothing (an older API version, an entry
    without capabilities), the pinned list's knowledge of the same id is used; for a model
    nobody knows about (a typed custom id) thinking is not offered at all: neither form is
    safe for every model, and a wrong guess is a 400.
    """
    if model is None:
        return ()
    for candidate in (model, _KNOWN.get(model.id)):
        if candidate is None:
            continue
        answers = [(form, candidate.supports_thinking(form)) for form in FORMS]
        if any(answer is not None for _form, answer in answers):
            return tuple(form for form, answer in answers if answer)
    return ()


def max_tokens_limit(model: ModelInfo | None) -> int:
    """The largest max_tokens the model allows (as far as known)."""
    if model is not None and model.max_tokens:
        return model.max_tokens
    return FALLBACK_MAX_TOKENS


def budget_bounds(max_tokens: int) -> tuple[int, int] | None:
    """The budgets allowed with this max_tokens (both ends included), or None when none is
    (max_tokens must exceed the 1024-token minimum)."""
    if max_tokens <= MIN_BUDGET:
        return None
    return MIN_BUDGET, max_tokens - 1


def clamp_budget(budget: int, max_tokens: int) -> int | None:
    bounds = budget_bounds(max_tokens)
    if bounds is None:
        return None
    low, high = bounds
    return min(max(budget, low), high)


def thinking_fragment(mode: Mode, budget: int) -> dict[str, Any] | None:
    """The request's `thinking` value for a mode already checked against the model."""
    if mode == "adaptive":
        return {"type": "adaptive"}
    if mode == "enabled":
        return {"type": "enabled", "budget_tokens": budget}
    return None


def mode_of(fragment: Any) -> tuple[Mode, int | None]:
    """Read back a stored `thinking` value: its mode and budget (tolerating junk as off)."""
    if not isinstance(fragment, dict):
        return "off", None
    kind = fragment.get("type")
    if kind == "adaptive":
        return "adaptive", None
    if kind == "enabled":
        budget = fragment.get("budget_tokens")
        ok = isinstance(budget, int) and not isinstance(budget, bool)
        return "enabled", budget if ok else None
    return "off", None
