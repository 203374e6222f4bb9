"""Per-conversation settings (system prompt, max tokens, temperature, thinking, web search
and fetch), kept valid for the conversation's model, and the presets new chats start from.

`fit` is the one place a combination the API would refuse is mended: the settings dialog
offers only what it allows, and every request passes through it again, so a model
changed after the settings were chosen cannot turn them into a 400.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from claude_desktop.api.models import ModelInfo
from claude_desktop.storage.store import ConversationRecord, PresetRecord, Store

from .settings import Settings
from .thinking import (
    DEFAULT_BUDGET,
    MIN_BUDGET,
    Mode,
    clamp_budget,
    max_tokens_limit,
    mode_of,
    supported_forms,
    thinking_fragment,
)

#: Where the web switches are kept in a conversation's `settings` JSON (no column of their own).
WEB_SEARCH_KEY = "web_search"
WEB_FETCH_KEY = "web_fetch"


@dataclass(frozen=True, slots=True)
class ConversationSettings:
    system: str = ""
    max_tokens: int = 8192
    #: 0..1; None leaves it to the API. Kept while thinking is on, but not sent then.
    temperature: float | None = None
    thinking: Mode = "off"
    #: Used when `thinking` is "enabled"; kept while it is not, for when it is again.
    budget_tokens: int = DEFAULT_BUDGET
    #: Offer Anthropic's web search / web fetch server tools (where the provider has them).
    web_search: bool = False
    web_fetch: bool = False

    @property
    def thinking_fragment(self) -> dict[str, Any] | None:
        return thinking_fragment(self.thinking, self.budget_tokens)

    @property
    def sent_temperature(self) -> float | None:
        """The temperature a request carries: none while thinking is on."""
        return None if self.thinking != "off" else self.temperature

    def stored_options(self, kept: dict[str, Any] | None = None) -> dict[str, Any]:
        """The conversation's `settings` JSON with these switches in it (other keys kept)."""
        options = dict(kept or {})
        options[WEB_SEARCH_KEY] = self.web_search
        options[WEB_FETCH_KEY] = self.web_fetch
        return options

    @classmethod
    def of(cls, record: ConversationRecord | PresetRecord) -> ConversationSettings:
        mode, budget = mode_of(record.thinking)
        # A preset has no web switches: the caller (new_chat_settings) adds the defaults.
        options = record.settings if isinstance(record, ConversationRecord) else {}
        options = options if isinstance(options, dict) else {}
        return cls(
            system=record.system,
            max_tokens=record.max_tokens,
            temperature=record.temperature,
            thinking=mode,
            budget_tokens=budget or DEFAULT_BUDGET,
            web_search=options.get(WEB_SEARCH_KEY) is True,
            web_fetch=options.get(WEB_FETCH_KEY) is True,
        )

    @classmethod
    def defaults(cls, settings: Settings) -> ConversationSettings:
        """A new chat's settings when no preset is chosen."""
        return cls(
            system=settings.system_prompt,
            max_tokens=max(1, settings.max_tokens),
            web_search=settings.web_search_default,
            web_fetch=settings.web_fetch_default,
        )


def web_tools_supported(settings: Settings) -> bool:
    """Whether the provider runs Anthropic's server tools (web search and fetch): the
    Anthropic API does; Bedrock and Vertex are not offered them for now (as `ask`)."""
    return settings.provider == "anthropic"


def fit(settings: ConversationSettings, model: ModelInfo | None) -> ConversationSettings:
    """The nearest settings the API takes for `model`.

    max_tokens within the model's limit; a thinking form the model refuses becomes the one
    it takes (off when it takes none, or the model is unknown); a budget inside
    1024..max_tokens-1, max_tokens raised when it leaves no room for the smallest budget.
    """
    limit = max_tokens_limit(model)
    max_tokens = min(max(settings.max_tokens, 1), limit)
    temperature = settings.temperature
    if temperature is not None:
        temperature = min(max(float(temperature), 0.0), 1.0)
    mode = settings.thinking
    forms = supported_forms(model)
    if mode != "off" and mode not in forms:
        mode = forms[0] if forms else "off"
    budget = settings.budget_tokens
    if mode == "enabled":
        if max_tokens <= MIN_BUDGET:
            max_tokens = min(limit, max(budget, MIN_BUDGET) + MIN_BUDGET)
        clamped = clamp_budget(budget, max_tokens)
        if clamped is None:  # a model whose whole limit is under the minimum budget
            mode = "off"
        else:
            budget = clamped
    return replace(
        settings,
        max_tokens=max_tokens,
        temperature=temperature,
        thinking=mode,
        budget_tokens=budget,
    )


# -- presets -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Preset:
    id: int
    name: str
    settings: ConversationSettings


def presets(store: Store) -> list[Preset]:
    return [Preset(r.id, r.name, ConversationSettings.of(r)) for r in store.presets()]


def save_preset(store: Store, name: str, settings: ConversationSettings) -> Preset:
    """Save `settings` under `name` (replacing a preset of that name). Raises
    PresetNameError (a StorageError with a human sentence) for an empty name."""
    record = store.save_preset(
        name,
        system=settings.system,
        max_tokens=settings.max_tokens,
        temperature=settings.temperature,
        thinking=settings.thinking_fragment,
    )
    return Preset(record.id, record.name, ConversationSettings.of(record))


def new_chat_settings(store: Store, settings: Settings) -> ConversationSettings:
    """What a new chat starts with: the preset chosen for new chats, else the defaults."""
    if settings.new_chat_preset:
        record = store.preset(settings.new_chat_preset)
        if record is not None:
            return replace(
                ConversationSettings.of(record),
                web_search=settings.web_search_default,
                web_fetch=settings.web_fetch_default,
            )
    return ConversationSettings.defaults(settings)
