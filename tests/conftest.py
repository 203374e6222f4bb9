"""Fixtures shared by every test: isolation from the developer's real data and keyring."""

from __future__ import annotations

import os
from pathlib import Path

# Qt must never open a window on the developer's screen unless a test asks for X.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

import keyring
import keyring.core
import pytest

from tests.keyring_memory import MemoryKeyring

pytest_plugins = ["tests.fakeapi"]


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the developer's real settings, data, logs, key or keyring."""
    monkeypatch.setenv("CLAUDE_DESKTOP_DATA_DIR", str(tmp_path / "claude-desktop"))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    # Restore the raw module global rather than keyring.get_keyring(): calling that would
    # run backend detection, which talks to the real Secret Service over D-Bus.
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)
    keyring.set_keyring(MemoryKeyring())


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    """The in-memory keyring the autouse fixture installed."""
    backend = keyring.get_keyring()
    assert isinstance(backend, MemoryKeyring)
    return backend
