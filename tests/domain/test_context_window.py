"""How full a chat's context is: the last answer's input against the model's window."""

from __future__ import annotations

from claude_desktop.api.models import ModelInfo
from claude_desktop.domain.context_window import (
    DEFAULT_CONTEXT_TOKENS,
    ContextUse,
    context_limit,
    input_tokens,
)
from claude_desktop.domain.conversation_settings import (
    ConversationSettings,
    web_tools_supported,
)
from claude_desktop.domain.settings import Settings


def test_the_limit_is_the_apis_else_the_table() -> None:
    described = ModelInfo("claude-x", "X", max_input_tokens=1_000_000)
    assert context_limit("claude-x", described) == 1_000_000
    assert context_limit("claude-sonnet-4-6", None) == 200_000
    assert context_limit("someone-elses-model", None) == DEFAULT_CONTEXT_TOKENS


def test_cached_input_counts_as_input() -> None:
    usage = {"input_tokens": 10, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 5}
    assert input_tokens(usage) == 115
    assert input_tokens(None) == 0
    assert input_tokens({"input_tokens": True}) == 0  # not a count


def test_shown_past_half_warned_near_the_end() -> None:
    assert not ContextUse(100_000, 200_000).shown
    assert ContextUse(100_001, 200_000).shown
    assert ContextUse(124_000, 200_000).describe() == (
        "62% of the context window used (124,000 of 200,000 tokens)"
    )
    assert ContextUse(124_000, 200_000).short() == "124k / 200k"
    assert ContextUse(212_000, 200_000).over and not ContextUse(200_000, 200_000).over
    full = ContextUse(190_000, 200_000)
    assert full.nearly_full and full.describe().startswith("This chat is nearly full")
    assert ContextUse(300_000, 200_000).fraction == 1.0


def test_web_switches_follow_the_defaults_and_the_provider() -> None:
    settings = Settings(web_fetch_default=True)
    chat = ConversationSettings.defaults(settings)
    assert not chat.web_search and chat.web_fetch
    assert chat.stored_options({"other": 1}) == {"other": 1, "web_search": False, "web_fetch": True}
    assert web_tools_supported(settings)
    assert not web_tools_supported(Settings(provider="bedrock"))
    assert not web_tools_supported(Settings(provider="vertex"))
