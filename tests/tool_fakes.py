"""A ToolProvider for tests: tools whose calls run test code (the MCP servers land apart)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from claude_desktop.domain.tools import ToolOutcome, ToolSpec

Run = Callable[[dict[str, Any]], Awaitable[ToolOutcome]]


def text_outcome(text: str, *, is_error: bool = False) -> ToolOutcome:
    return ToolOutcome([{"type": "text", "text": text}], is_error=is_error)


def spec(name: str, *, timeout: float = 300.0, server: str = "files") -> ToolSpec:
    schema = {"type": "object", "properties": {"path": {"type": "string"}}}
    title = name.split("__", 1)[-1]
    return ToolSpec(name, f"The {title} tool.", schema, server=server, title=title, timeout=timeout)


class FakeTools:
    """Tools by name, each run by a coroutine; records the calls, started and cancelled."""

    def __init__(self, tools: dict[str, tuple[ToolSpec, Run]]) -> None:
        self._tools = tools
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.cancelled: list[str] = []
        self.started = asyncio.Event()

    async def tools(self) -> list[ToolSpec]:
        return [spec for spec, _run in self._tools.values()]

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolOutcome:
        self.calls.append((name, arguments))
        self.started.set()
        try:
            return await self._tools[name][1](arguments)
        except asyncio.CancelledError:
            self.cancelled.append(name)
            raise


def replying(text: str) -> Run:
    async def run(arguments: dict[str, Any]) -> ToolOutcome:
        return text_outcome(text)

    return run


async def forever(arguments: dict[str, Any]) -> ToolOutcome:
    await asyncio.Event().wait()
    raise AssertionError("never")
