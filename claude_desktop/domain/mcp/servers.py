"""McpServers: every configured server, started in the background and kept running, offered
to a turn as one `ToolProvider` (tools named `<server>__<tool>`)."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import hashlib
import logging
import os
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from claude_desktop.api.errors import HumanError
from claude_desktop.domain.mcp.client import McpClient, McpError, Transport, error_outcome
from claude_desktop.domain.mcp.config import McpConfig, ServerConfig, load_config, resolve_headers
from claude_desktop.domain.mcp.shell_path import login_shell_path
from claude_desktop.domain.tools import ToolOutcome, ToolSpec

log = logging.getLogger(__name__)

MAX_NAME = 64
#: Seconds to wait before each restart after a crash or a failed start, in a row; then it
#: stays failed.
RESTART_DELAYS = (1.0, 2.0, 5.0, 15.0, 60.0)
START_TIMEOUT = 60.0
#: A server up this long (seconds) before it stopped gets its restarts counted afresh.
STABLE_AFTER = 60.0
_NOT_NAME = re.compile(r"[^A-Za-z0-9_-]")


class ServerState(enum.Enum):
    STARTING = "starting"
    READY = "ready"
    FAILED = "failed"
    DISABLED = "disabled"


@dataclass(frozen=True)
class ServerStatus:
    """What a person sees of a server: its state, its tools, why it failed, its last log."""

    name: str
    state: ServerState
    tools: int = 0
    error: str = ""
    log: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.state is ServerState.READY:
            return f"ready, {self.tools} tool{'s' if self.tools != 1 else ''}"
        if self.state is ServerState.FAILED:
            return f"failed: {self.error}"
        return str(self.state.value)


def api_tool_name(server: str, tool: str, taken: set[str] | None = None) -> str:
    """`<server>__<tool>` in the API's alphabet and length; shortened with a hash of the full
    name when too long or already taken, so the same pair always gets the same name."""
    name = _NOT_NAME.sub("_", f"{server}__{tool}")
    if len(name) <= MAX_NAME and (taken is None or name not in taken):
        return name
    digest = hashlib.sha256(f"{server}\0{tool}".encode()).hexdigest()[:8]
    return f"{name[: MAX_NAME - 9]}_{digest}"


@dataclass(frozen=True)
class ToolInfo:
    """One tool of a server as Settings → Tools lists it."""

    name: str
    description: str
    read_only: bool
    enabled: bool


def _read_only(tool: dict[str, Any]) -> bool:
    annotations = tool.get("annotations") or {}
    return bool(isinstance(annotations, dict) and annotations.get("readOnlyHint"))


def _same_process(old: ServerConfig, new: ServerConfig) -> bool:
    """Whether `new` can keep `old`'s running process: only what we decide on our side
    (enabled, disabled tools) differs."""
    return replace(old, enabled=True, disabled_tools=frozenset()) == replace(
        new, enabled=True, disabled_tools=frozenset()
    )


@dataclass
class _Server:
    config: ServerConfig
    state: ServerState = ServerState.STARTING
    error: str = ""
    client: McpClient | None = None
    transport: Transport | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)
    settled: asyncio.Event = field(default_factory=asyncio.Event)  # ready or failed
    task: asyncio.Task[None] | None = None
    refresh: asyncio.Task[None] | None = None


class McpServers:
    """The ToolProvider over all configured servers.

    `start` returns at once; each server connects in the background. `tools()` waits for
    servers still starting (up to their start timeout) and leaves out those that failed.
    """

    def __init__(
        self,
        servers: Sequence[ServerConfig],
        *,
        restart_delays: Sequence[float] = RESTART_DELAYS,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self._servers = {s.name: _Server(s) for s in servers}
        self._restart_delays = tuple(restart_delays)
        self._start_timeout = start_timeout
        self._names: dict[str, tuple[str, str]] = {}  # API name -> (server, tool)
        self._specs: dict[str, ToolSpec] = {}
        self._closing = False

    @classmethod
    async def start(
        cls, configs: Iterable[McpConfig | ServerConfig | str | os.PathLike[str]], **options: Any
    ) -> McpServers:
        """Start every enabled server of the configs (a later file's server of the same name
        replaces an earlier one's) in the background. A config given as a path is read first:
        a missing or malformed file raises McpConfigError naming it, before anything starts.
        Call `close` when done: it ends every server's process."""
        merged: dict[str, ServerConfig] = {}
        for item in configs:
            if isinstance(item, str | os.PathLike):
                item = load_config(Path(item))
            for server in item.servers if isinstance(item, McpConfig) else [item]:
                merged[server.name] = server
        manager = cls(list(merged.values()), **options)
        for entry in manager._servers.values():
            manager._launch(entry)
        return manager

    # -- state ------------------------------------------------------------------------------

    def status(self) -> list[ServerStatus]:
        return [self._status(s) for s in self._servers.values()]

    def _status(self, server: _Server) -> ServerStatus:
        log_tail = tuple(server.transport.log_tail()) if server.transport else ()
        return ServerStatus(
            server.config.name, server.state, len(server.tools), server.error, log_tail
        )

    async def wait_started(self, seconds: float | None = None) -> None:
        """Until every enabled server is ready or failed (or `seconds` pass)."""
        waits = [s.settled.wait() for s in self._servers.values() if s.config.enabled]
        if waits:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*waits), seconds)

    def set_server_enabled(self, name: str, enabled: bool) -> None:
        server = self._servers[name]
        server.config = replace(server.config, enabled=enabled)
        if enabled and server.task is None:
            self._start_again(server)
        elif enabled and server.task is not None and server.task.cancelling():
            # Still stopping (closing its process): start again once it has stopped.
            server.state, server.error = ServerState.STARTING, ""
            server.settled.clear()
            server.task.add_done_callback(lambda _task: self._start_again(server))
        elif not enabled and server.task is not None:
            server.task.cancel()

    def _start_again(self, server: _Server) -> None:
        if server.task is not None or not server.config.enabled or self._closing:
            return
        server.state, server.error = ServerState.STARTING, ""
        server.settled.clear()
        self._launch(server)

    def set_tool_enabled(self, server_name: str, tool: str, enabled: bool) -> None:
        server = self._servers[server_name]
        off = set(server.config.disabled_tools)
        off.discard(tool) if enabled else off.add(tool)
        server.config = replace(server.config, disabled_tools=frozenset(off))

    def configs(self) -> list[ServerConfig]:
        """The servers as configured now, in their order."""
        return [s.config for s in self._servers.values()]

    def server_tools(self, name: str) -> list[ToolInfo]:
        """The tools a server listed (none until it is ready), each with whether it is on."""
        server = self._servers.get(name)
        if server is None:
            return []
        return [
            ToolInfo(
                str(tool.get("name")),
                str(tool.get("description") or tool.get("title") or ""),
                _read_only(tool),
                str(tool.get("name")) not in server.config.disabled_tools,
            )
            for tool in server.tools
        ]

    async def apply(self, servers: Sequence[ServerConfig]) -> None:
        """Make the running servers those of `servers` (an edited or reloaded config file):
        a removed server stops, an added one starts, a changed one restarts; one whose only
        change is its list of disabled tools keeps running, and one enabled or disabled
        starts or stops. Returns once the stopped ones have ended."""
        wanted = {s.name: s for s in servers}
        stopping: list[asyncio.Task[None]] = []
        kept: dict[str, _Server] = {}
        for name, server in self._servers.items():
            new = wanted.get(name)
            if new is not None and _same_process(server.config, new):
                kept[name] = server
            elif server.task is not None:
                server.task.cancel()
                stopping.append(server.task)
        if stopping:
            await asyncio.gather(*stopping, return_exceptions=True)
        self._servers = {}
        for name, config in wanted.items():
            running = kept.get(name)
            if running is None:
                self._servers[name] = fresh = _Server(config)
                self._launch(fresh)
                continue
            self._servers[name] = running
            enabled_before = running.config.enabled
            running.config = replace(config, enabled=enabled_before)
            if config.enabled != enabled_before:
                self.set_server_enabled(name, config.enabled)
        self._names = {}  # named afresh at the next tools()

    # -- ToolProvider -----------------------------------------------------------------------

    async def tools(self) -> list[ToolSpec]:
        await self.wait_started(self._start_timeout)
        specs: list[ToolSpec] = []
        taken: set[str] = set()
        names: dict[str, tuple[str, str]] = {}
        for server in self._servers.values():
            if server.state is not ServerState.READY:
                continue
            for tool in server.tools:
                title = str(tool["name"])
                if title in server.config.disabled_tools:
                    continue
                name = api_tool_name(server.config.name, title, taken)
                taken.add(name)
                names[name] = (server.config.name, title)
                schema = tool.get("inputSchema")
                specs.append(
                    ToolSpec(
                        name=name,
                        description=str(tool.get("description") or tool.get("title") or title),
                        # The API refuses a schema that is not an object's.
                        input_schema={**schema, "type": "object"}
                        if isinstance(schema, dict)
                        else {"type": "object"},
                        server=server.config.name,
                        title=title,
                        read_only=_read_only(tool),
                        timeout=server.config.timeout,
                    )
                )
        self._names = names
        self._specs = {spec.name: spec for spec in specs}
        return specs

    def spec_for(self, name: str) -> ToolSpec | None:
        """The tool offered as `name` at the last `tools()` (its server, title, hints)."""
        return self._specs.get(name)

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolOutcome:
        if name not in self._names:
            await self.tools()
        found = self._names.get(name)
        if found is None:
            return error_outcome(f"There is no tool named {name}.")
        server = self._servers[found[0]]
        if server.state is ServerState.STARTING:  # restarting after a crash
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.settled.wait(), self._start_timeout)
        client = server.client
        if server.state is not ServerState.READY or client is None:
            why = f": {server.error}" if server.error else ""
            return error_outcome(f"The MCP server {found[0]} is not running{why}.")
        return await client.call_tool(found[1], arguments, server.config.timeout)

    # -- life -------------------------------------------------------------------------------

    async def close(self) -> None:
        """Stop every server and wait until each process has ended."""
        self._closing = True
        tasks = [s.task for s in self._servers.values() if s.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _launch(self, server: _Server) -> None:
        if server.config.enabled and not self._closing:
            server.task = asyncio.get_running_loop().create_task(self._keep_running(server))
        else:
            server.state = ServerState.DISABLED
            server.settled.set()

    async def _keep_running(self, server: _Server) -> None:
        """Connect; when the server goes away, restart it after a growing delay."""
        name = server.config.name
        failures = 0
        try:
            while True:
                uptime = await self._run_once(server)
                # A server that crashes soon after each start is failing, not being unlucky.
                failures = 0 if uptime >= STABLE_AFTER else failures + 1
                if self._closing:
                    return
                if failures > len(self._restart_delays):
                    server.state = ServerState.FAILED  # given up on: it says why
                    return
                delay = self._restart_delays[max(failures - 1, 0)]
                log.info("MCP server %s: restarting in %s s", name, delay)
                await asyncio.sleep(delay)
                server.state = ServerState.STARTING
        except asyncio.CancelledError:
            if not server.config.enabled:
                server.state = ServerState.DISABLED
            raise
        finally:
            server.task = None
            server.settled.set()

    async def _run_once(self, server: _Server) -> float:
        """One life of the server's connection: the seconds it was ready (-1: never)."""
        name = server.config.name
        client: McpClient | None = None
        try:
            server.transport = await self._transport(server.config)
            client = McpClient(server.transport, name=name)
            await client.connect(seconds=self._start_timeout)
            server.tools = await client.list_tools(seconds=self._start_timeout)
            client.on_tools_changed = lambda: self._refresh(server)
            server.client, server.state, server.error = client, ServerState.READY, ""
            server.settled.set()
            log.info("MCP server %s: ready, %d tools", name, len(server.tools))
            ready_at = time.monotonic()
            await client.lost.wait()
            server.error = client.lost_reason
            server.state = ServerState.STARTING
            server.settled.clear()
            log.warning("MCP server %s stopped: %s", name, client.lost_reason)
            return time.monotonic() - ready_at
        except (HumanError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "human", "") or f"it did not answer ({type(exc).__name__})"
            if client is not None and client.lost.is_set() and client.lost_reason:
                reason = client.lost_reason
            server.state, server.error = ServerState.FAILED, reason
            server.settled.set()
            log.warning("MCP server %s failed to start: %s", name, reason)
            return -1.0
        finally:
            server.client = None
            if client is not None:
                await asyncio.shield(client.close())
            elif server.transport is not None:
                await asyncio.shield(server.transport.close())

    async def _transport(self, config: ServerConfig) -> Transport:
        if config.remote:
            if config.type == "sse":
                raise McpError("the older HTTP+SSE transport is not supported; use streamable HTTP")
            from claude_desktop.domain.mcp.streamable_http import StreamableHttpTransport

            headers = await asyncio.to_thread(resolve_headers, config)
            return StreamableHttpTransport(config.url, headers, name=config.name)
        from claude_desktop.domain.mcp.stdio import StdioTransport

        path = await login_shell_path()
        return StdioTransport(config.command, config.args, config.env, path=path, name=config.name)

    def _refresh(self, server: _Server) -> None:
        """notifications/tools/list_changed: fetch the list again."""

        async def refresh() -> None:
            client = server.client
            if client is None:
                return
            try:
                server.tools = await client.list_tools(seconds=self._start_timeout)
            except (McpError, TimeoutError) as exc:
                log.warning(
                    "MCP server %s: could not refresh its tools: %s", server.config.name, exc
                )

        if server.refresh is None or server.refresh.done():
            server.refresh = asyncio.get_running_loop().create_task(refresh())
