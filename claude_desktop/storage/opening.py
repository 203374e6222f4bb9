"""Opening the history file: checked before anything is written, set up, migrated."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from . import schema
from .errors import (
    CorruptDatabaseError,
    MigrationError,
    NewerDatabaseError,
    StorageError,
    open_error,
)
from .purge import incremental_vacuum

log = logging.getLogger("claude_desktop.storage")

_SQLITE_MAGIC = b"SQLite format 3\x00"
_AUTO_VACUUM_INCREMENTAL = 2


def connect(path: Path) -> sqlite3.Connection:
    """The history at `path`, checked, set up and migrated to the latest schema.

    Raises NewerDatabaseError or CorruptDatabaseError without writing to the file,
    MigrationError if an upgrade step fails, StorageError if it cannot be opened.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    check_header(path)
    check_pages(path)
    try:
        # Opened on a worker at start-up (History.open_in_background), then used on the UI
        # thread only: handed over, never shared.
        con = sqlite3.connect(path, isolation_level=None, timeout=5.0, check_same_thread=False)
    except sqlite3.Error as exc:
        raise open_error(path, exc) from exc
    try:
        prepare(con, path)
    except BaseException:
        con.close()
        raise
    return con


def check_header(path: Path) -> None:
    # Before SQLite sees the file: it would otherwise only complain at the first query,
    # after the connection had already been set up to write.
    try:
        with path.open("rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StorageError(f"The history file {path} could not be read ({exc}).") from exc
    if head and head != _SQLITE_MAGIC:
        raise CorruptDatabaseError(path, "it is not an SQLite database")


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot change the file, nor leave -wal and -shm files beside it."""
    uri = Path(path).absolute().as_uri()
    if Path(f"{path}-wal").exists():
        # Committed changes may wait in the WAL: read through it (it stays as it is).
        return sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=5.0)
    # Nothing is in a WAL, so the file alone is the whole history: reading it as
    # immutable takes no locks and creates no files.
    return sqlite3.connect(f"{uri}?immutable=1", uri=True)


def check_pages(path: Path) -> None:
    # A file whose header is fine can still have damaged pages, which SQLite only reports
    # when a query reaches them, possibly after start-up has written to the file. So the
    # b-trees are walked first, on a read-only connection that cannot change a byte. It
    # costs about 0.4 ms per MB of history.
    try:
        if path.stat().st_size == 0:
            return
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StorageError(f"The history file {path} could not be read ({exc}).") from exc
    try:
        con = connect_read_only(path)
    except sqlite3.Error:
        log.warning("history %s: no read-only check", path, exc_info=True)
        return  # The read-write open below reports what is wrong, if anything.
    try:
        result = con.execute("PRAGMA quick_check(1)").fetchone()[0]
    except sqlite3.Error as exc:
        error = open_error(path, exc)
        if isinstance(error, CorruptDatabaseError):
            log.error("history %s: quick_check: %s", path, exc)
            raise CorruptDatabaseError(
                path, "some of its pages cannot be read", rescue=True
            ) from exc
        log.warning("history %s: read-only check failed: %s", path, exc)
        return
    finally:
        con.close()
    if result != "ok":
        detail = " ".join(str(result).replace("*** in database main ***", "").split())
        log.error("history %s: quick_check: %s", path, detail)
        raise CorruptDatabaseError(path, "some of its pages cannot be read", rescue=True)


def prepare(con: sqlite3.Connection, path: Path) -> None:
    # Only reads until the version is known to be ours: a newer or foreign file must be
    # left exactly as it was.
    try:
        # One statement, so one snapshot: another instance may be creating the schema.
        version, app_id, tables = con.execute(
            "SELECT (SELECT user_version FROM pragma_user_version), "
            "(SELECT application_id FROM pragma_application_id), "
            "(SELECT count(*) FROM sqlite_master)"
        ).fetchone()
    except sqlite3.Error as exc:
        raise open_error(path, exc) from exc
    new_file = app_id == 0 and version == 0 and tables == 0
    if app_id != schema.APPLICATION_ID and not new_file:
        raise CorruptDatabaseError(path, "it belongs to another program")
    if version > schema.LATEST_VERSION:
        raise NewerDatabaseError(version, schema.LATEST_VERSION)
    try:
        if new_file:
            # Before the first table is made: only then does it take without a VACUUM.
            con.execute("PRAGMA auto_vacuum = INCREMENTAL")
        mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            # Some network file systems cannot share memory for WAL; the rollback journal
            # is slower but just as safe.
            log.warning("history %s: journal mode %s, not WAL", path, mode)
        con.execute("PRAGMA synchronous = NORMAL")
        # What a delete or an update frees inside a page that stays in use is zeroed, at
        # no extra I/O: deleted text does not linger beside the rows that remain. Freed
        # whole pages leave the file with incremental_vacuum (Store.purge_deleted).
        con.execute("PRAGMA secure_delete = FAST")
        schema.migrate(con)
        con.execute("PRAGMA foreign_keys = ON")
    except schema.MigrationFailed as exc:
        raise MigrationError(path, exc.version, exc.cause) from exc
    except sqlite3.Error as exc:
        raise open_error(path, exc) from exc
    use_incremental_vacuum(con, path)
    if 0 < version < schema.BLOBS_BY_REFERENCE:
        # The attachments' base64 left the messages for the blobs: the pages it took
        # leave the file, or the history would stay the size it was.
        try:
            incremental_vacuum(con)
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            log.warning("history %s: releasing space after the upgrade failed: %s", path, exc)


def use_incremental_vacuum(con: sqlite3.Connection, path: Path) -> None:
    # A history made before purging existed has auto_vacuum off, and switching it on
    # takes one VACUUM, which also rewrites the file without what earlier deletes and
    # updates left in free space. Once per file: afterwards the setting is in the header.
    if con.execute("PRAGMA auto_vacuum").fetchone()[0] == _AUTO_VACUUM_INCREMENTAL:
        return
    started = time.perf_counter()
    try:
        con.execute("PRAGMA auto_vacuum = INCREMENTAL")
        con.execute("VACUUM")
    except sqlite3.Error as exc:
        # Busy, or no room for the copy: the history works as it is; next start tries again.
        log.warning("history %s: VACUUM for incremental vacuum failed: %s", path, exc)
        return
    log.info("history %s: vacuumed once, %.0f ms", path, (time.perf_counter() - started) * 1000)
