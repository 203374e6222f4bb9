"""Spares every module imported after PySide6 a read of its own source.

PySide6 hooks `import`: each newly imported module is given a feature selection (the
`from __feature__ import snake_case` switches), found by reading the module's whole source
with `inspect.getsource` and looking for "PySide6". That was 10.5 ms of the 77 ms the
window's ~140 modules take to import (measured at start-up), and the same again for every
module imported later. This app selects no features, so every module's selection is the
default whichever way the check goes: it is recorded for the modules already loaded, and
for each later one, before it loads, by a finder first in `sys.meta_path`; PySide6 then
skips the read. A module that does select features
still gets them: its `from __feature__ import` sets its entry itself, afterwards.
"""

from __future__ import annotations

import importlib.machinery
import logging
import sys
from collections.abc import MutableMapping, Sequence
from types import ModuleType

log = logging.getLogger(__name__)

#: What PySide6 gives a module that uses it without selecting a feature, and one that
#: does not use it at all ("ignore this module").
NO_FEATURES, IGNORED = 0, -1


class _KnownSelection:
    """A meta-path finder that finds nothing: it only records the module's selection.

    Not an `importlib.abc.MetaPathFinder`: `find_spec` is all the import system asks of
    one, and importlib.abc imports importlib.resources (1.8 ms before the first paint)."""

    def __init__(self, selections: MutableMapping[str, int]) -> None:
        self.selections = selections

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        self.record(name)
        return None

    def record(self, name: str) -> None:
        own = name == "claude_desktop" or name.startswith("claude_desktop.")
        self.selections.setdefault(name, NO_FEATURES if own else IGNORED)


def skip_source_scan() -> bool:
    """Install the finder, once PySide6 is imported; False (and nothing done) if this
    PySide6 keeps its selections elsewhere."""
    feature = sys.modules.get("shibokensupport.feature")
    selections = getattr(feature, "pyside_feature_dict", None)
    if not isinstance(selections, MutableMapping):
        log.debug("PySide6's feature selections not found; modules are scanned as before")
        return False
    if any(isinstance(finder, _KnownSelection) for finder in sys.meta_path):
        return True
    finder = _KnownSelection(selections)
    # The modules loaded before PySide6 too: each is scanned the first time an import
    # statement names it after PySide6, loaded already or not.
    for name in list(sys.modules):
        finder.record(name)
    sys.meta_path.insert(0, finder)
    return True
