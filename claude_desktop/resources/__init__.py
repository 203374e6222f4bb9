"""The app's own files (the window icon), read through importlib.resources.

They live inside the package so that they install with it (wheel) and travel with it
(the PyInstaller bundle collects the package's data files), and are found the same way from
source, from a wheel and frozen. The images are rendered from resources/<app id>.svg by
scripts/render_icons.py; do not edit them by hand.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

#: The pixel sizes of the window icon, smallest first.
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def icon_file(size: int) -> Traversable:
    """The PNG of the app icon at `size` pixels (one of ICON_SIZES)."""
    return resources.files(__name__).joinpath("icons").joinpath(f"app-{size}.png")


def app_icon() -> QIcon:
    """The app icon in every size, for QApplication.setWindowIcon (needs a QGuiApplication)."""
    from PySide6.QtGui import QIcon, QPixmap

    icon = QIcon()
    for size in ICON_SIZES:
        pixmap = QPixmap()
        # Read as bytes: a Traversable need not be a file on disk.
        if pixmap.loadFromData(icon_file(size).read_bytes(), "PNG"):
            icon.addPixmap(pixmap)
    return icon
