"""The bundled components and their licenses, from the installed packages' metadata."""

from __future__ import annotations

from importlib import metadata

import pytest

from claude_desktop.domain import licenses
from claude_desktop.domain.licenses import app_metadata, bundled_components


def _by_name() -> dict[str, licenses.Component]:
    return {c.name.lower().replace("_", "-"): c for c in bundled_components()}


def test_the_apps_requirements_and_theirs_are_listed_with_licenses() -> None:
    found = _by_name()
    for direct in ("pyside6-essentials", "qasync", "httpx", "keyring", "markdown", "pygments"):
        assert direct in found, direct
    # Followed through metadata: httpx needs httpcore; h2 comes with httpx's http2 extra.
    assert {"httpcore", "shiboken6", "h2", "certifi"} <= set(found)
    assert found["httpx"].license == "BSD-3-Clause"
    assert found["pyside6-essentials"].license is not None
    assert "LGPL-3.0" in found["pyside6-essentials"].license
    assert found["httpx"].version == metadata.version("httpx")
    # Extras nobody asked for stay out (httpx's "cli" extra would bring rich and click).
    assert "rich" not in found and "click" not in found
    # Development tools are not part of the app.
    assert "pytest" not in found and "mypy" not in found


def test_the_app_itself() -> None:
    app = app_metadata()
    assert app is not None
    assert (app.name, app.license) == ("claude-desktop", "MIT")


def test_without_the_apps_metadata_the_direct_requirements_are_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(licenses, "DIRECT_REQUIREMENTS", ("httpx[http2]", "not-a-real-package-x"))
    found = {c.name: c for c in bundled_components(app="not-an-installed-app")}
    assert found["httpx"].license == "BSD-3-Clause"
    assert "h2" in found
    # A direct requirement without metadata is still named, with no license claimed.
    assert found["not-a-real-package-x"].license is None
    assert app_metadata("not-an-installed-app") is None
