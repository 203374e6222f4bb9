"""The app's temporary files: one folder per running app, removed at quit, and the
folders that crashed or killed apps left behind, removed at the next start.

Pasted images and the stand-in history (when the real one cannot be opened) live in
`session_dir()`. Each app's folder holds a marker file the app keeps locked while it
runs, so another app's start-up can tell a folder in use from one left behind, and never
removes a running app's files. The folders are under `paths.temp_root()`.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import stat
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

from claude_desktop import APP_NAME

from . import paths

log = logging.getLogger(__name__)

MARKER = "in-use"
#: A folder without a marker is only taken as left behind after this long: the app that
#: made it may be about to write its marker.
UNMARKED_GRACE_SECONDS = 60.0
#: Folders of earlier versions, made straight in the system's temporary folder with no
#: marker: removed once nothing in them has changed for this long.
LEGACY_PREFIXES = (f"{APP_NAME}-unsaved-", f"{APP_NAME}-paste-")
LEGACY_AGE_SECONDS = 24 * 3600.0

_lock = threading.Lock()
_own: tuple[Path, IO[bytes]] | None = None


def session_dir() -> Path:
    """This app's own temporary folder, made on first use; removed by `remove_own`."""
    global _own
    with _lock:
        if _own is None:
            folder = _make_own_folder()
            _own = folder, _hold_marker(folder / MARKER)
            atexit.register(remove_own)
        return _own[0]


def remove_own() -> None:
    """Remove this app's temporary folder and everything in it (at quit)."""
    global _own
    with _lock:
        if _own is None:
            return
        folder, marker = _own
        _own = None
    marker.close()
    shutil.rmtree(folder, ignore_errors=True)
    if folder.exists():
        log.warning("Could not remove the temporary folder %s", folder)


def remove_stale() -> list[Path]:
    """Remove the temporary folders apps that are no longer running left behind; returns
    them. Folders of apps still running are left alone."""
    removed: list[Path] = []
    root = _safe_root()
    own = _own[0] if _own is not None else None
    if root is not None:
        for folder in _subfolders(root):
            if folder != own and _left_behind(folder):
                shutil.rmtree(folder, ignore_errors=True)
                if not folder.exists():
                    removed.append(folder)
    now = time.time()
    for folder in _subfolders(Path(tempfile.gettempdir())):
        if (
            folder.name.startswith(LEGACY_PREFIXES)
            and _is_ours(folder)
            and _untouched_since(folder, now)
        ):
            shutil.rmtree(folder, ignore_errors=True)
            if not folder.exists():
                removed.append(folder)
    if removed:
        log.info("Removed %d temporary folder(s) left by earlier runs", len(removed))
    return removed


def _make_own_folder() -> Path:
    root = _safe_root()
    if root is None:
        # No private root to share: a folder of our own straight in the temporary folder.
        return Path(tempfile.mkdtemp(prefix=f"{APP_NAME}-"))
    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))


def _safe_root() -> Path | None:
    """`paths.temp_root()`, made if missing, or None when it is not safely ours (another
    user's, a symlink, open to others) or cannot be made."""
    root = paths.temp_root()
    try:
        root.mkdir(mode=0o700, exist_ok=True)
        st = root.lstat()
    except OSError as exc:
        log.warning("Cannot use %s for temporary files: %s", root, exc)
        return None
    if not stat.S_ISDIR(st.st_mode):
        log.warning("Not using %s for temporary files: it is not a folder", root)
        return None
    if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o077):
        log.warning("Not using %s for temporary files: it is not private to this user", root)
        return None
    return root


def _subfolders(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()]
    except OSError:
        return []


def _is_ours(folder: Path) -> bool:
    try:
        return not hasattr(os, "getuid") or folder.stat().st_uid == os.getuid()
    except OSError:
        return False


def _hold_marker(path: Path) -> IO[bytes]:
    """Open the marker and keep it locked for as long as this app runs."""
    marker = open(path, "wb")  # noqa: SIM115 (held open until remove_own)
    if sys.platform != "win32":
        import fcntl

        fcntl.flock(marker.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    # On Windows a file held open cannot be deleted, which is what _left_behind tries.
    return marker


def _left_behind(folder: Path) -> bool:
    """Whether no running app holds `folder`'s marker."""
    marker = folder / MARKER
    if not marker.exists():
        return _untouched_since(folder, time.time(), UNMARKED_GRACE_SECONDS)
    if sys.platform == "win32":
        try:
            marker.unlink()
        except OSError:
            return False
        return True
    import fcntl

    try:
        with open(marker, "rb") as f:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    except OSError:
        return False
    return True


def _untouched_since(folder: Path, now: float, age: float = LEGACY_AGE_SECONDS) -> bool:
    """Whether neither `folder` nor a file in it changed in the last `age` seconds."""
    try:
        newest = max(
            [folder.stat().st_mtime, *(p.stat().st_mtime for p in folder.rglob("*"))],
        )
    except OSError:
        return False
    return now - newest > age
