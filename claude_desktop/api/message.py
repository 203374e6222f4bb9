"""The assistant message as the API means it: content blocks, stop reason and usage.

Content blocks stay plain JSON dicts so that they can be stored and sent back to the
API unchanged (thinking signatures, citations and fields this app does not know yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from .blocks import text_of

ContentBlock = dict[str, Any]

_USAGE_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
)

# What each stop reason means to a person; None where nothing needs saying.
STOP_REASON_NOTES: dict[str, str | None] = {
    "end_turn": None,
    "stop_sequence": None,
    "tool_use": None,
    "max_tokens": "The answer was cut off at the token limit.",
    "pause_turn": "Claude paused a long-running turn; send again to let it continue.",
    "refusal": "Claude declined to answer this request.",
    "model_context_window_exceeded": "The conversation is longer than the model's context window.",
}


@dataclass(slots=True)
class Usage:
    """Token counts of one message; cache fields are None when the API did not send them."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def merge(self, data: dict[str, Any]) -> None:
        """Take every field present in `data`: the API's usage counts are cumulative."""
        for key, value in data.items():
            if key in _USAGE_FIELDS:
                if value is not None:
                    setattr(self, key, int(value))
            else:
                self.extra[key] = value

    @property
    def total_input_tokens(self) -> int:
        return (
            self.input_tokens
            + (self.cache_creation_input_tokens or 0)
            + (self.cache_read_input_tokens or 0)
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
        }
        for name in ("cache_creation_input_tokens", "cache_read_input_tokens"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Usage:
        usage = cls()
        usage.merge(data)
        return usage


@dataclass(slots=True)
class Message:
    """An assistant message, complete or partial."""

    id: str = ""
    model: str = ""
    role: str = "assistant"
    content: list[ContentBlock] = field(default_factory=list)
    stop_reason: str | None = None
    stop_sequence: str | None = None
    usage: Usage = field(default_factory=Usage)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The text blocks joined: what a person reads as the answer."""
        return text_of(self.content)

    @property
    def stop_note(self) -> str | None:
        """A human sentence for an unusual stop reason, or None."""
        if self.stop_reason is None:
            return None
        return STOP_REASON_NOTES.get(self.stop_reason, f"Stopped: {self.stop_reason}.")

    def to_param(self) -> dict[str, Any]:
        """This message as a `messages` entry of a later request, blocks unchanged."""
        return {"role": self.role, "content": [dict(b) for b in self.content]}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "message"}
        for f in fields(self):
            if f.name in ("usage", "extra"):
                continue
            out[f.name] = getattr(self, f.name)
        out["usage"] = self.usage.to_dict()
        out.update(self.extra)
        return out
