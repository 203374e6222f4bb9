"""claude-desktop: a fast native desktop chat app for Claude."""

import sys

__version__ = "0.1.0"
APP_NAME = "claude-desktop"
APP_ID = "io.github.claude_desktop.ClaudeDesktop"

# httpx imports its command-line tool (`httpx._main`) whenever click and rich are installed
# (in a development environment: import-linter brings them), about 130 ms of a 650 ms cold
# start; httpx falls back to a stub when that import fails, as it does in the bundle and in a
# plain install. The app never runs httpx's CLI, so it always takes the stub.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
