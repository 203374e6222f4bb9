"""The Linux packages of the bundle: a .deb for Debian and Ubuntu, and a plain .tar.gz.

The .deb installs the bundle in /opt/claude-desktop, a launcher at /usr/bin/claude-desktop,
the desktop entry (named after the app id, with "Open with" for PDFs and images) and the
hicolor icons. Its Depends are worked out from the bundle itself: every library a bundled
ELF file links to and the bundle does not carry (bundle_rules.HOST_LIBRARIES, and glibc) is
looked up with `dpkg -S` on the build machine, so they name that distribution's packages.
dpkg's triggers refresh the desktop database and the icon cache: no maintainer scripts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterable
from pathlib import Path

PACKAGE = "claude-desktop"
INSTALL_DIR = "opt/claude-desktop"
MAINTAINER = "claude-desktop developers <claude-desktop@users.noreply.github.com>"
DESCRIPTION = """\
Native desktop chat app for Claude
 A fast, native desktop chat app for Claude, built on Qt. It starts in a blink,
 stays smooth while Claude streams a long answer, and keeps your Anthropic API
 key in the system keyring (the Secret Service)."""

#: The launcher on PATH. It finds the bundle relative to itself, so the unpacked package
#: works anywhere too (dpkg-deb -x into a test root), and execs it: the process keeps the
#: name claude-desktop, which the desktop entry's StartupWMClass matches.
LAUNCHER = """\
#!/bin/sh
# Starts Claude Desktop, installed in /opt/claude-desktop.
here="$(dirname "$(readlink -f "$0")")"
exec "$here/../../opt/claude-desktop/claude-desktop" "$@"
"""

_ELF_MAGIC = b"\x7fELF"


def elf_files(root: Path) -> list[Path]:
    out = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as f:
                if f.read(4) == _ELF_MAGIC:
                    out.append(path)
    return out


def _run(*args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=False, env=env).stdout


def _needed(path: Path) -> list[str]:
    return re.findall(r"^\s*NEEDED\s+(\S+)", _run("objdump", "-p", str(path)), re.MULTILINE)


def host_libraries(bundle: Path) -> tuple[dict[str, str], list[str]]:
    """({soname: host path} of what bundled files link to directly and the bundle lacks,
    ["file: soname" that the host lacks too]).

    ldd runs with LD_LIBRARY_PATH set to the bundle's library folder, as the PyInstaller
    bootloader sets it, so a library the bundle carries resolves to the bundle's copy.
    """
    internal = bundle / "_internal"
    env = {**os.environ, "LD_LIBRARY_PATH": str(internal)}
    found: dict[str, str] = {}
    missing: list[str] = []
    for path in elf_files(bundle):
        resolved: dict[str, str] = {}
        for line in _run("ldd", str(path), env=env).splitlines():
            m = re.match(r"\s*(\S+) => (.+?)(?: \(0x[0-9a-f]+\))?$", line)
            if m:
                resolved[m.group(1)] = m.group(2)
            elif m := re.match(r"\s*(/\S+) \(0x[0-9a-f]+\)$", line):  # the dynamic loader
                resolved[Path(m.group(1)).name] = m.group(1)
        for name in _needed(path):
            where = resolved.get(name)
            if where is None or where == "not found":
                missing.append(f"{path.relative_to(bundle)}: {name}")
            elif not Path(where).resolve().is_relative_to(bundle.resolve()):
                found[name] = where
    return found, missing


def _owner(path: str) -> str | None:
    """The Debian package that installed `path` (trying its /usr-merged aliases), or None."""
    real = os.path.realpath(path)
    candidates = [path, real]
    for p in (path, real):
        if p.startswith("/usr/"):
            candidates.append(p[4:])
        else:
            candidates.append("/usr" + p)
    for candidate in dict.fromkeys(candidates):
        out = _run("dpkg-query", "-S", candidate)
        for line in out.splitlines():
            if line.startswith("diversion "):
                continue
            package = line.split(": ", 1)[0].split(",")[0].strip()
            return package.split(":")[0]
    return None


def glibc_version(files: Iterable[Path]) -> tuple[int, int]:
    """The newest GLIBC_x.y symbol version the files need."""
    newest = (2, 17)
    for path in files:
        for major, minor in re.findall(r"\(GLIBC_(\d+)\.(\d+)\)", _run("objdump", "-T", str(path))):
            newest = max(newest, (int(major), int(minor)))
    return newest


def depends(bundle: Path) -> list[str]:
    """The Depends of the .deb, from the libraries the bundle takes from the host."""
    libraries, missing = host_libraries(bundle)
    if missing:
        raise RuntimeError(
            "the bundle links to libraries neither it nor this machine has:\n  "
            + "\n  ".join(missing)
        )
    packages: set[str] = set()
    unowned = []
    for name, path in sorted(libraries.items()):
        owner = _owner(path)
        if owner is None:
            unowned.append(f"{name} ({path})")
        else:
            packages.add(owner)
    if unowned:
        raise RuntimeError("no Debian package owns: " + ", ".join(unowned))
    out = []
    for package in sorted(packages):
        if package == "libc6":
            major, minor = glibc_version(elf_files(bundle))
            out.append(f"libc6 (>= {major}.{minor})")
        elif package.endswith("t64"):
            # Ubuntu 24.04 and Debian 13 renamed libraries for 64-bit time_t; accept either.
            out.append(f"{package} | {package[:-3]}")
        else:
            out.append(package)
    return out


def _normalise_modes(root: Path) -> None:
    """Directories and executables 0755, other files 0644, whatever the build's umask."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir() or os.access(path, os.X_OK):
            path.chmod(0o755)
        else:
            path.chmod(0o644)


def _size_kib(root: Path) -> int:
    return sum(p.lstat().st_size for p in root.rglob("*")) // 1024 + 1


def build_deb(
    bundle: Path, *, version: str, app_id: str, repo: Path, work: Path, out_dir: Path
) -> Path:
    """dist/claude-desktop_VERSION_ARCH.deb from the bundle; returns its path."""
    arch = _run("dpkg", "--print-architecture").strip()
    root = work / "deb-root"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(bundle, root / INSTALL_DIR, symlinks=True)
    launcher = root / "usr" / "bin" / PACKAGE
    launcher.parent.mkdir(parents=True)
    launcher.write_text(LAUNCHER, encoding="utf-8")
    launcher.chmod(0o755)
    share = root / "usr" / "share"
    desktop = repo / "packaging" / "linux" / f"{app_id}.desktop"
    (share / "applications").mkdir(parents=True)
    shutil.copy(desktop, share / "applications" / desktop.name)
    shutil.copytree(repo / "resources" / "icons" / "hicolor", share / "icons" / "hicolor")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True)
    shutil.copy(repo / "resources" / f"{app_id}.svg", scalable / f"{app_id}.svg")
    _normalise_modes(root)

    control = {
        "Package": PACKAGE,
        "Version": version,
        "Architecture": arch,
        "Maintainer": MAINTAINER,
        "Installed-Size": str(_size_kib(root)),
        "Depends": ", ".join(depends(root / INSTALL_DIR)),
        "Section": "net",
        "Priority": "optional",
        "Description": DESCRIPTION,
    }
    debian = root / "DEBIAN"
    debian.mkdir()
    (debian / "control").write_text(
        "".join(f"{key}: {value}\n" for key, value in control.items()), encoding="utf-8"
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    deb = out_dir / f"{PACKAGE}_{version}_{arch}.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root), str(deb)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return deb


def build_tarball(bundle: Path, *, version: str, arch: str, out_dir: Path) -> Path:
    """dist/claude-desktop-VERSION-linux-ARCH.tar.gz: the bundle folder as it is."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{PACKAGE}-{version}-linux-{arch}.tar.gz"

    def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(path, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=f"{PACKAGE}-{version}", filter=owned_by_root)
    return path
