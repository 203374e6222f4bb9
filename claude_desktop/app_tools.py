"""The app's MCP servers: started from their config file after the first paint, kept in step
with it (Settings → Tools writes it; a hand edit is applied while the app runs)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger("claude_desktop")


class AppTools:
    """The MCP servers of the app's config file, given to the window's turns once started,
    and kept in step with the file: Settings → Tools writes it through `save`, and a hand
    edit is noticed (`FileWatch`) and applied (`reload`). No MCP code is imported unless the
    file has servers in it."""

    def __init__(self, config_path: Path | None = None) -> None:
        from claude_desktop.domain import paths

        self.config_path = config_path or paths.mcp_config_file()
        self.servers: Any = None  # McpServers, once a server is configured
        #: What is wrong with the config file, in one sentence, while something is.
        self.problem = ""
        #: Called after each change (servers applied, or the file found malformed).
        self.listeners: list[Callable[[], None]] = []
        self._window: Any = None
        self._applied: str | None = None  # the file's text the running servers are from
        self._lock = asyncio.Lock()
        self._watch: Any = None
        self.reloading: asyncio.Future[None] | None = None  # without a window (tests)

    async def start(self, window: Any) -> None:
        self._window = window
        self.watch()
        await self.reload()

    def watch(self) -> None:
        """Reload whenever the file changes (a hand edit, another app's import)."""
        from claude_desktop.ui.file_watch import FileWatch

        self._watch = FileWatch(self.config_path)
        self._watch.changed.connect(self._file_changed)

    def _file_changed(self) -> None:
        if self._window is not None:
            self._window.spawn(self.reload(), "reload-mcp-servers")
        else:
            self.reloading = asyncio.ensure_future(self.reload())

    async def reload(self) -> None:
        """Apply the file as it is now: changed servers restart, removed ones stop, added
        ones start. A malformed file is said in one sentence; the servers stay as they were."""
        async with self._lock:
            try:
                text = await asyncio.to_thread(_read_or_none, self.config_path)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                self._say_problem(
                    f"The MCP config file {self.config_path} cannot be read ({reason})."
                )
                return
            if text is None:
                text = ""  # removed: no servers
            if text == self._applied or (self.servers is None and not text.strip()):
                return
            from claude_desktop.domain.mcp.config import McpConfigError, parse_config

            try:
                config = parse_config(text, self.config_path)
            except McpConfigError as exc:
                self._say_problem(exc.human)
                return
            self.problem = ""
            self._applied = text
            await self._apply(list(config.servers))

    async def save(self, servers: list[Any]) -> None:
        """Settings → Tools: write `servers` (ServerConfigs) to the file, then apply them."""
        from claude_desktop.domain.mcp.config import config_text, write_config

        async with self._lock:
            await asyncio.to_thread(write_config, self.config_path, servers)
            self._applied = config_text(servers)
            self.problem = ""
            await self._apply(servers)

    def configs(self) -> list[Any]:
        """The servers as configured now (ServerConfigs)."""
        return [] if self.servers is None else self.servers.configs()

    async def _apply(self, servers: list[Any]) -> None:
        if self.servers is None:
            from claude_desktop.domain.mcp.servers import McpServers

            self.servers = await McpServers.start(servers)
            if self._window is not None:
                self._window.turns.tools = self.servers
        else:
            await self.servers.apply(servers)
        self._changed()

    def _say_problem(self, sentence: str) -> None:
        log.warning("The MCP servers were not changed: %s", sentence)
        self.problem = sentence
        if self._window is not None:
            running = "The servers keep running as they were." if self.servers else ""
            fallback = "No tools are offered until it is fixed."
            self._window.show_notice(f"{sentence} {running or fallback}")
        self._changed()

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener()

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.deleteLater()
            self._watch = None
        servers, self.servers = self.servers, None
        if servers is not None:
            try:
                await servers.close()
            except Exception as exc:  # the shutdown must still run
                log.error("Closing the MCP servers failed: %s", exc)


def _read_or_none(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise OSError("not UTF-8 text") from None
