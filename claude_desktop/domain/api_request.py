"""One request to the Messages API: the branch's messages in API form, model and settings.

Built from the history for each turn (`request_messages.request_for`); nothing keeps
it afterwards, the history does. The tools it offers are the turn's: the client tools of
a ToolProvider (added by the turn runner) and Anthropic's server tools, switched per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .cache_breakpoints import with_prefix_breakpoint

MessageParam = dict[str, Any]

#: Anthropic's server tools as a request offers them: run by the API, results streamed back.
WEB_SEARCH_TOOL: dict[str, Any] = {
    "type": "web_search_20250305",
    "name": "web_search",
    "max_uses": 5,
}
WEB_FETCH_TOOL: dict[str, Any] = {"type": "web_fetch_20250910", "name": "web_fetch", "max_uses": 5}
#: The beta web fetch still needs on some deployments; harmless where it is generally available.
WEB_FETCH_BETA = "web-fetch-2025-09-10"


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
    #: Client tools offered, in API form (`ToolSpec.api_form()`); run by the app.
    tools: list[dict[str, Any]] = field(default_factory=list)
    #: Offer Anthropic's web search / web fetch server tools.
    web_search: bool = False
    web_fetch: bool = False
    #: Ask the prompt cache to keep tools and system (when they are long enough to be
    #: cached): set by `build_request`, with the messages' breakpoints.
    cache_prefix: bool = False

    def offered_tools(self) -> list[dict[str, Any]]:
        """Every tool definition the request carries: the app's, then the server tools."""
        tools = [dict(t) for t in self.tools]
        if self.web_search:
            tools.append(dict(WEB_SEARCH_TOOL))
        if self.web_fetch:
            tools.append(dict(WEB_FETCH_TOOL))
        return tools

    def request_betas(self) -> list[str]:
        """`betas` plus those the offered server tools need."""
        betas = list(self.betas)
        if self.web_fetch and WEB_FETCH_BETA not in betas:
            betas.append(WEB_FETCH_BETA)
        return betas

    def request_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "messages": self.messages,
        }
        tools = self.offered_tools()
        system: str | list[dict[str, Any]] = self.system
        if self.cache_prefix:
            tools, system = with_prefix_breakpoint(tools, self.system)
        if system and (not isinstance(system, str) or system.strip()):
            body["system"] = system
        if self.thinking is not None:
            body["thinking"] = self.thinking
        elif self.temperature is not None:
            # The API refuses a temperature alongside thinking, so it goes only without.
            body["temperature"] = self.temperature
        if tools:
            body["tools"] = tools
        return body
