"""Check a built bundle as a person would get it: installed, started, streaming.

    uv run python packaging/build.py
    scripts/with-session-services.sh uv run python packaging/check_bundle.py

On Linux it takes the .deb in dist/, unpacks it into a temporary root (dpkg-deb -x) and
checks the package (control fields, the desktop entry with desktop-file-validate, icons,
that this machine has every library the bundle takes from the host, that apt accepts its
Depends); elsewhere it takes the bundle in dist/ (or --exe). Then it runs the installed
launcher with --self-test against the loopback fake API (tests/fakeapi.py), offscreen,
and checks the report: every check passed and the answer streamed; again with an
unreachable API, which must fail naming the stream check; and on X (under Xvfb) with the
xcb platform plugin, timing the start-up.

The keyring must be the Secret Service when CLAUDE_DESKTOP_REQUIRE_SECRET_SERVICE=1, and the
X run must happen when CLAUDE_DESKTOP_REQUIRE_X=1 (.ci/run sets both). Ends with
"N passed, N failed"; exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

from claude_desktop import APP_ID, __version__  # noqa: E402
from claude_desktop.dataclass_bytecode import FOLDER as DATACLASS_BYTECODE  # noqa: E402
from claude_desktop.pyside_bytecode import FOLDER as PYSIDE_BYTECODE  # noqa: E402
from tests.fakeapi import FakeAnthropicAPI, SSEResponse  # noqa: E402
from tests.sse import text_stream  # noqa: E402

LINUX = sys.platform.startswith("linux")
ANSWER = ["Hello from the ", "loopback API: ", "the bundle ", "streams."]
MIME_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}
# What Qt's xcb platform plugin needs from the host: the .deb must depend on it.
XCB_DEPENDS = {
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxkbcommon-x11-0",
    "libegl1",
    "libgl1",
    "libfontconfig1",
    "libdbus-1-3",
}
HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
SELF_TEST_TIMEOUT = 120


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed: list[str] = []

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        print(f"{'PASS' if ok else 'FAIL'}: {name}" + (f": {detail}" if detail else ""), flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed.append(name)
        return ok

    def run(self, name: str, body: Callable[[], str | None]) -> None:
        """Run a check whose body returns a detail, or raises AssertionError saying why."""
        try:
            detail = body()
        except (AssertionError, OSError, subprocess.SubprocessError, RuntimeError) as exc:
            self.check(name, False, str(exc) or type(exc).__name__)
        else:
            self.check(name, True, detail or "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deb", type=Path, help="the .deb to check (Linux; default: dist/*.deb)")
    parser.add_argument("--exe", type=Path, help="run this executable instead of a .deb's")
    args = parser.parse_args(argv)
    checks = Checks()
    with tempfile.TemporaryDirectory(prefix="claude-desktop-bundle-") as tmp:
        work = Path(tmp)
        if args.exe is not None:
            exe = args.exe.resolve()
        elif LINUX:
            deb = args.deb or _newest(ROOT / "dist", f"claude-desktop_{__version__}_*.deb")
            exe = check_deb(checks, deb, work / "root")
        else:
            exe = _default_exe()
        if exe is not None:
            check_self_test(checks, exe, work)
    print(f"{checks.passed} passed, {len(checks.failed)} failed", flush=True)
    if checks.failed:
        print("failed: " + ", ".join(checks.failed))
    return 1 if checks.failed else 0


def _newest(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime)
    if not found:
        raise SystemExit(f"error: no {pattern} in {folder} (run packaging/build.py first)")
    return found[-1]


def _default_exe() -> Path:
    if sys.platform == "win32":
        return ROOT / "dist" / "claude-desktop" / "claude-desktop.exe"
    if sys.platform == "darwin":
        return ROOT / "dist" / "Claude Desktop.app" / "Contents" / "MacOS" / "claude-desktop"
    return ROOT / "dist" / "claude-desktop" / "claude-desktop"


# ---------------------------------------------------------------------------------------------
# The .deb


def check_deb(checks: Checks, deb: Path, root: Path) -> Path | None:
    import linux_packages

    print(f"Checking {deb.relative_to(ROOT) if deb.is_relative_to(ROOT) else deb}", flush=True)
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    launcher = root / "usr" / "bin" / "claude-desktop"
    bundle = root / linux_packages.INSTALL_DIR

    def control() -> str:
        fields = _control_fields(deb)
        assert fields.get("Package") == "claude-desktop", fields.get("Package")
        assert fields.get("Version") == __version__, f"Version {fields.get('Version')}"
        depends = {d.split()[0] for d in re.split(r"[,|]", fields.get("Depends", "")) if d.strip()}
        missing = XCB_DEPENDS - depends
        assert not missing, f"Depends lacks {', '.join(sorted(missing))}"
        return f"{len(depends)} Depends, including {', '.join(sorted(XCB_DEPENDS))}"

    def desktop_entry() -> str:
        path = root / "usr" / "share" / "applications" / f"{APP_ID}.desktop"
        assert path.is_file(), f"no {path.relative_to(root)}"
        result = subprocess.run(
            ["desktop-file-validate", str(path)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout
        entry = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
        assert entry.get("Exec") == "claude-desktop %F", f"Exec={entry.get('Exec')}"
        assert entry.get("Icon") == APP_ID, f"Icon={entry.get('Icon')}"
        mime = set(filter(None, entry.get("MimeType", "").split(";")))
        assert mime >= MIME_TYPES, f"MimeType lacks {', '.join(sorted(MIME_TYPES - mime))}"
        return f"{path.name} valid; Exec=claude-desktop %F; MimeType {len(mime)} types"

    def icons() -> str:
        hicolor = root / "usr" / "share" / "icons" / "hicolor"
        wanted = [hicolor / f"{n}x{n}" / "apps" / f"{APP_ID}.png" for n in HICOLOR_SIZES]
        wanted.append(hicolor / "scalable" / "apps" / f"{APP_ID}.svg")
        missing = [str(p.relative_to(root)) for p in wanted if not p.is_file()]
        assert not missing, f"missing {', '.join(missing)}"
        return f"hicolor {', '.join(map(str, HICOLOR_SIZES))} and scalable"

    def layout() -> str:
        assert launcher.is_file() and os.access(launcher, os.X_OK), "no executable launcher"
        assert (bundle / "claude-desktop").is_file(), "no bundle in /opt/claude-desktop"
        return "/usr/bin/claude-desktop -> /opt/claude-desktop/claude-desktop"

    def host_libraries() -> str:
        libraries, missing = linux_packages.host_libraries(bundle)
        assert not missing, "missing on this machine: " + ", ".join(missing)
        return f"this machine has the {len(libraries)} libraries the bundle takes from it"

    def apt_accepts() -> str | None:
        if shutil.which("apt-get") is None:
            return "apt-get not here: not checked"
        result = subprocess.run(
            ["apt-get", "install", "--simulate", "--no-install-recommends", str(deb)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, (result.stderr or result.stdout).strip()[-500:]
        return "apt-get install --simulate resolves every Depends"

    checks.run("deb: control fields", control)
    checks.run("deb: desktop entry", desktop_entry)
    checks.run("deb: icons", icons)
    checks.run("deb: layout", layout)
    checks.run("deb: host libraries", host_libraries)
    checks.run("deb: Depends installable", apt_accepts)
    return launcher if launcher.exists() else None


def _control_fields(deb: Path) -> dict[str, str]:
    text = subprocess.run(
        ["dpkg-deb", "--field", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if line[:1] not in (" ", "\t") and ":" in line:
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    return fields


# ---------------------------------------------------------------------------------------------
# Running the installed app


def run_self_test(exe: Path, data_dir: Path, **env: str) -> tuple[int, str, float]:
    """(exit code, report, seconds) of `exe --self-test`."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "QT_QPA_PLATFORM")
    }
    environ.update(CLAUDE_DESKTOP_DATA_DIR=str(data_dir), **env)
    started = time.perf_counter()
    result = subprocess.run(
        [str(exe), "--self-test"],
        capture_output=True,
        text=True,
        env=environ,
        timeout=SELF_TEST_TIMEOUT,
        check=False,
    )
    elapsed = time.perf_counter() - started
    report = result.stdout
    # A windowed Windows build has no stdout: the self-test writes its report to a file.
    written = data_dir / "logs" / "self-test.txt"
    if not report.strip() and written.exists():
        report = written.read_text(encoding="utf-8")
    if result.returncode != 0 and result.stderr.strip():
        report += "\n[stderr]\n" + result.stderr[-2000:]
    return result.returncode, report, elapsed


def _line(report: str, check: str) -> str:
    m = re.search(rf"^\s+(\S+)\s+{check}\s+(.*)$", report, re.MULTILINE)
    return f"{m.group(1)} {m.group(2)}" if m else f"(no {check} line)"


def _status(report: str, check: str) -> str | None:
    m = re.search(rf"^\s+(\S+)\s+{check}\s", report, re.MULTILINE)
    return m.group(1) if m else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def check_self_test(checks: Checks, exe: Path, work: Path) -> None:
    require_secret_service = os.environ.get("CLAUDE_DESKTOP_REQUIRE_SECRET_SERVICE") == "1"
    require_x = os.environ.get("CLAUDE_DESKTOP_REQUIRE_X") == "1"

    with FakeAnthropicAPI() as api:
        api.enqueue(SSEResponse(text_stream(ANSWER), chunk_size=40))
        code, report, seconds = run_self_test(
            exe,
            work / "data-offscreen",
            ANTHROPIC_BASE_URL=api.base_url,
            ANTHROPIC_API_KEY="sk-ant-bundle-check",
            QT_QPA_PLATFORM="offscreen",
        )
        print(f"--- self-test report (offscreen, {seconds:.2f} s)\n{report.rstrip()}\n---")
        requests = list(api.requests)
    checks.check("self-test: exits 0", code == 0, f"exit {code}")
    checks.check("self-test: runs frozen", "(frozen;" in report, report.split("\n", 1)[0])
    kept = list((work / "data-offscreen" / "cache" / PYSIDE_BYTECODE).glob("*.code"))
    checks.check(
        "PySide6's support bytecode is kept for the next start (rthook_pyside_bytecode)",
        len(kept) >= 10,
        f"{len(kept)} files",
    )
    kept = list((work / "data-offscreen" / "cache" / DATACLASS_BYTECODE).glob("*.code"))
    checks.check(
        "the dataclasses' generated methods' bytecode is kept for the next start",
        len(kept) == 1 and kept[0].stat().st_size > 10_000,
        ", ".join(f"{p.name}: {p.stat().st_size:,} bytes" for p in kept) or "no file",
    )
    for name in ("window", "markdown", "text", "resources", "history", "providers"):
        checks.check(f"self-test: {name}", _status(report, name) == "ok", _line(report, name))
    keyring = _status(report, "keyring")
    if require_secret_service:
        checks.check(
            "self-test: keyring is the Secret Service",
            keyring == "ok" and "SecretService" in _line(report, "keyring"),
            _line(report, "keyring"),
        )
    else:
        checks.check(
            "self-test: keyring loads", keyring in ("ok", "note"), _line(report, "keyring")
        )
    length = len("".join(ANSWER))
    checks.check(
        "self-test: stream",
        _status(report, "stream") == "ok"
        and f"{length} characters" in report
        and "stop reason end_turn" in report,
        _line(report, "stream"),
    )
    sent = requests[0] if requests else None
    checks.check(
        "self-test: request reached the fake API",
        sent is not None
        and sent.path.startswith("/v1/messages")
        and sent.headers.get("x-api-key") == "sk-ant-bundle-check",
        f"{len(requests)} request(s)" + (f", {sent.method} {sent.path}" if sent else ""),
    )

    # Nothing listens on a port just freed: the stream check must fail, and say so.
    code, report, _ = run_self_test(
        exe,
        work / "data-unreachable",
        ANTHROPIC_BASE_URL=f"http://127.0.0.1:{_free_port()}",
        QT_QPA_PLATFORM="offscreen",
    )
    checks.check(
        "self-test: unreachable API fails naming the stream check",
        code != 0 and _status(report, "stream") == "FAIL" and "self-test FAILED: stream" in report,
        f"exit {code}; " + _line(report, "stream"),
    )

    if LINUX:
        checks.run("self-test in a KOI8-R locale", lambda: check_legacy_locale(exe, work))
        checks.run("self-test on Wayland", lambda: check_wayland(exe, work))
    if LINUX and not os.environ.get("DISPLAY"):
        checks.check("self-test on X (xcb)", not require_x, "no DISPLAY: not run")
        return
    platform_name = "xcb" if LINUX else ""
    env = {"QT_QPA_PLATFORM": platform_name} if platform_name else {}
    # Twice: the first start reads everything from disk, the second from the page cache.
    runs = []
    for i in range(2):
        code, report, seconds = run_self_test(exe, work / f"data-window-{i}", **env)
        runs.append((code, report, seconds))
    code, report, seconds = runs[-1]
    print(f"--- self-test report (native platform, {seconds:.2f} s)\n{report.rstrip()}\n---")
    window = re.search(r"(\d+) ms after the process started", report)
    checks.check(
        f"self-test on the {platform_name or 'native'} platform",
        all(c == 0 for c, _, _ in runs) and (not LINUX or "'xcb'" in report),
        f"first window {window.group(1) if window else '?'} ms after start;"
        f" whole self-test {runs[0][2]:.2f} s (first run), {seconds:.2f} s (second)",
    )


def check_legacy_locale(exe: Path, work: Path) -> str:
    """The self-test where the locale's encoding is KOI8-R: Python imports that codec while it
    starts, from base_library.zip, where the codecs are deflated (base_library.py). Not run
    without localedef and glibc's locale sources."""
    localedef = shutil.which("localedef")
    locales = work / "locales"
    if localedef is None:
        return "not run: no localedef"
    locales.mkdir()
    made = subprocess.run(
        [localedef, "-i", "ru_RU", "-f", "KOI8-R", str(locales / "ru_RU.KOI8-R")],
        capture_output=True,
        text=True,
        check=False,
    )
    if not (locales / "ru_RU.KOI8-R").is_dir():
        return f"not run: localedef could not make ru_RU.KOI8-R ({made.stderr.strip()[:200]})"
    code, report, seconds = run_self_test(
        exe,
        work / "data-koi8r",
        QT_QPA_PLATFORM="offscreen",
        LOCPATH=str(locales),
        LC_ALL="ru_RU.KOI8-R",
    )
    assert code == 0, f"exit {code}: {report[-1500:]}"
    # Else the check proves nothing: the codec is imported only in a KOI8-R locale.
    assert "started in the koi8-r encoding" in _line(report, "text"), _line(report, "text")
    return f"{_line(report, 'text')}; {seconds:.2f} s"


def check_wayland(exe: Path, work: Path) -> str:
    """The self-test on the wayland platform plugin, in a headless Weston with OpenGL (so the
    compositor could take GL surfaces): the window is drawn without Qt's client-buffer
    (EGL) integrations, which the bundle leaves out. Skipped, saying so, without Weston
    (CLAUDE_DESKTOP_REQUIRE_WAYLAND=1 makes that a failure)."""
    weston = shutil.which("weston")
    if weston is None:
        if os.environ.get("CLAUDE_DESKTOP_REQUIRE_WAYLAND") == "1":
            raise AssertionError("weston is not installed")
        return "not run: weston is not installed"
    runtime = work / "wayland-runtime"
    runtime.mkdir(mode=0o700)
    socket_name = "wayland-bundle-check"
    compositor = subprocess.Popen(
        [weston, "--backend=headless-backend.so", "--use-gl", f"--socket={socket_name}"],
        env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not (runtime / socket_name).exists():
            if compositor.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"weston did not start (exit {compositor.poll()})")
            time.sleep(0.05)
        code, report, seconds = run_self_test(
            exe,
            work / "data-wayland",
            QT_QPA_PLATFORM="wayland",
            XDG_RUNTIME_DIR=str(runtime),
            WAYLAND_DISPLAY=socket_name,
        )
    finally:
        compositor.terminate()
        compositor.wait(timeout=10)
    assert code == 0, f"exit {code}: {report[-1500:]}"
    assert "platform plugin 'wayland'" in report, report[:300]
    assert _status(report, "window") == "ok", _line(report, "window")
    return f"{_line(report, 'window')}; {seconds:.2f} s"


if __name__ == "__main__":
    sys.exit(main())
