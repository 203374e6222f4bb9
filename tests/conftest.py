"""Fixtures shared by every test: isolation from the developer's real data and keyring."""

from __future__ import annotations

import os

# Qt must never open a window on the developer's screen unless a test asks for X.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

pytest_plugins = ["tests.fakeapi"]
