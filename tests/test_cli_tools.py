"""`ask` with tools: --allow-tools, the y/N prompt on a terminal, refusal when piped,
--web-search's sources, --mcp-config's usage errors. In-process with a fake ToolProvider
(the MCP servers land apart), against the loopback API's tool scenarios."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from claude_desktop import cli
from claude_desktop.domain.mcp.config import McpConfigError
from claude_desktop.domain.settings import Settings
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, Step, ToolScenario
from tests.test_cli import TIMEOUT, ask_env
from tests.tool_fakes import FakeTools, replying, spec

READ = "files__read_file"


def call_step() -> Step:
    call = sse.tool_use_block(READ, "toolu_1", ['{"path": ', '"notes.md"}'])
    return Step([sse.text_block("Let me look."), call], "tool_use")


def run_ask(
    api: FakeAnthropicAPI,
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    tools: FakeTools | None = None,
    interactive: bool = False,
    answers: list[str] | None = None,
) -> tuple[int, str, str]:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
    args = cli.build_parser().parse_args(["ask", *argv])
    out, err = io.StringIO(), io.StringIO()
    replies = iter(answers or [])

    def read_line() -> str:
        return next(replies, "")

    code = asyncio.run(
        cli.ask(
            args,
            "sk-ant-cli-test",
            out,
            err,
            Settings.load(),
            tools=tools,
            interactive=interactive,
            read_line=read_line,
        )
    )
    return code, out.getvalue(), err.getvalue()


def notes_tools() -> FakeTools:
    return FakeTools({READ: (spec(READ), replying("hello from notes.md"))})


def test_allow_tools_runs_every_call(
    fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = ToolScenario(call_step(), Step([sse.text_block("It says hello.")]))
    scenario.enqueue_on(fake_api)
    provider = notes_tools()
    code, out, err = run_ask(fake_api, monkeypatch, "--allow-tools", "Read it", tools=provider)
    assert code == 0, err
    assert scenario.rejections == []
    assert provider.calls == [(READ, {"path": "notes.md"})]
    # The answer alone on stdout, the steps' text apart; the activity on stderr.
    assert out == "Let me look.\n\nIt says hello.\n"
    assert err.splitlines() == ['→ files__read_file {"path": "notes.md"}', "← 19 chars"]


def test_without_a_terminal_each_call_is_refused(
    fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = ToolScenario(call_step(), Step([sse.text_block("I was not allowed.")]))
    scenario.enqueue_on(fake_api)
    provider = notes_tools()
    code, out, err = run_ask(fake_api, monkeypatch, "Read it", tools=provider)
    assert code == 0 and provider.calls == []
    assert "Refused files__read_file: no terminal to ask on (run with --allow-tools" in err
    assert "← error: This tool call was not allowed" in err
    sent = scenario.requests[1]["messages"][-1]["content"][0]
    assert sent["is_error"] is True and "not allowed" in sent["content"][0]["text"]
    assert out == "Let me look.\n\nI was not allowed.\n"


def test_on_a_terminal_each_call_is_asked_y_n(
    fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = [
        sse.tool_use_block(READ, "toolu_1", ['{"path": "a.md"}']),
        sse.tool_use_block(READ, "toolu_2", ['{"path": "b.md"}']),
    ]
    scenario = ToolScenario(Step(calls, "tool_use"), Step([sse.text_block("Read a.")]))
    scenario.enqueue_on(fake_api)
    provider = notes_tools()
    code, _out, err = run_ask(
        fake_api, monkeypatch, "Read both", tools=provider, interactive=True, answers=["y\n", "\n"]
    )
    assert code == 0 and scenario.rejections == []
    assert provider.calls == [(READ, {"path": "a.md"})]
    assert 'Allow files__read_file {"path": "a.md"}? [y/N] ' in err
    assert 'Allow files__read_file {"path": "b.md"}? [y/N] ' in err
    results = scenario.requests[1]["messages"][-1]["content"]
    assert [r.get("is_error", False) for r in results] == [False, True]


def test_web_search_prints_the_sources_with_their_urls(
    fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = ToolScenario(Step(sse.web_search_answer(), web_search_requests=1))
    scenario.enqueue_on(fake_api)
    code, out, err = run_ask(fake_api, monkeypatch, "--web-search", "What is SSE?")
    assert code == 0, err
    assert scenario.requests[0]["tools"][0]["type"] == "web_search_20250305"
    assert out == (
        "I'll search for that.\n\nIn short: SSE streams events over one HTTP response, and"
        " browsers read it with EventSource.\n"
        "\n"
        "Sources:\n"
        '[1] Server-sent events explained, https://example.org/sse: "SSE streams events over'
        ' HTTP."\n'
        '[2] The EventSource spec, https://example.com/spec: "Use EventSource to read it."\n'
    )
    assert '→ web_search {"query": "server-sent events"}' in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # One line, from the one parser the app uses too (domain.mcp.config).
        (
            '{"mcpServers": [',
            "The MCP config file {bad} is not valid JSON (line 1, column 17: Expecting value).\n",
        ),
        (
            '{"mcpServers": {"notes": {"args": ["x"]}}}',
            'The MCP config file {bad}: server "notes" needs a "command" to run'
            ' (or a "url" for a remote server).\n',
        ),
    ],
    ids=["malformed file", "bad server entry"],
)
def test_a_bad_mcp_config_is_a_usage_error_naming_the_file_before_anything_starts(
    fake_api: FakeAnthropicAPI, tmp_path: Path, text: str, expected: str
) -> None:
    bad = tmp_path / "servers.json"
    bad.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "claude_desktop", "ask", "--mcp-config", str(bad), "Hi"],
        env=ask_env(fake_api),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 2
    assert result.stderr == expected.format(bad=bad)
    assert not fake_api.requests


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[]", 'must be a JSON object with "mcpServers" in it.'),
        ('{"mcpServers": []}', ': "mcpServers" must be an object of servers by name.'),
        (None, "does not exist."),
    ],
)
def test_mcp_config_checks(tmp_path: Path, text: str | None, expected: Any) -> None:
    path = tmp_path / "c.json"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(McpConfigError) as caught:
        cli.load_tool_configs([path])
    assert caught.value.human in (
        f"The MCP config file {path} {expected}",
        f"The MCP config file {path}{expected}",
    )
    good = tmp_path / "good.json"
    good.write_text('{"mcpServers": {"a": {"command": "x"}}}', encoding="utf-8")
    [config] = cli.load_tool_configs([good])
    assert [server.name for server in config.servers] == ["a"]
    assert cli.load_tool_configs([]) == []


MCP_SERVER = str(Path(__file__).parent / "mcp_server.py")


def mcp_config(tmp_path: Path, servers: dict[str, Any]) -> str:
    path = tmp_path / "servers.json"
    path.write_text(json.dumps({"mcpServers": servers}), encoding="utf-8")
    return str(path)


def test_mcp_config_servers_are_offered_and_called_for_real(
    fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A real stdio MCP server as a child process, named in a config file given to ask.
    config = mcp_config(
        tmp_path,
        {
            "notes": {"command": sys.executable, "args": [MCP_SERVER]},
            "broken": {"command": str(tmp_path / "no-such-server")},
        },
    )
    call = sse.tool_use_block("notes__echo", "toolu_1", ['{"text": "hi"}'])
    scenario = ToolScenario(Step([call], "tool_use"), Step([sse.text_block("The server said hi.")]))
    scenario.enqueue_on(fake_api)
    code, out, err = run_ask(
        fake_api, monkeypatch, "--allow-tools", "--mcp-config", config, "Echo hi"
    )
    assert code == 0, err
    assert scenario.rejections == []
    offered = [tool["name"] for tool in scenario.requests[0]["tools"]]
    assert "notes__echo" in offered and not any(n.startswith("broken__") for n in offered)
    result = scenario.requests[1]["messages"][-1]["content"][0]
    assert result["type"] == "tool_result" and not result.get("is_error")
    assert result["content"] == [{"type": "text", "text": "hi"}]
    assert out.endswith("The server said hi.\n")
    # The server that cannot start is named in one line; the question is answered anyway.
    assert any(line.startswith("The MCP server broken ") for line in err.splitlines())
    assert "Traceback" not in err
