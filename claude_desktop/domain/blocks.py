"""The registry of content-block kinds, for the domain and the ui.

The table itself is in claude_desktop/api/blocks.py, the lowest layer, because storage
(exports) consults it too and storage may not import the domain. This module is where the
layers above find it: everything api/blocks.py exports, under its own `__all__`.
"""

from __future__ import annotations

from claude_desktop.api.blocks import *  # noqa: F403
from claude_desktop.api.blocks import __all__ as __all__
