"""Which tool calls run without asking: the window's tool policy, and where it is remembered.

Kept in `tool_approvals.json` in the app's config folder, apart from the MCP servers' file
(which a person edits by hand, or imports from Claude Desktop, and which other clients read):

    {"servers": {"filesystem": {"policy": "ask", "alwaysAllow": ["read_file"],
                                "readOnly": true}}}

A server's policy is "ask" (every call is asked about, except the tools always allowed),
"always" (every call runs) or "never" (every call is refused with an is_error result). The
first call of a tool asks: Allow once, Always allow (this tool, remembered across restarts;
`revoke` takes it back), or Deny. A tool its server marks read-only (`readOnlyHint`) also
offers "Always allow read-only tools of <server>" (`"readOnly": true`: every read-only tool
of that server runs without asking; the others still ask). A file that cannot be read
counts as empty (everything is asked about), so a damaged file can only make the app more
careful.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Literal, cast

from . import paths
from .tool_loop import Ask, ToolCall
from .turn_runner import Decision

log = logging.getLogger(__name__)

FILE_NAME = "tool_approvals.json"
ALLOW_ONCE = "Allow once"
ALWAYS_ALLOW = "Always allow"
DENY = "Deny"
#: The choice that allows every read-only tool of a server; its text names the server.
READ_ONLY_PREFIX = "Always allow read-only tools of "
ServerPolicy = Literal["ask", "always", "never"]
POLICIES: tuple[ServerPolicy, ...] = ("ask", "always", "never")


def default_path() -> Path:
    return paths.config_dir() / FILE_NAME


class ToolApprovals:
    """The remembered approvals, and the tool policy that honours them (`policy`)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self._servers: dict[str, dict[str, Any]] = {}
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning(
                "The tool approvals in %s cannot be read (%s): asking again", self.path, exc
            )
            return
        servers = data.get("servers") if isinstance(data, dict) else None
        if not isinstance(servers, dict):
            return
        for name, entry in servers.items():
            if not isinstance(entry, dict):
                continue
            policy = entry.get("policy", "ask")
            tools = entry.get("alwaysAllow", [])
            self._servers[str(name)] = {
                "policy": policy if policy in POLICIES else "ask",
                "alwaysAllow": sorted({t for t in tools if isinstance(t, str)})
                if isinstance(tools, list)
                else [],
            }
            if entry.get("readOnly") is True:
                self._servers[str(name)]["readOnly"] = True

    def _entry(self, server: str) -> dict[str, Any]:
        return self._servers.setdefault(server, {"policy": "ask", "alwaysAllow": []})

    def _save(self) -> None:
        """Written whole and atomically: a crash leaves the old file or the new one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"servers": self._servers}, indent=2, sort_keys=True)
        fd, tmp = tempfile.mkstemp(prefix=".tool_approvals.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text + "\n")
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # -- what is remembered ------------------------------------------------------------------

    def server_policy(self, server: str) -> ServerPolicy:
        entry = self._servers.get(server)
        return cast(ServerPolicy, entry["policy"]) if entry else "ask"

    def set_server_policy(self, server: str, policy: ServerPolicy) -> None:
        if policy not in POLICIES:
            raise ValueError(f"unknown tool policy {policy!r}")
        self._entry(server)["policy"] = policy
        self._save()

    def always_allowed(self, server: str, tool: str) -> bool:
        entry = self._servers.get(server)
        return bool(entry) and tool in entry["alwaysAllow"]  # type: ignore[index]

    def allow_always(self, server: str, tool: str) -> None:
        entry = self._entry(server)
        if tool not in entry["alwaysAllow"]:
            entry["alwaysAllow"] = sorted([*entry["alwaysAllow"], tool])
            self._save()

    def always_allowed_tools(self, server: str) -> list[str]:
        entry = self._servers.get(server)
        return list(entry["alwaysAllow"]) if entry else []

    def read_only_allowed(self, server: str) -> bool:
        """Whether every read-only tool of `server` runs without asking."""
        entry = self._servers.get(server)
        return bool(entry and entry.get("readOnly"))

    def set_read_only_allowed(self, server: str, allowed: bool) -> None:
        entry = self._entry(server)
        if bool(entry.get("readOnly")) != allowed:
            if allowed:
                entry["readOnly"] = True
            else:
                entry.pop("readOnly", None)
            self._save()

    def revoke(self, server: str, tool: str) -> None:
        """Ask again about `tool` from its next call on (Settings → Tools)."""
        entry = self._servers.get(server)
        if entry and tool in entry["alwaysAllow"]:
            entry["alwaysAllow"] = [t for t in entry["alwaysAllow"] if t != tool]
            self._save()

    # -- the policy ----------------------------------------------------------------------------

    def needs_asking(self, call: ToolCall) -> bool:
        """Whether the person will be asked about `call` (the window shows the approval
        card as soon as such a call starts streaming)."""
        server, tool = _names(call)
        policy = self.server_policy(server)
        if policy != "ask" or self.always_allowed(server, tool):
            return False
        read_only = call.spec is not None and call.spec.read_only
        return not (read_only and self.read_only_allowed(server))

    async def policy(self, call: ToolCall, ask: Ask) -> bool:
        """The window's ToolPolicy: the server's policy, then what was always allowed, else
        the person is asked (the Decision's `subject` is the call)."""
        server, tool = _names(call)
        if self.server_policy(server) == "never":
            return False
        if not self.needs_asking(call):
            return True
        read_only = call.spec is not None and call.spec.read_only
        question = f"Allow Claude to use {call.label}?"
        whole_server = read_only_choice(server) if read_only and server else None
        choices = (ALLOW_ONCE, ALWAYS_ALLOW, *([whole_server] if whole_server else []), DENY)
        decision = Decision(question, choices, DENY, call)
        answer = await ask(decision)
        try:
            # Saved as it is given: a crash later in the turn keeps it.
            if answer == ALWAYS_ALLOW:
                self.allow_always(server, tool)
            elif whole_server is not None and answer == whole_server:
                self.set_read_only_allowed(server, True)
        except OSError as exc:
            # Allowed this time all the same; the next call asks again.
            log.warning("Could not remember the approval of %s: %s", call.label, exc)
        return answer in (ALLOW_ONCE, ALWAYS_ALLOW) or (
            whole_server is not None and answer == whole_server
        )


def read_only_choice(server: str) -> str:
    """The approval card's choice that allows all of `server`'s read-only tools."""
    return READ_ONLY_PREFIX + server


def _names(call: ToolCall) -> tuple[str, str]:
    """The call's server and its tool's own name there."""
    if call.spec is not None:
        return call.spec.server, call.spec.title or call.name
    server, sep, tool = call.name.partition("__")
    return (server, tool) if sep else ("", call.name)
