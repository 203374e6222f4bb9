"""The app's logging: a rotating file in the log folder, the console, and key masking.

Every handler set up here carries a :class:`KeyMaskingFilter`, so an API key that ends up
in a message, its arguments, an exception's text or a traceback is masked before any
handler writes it. Handler filters (not logger filters) are used on purpose: records from
other libraries' loggers (httpx, keyring...) reach the root handlers without passing any
filter of ours on the way, and are masked all the same.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from claude_desktop.api.masking import MASK, mask_keys

from . import paths

__all__ = ["MASK", "KeyMaskingFilter", "log_file", "mask_keys", "remove_logging", "setup_logging"]

#: The log file's name in the log folder; rotated copies get .1, .2... after it.
LOG_FILENAME = "claude-desktop.log"
#: Size at which the file rotates, and how many old files are kept (about 5 MB in all).
MAX_BYTES = 1_000_000
BACKUP_COUNT = 4
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Marks the handlers this module installed, so setting up again replaces them.
_OURS = "_claude_desktop_handler"


class KeyMaskingFilter(logging.Filter):
    """Masks API keys in a record's final message, exception text and stack, in place.

    The message is formatted here (its arguments merged in, then dropped), and the
    traceback is formatted and cached in `exc_text`, which formatters print instead of
    formatting the exception again.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            # Arguments that do not fit the format: keep both, masked, rather than lose
            # the line or raise into the code that logged it.
            message = f"{record.msg!s} (arguments: {record.args!r})"
        record.msg = mask_keys(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_keys(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_keys(record.stack_info)
        return True


class _LogFileHandler(logging.handlers.RotatingFileHandler):
    """The rotating log file, quiet when the disk refuses a line.

    logging's default prints "--- Logging error ---" and a traceback on stderr for every
    record a full or read-only disk refuses; the app has better things to say then.
    """

    def handleError(self, record: logging.LogRecord) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handleError(record)


def log_file() -> Path:
    """Where the log file is (its folder honours ``CLAUDE_DESKTOP_DATA_DIR``)."""
    return paths.log_dir() / LOG_FILENAME


def setup_logging(
    debug: bool = False,
    *,
    to_file: bool = True,
    console: bool = True,
    max_bytes: int = MAX_BYTES,
    backup_count: int = BACKUP_COUNT,
) -> Path | None:
    """Log INFO and up (DEBUG with `debug`) to the rotating file and to stderr.

    Calling it again replaces what an earlier call installed. Returns the log file's path,
    or None when it is not logging to a file (not asked to, or the folder is unwritable:
    that is logged, and the app carries on without a file).
    """
    root = logging.getLogger()
    remove_logging()
    handlers: list[logging.Handler] = []
    path: Path | None = None
    problem: OSError | None = None
    if to_file:
        try:
            path = paths.log_dir(create=True) / LOG_FILENAME
            handlers.append(
                _LogFileHandler(
                    path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
                )
            )
        except OSError as exc:
            path, problem = None, exc
    # A windowed frozen app has no stderr at all.
    if console and sys.stderr is not None:
        handlers.append(logging.StreamHandler())
    formatter = logging.Formatter(FORMAT)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(KeyMaskingFilter())
        setattr(handler, _OURS, True)
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    # httpx logs every request at INFO: too chatty for a person's log unless debugging.
    logging.getLogger("httpx").setLevel(logging.NOTSET if debug else logging.WARNING)
    if problem is not None:
        logging.getLogger(__name__).warning("Not logging to a file: %s", problem)
    return path


def remove_logging() -> None:
    """Close and remove the handlers `setup_logging` installed."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False):
            root.removeHandler(handler)
            handler.close()
