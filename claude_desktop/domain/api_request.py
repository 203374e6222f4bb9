"""One request to the Messages API: the branch's messages in API form, model and settings.

Built from the history for each turn (`History.conversation_for_request`); nothing keeps
it afterwards, the history does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MessageParam = dict[str, Any]


@dataclass
class ApiRequest:
    model: str
    max_tokens: int = 8192
    system: str = ""
    messages: list[MessageParam] = field(default_factory=list)
    #: `anthropic-beta` features the request needs (e.g. the Files API).
    betas: list[str] = field(default_factory=list)
    #: None: not sent, the API's default applies.
    temperature: float | None = None
    #: The `thinking` object, already checked against the model; None: no thinking.
    thinking: dict[str, Any] | None = None

    def request_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "messages": self.messages,
        }
        if self.system.strip():
            body["system"] = self.system
        if self.thinking is not None:
            body["thinking"] = self.thinking
        elif self.temperature is not None:
            # The API refuses a temperature alongside thinking, so it goes only without.
            body["temperature"] = self.temperature
        return body
