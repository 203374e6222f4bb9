"""What can go wrong with the history file, each with a sentence for a person (`human`)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from claude_desktop.api.errors import HumanError


class StorageError(HumanError):
    """A problem with the history file; `human` says it to a person in a sentence or two."""


#: What a full disk means to a person: something they can do, then Retry.
DISK_FULL = "The disk is full: free space and Retry."


class DiskFullError(StorageError):
    """A write found no room on the disk (SQLite's SQLITE_FULL)."""

    def __init__(self) -> None:
        super().__init__(DISK_FULL)


class NewerDatabaseError(StorageError):
    """The file's schema is newer than this app knows; it was not touched."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            "This history was written by a newer version of Claude Desktop "
            f"(schema {found}, this app knows up to {known}). "
            "Update the app; the file was not changed."
        )
        self.found = found
        self.known = known


#: How to rescue a damaged history, said wherever the damage is.
RESCUE_HINT = (
    "`python -m claude_desktop export --all --output FOLDER` saves every conversation "
    "that can still be read from it."
)


class CorruptDatabaseError(StorageError):
    """The file is damaged or is not a history at all; it was not touched."""

    def __init__(self, path: Path, reason: str, *, rescue: bool = False) -> None:
        if rescue:
            # A history of ours that SQLite found damaged inside: part of it can be saved.
            human = (
                f"The history file {path} is damaged ({reason}) and was left as it is. "
                f"{RESCUE_HINT} Then move the file elsewhere and the app will start a new "
                "history."
            )
        else:
            human = (
                f"The history file {path} is damaged or is not a Claude Desktop history "
                f"({reason}). It was left as it is: move it elsewhere and the app will start "
                "a new history."
            )
        super().__init__(human)
        self.path = path
        self.reason = reason


class MigrationError(StorageError):
    """Upgrading the file's schema failed; the failed step was rolled back."""

    def __init__(self, path: Path, version: int, cause: BaseException) -> None:
        super().__init__(
            f"The history file {path} could not be upgraded from schema {version} to "
            f"{version + 1} ({cause}). That step was undone; the file is as it was before it."
        )
        self.version = version


class NotFoundError(StorageError, LookupError):
    """No conversation or message with that id (or not in that conversation)."""


class PresetNameError(StorageError, ValueError):
    """A preset name that is empty or already taken."""


def query_error(path: Path, exc: sqlite3.Error) -> StorageError:
    """What an SQLite error met while using an open history means to a person."""
    if _is_damage(exc):
        return CorruptDatabaseError(path, str(exc), rescue=True)
    if _is_busy(exc):
        return _busy(path)
    if getattr(exc, "sqlite_errorname", "").startswith("SQLITE_FULL"):
        return DiskFullError()
    return StorageError(f"The history file {path} could not be read or written ({exc}).")


def open_error(path: Path, exc: sqlite3.Error) -> StorageError:
    # Only damage is called damage: a read-only disk or a busy file must not send the
    # person off to move a good history aside.
    if _is_damage(exc):
        return CorruptDatabaseError(path, str(exc))
    if _is_busy(exc):
        return _busy(path)
    return StorageError(f"The history file {path} could not be opened ({exc}).")


def _is_damage(exc: sqlite3.Error) -> bool:
    # A bare DatabaseError is what a file that is not a database at all raises.
    if type(exc) is sqlite3.DatabaseError:
        return True
    return getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))


def _is_busy(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))


def _busy(path: Path) -> StorageError:
    return StorageError(f"The history file {path} is busy in another program; try again.")
