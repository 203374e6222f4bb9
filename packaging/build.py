"""Build claude-desktop for the platform this runs on: `uv run python packaging/build.py`.

1. PyInstaller builds dist/claude-desktop/ from packaging/claude-desktop.spec: one folder,
   windowed, with the app icon (and, on macOS, dist/Claude Desktop.app).
2. Then the platform's packages, into dist/:
   - Linux: claude-desktop_VERSION_ARCH.deb and claude-desktop-VERSION-linux-ARCH.tar.gz;
   - Windows: claude-desktop-VERSION-windows-x64-setup.exe (Inno Setup's iscc);
   - macOS: claude-desktop-VERSION-macos-ARCH.dmg.
3. A report: the bundle's size, its largest files, what was left out, how long each step took.

    uv run python packaging/build.py                 # everything
    uv run python packaging/build.py --bundle-only   # step 1 only

PyInstaller comes from the `build` dependency group; without it installed this re-runs
itself through `uv run --group build`.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "claude-desktop.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build"
BUNDLE = DIST / "claude-desktop"

sys.path[:0] = [str(HERE), str(ROOT)]

from claude_desktop import APP_ID, __version__  # noqa: E402

_REEXEC = "CLAUDE_DESKTOP_BUILD_REEXEC"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle-only", action="store_true", help="skip the packages")
    args = parser.parse_args(argv)

    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        if os.environ.get(_REEXEC) or shutil.which("uv") is None:
            print("error: PyInstaller is not installed (uv sync --group build)", file=sys.stderr)
            return 1
        command = ["uv", "run", "--group", "build", "python", __file__, *sys.argv[1:]]
        return subprocess.call(command, env={**os.environ, _REEXEC: "1"})

    timings: list[tuple[str, float]] = []
    started = time.perf_counter()
    pyinstaller(timings)
    report_bundle()
    if not args.bundle_only:
        if sys.platform.startswith("linux"):
            linux(timings)
        elif sys.platform == "win32":
            windows(timings)
        elif sys.platform == "darwin":
            macos(timings)
    timings.append(("total", time.perf_counter() - started))
    print("\nTimes: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings))
    return 0


def step(timings: list[tuple[str, float]], name: str, started: float) -> None:
    timings.append((name, time.perf_counter() - started))


def pyinstaller(timings: list[tuple[str, float]]) -> None:
    started = time.perf_counter()
    shutil.rmtree(BUNDLE, ignore_errors=True)
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level=WARN",
        f"--distpath={DIST}",
        f"--workpath={WORK}",
        str(SPEC),
    ]
    print("+ " + " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=ROOT)
    step(timings, "PyInstaller", started)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir())


def report_bundle() -> None:
    files = [p for p in BUNDLE.rglob("*") if p.is_file() and not p.is_symlink()]
    total = sum(p.stat().st_size for p in files)
    print(f"\nBundle: {BUNDLE.relative_to(ROOT)}, {total / 1e6:.1f} MB in {len(files)} files")
    print("Largest files:")
    for path in sorted(files, key=lambda p: p.stat().st_size, reverse=True)[:12]:
        print(f"  {path.stat().st_size / 1e6:6.1f} MB  {path.relative_to(BUNDLE)}")
    dropped_list = WORK / "claude-desktop" / "dropped.tsv"
    if dropped_list.exists():
        rows = [line.split("\t") for line in dropped_list.read_text().splitlines() if line]
        reasons = Counter(row[0].split(" ", 2)[0] + " " + row[0].split(" ", 2)[1] for row in rows)
        print("Left out: " + ", ".join(f"{n} × {reason}" for reason, n in reasons.most_common()))
        for row in rows:
            if row[0] == "ICU data items":
                print(f"  {row[2]}")


def linux(timings: list[tuple[str, float]]) -> None:
    import linux_packages

    started = time.perf_counter()
    deb = linux_packages.build_deb(
        BUNDLE, version=__version__, app_id=APP_ID, repo=ROOT, work=WORK, out_dir=DIST
    )
    step(timings, ".deb", started)
    started = time.perf_counter()
    arch = platform.machine().lower().replace("amd64", "x86_64")
    tarball = linux_packages.build_tarball(BUNDLE, version=__version__, arch=arch, out_dir=DIST)
    step(timings, ".tar.gz", started)
    control = subprocess.run(
        ["dpkg-deb", "--field", str(deb), "Depends"], capture_output=True, text=True, check=True
    ).stdout.strip()
    print(f"\n{deb.relative_to(ROOT)}: {_size(deb) / 1e6:.1f} MB\n  Depends: {control}")
    print(f"{tarball.relative_to(ROOT)}: {_size(tarball) / 1e6:.1f} MB")


def windows(timings: list[tuple[str, float]]) -> None:
    started = time.perf_counter()
    iscc = shutil.which("iscc") or shutil.which("ISCC")
    default = Path(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)"))
    if iscc is None and (default / "Inno Setup 6" / "ISCC.exe").exists():
        iscc = str(default / "Inno Setup 6" / "ISCC.exe")
    if iscc is None:
        raise SystemExit("error: Inno Setup's iscc not found (choco install innosetup)")
    subprocess.run(
        [
            iscc,
            f"/DAppVersion={__version__}",
            f"/DAppId={APP_ID}",
            f"/DBundleDir={BUNDLE}",
            f"/DOutputDir={DIST}",
            f"/DRepoDir={ROOT}",
            str(HERE / "windows" / "claude-desktop.iss"),
        ],
        check=True,
    )
    step(timings, "installer", started)


def macos(timings: list[tuple[str, float]]) -> None:
    started = time.perf_counter()
    app = DIST / "Claude Desktop.app"
    arch = platform.machine()
    dmg = DIST / f"claude-desktop-{__version__}-macos-{arch}.dmg"
    dmg.unlink(missing_ok=True)
    subprocess.run(
        [
            "hdiutil",
            "create",
            "-volname",
            "Claude Desktop",
            "-srcfolder",
            str(app),
            "-ov",
            "-format",
            "UDZO",
            str(dmg),
        ],
        check=True,
    )
    step(timings, ".dmg", started)
    print(f"{dmg.relative_to(ROOT)}: {_size(dmg) / 1e6:.1f} MB")


if __name__ == "__main__":
    sys.exit(main())
