"""Keeps the methods `dataclasses` generates compiled from one start to the next.

`@dataclass` writes each class's `__init__`, `__repr__`, `__eq__` (and, frozen,
`__setattr__`, `__delattr__`, `__hash__`) as Python source and compiles it with `exec`, at
every start: the 29 dataclasses made before the window's first paint took 14 ms of the
app's ~230 ms cold start on the benchmark machine, over half of it in that compiling
(cProfile of 60 such classes: `exec` 26 of 45 ms). Python keeps no bytecode for it, as it
does for every module.

`cached_dataclass_bytecode` gives `dataclasses` an `exec` that compiles each distinct
source once and keeps the code object, keyed by the source itself: the same text compiled
the same way is the same code, so a class is made exactly as before, only without the
compiling. The code objects are kept in one file per interpreter (`bytecode_files`), read
once as the app starts and written as it quits, when it met source it had not seen.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import logging
import marshal
import types
from collections.abc import Iterator
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

FOLDER = "dataclasses"
#: Beyond this many sources (a development checkout whose classes keep changing), the file
#: is written again with only what this start used.
MAX_SOURCES = 2000


def cache_file(folder: Path) -> Path:
    return folder / f"{interpreter_tag()}.code"


class DataclassBytecode:
    """`exec` for `dataclasses`: source it has compiled before runs from its code object."""

    def __init__(self, path: Path | None, codes: dict[str, types.CodeType]) -> None:
        self.path = path
        self.codes = codes
        self.used: set[str] = set()
        self.compiled = 0

    def __call__(self, source: Any, globals: Any = None, locals: Any = None, /) -> None:
        if not isinstance(source, str):
            builtins.exec(source, globals, locals)
            return
        code = self.codes.get(source)
        if code is None:
            # As `exec` compiles it: the file name "<string>", and dont_inherit=True for the
            # flags of the module calling exec (dataclasses has no __future__ imports).
            code = compile(source, "<string>", "exec", dont_inherit=True)
            self.codes[source] = code
            self.compiled += 1
        self.used.add(source)
        builtins.exec(code, globals, locals)

    def save(self) -> bool:
        """Write the code objects if this start compiled any; True if it wrote them."""
        if self.path is None or not self.compiled or not may_write():
            return False
        codes = self.codes
        if len(codes) > MAX_SOURCES:
            codes = {source: codes[source] for source in self.used if source in codes}
        return write_atomically(self.path, marshal.dumps(codes))


def _load(path: Path) -> dict[str, types.CodeType]:
    codes = read_marshalled(path)
    if not isinstance(codes, dict):
        return {}
    return {
        source: code
        for source, code in codes.items()
        if isinstance(source, str) and isinstance(code, types.CodeType)
    }


@contextlib.contextmanager
def cached_dataclass_bytecode(folder: Path | None = None) -> Iterator[DataclassBytecode]:
    """Within the block, dataclasses are made from the kept code where there is some; what
    was compiled anew is kept as the block ends. `dataclasses` is itself again after it."""
    path: Path | None = None
    try:
        path = cache_file(folder if folder is not None else bytecode_files.bytecode_dir(FOLDER))
    except Exception as exc:  # no cache folder to be had: dataclasses compile, as without
        log.debug("No folder for the dataclasses' bytecode: %s", exc)
    caching = DataclassBytecode(path, _load(path) if path is not None else {})
    # `dataclasses` calls exec by its global name: this shadows the builtin there only.
    dataclasses.exec = caching  # type: ignore[attr-defined]
    try:
        yield caching
    finally:
        if getattr(dataclasses, "exec", None) is caching:
            del dataclasses.exec  # type: ignore[attr-defined]
        if caching.save():
            log.debug("Kept the bytecode of %d dataclass methods", caching.compiled)
