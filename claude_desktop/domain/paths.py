"""Where the app keeps its files: config, data, logs and cache directories.

The platform's conventional directories come from platformdirs. Setting
``CLAUDE_DESKTOP_DATA_DIR`` puts everything (settings, conversations, logs, cache) under
that one directory instead, which tests use to stay away from the developer's real files
and which also gives a portable install.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import platformdirs

from claude_desktop import APP_NAME

#: Environment variable that moves every file of the app under one directory.
ENV_DATA_DIR = "CLAUDE_DESKTOP_DATA_DIR"


def override_dir() -> Path | None:
    """The directory named by ``CLAUDE_DESKTOP_DATA_DIR``, or None when it is unset or empty."""
    value = os.environ.get(ENV_DATA_DIR, "").strip()
    if not value:
        return None
    # Absolute, so a later chdir cannot silently move the app's files.
    return Path(value).expanduser().absolute()


def _resolve(subdir: str, platform_dir: Path, *, create: bool) -> Path:
    # Read the environment on every call rather than once at import, so a test (or the
    # CLI) can set the override after this module was imported.
    root = override_dir()
    path = root / subdir if root is not None else platform_dir
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir(*, create: bool = False) -> Path:
    """Settings live here (``settings.json``)."""
    return _resolve(
        "config", platformdirs.user_config_path(APP_NAME, appauthor=False), create=create
    )


def data_dir(*, create: bool = False) -> Path:
    """Conversations and attachments live here."""
    return _resolve("data", platformdirs.user_data_path(APP_NAME, appauthor=False), create=create)


def log_dir(*, create: bool = False) -> Path:
    """Log files live here."""
    return _resolve("logs", platformdirs.user_log_path(APP_NAME, appauthor=False), create=create)


def cache_dir(*, create: bool = False) -> Path:
    """Files that can be rebuilt at any time (safe to delete) live here."""
    return _resolve("cache", platformdirs.user_cache_path(APP_NAME, appauthor=False), create=create)


def temp_root() -> Path:
    """The app's folder in the system's temporary folder, private to this user.

    Each running app keeps its temporary files (pasted images, a stand-in history) in a
    folder of its own under this one; see `claude_desktop.domain.temp_files`. The folder
    is per user (the numeric id in its name) because /tmp is shared on Unix.
    """
    tag = f"-{os.getuid()}" if hasattr(os, "getuid") else ""
    return Path(tempfile.gettempdir()) / f"{APP_NAME}{tag}"


def mcp_config_file() -> Path:
    """The app's MCP servers file (it may not exist: then no server is configured, and no
    MCP code is imported)."""
    return config_dir() / "mcp_servers.json"
