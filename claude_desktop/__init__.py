"""claude-desktop: a fast native desktop chat app for Claude."""

__version__ = "0.1.0"
APP_NAME = "claude-desktop"
APP_ID = "io.github.claude_desktop.ClaudeDesktop"
