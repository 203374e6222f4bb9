"""The MCP servers' config file: `{"mcpServers": {name: {...}}}`, as Claude Desktop writes it.

A server is either local, `{"command", "args", "env"}` (a child process speaking stdio), or
remote, `{"url", "headers", "type"}` (streamable HTTP). Our own keys, which other clients
ignore: `"disabled": true`, `"disabledTools": [...]` and `"timeout"` (seconds per call).
A header value of `KEYRING_VALUE` is read from the keyring when the server starts, so that a
bearer token never sits in the file.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claude_desktop.api.errors import HumanError
from claude_desktop.domain import paths

CONFIG_FILE_NAME = "mcp_servers.json"
DEFAULT_TIMEOUT = 300.0
#: The header value that means "the secret is in the keyring" (see `header_secret_store`).
KEYRING_VALUE = "${keyring}"
KEYRING_SERVICE = "claude-desktop-mcp"
_REMOTE_TYPES = {"http", "streamable-http", "streamableHttp", "sse"}


class McpConfigError(HumanError):
    """A config file that cannot be used; `human` names the file and what is wrong in it."""


@dataclass(frozen=True)
class ServerConfig:
    """One configured server."""

    name: str
    command: str = ""
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    url: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    type: str = "stdio"  # "stdio", "http" or "sse"
    enabled: bool = True
    disabled_tools: frozenset[str] = frozenset()
    timeout: float = DEFAULT_TIMEOUT

    @property
    def remote(self) -> bool:
        return bool(self.url)

    def file_form(self) -> dict[str, Any]:
        """The server as the config file writes it (our keys only where they differ)."""
        out: dict[str, Any]
        if self.remote:
            out = {"type": self.type, "url": self.url}
            if self.headers:
                out["headers"] = dict(self.headers)
        else:
            out = {"command": self.command, "args": list(self.args)}
            if self.env:
                out["env"] = dict(self.env)
        if not self.enabled:
            out["disabled"] = True
        if self.disabled_tools:
            out["disabledTools"] = sorted(self.disabled_tools)
        if self.timeout != DEFAULT_TIMEOUT:
            out["timeout"] = self.timeout
        return out


@dataclass(frozen=True)
class McpConfig:
    """The servers of one config file, in the file's order."""

    path: Path | None
    servers: tuple[ServerConfig, ...] = ()


def app_config_path() -> Path:
    """Our own config file, in the app's config folder (it may not exist yet)."""
    return paths.mcp_config_file()


def claude_desktop_config_path(
    *,
    platform: str | None = None,
    home: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Path:
    """Where Claude Desktop keeps its `claude_desktop_config.json` on this OS."""
    platform = sys.platform if platform is None else platform
    home = Path.home() if home is None else home
    environ = os.environ if environ is None else environ
    if platform == "darwin":
        folder = home / "Library" / "Application Support"
    elif platform.startswith("win"):
        folder = Path(environ.get("APPDATA") or home / "AppData" / "Roaming")
    else:
        folder = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    return folder / "Claude" / "claude_desktop_config.json"


def load_config(path: Path, *, missing_ok: bool = False) -> McpConfig:
    """The file's servers; raises McpConfigError with one sentence naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return McpConfig(path)
        raise McpConfigError(f"The MCP config file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise McpConfigError(f"The MCP config file {path} cannot be read ({reason}).") from None
    return parse_config(text, path)


def parse_config(text: str, path: Path | None = None) -> McpConfig:
    """Parse the text of a config file (pasted JSON has no path)."""
    where = f"The MCP config file {path}" if path else "The MCP config"
    if not text.strip():
        return McpConfig(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise McpConfigError(
            f"{where} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    if not isinstance(data, dict):
        raise McpConfigError(f'{where} must be a JSON object with "mcpServers" in it.')
    servers = data.get("mcpServers", {})
    if not isinstance(servers, dict):
        raise McpConfigError(f'{where}: "mcpServers" must be an object of servers by name.')
    return McpConfig(path, tuple(_server(name, entry, where) for name, entry in servers.items()))


def _server(name: str, entry: Any, where: str) -> ServerConfig:
    def bad(problem: str) -> McpConfigError:
        return McpConfigError(f'{where}: server "{name}" {problem}.')

    if not name.strip():
        raise McpConfigError(f"{where}: a server has an empty name.")
    if not isinstance(entry, dict):
        raise bad("must be an object")
    enabled = not entry.get("disabled", False)
    if not isinstance(entry.get("disabled", False), bool):
        raise bad('has a "disabled" that is not true or false')
    disabled_tools = entry.get("disabledTools", [])
    if not _strings(disabled_tools):
        raise bad('has a "disabledTools" that is not a list of tool names')
    timeout = entry.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise bad('has a "timeout" that is not a positive number of seconds')
    common: dict[str, Any] = {
        "enabled": enabled,
        "disabled_tools": frozenset(disabled_tools),
        "timeout": float(timeout),
    }
    url, command = entry.get("url"), entry.get("command")
    if url is not None and command is not None:
        raise bad('has both "command" and "url"; it needs one of them')
    if url is not None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise bad('has a "url" that is not an http:// or https:// address')
        headers = entry.get("headers", {})
        if not _string_map(headers):
            raise bad('has "headers" that are not an object of text values')
        kind = entry.get("type", "http")
        if kind not in _REMOTE_TYPES:
            raise bad(f'has an unknown "type" {kind!r} (expected "http" or "sse")')
        kind = "sse" if kind == "sse" else "http"
        return ServerConfig(name, url=url, headers=dict(headers), type=kind, **common)
    if not isinstance(command, str) or not command.strip():
        raise bad('needs a "command" to run (or a "url" for a remote server)')
    args = entry.get("args", [])
    if not _strings(args):
        raise bad('has "args" that are not a list of text')
    env = entry.get("env", {})
    if not _string_map(env):
        raise bad('has an "env" that is not an object of text values')
    return ServerConfig(name, command=command, args=tuple(args), env=dict(env), **common)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _string_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def merge_configs(*configs: McpConfig) -> list[ServerConfig]:
    """Every server of the files; a later file's server replaces an earlier one of its name."""
    merged: dict[str, ServerConfig] = {}
    for config in configs:
        for server in config.servers:
            merged[server.name] = server
    return list(merged.values())


def write_config(path: Path, servers: list[ServerConfig]) -> None:
    """Write the servers to `path` atomically (a crash leaves the old file or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(config_text(servers), encoding="utf-8")
    os.replace(tmp, path)


# -- secrets in headers ---------------------------------------------------------------------


def looks_secret(header: str, value: str) -> bool:
    """Whether a header's value is a credential (a bearer token, an API key)."""
    lowered = header.lower()
    return value != KEYRING_VALUE and (
        value.lower().startswith(("bearer ", "basic ", "token "))
        or lowered in {"authorization", "proxy-authorization", "cookie"}
        or any(word in lowered for word in ("key", "token", "secret", "auth"))
    )


def header_secret_store(server: str, header: str) -> Any:
    """The keyring entry that keeps one header's value (a `KeyStore` of its own)."""
    from claude_desktop.domain.secrets import KeyStore

    # environ={}: KeyStore would otherwise answer with ANTHROPIC_API_KEY from the environment.
    return KeyStore(service=KEYRING_SERVICE, username=f"{server}/{header}", environ={})


def resolve_headers(server: ServerConfig) -> dict[str, str]:
    """The headers to send, with keyring-held values read from the keyring (blocking)."""
    out: dict[str, str] = {}
    for header, value in server.headers.items():
        if value == KEYRING_VALUE:
            stored, _ = header_secret_store(server.name, header).get()
            if stored is None:
                raise McpConfigError(
                    f'The "{header}" header of MCP server "{server.name}" is not in the keyring.'
                )
            value = stored
        out[header] = value
    return out


@dataclass
class ImportReport:
    """What an import did: servers added, left alone (a server of that name was there), and
    header values moved to the keyring (or kept out of the file when no keyring was there)."""

    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    secrets_in_keyring: list[str] = field(default_factory=list)
    secrets_dropped: list[str] = field(default_factory=list)


def import_claude_desktop(source: Path | None = None, target: Path | None = None) -> ImportReport:
    """Merge Claude Desktop's servers into our config file.

    Servers we already have (by name) are kept as they are. A header value that looks like
    a credential goes to the keyring and the file gets `KEYRING_VALUE` in its place; when no
    keyring can keep it, the header is left out (and named in the report) rather than
    written in clear.
    """
    source = claude_desktop_config_path() if source is None else source
    target = app_config_path() if target is None else target
    theirs = load_config(source)
    ours = list(load_config(target, missing_ok=True).servers)
    names = {s.name for s in ours}
    report = ImportReport()
    for server in theirs.servers:
        if server.name in names:
            report.kept.append(server.name)
            continue
        kept, in_keyring, dropped = keep_secrets_in_keyring(server)
        report.secrets_in_keyring += in_keyring
        report.secrets_dropped += dropped
        ours.append(kept)
        report.added.append(server.name)
    if report.added:
        write_config(target, ours)
    return report


def keep_secrets_in_keyring(server: ServerConfig) -> tuple[ServerConfig, list[str], list[str]]:
    """The server with each credential-like header value moved to the keyring (the file
    gets `KEYRING_VALUE`), the headers moved ("server: header"), and those left out because
    no keyring would keep them (never written in clear). Blocking: call it off the UI loop."""
    from dataclasses import replace

    from claude_desktop.domain.secrets import SecretStoreError

    headers = dict(server.headers)
    in_keyring: list[str] = []
    dropped: list[str] = []
    for header, value in server.headers.items():
        if not looks_secret(header, value):
            continue
        label = f"{server.name}: {header}"
        try:
            header_secret_store(server.name, header).save(value)
        except (SecretStoreError, ValueError):
            del headers[header]
            dropped.append(label)
        else:
            headers[header] = KEYRING_VALUE
            in_keyring.append(label)
    return replace(server, headers=headers), in_keyring, dropped


def config_text(servers: list[ServerConfig]) -> str:
    """The file's text for these servers, as `write_config` writes it."""
    data = {"mcpServers": {s.name: s.file_form() for s in servers}}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
