"""MCP servers over stdio, against a real child process (tests/mcp_server.py): the handshake,
paginated tools, calls that work, fail, are cancelled, time out or crash the server, env
passing, list_changed, and a shutdown that leaves no process behind."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from claude_desktop.domain import tool_loop
from claude_desktop.domain.mcp.client import McpClient
from claude_desktop.domain.mcp.config import McpConfigError, ServerConfig
from claude_desktop.domain.mcp.servers import McpServers, ServerState
from claude_desktop.domain.mcp.shell_path import forget_cached_path, login_shell_path
from claude_desktop.domain.mcp.stdio import StdioTransport
from claude_desktop.domain.tool_loop import ToolCall

SERVER = str(Path(__file__).parents[1] / "mcp_server.py")


@pytest.fixture
def events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "events.txt"
    monkeypatch.setenv("MCP_TEST_EVENTS", str(path))
    return path


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def pids(path: Path) -> list[int]:
    return [int(line.split()[1]) for line in lines(path) if line.startswith("pid ")]


def reasons(path: Path) -> list[str]:
    """The reasons given in the notifications/cancelled the server received."""
    return [line.split(" ", 2)[2] for line in lines(path) if line.startswith("reason ")]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes only once reaped; asyncio reaps its children.
    return True


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 (the server's events are in a file)
            await asyncio.sleep(0.02)


def server(name: str = "test", **options: Any) -> ServerConfig:
    return ServerConfig(name, command=sys.executable, args=(SERVER,), **options)


def run(body: Callable[[McpServers], Awaitable[None]], *configs: ServerConfig) -> None:
    async def go() -> None:
        manager = await McpServers.start(configs or [server()], restart_delays=(0.05, 0.1))
        try:
            await body(manager)
        finally:
            await manager.close()

    asyncio.run(go())


def test_handshake_and_both_pages_of_tools(events: Path) -> None:
    async def body(manager: McpServers) -> None:
        tools = await manager.tools()
        assert [t.name for t in tools] == [
            "test__echo", "test__fail", "test__slow",
            "test__crash", "test__env", "test__picture", "test__grow",
        ]  # fmt: skip
        echo = tools[0]
        assert echo.server == "test" and echo.title == "echo" and echo.read_only
        assert echo.input_schema["properties"]["text"] == {"type": "string"}
        assert echo.api_form() == {
            "name": "test__echo",
            "description": "Says back its text.",
            "input_schema": echo.input_schema,
        }
        [status] = manager.status()
        assert status.state is ServerState.READY and status.tools == 7
        assert status.describe() == "ready, 7 tools"
        assert "test server starting" in status.log
        # The server's ping was answered; its log notification was ignored.
        await until(lambda: "pong" in lines(events))

    run(body)


def test_a_call_and_a_failing_call(events: Path) -> None:
    async def body(manager: McpServers) -> None:
        outcome = await manager.call("test__echo", {"text": "héllo"})
        assert outcome.content == [{"type": "text", "text": "héllo"}]
        assert not outcome.is_error
        failed = await manager.call("test__fail", {})
        assert failed.is_error
        assert failed.content == [{"type": "text", "text": "the tool failed on purpose"}]
        picture = await manager.call("test__picture", {})
        assert picture.content[0] == {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
        }
        unknown = await manager.call("test__nope", {})
        assert unknown.is_error

    run(body)


def test_cancelling_a_call_tells_the_server(events: Path) -> None:
    async def body(manager: McpServers) -> None:
        await manager.tools()
        call = asyncio.create_task(manager.call("test__slow", {}))
        await until(lambda: any(line.startswith("slow ") for line in lines(events)))
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        [slow] = [line.split()[1] for line in lines(events) if line.startswith("slow ")]
        await until(lambda: f"cancelled {slow}" in lines(events))
        await until(lambda: f"reason {slow} cancelled by the user" in lines(events))
        # The server is still there for the next call.
        assert (await manager.call("test__echo", {"text": "still here"})).content[0]["text"] == (
            "still here"
        )

    run(body)


def test_a_call_over_its_timeout_is_an_error_and_cancelled(events: Path) -> None:
    async def body(manager: McpServers) -> None:
        [*_, slow, _, _, _, _] = await manager.tools()
        assert slow.timeout == 0.3
        outcome = await manager.call("test__slow", {})
        assert outcome.is_error
        assert outcome.content == [{"type": "text", "text": "The tool timed out after 0.3 s."}]
        await until(lambda: any(line.startswith("cancelled ") for line in lines(events)))
        assert reasons(events) == ["timed out after 0.3 s"]

    run(body, server(timeout=0.3))


def test_a_call_the_tool_loop_times_out_tells_the_server_it_timed_out(events: Path) -> None:
    """The turn's own timeout and the client's both come from the server's: whichever fires,
    the server hears that the call timed out, not that someone cancelled it."""

    async def body(manager: McpServers) -> None:
        slow = next(spec for spec in await manager.tools() if spec.title == "slow")
        block = await tool_loop.run_call(ToolCall("toolu_1", slow.name, {}, slow), manager)
        assert block["is_error"] is True
        assert block["content"] == [{"type": "text", "text": "The tool timed out after 0.3 s."}]
        await until(lambda: any(line.startswith("reason ") for line in lines(events)))
        assert reasons(events) == ["timed out after 0.3 s"]

    run(body, server(timeout=0.3))


def test_a_crash_mid_call_is_an_error_then_the_server_restarts(events: Path) -> None:
    async def body(manager: McpServers) -> None:
        await manager.tools()
        outcome = await manager.call("test__crash", {})
        assert outcome.is_error
        assert "stopped during the call" in outcome.content[0]["text"]
        assert "exited with code 3" in outcome.content[0]["text"]
        await until(lambda: len(pids(events)) == 2)
        await manager.wait_started(10)
        [status] = manager.status()
        assert status.state is ServerState.READY
        assert (await manager.call("test__echo", {"text": "back"})).content[0]["text"] == "back"

    run(body)


def test_a_server_that_keeps_crashing_stays_failed(events: Path) -> None:
    async def body(manager: McpServers) -> None:
        await until(lambda: len(pids(events)) == 3)
        await until(lambda: manager.status()[0].state is ServerState.FAILED)
        await manager.wait_started(10)
        [status] = manager.status()
        assert status.state is ServerState.FAILED
        assert status.error == "the server exited with code 4"
        assert await manager.tools() == []
        assert len(pids(events)) == 3  # restarted twice (two delays), then left alone

    run(body, server(env={"MCP_TEST_EXIT_WHEN_LISTED": "1"}))


def test_the_servers_env_is_passed_over_ours(events: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCP_TEST_SHARED", "from the app")

    async def body(manager: McpServers) -> None:
        token = await manager.call("test__env", {"name": "MCP_TEST_TOKEN"})
        assert token.content[0]["text"] == "secret-ish"
        shared = await manager.call("test__env", {"name": "MCP_TEST_SHARED"})
        assert shared.content[0]["text"] == "from the app"

    run(body, server(env={"MCP_TEST_TOKEN": "secret-ish"}))


def test_list_changed_refreshes_the_tools(events: Path) -> None:
    async def body(manager: McpServers) -> None:
        assert "test__grown" not in [t.name for t in await manager.tools()]
        await manager.call("test__grow", {})

        async def grown() -> bool:
            return "test__grown" in [t.name for t in await manager.tools()]

        async with asyncio.timeout(10):
            while not await grown():  # noqa: ASYNC110 (the refresh has no signal)
                await asyncio.sleep(0.02)

    run(body)


def test_disabled_servers_and_tools_are_left_out(events: Path) -> None:
    async def body(manager: McpServers) -> None:
        names = [t.name for t in await manager.tools()]
        assert "test__fail" not in names and "test__echo" in names
        assert all(not n.startswith("off__") for n in names)
        assert {s.name: s.state for s in manager.status()}["off"] is ServerState.DISABLED
        manager.set_tool_enabled("test", "fail", True)
        manager.set_server_enabled("off", True)
        names = [t.name for t in await manager.tools()]
        assert "test__fail" in names and "off__echo" in names
        manager.set_server_enabled("off", False)
        await until(lambda: {s.name: s.state for s in manager.status()}["off"].value == "disabled")
        assert "off__echo" not in [t.name for t in await manager.tools()]

    run(body, server(disabled_tools=frozenset({"fail"})), server("off", enabled=False))


def test_a_server_that_cannot_start_fails_in_one_sentence(events: Path) -> None:
    async def body(manager: McpServers) -> None:
        names = [t.name for t in await manager.tools()]
        assert names and all(n.startswith("test__") for n in names)
        states = {s.name: s for s in manager.status()}
        assert states["missing"].state is ServerState.FAILED
        assert states["missing"].error == (
            "the command 'no-such-mcp-server-command' was not found on the PATH"
        )
        assert states["exits"].state is ServerState.FAILED
        assert "boom" in states["exits"].log

    run(
        body,
        server(),
        ServerConfig("missing", command="no-such-mcp-server-command"),
        ServerConfig("exits", command=sys.executable, args=("-c", "import sys; sys.exit('boom')")),
    )


def test_shutdown_leaves_no_process(events: Path) -> None:
    async def body(manager: McpServers) -> None:
        await manager.tools()

    run(body, server(), server("second"))
    assert len(pids(events)) == 2
    assert not any(alive(pid) for pid in pids(events))
    assert lines(events).count("stdin closed") == 2  # each ended on its own, from stdin


def test_a_server_that_ignores_stdin_is_killed(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    script = (
        "import os, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    )

    async def go() -> None:
        transport = StdioTransport(sys.executable, ["-c", script], grace=0.2)
        await transport.open(lambda message: None, lambda reason: None)
        await until(lambda: pid_file.exists() and pid_file.read_text() != "")
        await transport.close()

    asyncio.run(go())
    assert not alive(int(pid_file.read_text()))


def test_noise_on_stdout_is_kept_with_the_log(
    events: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCP_TEST_NOISY_STDOUT", "1")

    async def go() -> None:
        client = McpClient(StdioTransport(sys.executable, [SERVER]))
        await client.connect()
        assert client.server_info == {"name": "test-server", "version": "1"}
        assert client.protocol_version == "2025-11-25"
        assert len(await client.list_tools()) == 7
        assert "a banner a badly written server prints to stdout" in client.transport.log_tail()
        await client.close()

    asyncio.run(go())


def test_the_login_shell_path_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shell = tmp_path / "fake-shell"
    shell.write_text(
        '#!/bin/sh\necho "a profile banner"\nPATH=/opt/from-profile/bin:$PATH\neval "$2"\n'
    )
    shell.chmod(0o755)
    monkeypatch.setenv("SHELL", str(shell))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    forget_cached_path()
    try:
        path = asyncio.run(login_shell_path())
        assert path == "/opt/from-profile/bin:/usr/bin:/bin"
        monkeypatch.setenv("SHELL", "/nonexistent/shell")
        assert asyncio.run(login_shell_path()) == path  # cached
        forget_cached_path()
        assert asyncio.run(login_shell_path()) == "/usr/bin:/bin"  # falls back to ours
    finally:
        forget_cached_path()


def test_configs_given_as_files(tmp_path: Path, events: Path) -> None:
    config = tmp_path / "servers.json"
    config.write_text(
        json.dumps({"mcpServers": {"files": {"command": sys.executable, "args": [SERVER]}}})
    )

    async def go() -> None:
        manager = await McpServers.start([str(config)])
        try:
            assert (await manager.call("files__echo", {"text": "from a file"})).content == [
                {"type": "text", "text": "from a file"}
            ]
        finally:
            await manager.close()
        with pytest.raises(McpConfigError, match=r"servers-missing\.json does not exist\.$"):
            await McpServers.start([config, tmp_path / "servers-missing.json"])

    asyncio.run(go())
    assert len(pids(events)) == 1  # the bad list started nothing


def test_a_server_enabled_again_while_it_is_still_stopping_starts_again(events: Path) -> None:
    """Off then on at once (a double click on its switch): the stop is still closing the
    process when the start comes. It must start a new one, not stay "ready" with none."""

    async def body(manager: McpServers) -> None:
        await manager.tools()
        first = pids(events)
        manager.set_server_enabled("test", False)
        manager.set_server_enabled("test", True)  # before the stop has finished
        await until(lambda: len(pids(events)) == 2 and alive(pids(events)[-1]))
        assert pids(events)[0] == first[0]
        assert "test__echo" in [t.name for t in await manager.tools()]
        assert {s.name: s.state for s in manager.status()}["test"] is ServerState.READY

    run(body)
