"""Close the zero-filled hole patchelf leaves inside some wheels' shared libraries.

auditwheel renames a wheel's bundled libraries with patchelf, which may add a segment at
the next 2 MB boundary of the file and fill the space before it with zeros: Pillow's copy
of libXau is 2.1 MB of which 15 KB is library. The loader maps segments by their offsets,
so the hole can go: the segments and sections after it move down by a multiple of 64 KB
(the largest page size Linux uses, so each segment's offset stays congruent to its address
modulo the page size), and the moved segments' alignment becomes 64 KB. Addresses do not
change, so nothing inside the library needs relocating. ELF64 little-endian only (the
Linux bundles' x86_64 and aarch64); other files are left as they are.
"""

from __future__ import annotations

import struct
from pathlib import Path

#: Holes smaller than this are left alone (the usual 4 KB padding between segments).
MIN_HOLE = 1 << 20
#: The largest page size a Linux system uses (arm64 with 64 KB pages).
STEP = 1 << 16

_PT_LOAD = 1
_SHT_NOBITS = 8


def _hole(data: bytes) -> tuple[int, int] | None:
    """(start, length) of a zero-filled hole before a LOAD segment that can be closed."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return None
    phoff, shoff = struct.unpack_from("<QQ", data, 0x20)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, 0x36)
    ranges = [(0, 0x40), (phoff, phoff + phentsize * phnum), (shoff, shoff + shentsize * shnum)]
    loads = []
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize
        )
        ranges.append((p_offset, p_offset + p_filesz))
        if p_type == _PT_LOAD:
            loads.append(p_offset)
    for i in range(shnum):
        sh_type, _, _, sh_offset, sh_size = struct.unpack_from(
            "<4xIQQQQ", data, shoff + i * shentsize
        )
        if sh_type != _SHT_NOBITS:
            ranges.append((sh_offset, sh_offset + sh_size))
    for start in sorted(loads):
        end_before = max((end for begin, end in ranges if begin < start), default=0)
        length = (start - end_before) // STEP * STEP
        if length >= MIN_HOLE and not any(data[start - length : start]):
            return start - length, length
    return None


def close_hole(data: bytes) -> bytes:
    """`data` without its hole, or unchanged if it has none."""
    hole = _hole(data)
    if hole is None:
        return data
    start, length = hole
    end = start + length
    out = bytearray(data[:start] + data[end:])

    def moved(offset: int) -> int:
        return offset - length if offset >= end else offset

    phoff, shoff = struct.unpack_from("<QQ", data, 0x20)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, 0x36)
    struct.pack_into("<Q", out, 0x28, moved(shoff))
    new_shoff = moved(shoff)
    for i in range(phnum):
        at = phoff + i * phentsize
        p_type, _, p_offset = struct.unpack_from("<IIQ", out, at)
        if p_offset >= end:
            struct.pack_into("<Q", out, at + 8, p_offset - length)
            if p_type == _PT_LOAD:
                p_align = struct.unpack_from("<Q", out, at + 48)[0]
                struct.pack_into("<Q", out, at + 48, min(p_align, STEP))
    for i in range(shnum):
        at = new_shoff + i * shentsize + 24
        (sh_offset,) = struct.unpack_from("<Q", out, at)
        struct.pack_into("<Q", out, at, moved(sh_offset))
    return bytes(out)


def compacted(library: Path, out_dir: Path) -> Path | None:
    """A copy of `library` without its hole, in `out_dir`; None if it has no hole."""
    data = library.read_bytes()
    small = close_hole(data)
    if small is data:
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / library.name
    out.write_bytes(small)
    out.chmod(library.stat().st_mode)
    return out
