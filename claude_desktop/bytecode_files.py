"""Where the app keeps bytecode Python itself does not, and how it writes it.

Two kinds of code are compiled from source at every start and never get a `.pyc`: PySide6's
embedded support modules (`pyside_bytecode`) and the methods `dataclasses` generates
(`dataclass_bytecode`). Both keep their code objects as Python keeps a `.pyc`: under
`sys.pycache_prefix` when one is set, else in the app's cache folder; in files named for
the interpreter's bytecode format, written atomically, and not at all when Python is told
not to write bytecode.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import marshal
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def bytecode_dir(name: str) -> Path:
    """The folder `name`, with Python's own bytecode when it is kept apart
    (`sys.pycache_prefix`), else in the app's cache folder."""
    if sys.pycache_prefix:
        return Path(sys.pycache_prefix) / name
    from claude_desktop.domain.paths import cache_dir

    return cache_dir() / name


def interpreter_tag() -> str:
    """This interpreter's bytecode format (as a .pyc's magic number says it)."""
    return f"{importlib.util.MAGIC_NUMBER.hex()}-o{sys.flags.optimize}"


def may_write() -> bool:
    """As Python writes `.pyc` files; a frozen app writes anyway: there the flag is the
    bundler's (no `.pyc` beside the bundle's archive), not the person's."""
    return not sys.dont_write_bytecode or bool(getattr(sys, "frozen", False))


def write_atomically(path: Path, data: bytes) -> bool:
    """Write atomically (another start may read it meanwhile); False if it could not."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as exc:  # a read-only or full disk: compiled next time too
        log.debug("Could not keep the bytecode %s: %s", path, exc)
        with contextlib.suppress(OSError):
            partial.unlink()
        return False
    return True


def read_marshalled(path: Path) -> object | None:
    """What a kept file holds, or None when there is none or it cannot be read (damaged,
    another Python's): the caller checks it is what it wrote, and compiles afresh if not."""
    try:
        kept: object = marshal.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError, TypeError) as exc:
        log.debug("Ignoring the kept bytecode %s: %s", path, exc)
        return None
    return kept
