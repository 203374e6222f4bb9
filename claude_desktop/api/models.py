"""Models: what `/v1/models` says about each, and a pinned list for when it can't be asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_MODEL = "claude-sonnet-4-6"


@dataclass(frozen=True, slots=True)
class ModelInfo:
    id: str
    display_name: str
    created_at: str | None = None
    lifecycle: str | None = None  # "active", "deprecated", "retired", or not sent
    max_tokens: int | None = None
    max_input_tokens: int | None = None
    capabilities: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def retired(self) -> bool:
        return self.lifecycle == "retired"

    @property
    def deprecated(self) -> bool:
        return self.lifecycle == "deprecated"

    def supports_thinking(self, kind: str) -> bool | None:
        """Whether the model takes thinking of `kind` ("adaptive", "enabled"); None if unknown."""
        thinking = self.capabilities.get("thinking")
        if not isinstance(thinking, dict):
            return None
        types = thinking.get("types")
        if not isinstance(types, dict) or kind not in types:
            return None
        entry = types[kind]
        return bool(entry.get("supported")) if isinstance(entry, dict) else bool(entry)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_model(data: dict[str, Any]) -> ModelInfo:
    """A ModelInfo from one `/v1/models` entry, tolerating fields that are missing."""
    lifecycle = data.get("lifecycle")
    if isinstance(lifecycle, dict):  # tolerate a richer shape: {"status": "deprecated", ...}
        lifecycle = lifecycle.get("status") or lifecycle.get("state")
    capabilities = data.get("capabilities")
    return ModelInfo(
        id=str(data["id"]),
        display_name=str(data.get("display_name") or data["id"]),
        created_at=data.get("created_at") if isinstance(data.get("created_at"), str) else None,
        lifecycle=lifecycle if isinstance(lifecycle, str) else None,
        max_tokens=_int_or_none(data.get("max_tokens")),
        max_input_tokens=_int_or_none(data.get("max_input_tokens")),
        capabilities=capabilities if isinstance(capabilities, dict) else {},
    )


def _thinking(*, adaptive: bool, enabled: bool) -> dict[str, Any]:
    """Capabilities in the shape `/v1/models` gives them, for the thinking forms alone."""
    types = {"adaptive": {"supported": adaptive}, "enabled": {"supported": enabled}}
    return {"thinking": {"supported": True, "types": types}}


# Shown when the API can't be asked (offline, no key yet). The API's list wins when it comes.
# The thinking forms are those the API documents for these models (Opus 4.7 refuses
# "enabled"; Haiku 4.5 has no "adaptive").
FALLBACK_MODELS: tuple[ModelInfo, ...] = (
    ModelInfo(
        "claude-opus-4-7",
        "Claude Opus 4.7",
        capabilities=_thinking(adaptive=True, enabled=False),
    ),
    ModelInfo(
        "claude-sonnet-4-6",
        "Claude Sonnet 4.6",
        capabilities=_thinking(adaptive=True, enabled=True),
    ),
    ModelInfo(
        "claude-haiku-4-5",
        "Claude Haiku 4.5",
        capabilities=_thinking(adaptive=False, enabled=True),
    ),
)


def pickable_models(models: list[ModelInfo]) -> list[ModelInfo]:
    """The models a person may choose: retired ones hidden, order kept."""
    return [m for m in models if not m.retired]
