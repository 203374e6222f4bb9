"""The stdio transport: the server is a child process; newline-delimited JSON-RPC on its
stdin and stdout, its log on stderr (the last lines are kept to show a person)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import shutil
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from claude_desktop.domain.mcp.client import McpConnectionLost, McpError, Message

log = logging.getLogger(__name__)

#: The longest line read from a server (a tool result with images is one line).
MAX_LINE = 64 * 1024 * 1024
LOG_LINES = 50
_POSIX = not sys.platform.startswith("win")


class StdioTransport:
    """One long-lived child process."""

    def __init__(
        self,
        command: str,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        *,
        path: str | None = None,
        name: str = "",
        grace: float = 2.0,
    ) -> None:
        self.command = command
        self.args = list(args)
        self.env = dict(env or {})
        self.path = path  # PATH to find the command on and give the child (else ours)
        self.name = name
        self.grace = grace  # seconds to wait at each step of shutdown
        self.process: asyncio.subprocess.Process | None = None
        self._log: collections.deque[str] = collections.deque(maxlen=LOG_LINES)
        self._tasks: list[asyncio.Task[None]] = []
        self._write_lock = asyncio.Lock()
        self._lost: Callable[[str], None] | None = None

    def log_tail(self) -> list[str]:
        return list(self._log)

    async def open(self, deliver: Callable[[Message], None], lost: Callable[[str], None]) -> None:
        env = {**os.environ}
        if self.path is not None:
            env["PATH"] = self.path
        env.update(self.env)  # the server's own env wins, PATH included
        executable = shutil.which(self.command, path=env.get("PATH")) or self.command
        try:
            self.process = await asyncio.create_subprocess_exec(
                executable,
                *self.args,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                limit=MAX_LINE,
                # Its own process group: Ctrl-C in a terminal does not reach it behind our
                # back, and shutdown can end what it started (npx starts node).
                start_new_session=_POSIX,
            )
        except FileNotFoundError:
            raise McpError(f"the command {self.command!r} was not found on the PATH") from None
        except PermissionError:
            raise McpError(f"the command {self.command!r} cannot be run (permission)") from None
        except OSError as exc:
            raise McpError(f"the command {self.command!r} could not start ({exc})") from None
        self._lost = lost
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._read(deliver)),
            loop.create_task(self._read_log()),
        ]

    async def send(self, message: Message) -> None:
        process = self.process
        if process is None or process.stdin is None or process.returncode is not None:
            raise McpConnectionLost("the server is not running")
        line = json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n"
        async with self._write_lock:
            try:
                process.stdin.write(line.encode("utf-8"))
                await process.stdin.drain()
            except OSError as exc:  # a broken pipe, mostly: it ended
                raise McpConnectionLost("the server closed its input") from exc

    async def _read(self, deliver: Callable[[Message], None]) -> None:
        process = self.process
        assert process is not None and process.stdout is not None
        stdout = process.stdout
        reason = "the server ended"
        try:
            while line := await stdout.readline():
                try:
                    message = json.loads(line)
                except ValueError:
                    # Servers that print to stdout by mistake: keep it with the log.
                    self._log.append(line.decode("utf-8", "replace").rstrip())
                    continue
                if isinstance(message, dict):
                    deliver(message)
        except (ValueError, asyncio.LimitOverrunError):
            reason = "the server sent a message over the size limit"
        except OSError as exc:
            reason = f"reading from the server failed ({exc})"
        if process.returncode is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), self.grace)
        code = process.returncode
        if code is not None and reason == "the server ended":
            reason = f"the server exited with code {code}"
        if self._lost is not None:
            self._lost(reason)

    async def _read_log(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        stderr = self.process.stderr
        try:
            while line := await stderr.readline():
                text = line.decode("utf-8", "replace").rstrip()
                self._log.append(text)
                log.debug("MCP %s: %s", self.name, text)
        except (ValueError, OSError):
            pass

    async def close(self) -> None:
        """Close stdin, wait; then terminate, wait; then kill. No process is left behind."""
        process = self.process
        if process is None:
            return
        if process.stdin is not None and not process.stdin.is_closing():
            process.stdin.close()
        await self._wait()
        if process.returncode is None:
            _signal(process, signal.SIGTERM)
            await self._wait()
        if process.returncode is None:
            if _POSIX:
                _signal(process, signal.SIGKILL)
            else:
                process.kill()
            await process.wait()
        if _POSIX:
            # Whatever it started in its group (npx's node) goes with it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.process = None  # closed: a second close must not signal a reused pid

    async def _wait(self) -> None:
        assert self.process is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.process.wait(), self.grace)


def _signal(process: asyncio.subprocess.Process, sig: Any) -> None:
    try:
        if _POSIX:
            os.killpg(process.pid, sig)
        else:
            process.terminate()
    except (ProcessLookupError, PermissionError):
        pass
