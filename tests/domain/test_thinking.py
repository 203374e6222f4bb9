"""The thinking rules, per-conversation settings fitted to a model, and the request body."""

from __future__ import annotations

from typing import Any

import pytest

from claude_desktop.api.models import FALLBACK_MODELS, ModelInfo, parse_model
from claude_desktop.domain.api_request import ApiRequest
from claude_desktop.domain.conversation_settings import ConversationSettings, fit
from claude_desktop.domain.thinking import (
    FALLBACK_MAX_TOKENS,
    budget_bounds,
    find_model,
    mode_of,
    supported_forms,
)


def api_model(model_id: str, *, adaptive: bool, enabled: bool, max_tokens: int = 64_000) -> Any:
    """A `/v1/models` entry in the API's shape."""
    return parse_model(
        {
            "type": "model",
            "id": model_id,
            "display_name": model_id,
            "max_tokens": max_tokens,
            "capabilities": {
                "thinking": {
                    "supported": adaptive or enabled,
                    "types": {
                        "adaptive": {"supported": adaptive},
                        "enabled": {"supported": enabled},
                    },
                }
            },
        }
    )


def test_forms_follow_the_models_capabilities() -> None:
    assert supported_forms(api_model("a", adaptive=True, enabled=False)) == ("adaptive",)
    assert supported_forms(api_model("b", adaptive=True, enabled=True)) == ("adaptive", "enabled")
    assert supported_forms(api_model("c", adaptive=False, enabled=True)) == ("enabled",)
    assert supported_forms(api_model("d", adaptive=False, enabled=False)) == ()


def test_the_api_wins_over_the_pinned_list() -> None:
    # Say a later API version gives Opus 4.7 both forms: that is what is offered.
    newer = api_model("claude-opus-4-7", adaptive=True, enabled=True)
    assert supported_forms(newer) == ("adaptive", "enabled")


def test_offline_list_knows_the_documented_forms() -> None:
    forms = {m.id: supported_forms(m) for m in FALLBACK_MODELS}
    assert forms == {
        "claude-opus-4-7": ("adaptive",),
        "claude-sonnet-4-6": ("adaptive", "enabled"),
        "claude-haiku-4-5": ("enabled",),
    }


def test_unknown_capabilities_offer_no_thinking_unless_the_id_is_known() -> None:
    # An older API: the entry has no capabilities. A known id falls back to what is known...
    bare_known = parse_model({"id": "claude-haiku-4-5", "display_name": "Haiku"})
    assert supported_forms(bare_known) == ("enabled",)
    # ...an unknown one (or a typed custom id) gets no thinking at all.
    assert supported_forms(parse_model({"id": "claude-future-9"})) == ()
    assert find_model([], "claude-future-9") is None
    assert supported_forms(None) == ()
    assert find_model([], "claude-opus-4-7") is not None


def test_budget_bounds() -> None:
    assert budget_bounds(1024) is None
    assert budget_bounds(1025) == (1024, 1024)
    assert budget_bounds(8192) == (1024, 8191)


def test_fit_keeps_valid_settings_as_they_are() -> None:
    sonnet = api_model("s", adaptive=True, enabled=True)
    good = ConversationSettings("Be brief", 8192, None, "enabled", 2048)
    assert fit(good, sonnet) == good


@pytest.mark.parametrize(
    ("adaptive", "enabled", "asked", "got"),
    [
        (True, False, "enabled", "adaptive"),  # Opus 4.7: "enabled" would be a 400
        (False, True, "adaptive", "enabled"),  # Haiku 4.5
        (False, False, "enabled", "off"),
        (False, False, "adaptive", "off"),
    ],
)
def test_fit_turns_a_refused_form_into_an_accepted_one(
    adaptive: bool, enabled: bool, asked: str, got: str
) -> None:
    model = api_model("m", adaptive=adaptive, enabled=enabled)
    fitted = fit(ConversationSettings(thinking=asked, budget_tokens=2000), model)  # type: ignore[arg-type]
    assert fitted.thinking == got


def test_fit_bounds_max_tokens_and_budget() -> None:
    model = api_model("m", adaptive=False, enabled=True, max_tokens=16_000)
    assert fit(ConversationSettings(max_tokens=100_000), model).max_tokens == 16_000
    over = fit(ConversationSettings(max_tokens=8000, thinking="enabled", budget_tokens=9000), model)
    assert (over.max_tokens, over.budget_tokens) == (8000, 7999)
    under = fit(ConversationSettings(max_tokens=8000, thinking="enabled", budget_tokens=5), model)
    assert under.budget_tokens == 1024
    # max_tokens too small for any budget is raised so the smallest budget fits.
    tiny = fit(ConversationSettings(max_tokens=500, thinking="enabled", budget_tokens=1024), model)
    assert tiny.thinking == "enabled" and tiny.budget_tokens < tiny.max_tokens
    assert fit(ConversationSettings(max_tokens=1_000_000), None).max_tokens == FALLBACK_MAX_TOKENS
    assert fit(ConversationSettings(temperature=3.0), None).temperature == 1.0


def test_request_body_sends_temperature_only_without_thinking() -> None:
    plain = ApiRequest("m", max_tokens=100, system="Sys", temperature=0.3)
    assert plain.request_body() == {
        "model": "m",
        "max_tokens": 100,
        "messages": [],
        "system": "Sys",
        "temperature": 0.3,
    }
    thinking = ApiRequest("m", temperature=0.3, thinking={"type": "adaptive"})
    body = thinking.request_body()
    assert body["thinking"] == {"type": "adaptive"} and "temperature" not in body
    assert "temperature" not in ApiRequest("m").request_body()
    assert "thinking" not in ApiRequest("m").request_body()


def test_settings_say_what_goes_in_a_request() -> None:
    on = ConversationSettings(temperature=0.5, thinking="enabled", budget_tokens=3000)
    assert on.thinking_fragment == {"type": "enabled", "budget_tokens": 3000}
    assert on.sent_temperature is None
    off = ConversationSettings(temperature=0.5)
    assert off.thinking_fragment is None and off.sent_temperature == 0.5
    assert mode_of({"type": "enabled", "budget_tokens": 3000}) == ("enabled", 3000)
    assert mode_of({"type": "adaptive"}) == ("adaptive", None)
    assert mode_of("junk") == ("off", None)


def test_models_without_capabilities_are_unaffected() -> None:
    assert ModelInfo("x", "X").supports_thinking("adaptive") is None
