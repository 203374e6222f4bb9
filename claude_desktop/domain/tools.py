"""Tools a turn can offer Claude: what each is, and how a call of one is run.

The turn runner offers the tools of a ToolProvider, runs the calls Claude makes through it, and
sends the results back; MCP servers are one provider, a test's fake another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ToolSpec:
    """One tool as the API is told of it, and where it comes from."""

    name: str  # as the API sees it: `<server>__<tool>`, letters, digits, _ and -, <= 64 chars
    description: str
    input_schema: dict[str, Any]
    server: str = ""  # the MCP server's name ("" for the app's own)
    title: str = ""  # the tool's own name on its server, for people
    read_only: bool = False  # the server marked it readOnlyHint
    timeout: float = 300.0  # seconds a call may take

    def api_form(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.input_schema,
        }


@dataclass
class ToolOutcome:
    """What a call gave: tool_result content blocks (text, image), and whether it failed."""

    content: list[dict[str, Any]] = field(default_factory=list)
    is_error: bool = False


class ToolProvider(Protocol):
    async def tools(self) -> list[ToolSpec]:
        """The enabled tools now (servers that failed to start are left out)."""
        ...

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolOutcome:
        """Run one call; cancelling the task cancels the call (MCP notifications/cancelled).
        Never raises for a tool's own failure: that is ToolOutcome(is_error=True)."""
        ...
