"""Keeps the bytecode of PySide6's embedded support modules from one start to the next.

`import PySide6` loads shiboken's signature support (`shibokensupport`: 14 modules kept as
source in a zip inside the Shiboken library) and compiles each module from its source, at
every start: 14 ms of the app's ~240 ms cold start on the benchmark machine (measured with
a timer around `compile` while PySide6 imported). Python keeps no bytecode for them, as it
does for every other module. While PySide6 imports, `cached_pyside_bytecode` compiles
those modules once and keeps their code objects, as Python keeps a `.pyc`: under
`sys.pycache_prefix` when one is set, else in the app's cache folder; not written when
Python is told not to write bytecode. A missing, damaged or foreign file is compiled again
from the source, which is always what the code is checked against (by its hash), so a new
PySide6 or Python simply compiles afresh; once a new PySide6's files are written, the old
one's are removed (another Python's are left alone).
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import logging
import marshal
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from claude_desktop import bytecode_files
from claude_desktop.bytecode_files import (
    interpreter_tag,
    may_write,
    read_marshalled,
    write_atomically,
)

log = logging.getLogger(__name__)

#: The folder the embedded modules' sources are named under (their `compile` filename).
SUPPORT_PREFIX = "shibokensupport/"
FOLDER = "pyside-signature"


def bytecode_dir() -> Path:
    """Where the code objects are kept: with Python's own bytecode when it is kept apart
    (`sys.pycache_prefix`), else in the app's cache folder."""
    return bytecode_files.bytecode_dir(FOLDER)


def _cache_file(folder: Path, source: bytes, filename: str) -> Path:
    key = hashlib.sha256(filename.encode() + b"\0" + source)
    return folder / f"{interpreter_tag()}-{key.hexdigest()[:32]}.code"


class _CachingCompile:
    """`compile`, except that the support modules' code comes from the cache if it is there."""

    def __init__(self, real: Callable[..., Any], folder: Path | None) -> None:
        self.real = real
        self.folder = folder
        self.loaded = 0
        self.written = 0
        self.used: set[Path] = set()

    def __call__(self, source: Any, filename: Any, mode: str, *args: Any, **kwargs: Any) -> Any:
        folder = self.folder
        if folder is None or args or kwargs or mode != "exec" or not _is_support(filename):
            return self.real(source, filename, mode, *args, **kwargs)
        data = source.encode() if isinstance(source, str) else source
        if not isinstance(data, bytes):
            return self.real(source, filename, mode)
        path = _cache_file(folder, data, filename)
        self.used.add(path)
        code = _load(path, filename)
        if code is not None:
            self.loaded += 1
            return code
        code = self.real(source, filename, mode)
        if may_write() and write_atomically(path, marshal.dumps(code)):
            self.written += 1
        return code


def _is_support(filename: Any) -> bool:
    return isinstance(filename, str) and filename.startswith(SUPPORT_PREFIX)


def _load(path: Path, filename: str) -> types.CodeType | None:
    code = read_marshalled(path)
    if not isinstance(code, types.CodeType) or code.co_filename != filename:
        return None
    return code


def _remove_unused(folder: Path, used: set[Path]) -> None:
    """This interpreter's files not read or written by this start (another Python's stay)."""
    try:
        for path in folder.glob(f"{interpreter_tag()}-*.code"):
            if path not in used:
                path.unlink(missing_ok=True)
    except OSError as exc:
        log.debug("Could not remove old bytecode from %s: %s", folder, exc)


@contextlib.contextmanager
def cached_pyside_bytecode(folder: Path | None = None) -> Iterator[_CachingCompile]:
    """For the `with` block (PySide6's first import), the support modules' bytecode is
    read from the cache and written to it. `compile` is itself again afterwards."""
    real = builtins.compile
    if folder is None:
        try:
            folder = bytecode_dir()
        except Exception as exc:  # no cache folder to be had: PySide6 compiles, as without
            log.debug("No folder for PySide6's support bytecode: %s", exc)
            yield _CachingCompile(real, None)
            return
    caching = _CachingCompile(real, folder)
    builtins.compile = caching
    try:
        yield caching
    finally:
        builtins.compile = real
    if caching.written:  # a new PySide6 (all of it imported): the old one's files go
        _remove_unused(folder, caching.used)
    if caching.loaded or caching.written:
        log.debug(
            "PySide6's support bytecode: %d read, %d written", caching.loaded, caching.written
        )
