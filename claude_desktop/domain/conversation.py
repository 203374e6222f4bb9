"""A conversation in API form: the messages a request carries, and its per-chat settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from claude_desktop.api.message import Message

MessageParam = dict[str, Any]


@dataclass
class Conversation:
    model: str
    max_tokens: int = 8192
    system: str = ""
    messages: list[MessageParam] = field(default_factory=list)
    #: `anthropic-beta` features the request needs (e.g. the Files API).
    betas: list[str] = field(default_factory=list)

    def add_user_text(self, text: str) -> None:
        """Add a question; after a failed turn it joins the unanswered one, keeping roles
        alternating as the API requires."""
        block = {"type": "text", "text": text}
        if self.messages and self.messages[-1]["role"] == "user":
            last = self.messages[-1]
            content = last["content"]
            if isinstance(content, str):
                content = [{"type": "text", "text": content}]
            last["content"] = [*content, block]
        else:
            self.messages.append({"role": "user", "content": [block]})

    def add_assistant(self, message: Message) -> None:
        """Keep an answer, partial ones included; an empty one adds nothing."""
        content = [b for b in message.content if not _is_empty(b)]
        if content:
            self.messages.append({"role": "assistant", "content": content})

    @property
    def awaiting_answer(self) -> bool:
        return bool(self.messages) and self.messages[-1]["role"] == "user"

    def request_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "messages": self.messages,
        }
        if self.system.strip():
            body["system"] = self.system
        return body


def _is_empty(block: dict[str, Any]) -> bool:
    # A text block with no text is refused by the API when sent back.
    return block.get("type") == "text" and not block.get("text")
