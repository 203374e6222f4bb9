"""The app's own files (the window icon), beside this module.

They live inside the package so that they install with it (wheel) and travel with it
(the PyInstaller bundle collects the package's data files), and are found the same way from
source, from a wheel and frozen: in the folder beside this file. Only a package imported
from an archive has no such folder; importlib.resources reads them there (it is not
imported otherwise: 1.8 ms before the window's first paint). The images are rendered from
resources/<app id>.svg by scripts/render_icons.py; do not edit them by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from PySide6.QtGui import QIcon


def folder_beside(module_file: str, package: str, name: str) -> Path | Traversable:
    """The data folder `name` of `package` (whose module is `module_file`): on disk beside
    the module, or, from an archive, as importlib.resources finds it."""
    folder = Path(module_file).with_name(name)
    if folder.is_dir():
        return folder
    from importlib import resources

    return resources.files(package).joinpath(name)


#: The pixel sizes of the window icon, smallest first.
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def icon_file(size: int) -> Path | Traversable:
    """The PNG of the app icon at `size` pixels (one of ICON_SIZES)."""
    return folder_beside(__file__, __name__, "icons").joinpath(f"app-{size}.png")


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
