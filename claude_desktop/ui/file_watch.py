"""Notices when a file is changed by someone else (a person editing it by hand).

Editors often replace a file atomically (write a copy, rename it over): the watch on the old
file is then gone, so the folder is watched too and the file's watch is added again after
each change. Bursts of changes (an editor's several writes) come as one `changed`.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

__all__ = ["FileWatch"]

SETTLE_MS = 150


class FileWatch(QObject):
    """`changed` once a burst of changes to `path` (or its creation, or removal) settles."""

    changed = Signal()

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self._watcher = QFileSystemWatcher(self)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._settled)
        self._watcher.fileChanged.connect(self._poked)
        self._watcher.directoryChanged.connect(self._poked)
        # A folder that cannot be made has nothing to watch; nothing breaks either.
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
        self._rewatch()

    def _rewatch(self) -> None:
        folder, file = str(self.path.parent), str(self.path)
        if self.path.parent.is_dir() and folder not in self._watcher.directories():
            self._watcher.addPath(folder)
        if self.path.is_file() and file not in self._watcher.files():
            self._watcher.addPath(file)

    def _poked(self, _path: str = "") -> None:
        self._rewatch()
        self._settle.start()

    def _settled(self) -> None:
        self._rewatch()
        self.changed.emit()
