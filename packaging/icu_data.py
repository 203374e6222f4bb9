"""A smaller ICU data library for the Linux bundle: ICU's data less what Qt never asks for.

PySide6's Linux wheels carry ICU, whose data library (libicudata.so.NN) is 31 MB: the
largest single file of the bundle. Qt Core calls ICU for four things only (its imports
from ICU: `nm -D --undefined-only libQt6Core.so.6 | grep _73`):

- collation (ucol_*: QCollator, localeAwareCompare): the coll/ tree;
- legacy text encodings (ucnv_*: QStringConverter beyond UTF-8/16/32 and Latin-1): the
  *.cnv tables of the encodings browsers decode (KEPT_CONVERTERS) and cnvalias.icu;
- time-zone ids and names (ucal_*: QTimeZone): zoneinfo64, metaZones, the zone/ tree, and
  from the locale tree only the digits of GMT offsets (see LOCALE_RES);
- locale-aware case mapping (u_strToUpper/Lower): in ICU's code, not its data.

The rest is for ICU services Qt does not use: break iteration and its dictionaries
(brkitr/, 3.4 MB), units, currency, language and region display names (unit/, curr/, lang/,
region/: 10 MB), transliteration, number spell-out, StringPrep, spoof checking, character
names, and 180 conversion tables for encodings no browser reads (EBCDIC...). Those
items are removed here and the library is rebuilt with the same soname and symbol, so
libicuuc loads it unchanged. `claude-desktop --self-test` checks collation, a legacy
encoding, a time-zone name and Turkish upper-casing.

ICU's common data format ("CmnD"): a data header, then a table of contents (count, then
count pairs of name and data offsets, relative to the table; names sorted), the names, then
the items, each 16-byte aligned.
"""

from __future__ import annotations

import re
import struct
import subprocess
import tempfile
from pathlib import Path

#: Item trees (icudt73l/<tree>/...) and top-level item types left out, with what they serve.
DROPPED_TREES = frozenset(
    {
        "brkitr",  # break iteration (words, lines, sentences) and its dictionaries
        "unit",  # unit display names ("3 kilometres")
        "curr",  # currency display names
        "lang",  # language display names
        "region",  # region display names
        "translit",  # transliteration
        "rbnf",  # rule-based number formatting ("one hundred and two")
    }
)
DROPPED_SUFFIXES = (".spp", ".cfu")  # StringPrep profiles (IDNA2003), spoof checking
#: Single items left out: Unicode character names (u_charName, for transliteration by name).
DROPPED_ITEMS = frozenset({"unames.icu"})

#: The locale tree (icudt73l/<locale>.res: each locale's calendars, number and date formats,
#: 3.1 MB) serves ICU's formatting services. What Qt asks for reads it in one place only: the
#: digits of a "GMT+1"-style time-zone name come from the locale's default numbering system.
#: Kept are root (the fallback of every lookup) and the languages whose default digits are
#: not 0-9; the others give the same answers from root. tests/test_bundle.py compares what
#: Qt computes through ICU (collation, time-zone names, case mapping) for every Qt locale.
LOCALE_RES = re.compile(r"icudt\d+l/([a-z]{2,3})(_[A-Za-z0-9]+)*\.res")
NATIVE_DIGIT_LANGUAGES = frozenset(
    {
        *("ar", "as", "bgc", "bho", "bn", "ccp", "ckb", "dz", "fa", "ks", "lrc", "mni"),
        *("mr", "my", "mzn", "ne", "pa", "ps", "raj", "sa", "sat", "sd", "ur", "uz"),
    }
)

#: The conversion tables kept: those of the encodings a web browser decodes (the WHATWG
#: Encoding Standard's list), which is what text in a legacy encoding is in practice. The
#: other 180 tables (EBCDIC and IBM host code pages, DOS code pages, X11 compound text,
#: LMBCS, CNS 11643...) are 3.9 MB that nothing in the app or in Qt asks for: Qt converts
#: through ICU only when asked for an encoding by name (QStringDecoder), and the app never
#: does. ICU resolves a name to its table through cnvalias.icu (kept); UTF-8/16/32,
#: Latin-1, ASCII and ISO-2022-JP's framing are code, not tables. tests/test_bundle.py
#: decodes text in each of these encodings through the trimmed library.
KEPT_CONVERTERS = frozenset(
    {
        "ibm-866_P100-1995",  # IBM866
        "ibm-912_P100-1995",  # ISO-8859-2
        "ibm-913_P100-2000",  # ISO-8859-3
        "ibm-914_P100-1995",  # ISO-8859-4
        "ibm-915_P100-1995",  # ISO-8859-5
        "ibm-1089_P100-1995",  # ISO-8859-6
        "ibm-9005_X110-2007",  # ISO-8859-7
        "ibm-5012_P100-1999",  # ISO-8859-8, ISO-8859-8-I
        "iso-8859_10-1998",  # ISO-8859-10
        "ibm-921_P100-1995",  # ISO-8859-13
        "iso-8859_14-1998",  # ISO-8859-14
        "ibm-923_P100-1998",  # ISO-8859-15
        "ibm-878_P100-1996",  # KOI8-R
        "ibm-1168_P100-2002",  # KOI8-U
        "macos-0_2-10.2",  # macintosh
        "macos-7_3-10.2",  # x-mac-cyrillic
        "windows-874-2000",  # windows-874
        "ibm-5346_P100-1998",  # windows-1250
        "ibm-5347_P100-1998",  # windows-1251
        "ibm-5348_P100-1997",  # windows-1252
        "ibm-5349_P100-1998",  # windows-1253
        "ibm-5350_P100-1998",  # windows-1254
        "ibm-9447_P100-2002",  # windows-1255
        "ibm-9448_X100-2005",  # windows-1256
        "ibm-9449_P100-2002",  # windows-1257
        "ibm-5354_P100-1998",  # windows-1258
        "windows-936-2000",  # GBK: its extension table, over
        "ibm-1386_P100-2001",  # its base table
        "gb18030",  # gb18030
        "windows-950-2000",  # Big5: its extension table, over
        "ibm-1373_P100-2002",  # its base table
        "euc-jp-2007",  # EUC-JP
        "ibm-943_P15A-2003",  # Shift_JIS, and ISO-2022-JP's JIS X 0208
        "ibm-970_P110_P110-2006_U2",  # EUC-KR
    }
)

_ALIGN = 16


def _symbol(library: Path) -> tuple[str, int, int]:
    """(name, address, size) of the icudtNN_dat symbol the library exports."""
    out = subprocess.run(
        ["objdump", "-T", str(library)], capture_output=True, text=True, check=True
    ).stdout
    m = re.search(r"^([0-9a-f]+)\s.*\s([0-9a-f]+)\s+(icudt\d+_dat)\s*$", out, re.MULTILINE)
    if not m:
        raise ValueError(f"{library}: no icudtNN_dat symbol")
    return m.group(3), int(m.group(1), 16), int(m.group(2), 16)


def _file_offset(library: Path, address: int) -> int:
    """The file offset of a virtual address, from the section table."""
    out = subprocess.run(
        ["objdump", "-h", "-w", str(library)], capture_output=True, text=True, check=True
    ).stdout
    for line in out.splitlines():
        fields = line.split()
        # Idx Name Size VMA LMA File-off Algn Flags
        if len(fields) >= 7 and fields[0].isdigit():
            size, vma, offset = int(fields[2], 16), int(fields[3], 16), int(fields[5], 16)
            if vma <= address < vma + size:
                return offset + address - vma
    raise ValueError(f"{library}: address {address:#x} is in no section")


def read_data(library: Path) -> tuple[str, bytes]:
    """The symbol name and the common data blob inside an ICU data library."""
    name, address, size = _symbol(library)
    offset = _file_offset(library, address)
    with library.open("rb") as f:
        f.seek(offset)
        blob = f.read(size)
    if blob[2:4] != b"\xda\x27" or b"CmnD" not in blob[:32]:
        raise ValueError(f"{library}: {name} is not ICU common data")
    return name, blob


def items(blob: bytes) -> list[tuple[str, bytes]]:
    """The (name, bytes) items of a common data blob, in table order (sorted by name)."""
    header_size = struct.unpack_from("<H", blob, 0)[0]
    count = struct.unpack_from("<I", blob, header_size)[0]
    entries = [struct.unpack_from("<II", blob, header_size + 4 + 8 * i) for i in range(count)]
    out = []
    for i, (name_offset, data_offset) in enumerate(entries):
        start = header_size + name_offset
        name = blob[start : blob.index(b"\0", start)].decode("ascii")
        end = header_size + entries[i + 1][1] if i + 1 < count else len(blob)
        out.append((name, blob[header_size + data_offset : end]))
    return out


def build_blob(header: bytes, kept: list[tuple[str, bytes]]) -> bytes:
    """A common data blob of `kept` items behind `header` (the original data header)."""
    table_size = 4 + 8 * len(kept)
    names = b""
    name_offsets = []
    for name, _ in kept:
        name_offsets.append(table_size + len(names))
        names += name.encode("ascii") + b"\0"
    data_start = _aligned(table_size + len(names))
    table = struct.pack("<I", len(kept))
    data = b""
    for (_, item), name_offset in zip(kept, name_offsets, strict=True):
        table += struct.pack("<II", name_offset, data_start + len(data))
        data += item + b"\0" * (_aligned(len(item)) - len(item))
    body = table + names + b"\0" * (data_start - table_size - len(names)) + data
    return header + body


def _aligned(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


def dropped(name: str) -> bool:
    parts = name.split("/")
    if len(parts) > 2:
        return parts[1] in DROPPED_TREES
    locale = LOCALE_RES.fullmatch(name)
    if locale:
        return locale.group(1) not in NATIVE_DIGIT_LANGUAGES
    if name.endswith(".cnv"):
        return parts[-1].removesuffix(".cnv") not in KEPT_CONVERTERS
    return name.endswith(DROPPED_SUFFIXES) or parts[-1] in DROPPED_ITEMS


def trim(blob: bytes) -> tuple[bytes, int]:
    """The blob without the dropped items, and how many items were dropped."""
    header_size = struct.unpack_from("<H", blob, 0)[0]
    all_items = items(blob)
    kept = [(name, data) for name, data in all_items if not dropped(name)]
    return build_blob(blob[:header_size], kept), len(all_items) - len(kept)


def write_library(symbol: str, blob: bytes, soname: str, out: Path) -> None:
    """An ELF shared library exporting `symbol` = `blob` (read-only, 16-aligned), via binutils."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "data.bin").write_bytes(blob)
        # No executable stack (the note), or recent glibc refuses to load the library.
        (work / "data.s").write_text(
            f"\t.section .rodata\n\t.balign {_ALIGN}\n\t.globl {symbol}\n"
            f"\t.type {symbol}, STT_OBJECT\n\t.size {symbol}, {len(blob)}\n"
            f'{symbol}:\n\t.incbin "data.bin"\n'
            '\t.section .note.GNU-stack,"",%progbits\n',
            encoding="ascii",
        )
        subprocess.run(["as", "-o", "data.o", "data.s"], cwd=work, check=True)
        subprocess.run(
            ["ld", "-shared", "-soname", soname, "-z", "noexecstack", "-o", str(out), "data.o"],
            cwd=work,
            check=True,
        )


def trimmed_library(library: Path, out_dir: Path) -> tuple[Path, str]:
    """Write the trimmed copy of `library` into `out_dir`; (its path, a one-line summary)."""
    symbol, blob = read_data(library)
    small, removed = trim(blob)
    # The round trip must give back every kept item unchanged.
    kept_before = [(n, d) for n, d in items(blob) if not dropped(n)]
    after = items(small)
    if [n for n, _ in after] != [n for n, _ in kept_before] or any(
        a[: len(b)] != b for (_, a), (_, b) in zip(after, kept_before, strict=True)
    ):
        raise RuntimeError("trimming ICU data lost or changed an item")
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / library.name
    write_library(symbol, small, library.name, out)
    summary = (
        f"ICU data {len(blob) / 1e6:.1f} MB -> {len(small) / 1e6:.1f} MB"
        f" ({removed} of {len(items(blob))} items dropped)"
    )
    return out, summary
