"""The PATH a terminal would have, for servers started from a desktop icon.

An app launched from the dock or a .desktop file inherits a bare PATH (no Homebrew, nvm,
~/.local/bin), so `npx`, `uvx` or `node` fail with ENOENT. Asking the login shell once for its
PATH fixes that; the answer is cached for the life of the process.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys

log = logging.getLogger(__name__)

_MARK = "__claude_desktop_path__"
_cached: str | None = None


async def login_shell_path(seconds: float = 5.0) -> str:
    """The login shell's PATH followed by this process's entries it lacks (cached)."""
    global _cached
    if _cached is None:
        _cached = _merge(await _ask_shell(seconds), os.environ.get("PATH", ""))
    return _cached


def forget_cached_path() -> None:
    """Ask the shell again next time (tests; a changed profile)."""
    global _cached
    _cached = None


async def _ask_shell(seconds: float) -> str:
    shell = os.environ.get("SHELL", "")
    if sys.platform.startswith("win") or not shell:
        return ""
    # The marks fence PATH off from anything the profile prints (a banner, a warning).
    script = f'printf "%s%s%s" {_MARK} "$PATH" {_MARK}'
    try:
        proc = await asyncio.create_subprocess_exec(
            shell,
            "-lc",
            script,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,  # a profile that reads the terminal must not get ours
        )
    except OSError as exc:
        log.info("Could not ask the login shell %s for its PATH: %s", shell, exc)
        return ""
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), seconds)
    except TimeoutError:
        log.info("The login shell %s took over %s s to give its PATH", shell, seconds)
        proc.kill()
        await proc.wait()
        return ""
    text = out.decode("utf-8", "replace")
    parts = text.split(_MARK)
    return parts[1] if len(parts) >= 3 else ""


def _merge(first: str, second: str) -> str:
    seen: list[str] = []
    for entry in (*first.split(os.pathsep), *second.split(os.pathsep)):
        if entry and entry not in seen:
            seen.append(entry)
    return os.pathsep.join(seen)
