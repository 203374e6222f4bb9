"""What the bundle leaves out, and why: used by the spec to filter what PyInstaller collected.

PyInstaller collects every Qt plugin of each Qt module it sees, every translation, and
every shared library those link to, system ones included. This module names what the app
does not need and why; `claude-desktop.spec` applies it. Everything here was measured on
Linux (see the README's Packaging section); the Qt plugin and module rules apply on every
platform, the host-library rule on Linux only.
"""

from __future__ import annotations

import functools
import re
import subprocess
from collections.abc import Iterable
from pathlib import PurePosixPath

#: Modules the app needs although nothing imports them at start-up, which no rule here may
#: leave out: httpcore imports socksio (SOCKS5 proxies, e.g. ALL_PROXY=socks5://…, a common
#: corporate setup) in httpcore/_async/socks_proxy.py, statically, so PyInstaller finds it
#: without a hidden import; tests/test_bundle_network.py checks that no exclusion drops it.
REQUIRED_MODULES = ["socksio", "httpcore._async.socks_proxy", "h2.connection"]

#: Pillow's format plugins the bundle leaves out (see EXCLUDED_MODULES), by name.
# fmt: off
_UNUSED_PILLOW_FORMATS = (
    "Blp", "BufrStub", "Cur", "Dcx", "Dds", "Eps", "Fits", "Fli", "Fpx", "Ftex", "Gbr",
    "GribStub", "Hdf5Stub", "Icns", "Ico", "Im", "Imt", "Iptc", "Jpeg2K", "McIdas", "Mic",
    "Mpeg", "Msp", "Palm", "Pcd", "Pcx", "Pdf", "Pixar", "Psd", "Qoi", "Sgi", "Spider", "Sun",
    "Tga", "Wmf", "XVThumb", "Xbm", "Xpm",
)
# fmt: on

#: Python modules PyInstaller would otherwise collect although the app never imports them.
EXCLUDED_MODULES = [
    # Tk: nothing uses it; PyInstaller would bring a whole Tcl/Tk runtime with it.
    "tkinter",
    "_tkinter",
    # Tests and test frameworks (the dev group shares the build's venv).
    "unittest",
    "doctest",
    "test",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    # httpx's terminal client (`httpx URL`), and what only it imports: click and rich
    # (rich brings markdown-it and pydoc). httpx falls back when _main is missing.
    "httpx._main",
    "click",
    "rich",
    "markdown_it",
    "mdurl",
    "pydoc",
    # Python's CJK codecs (Shift_JIS, EUC-KR, GBK, Big5, ISO-2022...: 0.9 MB). The app
    # decodes text as UTF-8/16/32, cp1252 or Latin-1 (domain/attachments/text.py) and talks
    # UTF-8 to the API and to MCP servers; pypdf would use them only to extract text, which
    # the app does not. Without them such a name is Python's "unknown encoding" LookupError.
    "_multibytecodec",
    "_codecs_cn",
    "_codecs_hk",
    "_codecs_iso2022",
    "_codecs_jp",
    "_codecs_kr",
    "_codecs_tw",
    # Pillow's extensions the app never uses (it decodes, downscales and re-encodes JPEG,
    # PNG, GIF and WebP): AVIF (libavif alone is 4.9 MB), FreeType text rendering (with
    # HarfBuzz), colour management (lcms2) and Tk. Their libraries fall away with them.
    "PIL._avif",
    "PIL.AvifImagePlugin",
    "PIL._imagingft",
    "PIL.ImageFont",
    "PIL._imagingcms",
    "PIL.ImageCms",
    "PIL._imagingtk",
    "PIL.ImageTk",
    # Pillow's readers of formats the app never opens: it takes JPEG, PNG, GIF and WebP only
    # (sniffed by their first bytes, then opened with Image.open(formats=[...]): domain/
    # attachments/images.py). Kept: those, with MPO (JPEG's multi-picture form) and TIFF
    # (EXIF), and BMP and PPM, which Image.preinit asks for. Image.init skips a missing one.
    *(f"PIL.{name}ImagePlugin" for name in _UNUSED_PILLOW_FORMATS),
    "PIL.PdfParser",  # PdfImagePlugin's
    # google-auth's RSA through the `rsa` package, for `rsa.key` objects only: `rsa` is not
    # installed (google-auth signs with cryptography), so it could never import; pyasn1 and
    # pyasn1_modules come along only for it.
    "google.auth.crypt._python_rsa",
    "pyasn1",
    "pyasn1_modules",
    # Processes: nothing in the app or its libraries starts one with multiprocessing or
    # ProcessPoolExecutor (asyncio.to_thread uses threads); PyInstaller would also run its
    # multiprocessing hook at every start.
    "multiprocessing",
    "concurrent.futures.process",
    # decimal's pure-Python fallback, used only when its C module (_decimal, bundled) is not.
    "_pydecimal",
    # Bindings of Qt modules the app does not import (it uses QtCore, QtGui, QtWidgets, and
    # QtNetwork for the local socket a second launch hands its files over: instance.py).
    # Their C++ libraries still come along where Qt links them: Qt Gui links Qt DBus.
    "PySide6.QtDBus",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtMultimedia",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.Qt3DCore",
    "PySide6.QtPdf",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtUiTools",
    "PySide6.QtDesigner",
]

ALL = "*"

#: Qt plugins left out, by plugin directory: a set of plugin names (the file name without a
#: "lib" prefix and without its extension), or ALL. Directories not named here are kept whole.
DROPPED_QT_PLUGINS: dict[str, str | frozenset[str]] = {
    # Embedded and remote platforms. A desktop app runs on xcb, wayland, windows or cocoa,
    # and offscreen for --self-test.
    "platforms": frozenset(
        {"qeglfs", "qlinuxfb", "qminimal", "qminimalegl", "qvnc", "qvkkhrdisplay", "qdirect2d"}
    ),
    "egldeviceintegrations": ALL,  # for eglfs only
    "generic": ALL,  # evdev and tuio input, for eglfs and linuxfb
    # GTK 3's palette and dialogs: it links GTK 3, GDK, cairo, pango, atk, epoxy... (21 MB of
    # host libraries). The xdg-desktop-portal theme, kept, gives dark mode and native file
    # dialogs on GNOME and KDE through D-Bus instead.
    "platformthemes": frozenset({"qgtk3"}),
    # Qt's own networking (TLS backends, network-state monitors): the app talks HTTP with httpx.
    "tls": ALL,
    "networkinformation": ALL,
    # Image formats the app never reads. Kept: PNG (built in), JPEG, GIF and WebP (images a
    # person attaches), SVG (icon themes, with iconengines/qsvgicon), ICO.
    "imageformats": frozenset({"qtiff", "qtga", "qwbmp", "qicns", "qpdf"}),
    # Wayland: desktops speak xdg-shell; the other shells are for embedded compositors.
    "wayland-shell-integration": frozenset(
        {"fullscreen-shell-v1", "ivi-shell", "qt-shell", "wl-shell-plugin"}
    ),
    # Client-buffer integrations give Wayland windows OpenGL surfaces (wayland-egl, which
    # brings libQt6OpenGL: 0.8 MB); server-buffer ones serve clients of Qt's own compositor.
    # Qt loads a client-buffer integration only when a window asks for OpenGL, which no
    # widget of the app does: widgets draw on the CPU into shared memory (wl_shm), and the
    # window never loads it (checked under Weston, with and without GL: check_bundle.py).
    # Were one ever asked for, Qt reports the integration missing and OpenGL unavailable.
    "wayland-graphics-integration-client": ALL,
    # Needs Qt Quick, which is not bundled.
    "platforminputcontexts": frozenset({"qtvirtualkeyboardplugin"}),
}

#: Libraries left out by file name: each is for something the app does not do.
DROPPED_LIBRARIES = re.compile(
    r"""^(
        # Windows: Mesa's software OpenGL (20 MB) and the D3D shader compiler are for
        # Qt Quick and OpenGL without a GPU driver; the widgets draw with the CPU.
        opengl32sw\.dll | d3dcompiler_\d+\.dll
    )$""",
    re.VERBOSE | re.IGNORECASE,
)

#: Linux libraries taken from the host instead of bundled, and named in the .deb's Depends:
#: they talk to the display server, the fonts' configuration, the session bus or the GPU
#: driver, so the host's own copy must be used (a bundled GLib or fontconfig older than the
#: host's breaks on its modules and configuration files). Every desktop Linux has them.
#: The C++ runtime too: the host's GPU driver, loaded by libGL, may need a newer one than
#: the build machine's, and the host's is always new enough for Qt's manylinux build.
HOST_LIBRARIES = re.compile(
    r"""^(
        libstdc\+\+ | libgcc_s |
        libX11 | libX11-xcb | libX(au|dmcp|ext|render|i|fixes|cursor|randr|inerama|composite|damage)
        | libxcb(-[a-z0-9-]+)? | libxkbcommon(-x11)?
        | libfontconfig | libfreetype
        | libglib-2\.0 | libgobject-2\.0 | libgio-2\.0 | libgmodule-2\.0 | libgthread-2\.0
        | libdbus-1 | libsystemd
        | libEGL | libGL | libGLX | libGLdispatch | libOpenGL | libdrm | libgbm
        | libwayland-(client|cursor|egl|server)
    )\.so(\.\d+)*$""",
    re.VERBOSE,
)


#: botocore's data folder holds a model for each of its ~440 AWS services (30 MB). The app
#: talks to one: bedrock-runtime; the credential chain may call STS (assumed roles, web
#: identity) and SSO/SSO-OIDC (`aws sso login` sessions). Files at the top of data/ (the
#: endpoints and partitions tables, retry and default configuration) are all kept.
BOTOCORE_SERVICES = frozenset({"bedrock-runtime", "sts", "sso", "sso-oidc"})


def botocore_data_service(dest: str) -> str | None:
    """The service whose model `dest` is, for a file under botocore/data/<service>/; else None."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if parts[:2] == ("botocore", "data") and len(parts) > 3:
        return parts[2]
    return None


def gzipped_botocore_json(dest: str) -> bool:
    """Whether `dest` is one of botocore's JSON data files, which the bundle carries gzipped.

    botocore's loader reads `name.json` or else `name.json.gz` (most of its service models
    ship gzipped already); its endpoints table is 1.25 MB of JSON, 0.1 MB gzipped, read once
    per session.
    """
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    return parts[:2] == ("botocore", "data") and parts[-1].endswith(".json")


def qt_plugin_of(dest: str) -> tuple[str, str] | None:
    """(directory, name) if `dest` is a Qt plugin in the bundle, else None.

    e.g. "PySide6/Qt/plugins/platforms/libqxcb.so" -> ("platforms", "qxcb");
    on Windows "PySide6/plugins/platforms/qwindows.dll" -> ("platforms", "qwindows").
    """
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if "plugins" not in parts[:-2] or parts[0] != "PySide6":
        return None
    i = len(parts) - 1 - parts[::-1].index("plugins")
    if len(parts) != i + 3:
        return None
    name = parts[-1].split(".")[0]
    if name.startswith("lib"):
        name = name[3:]
    return parts[i + 1], name


def drop_reason(dest: str, *, linux: bool) -> str | None:
    """Why the bundle leaves out the binary or data file at `dest`, or None to keep it."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if parts[:1] == ("PySide6",) and "translations" in parts:
        # Qt's own UI strings, used only through a QTranslator, which the app never installs.
        return "Qt translation"
    if (
        len(parts) > 1
        and parts[0].endswith(".dist-info")
        and (parts[1] == "sboms" or parts[1:] == ("RECORD",))
    ):
        # Package metadata is kept for the About dialog's licenses (METADATA and the license
        # files) and keyring's entry points; the list of installed files (RECORD) and the
        # software bills of materials describe a site-packages install, not this bundle.
        return "package file list or SBOM"
    if parts == ("dateutil", "zoneinfo", "dateutil-zoneinfo.tar.gz"):
        # dateutil's copy of the time-zone database, for tz.gettz on a system without one;
        # botocore, its only user here, asks for UTC and the local zone (tz.tzutc, tz.tzlocal).
        return "dateutil's time-zone database"
    if parts == ("botocore", "cacert.pem"):
        # botocore's own CA bundle, used only when certifi is missing; certifi is bundled.
        return "botocore's CA bundle (it uses certifi's)"
    service = botocore_data_service(dest)
    if service is not None and service not in BOTOCORE_SERVICES:
        return "botocore model of an unused AWS service"
    plugin = qt_plugin_of(dest)
    if plugin is not None:
        directory, name = plugin
        dropped = DROPPED_QT_PLUGINS.get(directory)
        if dropped == ALL or (dropped is not None and name in dropped):
            return f"Qt plugin {directory}/{name}"
        return None
    base = parts[-1]
    if DROPPED_LIBRARIES.match(base):
        return "unused library"
    if linux and len(parts) == 1 and HOST_LIBRARIES.match(base):
        return "host library"
    return None


def needed_libraries(path: str) -> list[str]:
    """The DT_NEEDED entries of an ELF file (what it links to directly), via objdump."""
    return re.findall(r"^\s*NEEDED\s+(\S+)", _objdump("-p", path), re.MULTILINE)


def _is_library(dest: str) -> bool:
    """A shared library other than a Python extension module or a Qt plugin."""
    path = PurePosixPath(dest.replace("\\", "/"))
    name = path.name
    if not (name.startswith("lib") and ".so" in name) or "plugins" in path.parts:
        return False
    if name.endswith(".abi3.so") or ".cpython-" in name or "lib-dynload" in path.parts:
        return False  # a Python extension module
    return not name.startswith("libpython")  # loaded by the bootloader, not linked


def unreferenced_libraries(binaries: Iterable[tuple[str, str]]) -> set[str]:
    """Libraries in `binaries` ((dest, source) pairs) that nothing kept links to.

    Once the host libraries are gone, what only they linked to (libpcre2 for GLib, libbsd
    for libXdmcp, Qt's EGLFS support for the dropped eglfs plugin...) is dead weight, and
    worse: the host's copies would load these older bundled ones. Roots are everything but
    shared libraries: extension modules, Qt plugins, libpython. Linux only (ELF, objdump).
    """
    entries = list(binaries)
    libraries = {dest: source for dest, source in entries if _is_library(dest)}
    by_name: dict[str, list[str]] = {}
    for dest in libraries:
        by_name.setdefault(PurePosixPath(dest).name, []).append(dest)
    reached: set[str] = set()
    queue = [source for dest, source in entries if dest not in libraries]
    seen: set[str] = set()
    while queue:
        source = queue.pop()
        if source in seen:
            continue
        seen.add(source)
        for name in needed_libraries(source):
            for dest in by_name.get(name, []):
                if dest not in reached:
                    reached.add(dest)
                    queue.append(libraries[dest])
    return set(libraries) - reached


#: auditwheel's name for a library it copied into a wheel: libzstd-40ad5e7e.so.1.5.7 (the
#: library's name, a hash, then its full version).
_VENDORED = re.compile(r"^(lib.+?)-[0-9a-f]{8}\.so\.(\d+)(?:\.\d+)*$")


@functools.cache  # a build asks about the same files again (623 runs for 396 of them)
def _objdump(option: str, path: str) -> str:
    return subprocess.run(
        ["objdump", option, path], capture_output=True, text=True, check=False
    ).stdout


def _dynamic_symbols(path: str) -> tuple[set[str], set[str]]:
    """(defined, undefined) names in an ELF file's dynamic symbol table."""
    defined: set[str] = set()
    undefined: set[str] = set()
    for line in _objdump("-T", path).splitlines():
        fields = line.split()
        if len(fields) < 4 or not re.fullmatch(r"[0-9a-f]{8,16}", fields[0]):
            continue
        (undefined if "*UND*" in fields else defined).add(fields[-1])
    return defined, undefined


def _version_definitions(path: str) -> set[str]:
    out = _objdump("-p", path)
    block = out.split("Version definitions:", 1)[1] if "Version definitions:" in out else ""
    block = block.split("Version References:", 1)[0]
    return set(re.findall(r"^\d+ 0x[0-9a-f]+ 0x[0-9a-f]+ (\S+)", block, re.MULTILINE))


def _version_references(path: str, library: str) -> set[str]:
    """The symbol versions the ELF file at `path` requires from `library` (a file name)."""
    out = _objdump("-p", path)
    block = out.split("Version References:", 1)[1] if "Version References:" in out else ""
    found: set[str] = set()
    current = None
    for line in block.splitlines():
        required = re.match(r"\s*required from (\S+):", line)
        if required:
            current = required.group(1)
        elif current == library and line.split():
            found.add(line.split()[-1])
    return found


def vendored_duplicates(binaries: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Wheels' own copies of a library the bundle carries anyway: {dest: dest to use instead}.

    auditwheel gives a wheel its own renamed copy of each library it links: Pillow's libtiff
    brings libzstd-40ad5e7e.so.1.5.7 and liblzma-de26b416.so.5.8.4, while Qt and Python's
    _lzma bring the build machine's libzstd.so.1 and liblzma.so.5: the same libraries twice.
    A copy is replaced (by a symbolic link, so the loader still finds it by the name its
    users ask for) when a bundled library at the top of the bundle has its soname (the name
    without the hash, down to the major version) and defines every symbol and symbol version
    the copy's users take from the copy. Linux only (ELF, objdump).
    """
    entries = list(binaries)
    top = {dest: source for dest, source in entries if "/" not in dest.replace("\\", "/")}
    replaced: dict[str, str] = {}
    for dest, source in entries:
        path = PurePosixPath(dest.replace("\\", "/"))
        match = _VENDORED.match(path.name)
        if match is None or len(path.parts) == 1:
            continue
        soname = f"{match.group(1)}.so.{match.group(2)}"
        if soname not in top:
            continue
        users = [s for _, s in entries if path.name in needed_libraries(s)]
        provided, _ = _dynamic_symbols(source)
        available, _ = _dynamic_symbols(top[soname])
        taken = set().union(*(_dynamic_symbols(user)[1] for user in users)) & provided
        versions = set().union(*(_version_references(user, path.name) for user in users))
        if taken <= available and versions <= _version_definitions(top[soname]):
            replaced[dest] = soname
    return replaced
