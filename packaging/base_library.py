"""base_library.zip with its codecs compressed: the same modules, 0.35 MB smaller.

PyInstaller stores base_library.zip (the standard library Python needs before anything else
can be imported) uncompressed, so that starting needs no zlib. Most of it is imported at
every start, but not the ~100 codecs under encodings/ (0.6 MB stored, 0.26 MB deflated):
each is imported only when something names it (a file decoded as cp1252, a locale whose
encoding is Latin-9). Python's zipimport reads deflated entries by importing zlib, which
it finds in lib-dynload like any extension module. The codecs Python imports while it
starts (UTF-8, and Latin-1 and ASCII for a C locale), and the package and alias table,
stay stored, so a start never waits on zlib.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

#: Stored as PyInstaller stores them: what Python imports on every start.
KEPT_STORED = frozenset(
    {
        "encodings/__init__.pyc",
        "encodings/aliases.pyc",
        "encodings/utf_8.pyc",
        "encodings/latin_1.pyc",
        "encodings/ascii.pyc",
    }
)


def deflated(name: str) -> bool:
    """Whether the entry `name` of base_library.zip is stored compressed."""
    return name.startswith("encodings/") and name not in KEPT_STORED


def compressed(source: Path, dest: Path) -> Path:
    """A copy of the zip at `source`, at `dest`, with the codecs deflated; entries keep their
    order, names and dates, so the same input gives the same bytes."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(dest, "w") as new:
        for info in old.infolist():
            entry = zipfile.ZipInfo(info.filename, info.date_time)
            entry.external_attr = info.external_attr
            method = zipfile.ZIP_DEFLATED if deflated(info.filename) else zipfile.ZIP_STORED
            new.writestr(entry, old.read(info), compress_type=method, compresslevel=9)
    return dest
