"""MCP code costs nothing to a person without servers: start-up paths do not import it."""

from __future__ import annotations

import subprocess
import sys


def test_starting_the_app_or_ask_imports_no_mcp_code() -> None:
    code = (
        "import sys, claude_desktop.__main__, claude_desktop.app, claude_desktop.cli\n"
        "print(sorted(m for m in sys.modules if m.startswith('claude_desktop.domain.mcp')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
