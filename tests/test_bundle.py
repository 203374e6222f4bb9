"""The packaging's own logic, without building: what the bundle leaves out (for all three
platforms, though only Linux builds here), the ICU data trimming, the icons and the desktop
entry. Building and running the bundle is packaging/check_bundle.py's job (a .ci/run gate)."""

from __future__ import annotations

import importlib.util
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from claude_desktop import APP_ID

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"


def load(name: str) -> ModuleType:
    # packaging/ is not a package (the name is PyPI's `packaging`): load its modules by path.
    spec = importlib.util.spec_from_file_location(f"_packaging_{name}", PACKAGING / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


rules = load("bundle_rules")
icu = load("icu_data")


@pytest.mark.parametrize(
    ("dest", "expected"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", ("platforms", "qxcb")),
        ("PySide6/plugins/platforms/qwindows.dll", ("platforms", "qwindows")),
        ("PySide6\\plugins\\styles\\qmodernwindowsstyle.dll", ("styles", "qmodernwindowsstyle")),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", ("platforms", "qcocoa")),
        (
            "PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so",
            ("wayland-shell-integration", "xdg-shell"),
        ),
        ("PySide6/Qt/lib/libQt6Core.so.6", None),
        ("libqxcb.so", None),
    ],
)
def test_qt_plugin_of(dest: str, expected: tuple[str, str] | None) -> None:
    assert rules.qt_plugin_of(dest) == expected


@pytest.mark.parametrize(
    "dest",
    [
        # What every platform's window needs.
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/plugins/platforms/qwindows.dll",
        "PySide6/plugins/platforms/qoffscreen.dll",
        "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
        "PySide6/plugins/styles/qmodernwindowsstyle.dll",
        "PySide6/Qt/plugins/styles/libqmacstyle.dylib",
        "PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so",
        "PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
        "PySide6/Qt/plugins/imageformats/libqjpeg.so",
        "PySide6/plugins/imageformats/qwebp.dll",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so",
        "PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so",
        # Libraries the app itself loads.
        "libQt6Core.so.6",
        "libicudata.so.73",
        "libpython3.11.so.1.0",
        "libssl.so.3",
        "PySide6/Qt6Core.dll",
        "python311.dll",
        # botocore: Bedrock's model, the sign-in services, and the tables at the top.
        "botocore/data/bedrock-runtime/2023-09-30/service-2.json.gz",
        "botocore/data/bedrock-runtime/2023-09-30/endpoint-rule-set-1.json.gz",
        "botocore/data/sts/2011-06-15/service-2.json.gz",
        "botocore/data/sso-oidc/2019-06-10/service-2.json.gz",
        "botocore/data/endpoints.json",
        "botocore/data/partitions.json",
        "botocore/data/_retry.json",
        # The math renderer's fonts and symbol table (ui/math_images.py).
        "ziamath/fonts/STIXTwoMath-Regular.ttf",
        "ziafont/fonts/DejaVuSans.ttf",
        "latex2mathml/unimathsymbols.txt",
        "certifi/cacert.pem",
        # Package metadata: licenses for About, entry points for keyring's backends.
        "pyside6_essentials-6.11.3.dist-info/METADATA",
        "pyside6_essentials-6.11.3.dist-info/licenses/LICENSE.LGPLv3",
        "keyring-25.7.0.dist-info/entry_points.txt",
    ],
)
def test_keeps_what_the_app_needs(dest: str) -> None:
    assert rules.drop_reason(dest, linux=True) is None
    assert rules.drop_reason(dest, linux=False) is None


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/translations/qtbase_de.qm",
        "PySide6/translations/qtbase_de.qm",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/plugins/platforms/libqvnc.so",
        "PySide6/Qt/plugins/generic/libqevdevmouseplugin.so",
        "PySide6/plugins/generic/qtuiotouchplugin.dll",
        "PySide6/plugins/networkinformation/qnetworklistmanager.dll",
        "PySide6/Qt/plugins/tls/libqopensslbackend.so",
        "PySide6/plugins/tls/qschannelbackend.dll",
        "PySide6/Qt/plugins/imageformats/libqtiff.dylib",
        "PySide6/opengl32sw.dll",
        "PySide6/d3dcompiler_47.dll",
        "botocore/data/ec2/2016-11-15/service-2.json.gz",
        "botocore/data/bedrock/2023-04-20/service-2.json.gz",  # the control plane, not runtime
        "botocore\\data\\s3\\2006-03-01\\service-2.json.gz",
        "botocore/cacert.pem",
        "pyside6_essentials-6.11.3.dist-info/RECORD",
        "platformdirs-4.14.7.dist-info/sboms/platformdirs.cdx.json",
        "PySide6/Qt/plugins/wayland-graphics-integration-client/libqt-plugin-wayland-egl.so",
        "dateutil/zoneinfo/dateutil-zoneinfo.tar.gz",
    ],
)
def test_drops_what_the_app_does_not_use(dest: str) -> None:
    assert rules.drop_reason(dest, linux=True) is not None
    assert rules.drop_reason(dest, linux=False) is not None


def test_botocore_uses_certifis_ca_bundle_so_its_own_can_go() -> None:
    import certifi
    from botocore.httpsession import get_cert_path

    assert get_cert_path(True) == certifi.where()


def test_botocore_reads_its_json_data_gzipped(tmp_path: Path) -> None:
    import gzip
    import json

    import botocore
    from botocore.loaders import Loader

    data = Path(botocore.__file__).parent / "data"
    names = ["botocore/data/endpoints.json", "botocore/data/sdk-default-configuration.json"]
    assert all(rules.gzipped_botocore_json(name) for name in names)
    assert not rules.gzipped_botocore_json("botocore/data/sts/2011-06-15/service-2.json.gz")
    for name in names:
        source = data / Path(name).name
        (tmp_path / (source.name + ".gz")).write_bytes(gzip.compress(source.read_bytes()))
    loader = Loader(extra_search_paths=[str(tmp_path)], include_default_search_paths=False)
    endpoints = loader.load_data("endpoints")
    assert endpoints == json.loads((data / "endpoints.json").read_text())
    assert loader.load_data("sdk-default-configuration")


@pytest.mark.parametrize(
    ("name", "host"),
    [
        ("libxcb-cursor.so.0", True),
        ("libxcb.so.1", True),
        ("libX11-xcb.so.1", True),
        ("libxkbcommon-x11.so.0", True),
        ("libfontconfig.so.1", True),
        ("libglib-2.0.so.0", True),
        ("libdbus-1.so.3", True),
        ("libGL.so.1", True),
        ("libstdc++.so.6", True),
        ("libwayland-client.so.0", True),
        ("libQt6XcbQpa.so.6", False),
        ("libQt6Gui.so.6", False),
        ("libpython3.11.so.1.0", False),
        ("libssl.so.3", False),
        ("libffi.so.8", False),
        ("libicuuc.so.73", False),
    ],
)
def test_host_libraries(name: str, host: bool) -> None:
    assert (rules.drop_reason(name, linux=True) == "host library") is host
    # Only top-level libraries, and only on Linux.
    assert rules.drop_reason(f"PySide6/{name}", linux=True) != "host library"
    assert rules.drop_reason(name, linux=False) is None


def test_the_app_imports_nothing_the_bundle_leaves_out() -> None:
    """Every module of the app imports in an interpreter where the excluded modules are
    missing, as in the bundle: a new import of, say, PySide6.QtNetwork must update
    bundle_rules. (httpx imports its CLI, and so click, only if it can: that is fine.)"""
    code = (
        "import importlib, pkgutil, sys\n"
        "excluded = set(sys.argv[1:])\n"
        "class LeftOut:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name in excluded or name.split('.')[0] in excluded:\n"
        "            raise ModuleNotFoundError(f'not in the bundle: {name}', name=name)\n"
        "sys.meta_path.insert(0, LeftOut())\n"
        "import claude_desktop\n"
        "for m in pkgutil.walk_packages(claude_desktop.__path__, 'claude_desktop.'):\n"
        "    importlib.import_module(m.name)\n"
        "import ziamath\n"  # imported when the first formula shows (ui/math_images.py)
        "ziamath.Latex('x^2', size=12).svg()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *rules.EXCLUDED_MODULES],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_a_cjk_encoding_without_its_codec_is_an_unknown_encoding_not_a_crash() -> None:
    """The bundle leaves out Python's CJK codecs: asking for one is a LookupError, which
    every caller of bytes.decode with a name from outside already handles."""
    code = (
        "import sys\n"
        "class LeftOut:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name in sys.argv[1:]:\n"
        "            raise ModuleNotFoundError(name, name=name)\n"
        "sys.meta_path.insert(0, LeftOut())\n"
        "for name in ('shift_jis', 'euc_kr', 'gbk', 'big5', 'iso2022_jp'):\n"
        "    try:\n"
        "        b'abc'.decode(name)\n"
        "    except LookupError as e:\n"
        "        print(e)\n"
        "print('cp1252', b'caf\\xe9'.decode('cp1252'))\n"
    )
    excluded = [m for m in rules.EXCLUDED_MODULES if m.startswith(("_codecs_", "_multibyte"))]
    result = subprocess.run(
        [sys.executable, "-I", "-c", code, *excluded], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == [
        *(f"unknown encoding: {name}" for name in ("shift_jis", "euc_kr", "gbk", "big5")),
        "unknown encoding: iso2022_jp",
        "cp1252 café",
    ]


# -- ICU data -------------------------------------------------------------------------------


def blob_of(names: list[str]) -> bytes:
    header = struct.pack("<HBB", 32, 0xDA, 0x27) + b"\0\0\0\0CmnD" + b"\0" * 20
    return icu.build_blob(header, [(n, n.encode() * 3) for n in names])


def test_icu_trim_keeps_what_qt_uses_and_drops_the_rest() -> None:
    names = sorted(
        [
            "icudt73l/ar_EG.res",
            "icudt73l/brkitr/word.brk",
            "icudt73l/cnvalias.icu",
            "icudt73l/coll/de.res",
            "icudt73l/curr/en.res",
            "icudt73l/en.res",
            "icudt73l/en_US_POSIX.res",
            "icudt73l/pool.res",
            "icudt73l/root.res",
            "icudt73l/supplementalData.res",
            "icudt73l/ibm-37_P100-1995.cnv",
            "icudt73l/ibm-943_P15A-2003.cnv",
            "icudt73l/icu-internal-compound-t.cnv",
            "icudt73l/lang/en.res",
            "icudt73l/rfc3491.spp",
            "icudt73l/unames.icu",
            "icudt73l/zone/en.res",
            "icudt73l/zoneinfo64.res",
        ]
    )
    small, removed = icu.trim(blob_of(names))
    kept = [name for name, _ in icu.items(small)]
    assert kept == [
        "icudt73l/ar_EG.res",
        "icudt73l/cnvalias.icu",
        "icudt73l/coll/de.res",
        "icudt73l/ibm-943_P15A-2003.cnv",
        "icudt73l/pool.res",
        "icudt73l/root.res",
        "icudt73l/supplementalData.res",
        "icudt73l/zone/en.res",
        "icudt73l/zoneinfo64.res",
    ]
    assert removed == 9
    for name, data in icu.items(small):
        assert data.rstrip(b"\0") == name.encode() * 3
    # Items stay 16-byte aligned, as ICU expects.
    header_size = struct.unpack_from("<H", small, 0)[0]
    count = struct.unpack_from("<I", small, header_size)[0]
    for i in range(count):
        _, offset = struct.unpack_from("<II", small, header_size + 4 + 8 * i)
        assert (header_size + offset) % 16 == 0


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("objdump") is None,
    reason="ICU is bundled (and trimmed) on Linux only; needs binutils",
)
def test_icu_library_round_trip(tmp_path: Path) -> None:
    import PySide6

    original = next((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    symbol, blob = icu.read_data(original)
    small_blob, _ = icu.trim(blob)
    out, summary = icu.trimmed_library(original, tmp_path)
    assert out.name == original.name and "MB ->" in summary
    symbol_after, blob_after = icu.read_data(out)
    assert symbol_after == symbol and blob_after == small_blob
    assert len(blob_after) < len(blob) * 0.6


#: Text in each legacy encoding a web browser decodes (the WHATWG Encoding Standard's list,
#: less ISO-8859-16, which ICU has no table for), as Python's codecs encode it.
LEGACY_TEXT = {
    "IBM866": "Привет",
    "ISO-8859-2": "Żółć",
    "ISO-8859-3": "Ħġ",
    "ISO-8859-4": "Ģķ",
    "ISO-8859-5": "Привет",
    "ISO-8859-6": "عربي",
    "ISO-8859-7": "Ελληνικά",
    "ISO-8859-8": "עברית",
    "ISO-8859-10": "Ŋŧ",
    "ISO-8859-13": "Łódź",
    "ISO-8859-14": "Ŵŷ",
    "ISO-8859-15": "€œ",
    "KOI8-R": "Привет",
    "KOI8-U": "Привіт",
    "macintosh": "café",
    "x-mac-cyrillic": "Привет",
    "windows-874": "ภาษาไทย",
    "windows-1250": "Żółć",
    "windows-1251": "Привет",
    "windows-1252": "café €",
    "windows-1253": "Ελληνικά",
    "windows-1254": "İğş",
    "windows-1255": "עברית",
    "windows-1256": "عربي",
    "windows-1257": "Łódź",
    "windows-1258": "Đươ",
    "GBK": "中文",
    "gb18030": "中文𠀀",
    "Big5": "繁體中文",
    "EUC-JP": "日本語",
    "ISO-2022-JP": "日本語です",
    "Shift_JIS": "日本語テキスト",
    "EUC-KR": "한국어",
}
#: Python's names for the two labels its codecs do not know.
PYTHON_CODEC = {"x-mac-cyrillic": "mac-cyrillic", "windows-874": "cp874"}

# Runs with the trimmed libicudata first on the library path (Qt's ICU finds its data
# library through RUNPATH, which LD_LIBRARY_PATH overrides): decodes each text through ICU,
# as Qt's QStringDecoder does, and prints what came out.
_DECODE_THROUGH_ICU = """
import ctypes, json, sys
from PySide6.QtCore import QStringDecoder
icu = ctypes.CDLL(sys.argv[1])
version = sys.argv[1].rsplit(".", 1)[-1]
open_ = getattr(icu, "ucnv_open_" + version)
open_.restype = ctypes.c_void_p
to_uchars = getattr(icu, "ucnv_toUChars_" + version)
to_uchars.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int32, ctypes.c_char_p,
                      ctypes.c_int32, ctypes.POINTER(ctypes.c_int)]
out = {}
for label, data in json.loads(sys.stdin.read()).items():
    status = ctypes.c_int(0)
    converter = open_(label.encode(), ctypes.byref(status))
    if not converter or not QStringDecoder(label).isValid():
        out[label] = None
        continue
    raw = bytes.fromhex(data)
    buffer = ctypes.create_string_buffer(4 * len(raw) + 8)
    n = to_uchars(converter, buffer, 2 * len(raw) + 4, raw, len(raw), ctypes.byref(status))
    out[label] = buffer.raw[: 2 * n].decode("utf-16-le")
print(json.dumps(out))
"""


needs_bundled_icu = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("objdump") is None,
    reason="ICU is bundled (and trimmed) on Linux only; needs binutils",
)


def _qt_lib() -> Path:
    import PySide6

    return Path(PySide6.__file__).parent / "Qt" / "lib"


@pytest.fixture(scope="module")
def trimmed_icu(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the trimmed libicudata, as the bundle carries it."""
    folder = tmp_path_factory.mktemp("icu")
    icu.trimmed_library(next(_qt_lib().glob("libicudata.so.*")), folder)
    return folder


def _python(code: str, *args: str, icu_data_folder: Path | None, stdin: str = "") -> str:
    import os

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if icu_data_folder is not None:
        env["LD_LIBRARY_PATH"] = str(icu_data_folder)
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout


@needs_bundled_icu
def test_trimmed_icu_decodes_every_legacy_encoding_a_browser_does(trimmed_icu: Path) -> None:
    assert _decoded_through_icu(trimmed_icu) == LEGACY_TEXT


def _decoded_through_icu(icu_data_folder: Path) -> dict[str, str | None]:
    """LEGACY_TEXT, encoded by Python and decoded by ICU with the given folder's data."""
    import json

    encoded = {
        label: text.encode(PYTHON_CODEC.get(label, label)).hex()
        for label, text in LEGACY_TEXT.items()
    }
    libicuuc = str(next(_qt_lib().glob("libicuuc.so.*")))
    out = _python(
        _DECODE_THROUGH_ICU, libicuuc, icu_data_folder=icu_data_folder, stdin=json.dumps(encoded)
    )
    decoded: dict[str, str | None] = json.loads(out)
    return decoded


# Prints, for every locale Qt has, all Qt computes through ICU: collation, case mapping and
# time-zone names of every kind (their GMT forms use the locale's digits).
_QT_THROUGH_ICU = """
from PySide6.QtCore import QCoreApplication, QCollator, QLocale, QTimeZone
app = QCoreApplication([])
pairs = [("ä", "z"), ("a", "B"), ("ch", "d"), ("ö", "o"), ("å", "z"), ("ı", "j"), ("中", "日"),
         ("ñ", "o"), ("ll", "m"), ("ə", "f"), ("ß", "t"), ("あ", "ア"), ("가", "나")]
zones = [QTimeZone(z) for z in (b"Europe/Berlin", b"America/New_York", b"Asia/Kolkata",
         b"Etc/GMT+3", b"Asia/Tehran", b"Australia/Lord_Howe", b"UTC")]
kinds = [(t, n) for t in QTimeZone.TimeType for n in QTimeZone.NameType]
everywhere = QLocale.matchingLocales(
    QLocale.Language.AnyLanguage, QLocale.Script.AnyScript, QLocale.Country.AnyCountry
)
for name in sorted({locale.name() for locale in everywhere}):
    locale = QLocale(name)
    collator = QCollator(locale)
    print(name, [collator.compare(a, b) for a, b in pairs], locale.toUpper("iıß ǆ"),
          locale.toLower("IİΣΑΣ"), [z.displayName(t, n, locale) for z in zones for t, n in kinds])
"""


@needs_bundled_icu
def test_trimmed_icu_answers_qt_as_the_full_data_does(trimmed_icu: Path) -> None:
    full = _python(_QT_THROUGH_ICU, icu_data_folder=None).splitlines()
    trimmed = _python(_QT_THROUGH_ICU, icu_data_folder=trimmed_icu).splitlines()
    assert len(full) > 500
    assert [line for line in trimmed if line not in full] == []
    assert trimmed == full


@needs_bundled_icu
def test_the_icu_checks_read_the_data_they_are_given(tmp_path: Path) -> None:
    """Negative control for the two checks above: a libicudata without its converters and
    its collation rules, in the folder they put on the library path, fails both. So the data
    they check is that folder's, not the full library beside Qt's."""
    source = next(_qt_lib().glob("libicudata.so.*"))
    symbol, blob = icu.read_data(source)
    header_size = struct.unpack_from("<H", blob, 0)[0]
    kept = [(n, d) for n, d in icu.items(blob) if not n.endswith(".cnv") and "/coll/" not in n]
    icu.write_library(
        symbol, icu.build_blob(blob[:header_size], kept), source.name, tmp_path / source.name
    )
    decoded = _decoded_through_icu(tmp_path)
    assert decoded["Shift_JIS"] is None and decoded["IBM866"] is None, decoded
    full = _python(_QT_THROUGH_ICU, icu_data_folder=None).splitlines()
    without_collation = _python(_QT_THROUGH_ICU, icu_data_folder=tmp_path).splitlines()
    assert len(without_collation) == len(full)
    assert without_collation != full


# -- Icons and the desktop entry ------------------------------------------------------------


def test_icons_decode_at_every_size(qapp: object) -> None:
    from PySide6.QtGui import QImageReader

    from claude_desktop.resources import ICON_SIZES, app_icon

    def sizes(path: Path) -> list[int]:
        reader = QImageReader(str(path))
        out = []
        for i in range(reader.imageCount()):
            reader.jumpToImage(i)
            image = reader.read()
            assert not image.isNull() and image.hasAlphaChannel(), f"{path} #{i}"
            out.append(image.width())
        return out

    assert sizes(ROOT / "resources" / "claude-desktop.ico") == [16, 24, 32, 48, 64, 128, 256]
    assert sizes(ROOT / "resources" / "claude-desktop.icns") == [
        32, 64, 128, 256, 256, 512, 512, 1024
    ]  # fmt: skip
    for n in (16, 24, 32, 48, 64, 128, 256, 512):
        png = ROOT / "resources" / "icons" / "hicolor" / f"{n}x{n}" / "apps" / f"{APP_ID}.png"
        assert sizes(png) == [n]
    assert sorted(s.width() for s in app_icon().availableSizes()) == list(ICON_SIZES)


def test_desktop_entry() -> None:
    path = PACKAGING / "linux" / f"{APP_ID}.desktop"
    entry = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    assert entry["Exec"] == "claude-desktop %F"
    assert entry["Icon"] == APP_ID
    assert set(entry["MimeType"].strip(";").split(";")) == {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
    }
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(
            ["desktop-file-validate", str(path)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0 and not result.stdout, result.stdout


# -- patchelf's holes -------------------------------------------------------------------------

elf = load("elf_gaps")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF libraries: Linux only")
def test_closing_the_hole_in_pillows_libxau_keeps_it_loadable(tmp_path: Path) -> None:
    import PIL

    libs = Path(PIL.__file__).parent.parent / "pillow.libs"
    libxau = next(libs.glob("libXau-*.so*"), None)
    if libxau is None:
        pytest.skip("this Pillow wheel carries no libXau")
    small = elf.compacted(libxau, tmp_path)
    assert small is not None
    assert small.stat().st_size < libxau.stat().st_size - elf.MIN_HOLE
    # The loader maps it and its functions run (the file name of X's authority file).
    code = (
        "import ctypes, sys; lib = ctypes.CDLL(sys.argv[1]);"
        " lib.XauFileName.restype = ctypes.c_char_p; print(lib.XauFileName().decode())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(small)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip()
    # A library without a hole is left as it is.
    jpeg = next(libs.glob("libjpeg-*.so*"))
    assert elf.compacted(jpeg, tmp_path / "jpeg") is None
    assert elf.close_hole(b"not an ELF file") == b"not an ELF file"


# -- Wheels' own copies of libraries the bundle carries anyway ---------------------------------


def _system_library(soname: str) -> Path | None:
    """Where the loader finds `soname` on this machine (the build takes the bundle's from there)."""
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    out = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        if line.strip().startswith(soname + " ") and "=>" in line:
            return Path(line.split("=>", 1)[1].strip())
    return None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF libraries: Linux only")
def test_pillows_copies_of_zstd_and_lzma_become_links_to_the_bundles(tmp_path: Path) -> None:
    import PIL

    libs = Path(PIL.__file__).parent.parent / "pillow.libs"
    libtiff = next(libs.glob("libtiff-*.so*"), None)
    zstd, lzma = _system_library("libzstd.so.1"), _system_library("liblzma.so.5")
    if libtiff is None or zstd is None or lzma is None:
        pytest.skip("this Pillow wheel carries no libtiff, or the system has no zstd or lzma")
    vendored = {p.name: p for p in libs.glob("lib*.so*")}
    binaries = [(f"pillow.libs/{name}", str(path)) for name, path in vendored.items()]
    binaries += [("libzstd.so.1", str(zstd)), ("liblzma.so.5", str(lzma))]
    linked = rules.vendored_duplicates(binaries)
    assert {Path(dest).name.split("-")[0] for dest in linked} == {"libzstd", "liblzma"}
    assert sorted(linked.values()) == ["liblzma.so.5", "libzstd.so.1"]
    # A library of that soname lacking what libtiff takes from the copy is no replacement.
    impostor = [(d, s) for d, s in binaries if d != "libzstd.so.1"] + [("libzstd.so.1", str(lzma))]
    assert sorted(rules.vendored_duplicates(impostor).values()) == ["liblzma.so.5"]

    # Laid out as the bundle is, libtiff loads with every symbol bound at once.
    (tmp_path / "pillow.libs").mkdir()
    for name, path in vendored.items():
        dest = tmp_path / "pillow.libs" / name
        if f"pillow.libs/{name}" in linked:
            dest.symlink_to(Path("..") / linked[f"pillow.libs/{name}"])
        else:
            shutil.copy(path, dest)
    shutil.copy(zstd, tmp_path / "libzstd.so.1")
    shutil.copy(lzma, tmp_path / "liblzma.so.5")
    code = "import ctypes, sys; ctypes.CDLL(sys.argv[1]); print('loaded')"
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "pillow.libs" / libtiff.name)],
        capture_output=True,
        text=True,
        check=True,
        env={"LD_BIND_NOW": "1", "PATH": "/usr/bin:/bin"},
    )
    assert out.stdout.strip() == "loaded"


# -- Python modules the bundle leaves out, in use -------------------------------------------

_LEFT_OUT = (
    "import sys\n"
    "excluded = set(sys.argv[1:])\n"
    "class LeftOut:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if any(name == m or name.startswith(m + '.') for m in excluded):\n"
    "            raise ModuleNotFoundError(f'not in the bundle: {name}', name=name)\n"
    "sys.meta_path.insert(0, LeftOut())\n"
)


def _run_without_excluded(code: str) -> str:
    """Runs `code` where the modules the bundle leaves out are missing; returns its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", _LEFT_OUT + code, *rules.EXCLUDED_MODULES],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_images_are_read_as_before_without_pillows_other_formats() -> None:
    """The app reads JPEG (EXIF-rotated too), PNG, GIF (animated too) and WebP, and draws
    thumbnails with Image.open's every-format probe: none of that needs the left-out plugins.
    Other formats were refused by their first bytes before, and still are."""
    code = """
import io
from PIL import Image
from claude_desktop.domain.attachments import prepare_bytes
from claude_desktop.domain.question_attachments import _scaled
out = []
def save(fmt, **kw):
    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1000), "#d97757").save(buffer, fmt, **kw)
    return buffer.getvalue()
exif = Image.Exif()
exif[0x0112] = 6
frames = [Image.new("RGB", (40, 30), c) for c in ("red", "green", "blue")]
gif = io.BytesIO()
frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:])
samples = {"a.jpg": save("JPEG", exif=exif), "a.png": save("PNG"), "a.webp": save("WEBP"),
           "a.gif": gif.getvalue()}
for name, data in samples.items():
    a = prepare_bytes(name, data)
    out.append(f"{name} {a.kind} {a.width}x{a.height} {bool(a.note)}")
    out.append(f"thumb {_scaled(data, 64, 64).width}")
for name, head in (("a.bmp", b"BM"), ("a.tif", b"II*\\0"), ("a.ico", b"\\0\\0\\1\\0")):
    try:
        out.append(f"{name} {prepare_bytes(name, head + bytes(200)).kind}")
    except Exception as e:
        out.append(f"{name} {type(e).__name__}: {e}")
print("\\n".join(out))
"""
    lines = _run_without_excluded(code).splitlines()
    assert lines[:8] == [
        "a.jpg image 784x1568 False",  # turned upright by its EXIF orientation
        "thumb 64",
        "a.png image 1568x784 False",
        "thumb 64",
        "a.webp image 1568x784 False",
        "thumb 64",
        "a.gif image 40x30 True",  # "Only the first frame of the animation is sent."
        "thumb 40",
    ]
    # As with every plugin present (the app sniffs the four formats by their first bytes).
    with_all = subprocess.run(
        [sys.executable, "-c", _LEFT_OUT + code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert lines == with_all
    assert [line.split(":")[0] for line in lines[8:]] == [
        f"a.{ext} AttachmentError" for ext in ("bmp", "tif", "ico")
    ]


def test_vertex_and_bedrock_sign_without_pyasn1_and_multiprocessing() -> None:
    """google-auth signs a service account's JWT with cryptography (its `rsa` path, the one
    that needs pyasn1, is for the `rsa` package, not installed); botocore signs SigV4."""
    code = """
import json
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
import google.auth.crypt, google.auth.jwt
from google.oauth2 import service_account
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption()).decode()
info = {"type": "service_account", "client_email": "a@b.iam.gserviceaccount.com",
        "private_key": pem, "private_key_id": "1", "token_uri": "https://oauth2.example/token"}
creds = service_account.Credentials.from_service_account_info(info)
token = google.auth.jwt.encode(creds.signer, {"iss": "a"})
print(google.auth.jwt.decode(token, verify=False)["iss"])
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
request = AWSRequest(method="POST", url="https://bedrock-runtime.us-east-1.amazonaws.com/x",
                     data=b"{}")
SigV4Auth(Credentials("AKIDEXAMPLE", "secret"), "bedrock", "us-east-1").add_auth(request)
print(request.headers["Authorization"].split()[0])
import sys
print(sorted(m for m in sys.modules if m.startswith(("pyasn1", "multiprocessing"))))
"""
    assert _run_without_excluded(code).splitlines() == ["a", "AWS4-HMAC-SHA256", "[]"]


def test_dateutils_time_zone_database_is_left_out_and_botocore_needs_none() -> None:
    assert rules.drop_reason("dateutil/zoneinfo/dateutil-zoneinfo.tar.gz", linux=True)
    code = """
import warnings
warnings.simplefilter("error")
import dateutil.zoneinfo
# As in the bundle: the database is not there (dateutil warns, an error here, if it is read).
dateutil.zoneinfo.ZONEFILENAME = "left-out.tar.gz"
from botocore.utils import parse_timestamp
print(parse_timestamp("2026-11-30T09:41:05Z").isoformat())
"""
    assert _run_without_excluded(code).strip() == "2026-11-30T09:41:05+00:00"


# -- Wayland without Qt's EGL client-buffer integration ---------------------------------------

_WIDGETS_ON_WAYLAND = """
import sys
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QTextBrowser, QVBoxLayout, QWidget
app = QApplication([])
window = QWidget()
layout = QVBoxLayout(window)
layout.addWidget(QLabel("label"))
browser = QTextBrowser()
browser.setHtml("<h1>Title</h1><pre>code</pre><table><tr><td>cell</td></tr></table>")
layout.addWidget(browser)
window.resize(600, 400)
window.show()
menu = QMenu(window)
menu.addAction("item")
menu.popup(window.mapToGlobal(window.rect().center()))
grabbed = window.grab()
import time
deadline = time.monotonic() + 10
# Drawn on the compositor's surface, not only into a pixmap: wait until it is exposed.
while not window.windowHandle().isExposed() and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.01)
for _ in range(20):
    app.processEvents()
maps = open("/proc/self/maps").read()
print(app.platformName(), window.windowHandle().isExposed(), grabbed.width(),
      "wayland-egl" in maps, "libQt6OpenGL" in maps)
"""


@pytest.mark.skipif(shutil.which("weston") is None, reason="needs Weston (a Wayland compositor)")
def test_widgets_on_wayland_never_load_the_egl_integration(tmp_path: Path) -> None:
    """The bundle leaves out wayland-egl and libQt6OpenGL: on a compositor that takes GL
    surfaces, shown widgets, text and a popup menu load neither (they draw into wl_shm)."""
    import os
    import time

    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    weston = subprocess.Popen(
        ["weston", "--backend=headless-backend.so", "--use-gl", "--socket=wayland-test"],
        env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not (runtime / "wayland-test").exists():
            assert weston.poll() is None and time.monotonic() < deadline, "weston did not start"
            time.sleep(0.05)  # a compositor's socket: no signal to wait on
        env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "WAYLAND_DISPLAY": "wayland-test"}
        env["QT_QPA_PLATFORM"] = "wayland"
        out = subprocess.run(
            [sys.executable, "-c", _WIDGETS_ON_WAYLAND],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            timeout=60,
        ).stdout
    finally:
        weston.terminate()
        weston.wait(timeout=10)
    assert out.split() == ["wayland", "True", "600", "False", "False"]


# -- base_library.zip's codecs, deflated --------------------------------------------------------

base_library = load("base_library")


def test_base_library_codecs_are_deflated_and_still_import(tmp_path: Path) -> None:
    """The same entries in the same order; the codecs deflated but those every start needs;
    a deflated codec imports from the zip (zipimport then loads zlib) and decodes."""
    import encodings
    import py_compile
    import zipfile

    source = tmp_path / "stored.zip"
    stdlib = Path(encodings.__file__).parent
    names = ["os.pyc", "encodings/__init__.pyc", "encodings/utf_8.pyc", "encodings/koi8_r.pyc"]
    names += ["encodings/cp1252.pyc"]
    with zipfile.ZipFile(source, "w") as zf:
        for name in names:
            py = stdlib.parent / name.replace(".pyc", ".py")
            compiled = py_compile.compile(str(py), cfile=str(tmp_path / "c.pyc"), doraise=True)
            zf.write(compiled, name)
    small = base_library.compressed(source, tmp_path / "base_library.zip")
    assert small.stat().st_size < source.stat().st_size
    with zipfile.ZipFile(small) as zf:
        methods = {i.filename: i.compress_type for i in zf.infolist()}
    assert list(methods) == names
    assert [n for n, m in methods.items() if m == zipfile.ZIP_DEFLATED] == [
        "encodings/koi8_r.pyc",
        "encodings/cp1252.pyc",
    ]
    code = (
        "import sys, encodings, codecs\n"
        "encodings.__path__[:] = [sys.argv[1] + '/encodings']\n"
        "print(b'\\xf0\\xd2\\xc9\\xd7\\xc5\\xd4'.decode('koi8_r'), b'caf\\xe9'.decode('cp1252'))\n"
        "print(sys.modules['encodings.koi8_r'].__file__.startswith(sys.argv[1]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", code, str(small)], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines() == ["Привет café", "True"]
