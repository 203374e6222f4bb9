"""The MCP config file: parsing and its one-sentence errors, Claude Desktop's file found per
OS and imported (secrets to the keyring, never into our file), and tool names for the API."""

from __future__ import annotations

import json
import re
from pathlib import Path

import keyring
import pytest

from claude_desktop.domain.mcp.config import (
    KEYRING_VALUE,
    McpConfigError,
    ServerConfig,
    app_config_path,
    claude_desktop_config_path,
    import_claude_desktop,
    load_config,
    merge_configs,
    parse_config,
    resolve_headers,
)
from claude_desktop.domain.mcp.servers import api_tool_name
from tests.keyring_memory import FailingKeyring, MemoryKeyring

CLAUDE_DESKTOP = {
    "mcpServers": {
        "filesystem": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/notes"],
        },
        "github": {
            "command": "docker",
            "args": ["run", "-i", "ghcr.io/github/github-mcp-server"],
            "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_example"},
        },
        "linear": {
            "type": "http",
            "url": "https://mcp.linear.app/mcp",
            "headers": {"Authorization": "Bearer lin_secret_123", "X-Team": "core"},
        },
    },
    "globalShortcut": "Ctrl+Space",
}


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def test_both_kinds_of_server_are_read(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "c.json", CLAUDE_DESKTOP))
    fs, github, linear = config.servers
    assert fs == ServerConfig(
        "filesystem",
        command="npx",
        args=("-y", "@modelcontextprotocol/server-filesystem", "/home/me/notes"),
    )
    assert github.env == {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_example"}
    assert linear.remote and linear.type == "http" and linear.url.endswith("/mcp")
    assert fs.timeout == 300 and fs.enabled and not fs.disabled_tools


def test_our_own_keys() -> None:
    [server] = parse_config(
        '{"mcpServers": {"s": {"command": "x", "disabled": true, "timeout": 30,'
        ' "disabledTools": ["rm"]}}}'
    ).servers
    assert not server.enabled and server.timeout == 30 and server.disabled_tools == {"rm"}
    assert parse_config(json.dumps({"mcpServers": {"s": server.file_form()}})).servers == (server,)


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("{not json", "is not valid JSON (line 1, column 2: Expecting property name"),
        ("[1]", 'must be a JSON object with "mcpServers" in it.'),
        ('{"mcpServers": []}', '"mcpServers" must be an object of servers by name.'),
        ('{"mcpServers": {"a": 1}}', 'server "a" must be an object.'),
        ('{"mcpServers": {"a": {}}}', 'server "a" needs a "command" to run'),
        ('{"mcpServers": {"a": {"command": "x", "args": "y"}}}', 'server "a" has "args" that'),
        ('{"mcpServers": {"a": {"command": "x", "env": {"K": 1}}}}', 'server "a" has an "env"'),
        ('{"mcpServers": {"a": {"url": "ftp://x"}}}', 'server "a" has a "url" that is not'),
        ('{"mcpServers": {"a": {"url": "https://x", "type": "ws"}}}', "unknown \"type\" 'ws'"),
        ('{"mcpServers": {"a": {"command": "x", "url": "https://x"}}}', 'both "command" and'),
        ('{"mcpServers": {"a": {"command": "x", "timeout": 0}}}', '"timeout" that is not'),
    ],
)
def test_a_bad_file_is_one_sentence_naming_it(tmp_path: Path, text: str, sentence: str) -> None:
    path = write(tmp_path / "servers.json", text)
    with pytest.raises(McpConfigError) as caught:
        load_config(path)
    assert caught.value.human.startswith(f"The MCP config file {path}")
    assert sentence in caught.value.human
    assert "\n" not in caught.value.human


def test_a_missing_or_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(McpConfigError, match=r"does not exist\.$"):
        load_config(tmp_path / "nope.json")
    assert load_config(tmp_path / "nope.json", missing_ok=True).servers == ()
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(McpConfigError, match=r"cannot be read \(not UTF-8 text\)\.$"):
        load_config(binary)
    assert load_config(write(tmp_path / "empty.json", "  \n")).servers == ()


def test_a_later_file_replaces_a_server_of_the_same_name() -> None:
    first = parse_config('{"mcpServers": {"a": {"command": "one"}, "b": {"command": "b"}}}')
    second = parse_config('{"mcpServers": {"a": {"command": "two"}}}')
    assert [(s.name, s.command) for s in merge_configs(first, second)] == [
        ("a", "two"),
        ("b", "b"),
    ]


def test_claude_desktops_file_per_os(tmp_path: Path) -> None:
    home = Path("/home/me")
    name = "claude_desktop_config.json"
    assert claude_desktop_config_path(platform="darwin", home=home, environ={}) == (
        home / "Library/Application Support/Claude" / name
    )
    assert (
        claude_desktop_config_path(
            platform="win32", home=home, environ={"APPDATA": "C:/Users/me/AppData/Roaming"}
        )
        == Path("C:/Users/me/AppData/Roaming/Claude") / name
    )
    assert claude_desktop_config_path(platform="linux", home=home, environ={}) == (
        home / ".config/Claude" / name
    )
    assert (
        claude_desktop_config_path(platform="linux", home=home, environ={"XDG_CONFIG_HOME": "/x"})
        == Path("/x/Claude") / name
    )


def test_import_merges_and_moves_bearer_tokens_to_the_keyring(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    source = write(tmp_path / "Claude" / "claude_desktop_config.json", CLAUDE_DESKTOP)
    ours = app_config_path()
    write(ours, {"mcpServers": {"filesystem": {"command": "my-own-fs"}}})

    report = import_claude_desktop(source)

    assert report.added == ["github", "linear"]
    assert report.kept == ["filesystem"]
    assert report.secrets_in_keyring == ["linear: Authorization"]
    text = ours.read_text(encoding="utf-8")
    assert "lin_secret_123" not in text
    servers = {s.name: s for s in load_config(ours).servers}
    assert servers["filesystem"].command == "my-own-fs"
    assert servers["linear"].headers == {"Authorization": KEYRING_VALUE, "X-Team": "core"}
    assert resolve_headers(servers["linear"]) == {
        "Authorization": "Bearer lin_secret_123",
        "X-Team": "core",
    }
    # Importing again adds nothing and changes nothing.
    again = import_claude_desktop(source)
    assert again.added == [] and ours.read_text(encoding="utf-8") == text


def test_import_without_a_keyring_leaves_the_token_out(tmp_path: Path) -> None:
    keyring.set_keyring(FailingKeyring())
    source = write(tmp_path / "claude_desktop_config.json", CLAUDE_DESKTOP)
    report = import_claude_desktop(source)
    assert report.secrets_dropped == ["linear: Authorization"]
    text = app_config_path().read_text(encoding="utf-8")
    assert "lin_secret_123" not in text and "Authorization" not in text


def test_a_header_missing_from_the_keyring_is_one_sentence() -> None:
    server = ServerConfig("r", url="https://x/mcp", headers={"Authorization": KEYRING_VALUE})
    with pytest.raises(McpConfigError, match=r'^The "Authorization" header of MCP server "r"'):
        resolve_headers(server)


def test_import_from_a_broken_file_says_which(tmp_path: Path) -> None:
    source = write(tmp_path / "claude_desktop_config.json", "{")
    with pytest.raises(McpConfigError, match=re.escape(str(source))):
        import_claude_desktop(source)
    assert not app_config_path().exists()


def test_tool_names_fit_the_api() -> None:
    assert api_tool_name("filesystem", "read_file") == "filesystem__read_file"
    assert api_tool_name("my server", "read.file") == "my_server__read_file"
    long = api_tool_name("a-very-long-server-name-indeed", "and_an_even_longer_tool_name_here_too")
    assert len(long) == 64 and re.fullmatch(r"[A-Za-z0-9_-]+", long)
    assert long == api_tool_name(
        "a-very-long-server-name-indeed", "and_an_even_longer_tool_name_here_too"
    )
    other = api_tool_name(
        "a-very-long-server-name-indeed", "and_an_even_longer_tool_name_here_too2"
    )
    assert other != long and len(other) == 64
    # Two tools that clean up to the same name stay apart.
    first = api_tool_name("s", "a.b")
    assert api_tool_name("s", "a b", {first}) != first
