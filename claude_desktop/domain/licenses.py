"""The components the app is built from and their licenses, read from package metadata.

The list is whatever is installed: the app's own requirements, followed recursively
through each package's metadata (extras only where asked for, as in ``httpx[http2]``).
The PyInstaller bundle carries the same metadata (``copy_metadata`` in the spec), so a
frozen app lists the same thing; a component whose metadata is missing is named with no
license rather than left out, and no metadata at all gives an empty list for the caller
to say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata

from claude_desktop import APP_NAME

#: What the app requires directly, for when its own metadata is missing.
DIRECT_REQUIREMENTS = (
    "PySide6-Essentials",
    "qasync",
    "httpx[http2]",
    "keyring",
    "Markdown",
    "Pygments",
    "platformdirs",
    "pypdf",
    "pillow",
)

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")
_EXTRA_MARKER = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")
_LICENSE_CLASSIFIER = "License :: "


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    version: str
    #: An SPDX expression or the package's own words; None when its metadata is missing.
    license: str | None
    homepage: str | None = None


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _field(meta: metadata.PackageMetadata, name: str) -> str | None:
    """A metadata field's first value; get_all, unlike [], is the same on every Python."""
    values = meta.get_all(name) or []
    return str(values[0]) if values else None


def license_of(meta: metadata.PackageMetadata) -> str | None:
    """The license a package declares: its SPDX expression, a short License field, or the
    name in its license classifiers."""
    expression = _field(meta, "License-Expression")
    if expression:
        return expression.strip()
    text = (_field(meta, "License") or "").strip()
    # Some packages put the whole license text here; only a short name is a name.
    if text and "\n" not in text and len(text) <= 80 and text.upper() != "UNKNOWN":
        return text
    names = [
        c.split(" :: ")[-1]
        for c in meta.get_all("Classifier") or []
        if c.startswith(_LICENSE_CLASSIFIER) and c.count(" :: ") >= 2
    ]
    return " / ".join(names) if names else None


def homepage_of(meta: metadata.PackageMetadata) -> str | None:
    urls = {}
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = str(entry).partition(",")
        urls[label.strip().lower()] = url.strip()
    for label in ("homepage", "home", "repository", "source"):
        if urls.get(label):
            return urls[label]
    return _field(meta, "Home-page") or next(iter(urls.values()), None)


def _parse(requirement: str) -> tuple[str, set[str], set[str]] | None:
    """(name, extras asked for, extras it depends on) of a Requires-Dist line."""
    spec, _, marker = requirement.partition(";")
    match = _REQUIREMENT.match(spec)
    if match is None:
        return None
    extras = {e.strip() for e in (match.group(2) or "").split(",") if e.strip()}
    return match.group(1), extras, set(_EXTRA_MARKER.findall(marker))


def bundled_components(app: str = APP_NAME) -> list[Component]:
    """Every installed package the app requires, directly or not, sorted by name.

    The app itself is not in the list. Requirements that are not installed (another
    platform's, another Python's) are left out; a direct one without metadata is listed
    with `license` None.
    """
    try:
        roots = metadata.requires(app) or []
    except metadata.PackageNotFoundError:
        roots = list(DIRECT_REQUIREMENTS)
    direct = {_normal(p[0]) for r in roots if (p := _parse(r)) and not p[2]}
    found: dict[str, Component] = {}
    pending: list[tuple[str, set[str]]] = []
    for requirement in roots:
        parsed = _parse(requirement)
        if parsed is not None and not parsed[2]:
            pending.append((parsed[0], parsed[1]))
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        name, extras = pending.pop()
        key = (_normal(name), frozenset(extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            if key[0] in direct and key[0] not in found:
                found[key[0]] = Component(name, "", None)
            continue
        meta = dist.metadata
        found[key[0]] = Component(
            _field(meta, "Name") or name, dist.version, license_of(meta), homepage_of(meta)
        )
        for requirement in dist.requires or []:
            parsed = _parse(requirement)
            if parsed is None:
                continue
            sub, sub_extras, needs = parsed
            if needs and not needs & extras:
                continue  # an optional part nobody asked for
            pending.append((sub, sub_extras))
    return sorted(found.values(), key=lambda c: c.name.lower())


def app_metadata(app: str = APP_NAME) -> Component | None:
    """The app's own version, license and homepage, or None when its metadata is missing."""
    try:
        dist = metadata.distribution(app)
    except metadata.PackageNotFoundError:
        return None
    meta = dist.metadata
    return Component(_field(meta, "Name") or app, dist.version, license_of(meta), homepage_of(meta))
