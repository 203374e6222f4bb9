"""`claude-desktop --self-test`: start the app offscreen, check what a build can lose, report.

The same checks run from source and from the frozen bundle, so they double as a person's
diagnostics. Each check is independent; one failing does not stop the others:

- window: the main window builds and shows (Qt, its platform plugin, qasync, the widgets);
- markdown: Markdown renders with its extensions, Pygments colours code, lexers and styles load;
- text: Qt's locale services (collation, legacy encodings, time-zone names, case mapping),
  which on Linux come from the ICU data the bundle carries in trimmed form;
- resources: the window icon, certifi's CA bundle, HTTP/2 support, the price table;
- history: SQLite with FTS5, on a throwaway database (never the person's history);
- keyring: which backend keyring picks; fails only when this platform's backends cannot load
  (a frozen app finds them through package metadata), not when no keyring is running;
- stream: one small streamed request to ANTHROPIC_BASE_URL when it is set (skipped otherwise),
  with ANTHROPIC_API_KEY or a placeholder key.

The report goes to stdout, a line per check as it finishes; a windowed Windows build has no
stdout, so there it goes to ``self-test.txt`` in the log directory. `run` returns 0 when no
check failed, else 1, and the last line names the failed checks. Qt runs offscreen unless
QT_QPA_PLATFORM says otherwise.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import platform
import re
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from claude_desktop import APP_ID, __version__

log = logging.getLogger(__name__)
T = TypeVar("T")

OK, FAIL, SKIP, NOTE = "ok", "FAIL", "skip", "note"
#: Sent by the stream check: small, so it costs next to nothing against the real API.
STREAM_PROMPT = "Reply with one short sentence."
STREAM_MAX_TOKENS = 32
WINDOW_TIMEOUT = 10.0  # seconds for the window to be exposed
STREAM_TIMEOUT = 60.0

SAMPLE_MARKDOWN = """\
# Self-test

Some *emphasis*, `inline code` and a [link](https://example.com).

| check | result |
|---|---|
| table | rendered |

```python
def greet(name: str) -> str:
    return f"Hello, {name}!"
```
"""


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    status: str  # OK, FAIL, SKIP or NOTE (passed, with something worth knowing)
    detail: str

    def line(self) -> str:
        return f"  {self.status:<4}  {self.name:<9}  {self.detail}"


class CheckFailed(Exception):
    """A check found something wrong; the message says what."""


def run() -> int:
    """Run every check and print the report; 0 when none failed, else 1."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # qasync picks its Qt binding from QT_API, before anything imports Qt.
    os.environ.setdefault("QT_API", "pyside6")
    report = _Report()
    how = "frozen" if getattr(sys, "frozen", False) else "from source"
    report.emit(
        f"claude-desktop {__version__} self-test ({how}; Python {platform.python_version()},"
        f" {platform.system()} {platform.machine()})"
    )

    from PySide6.QtCore import qVersion
    from PySide6.QtWidgets import QApplication

    from claude_desktop.event_loop import AppEventLoop

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "claude-desktop"])
    assert isinstance(app, QApplication)
    app.setApplicationName("Claude Desktop")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    report.emit(f"  Qt {qVersion()}, platform plugin {app.platformName()!r}")
    loop = AppEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        from claude_desktop.app import run_on_qt_loop

        results = run_on_qt_loop(loop, _run_checks(report))
    finally:
        asyncio.set_event_loop(None)
        loop.close()

    failed = [r.name for r in results if r.status == FAIL]
    if failed:
        report.emit(f"self-test FAILED: {', '.join(failed)}")
    else:
        skipped = sum(r.status == SKIP for r in results)
        note = f", {skipped} skipped" if skipped else ""
        report.emit(f"self-test passed ({len(results) - skipped} checks{note})")
    report.close()
    return 1 if failed else 0


class _Report:
    """Prints each line at once (so a crash still shows how far it got), or keeps them for a
    file when there is no stdout (a windowed Windows build)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def emit(self, line: str) -> None:
        self.lines.append(line)
        if sys.stdout is not None:
            print(line, flush=True)

    def close(self) -> None:
        if sys.stdout is not None:
            return
        from claude_desktop.domain import paths

        path = paths.log_dir(create=True) / "self-test.txt"
        path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")


async def _run_checks(report: _Report) -> list[Result]:
    from claude_desktop.selftest_providers import check_providers

    # Checks that wait on the window, D-Bus or the network are coroutines; the others are not.
    checks: list[tuple[str, Callable[[], Awaitable[tuple[str, str]] | tuple[str, str]]]] = [
        ("window", _check_window),
        ("markdown", _check_markdown),
        ("text", _check_text),
        ("resources", _check_resources),
        ("history", _check_history),
        ("files", _check_attachments),
        ("keyring", _check_keyring),
        ("providers", check_providers),
        ("stream", _check_stream),
    ]
    results = []
    for name, check in checks:
        try:
            outcome = check()
            status, detail = await outcome if inspect.isawaitable(outcome) else outcome
        except Exception as exc:
            log.debug("Self-test check %s failed", name, exc_info=True)
            status, detail = FAIL, _describe(exc)
        result = Result(name, status, detail)
        report.emit(result.line())
        results.append(result)
    return results


# ---------------------------------------------------------------------------------------------
# The checks: each returns (status, detail) or raises.


async def _check_window() -> tuple[str, str]:
    from PySide6.QtWidgets import QApplication

    from claude_desktop.domain.secrets import KeyStore
    from claude_desktop.domain.session import Session
    from claude_desktop.domain.settings import Settings
    from claude_desktop.domain.tasks import TaskRegistry
    from claude_desktop.resources import app_icon
    from claude_desktop.ui.main_window import MainWindow

    QApplication.setWindowIcon(app_icon())
    # Built as app.run builds it; start() is not called, so the keyring is not read.
    session = Session(Settings.load(), KeyStore())
    tasks = TaskRegistry()
    window = MainWindow(session, tasks)
    try:
        window.show()
        deadline = time.monotonic() + WINDOW_TIMEOUT
        while not (window.windowHandle() and window.windowHandle().isExposed()):
            if time.monotonic() > deadline:
                raise CheckFailed(f"the window was not shown within {WINDOW_TIMEOUT:.0f} s")
            await asyncio.sleep(0.01)
        age = _process_age()
        image = window.grab()
        if image.isNull():
            raise CheckFailed("the window could not be drawn")
        when = f", {age * 1000:.0f} ms after the process started" if age is not None else ""
        return OK, f"main window shown and drawn ({image.width()}x{image.height()}){when}"
    finally:
        window.hide()
        await tasks.cancel_all()
        await session.aclose()
        window.deleteLater()


def _check_markdown() -> tuple[str, str]:
    from pygments.lexers import get_lexer_by_name
    from pygments.styles import get_style_by_name

    from claude_desktop.ui.render import COMMON_LANGUAGES, render_markdown
    from claude_desktop.ui.theme import markdown_colors

    spans = 0
    for dark in (False, True):
        html = render_markdown(SAMPLE_MARKDOWN, dark=dark)
        spans = len(re.findall(r'<span style="[^"]*color: ?#[0-9a-fA-F]{3,6}', html))
        missing = [what for what, tag in _MARKDOWN_TAGS if tag not in html]
        if missing:
            raise CheckFailed(f"Markdown lost its {', '.join(missing)} ({_theme(dark)} theme)")
        if spans < 3:
            raise CheckFailed(f"code was not highlighted: {spans} colour spans ({_theme(dark)})")
    no_lexer = []
    for language in COMMON_LANGUAGES:
        try:
            get_lexer_by_name(language)
        except Exception:
            no_lexer.append(language)
    if no_lexer:
        raise CheckFailed(f"no Pygments lexer for {', '.join(no_lexer)}")
    styles = [markdown_colors(dark).pygments_style for dark in (False, True)]
    for style in styles:
        get_style_by_name(style)
    from claude_desktop.ui.math_images import formula_image

    # The math renderer reads its fonts from its package folder: a bundle without them
    # would show every formula as source.
    if formula_image("\\frac{1}{2}", True, "#000000", 15.0, 7.0) is None:
        raise CheckFailed("the math renderer could not draw a formula")
    return OK, (
        f"tables, emphasis, links, code and a formula rendered; {spans} colour spans in the"
        f" code; {len(COMMON_LANGUAGES)} lexers; styles {', '.join(styles)}"
    )


_MARKDOWN_TAGS = (("table", "<table"), ("emphasis", "<em>"), ("link", 'href="https://'))


def _check_text() -> tuple[str, str]:
    from PySide6.QtCore import QCollator, QLocale, QStringDecoder, QTimeZone

    problems = []
    # Collation: Swedish sorts ä after z, English a before B (not by code point).
    swedish = QCollator(QLocale("sv_SE")).compare("ä", "z")
    english = QCollator(QLocale("en_US")).compare("a", "B")
    if not (swedish > 0 and english < 0):
        problems.append("collation")
    codecs = len(QStringDecoder.availableCodecs())
    if sys.platform.startswith("linux") and not all(
        QStringDecoder(name).isValid() for name in ("windows-1252", "Shift_JIS")
    ):
        problems.append("legacy encodings")
    berlin = QTimeZone(b"Europe/Berlin")
    name = berlin.displayName(
        QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, QLocale("en_US")
    )
    if not name:
        problems.append("time-zone names")
    if QLocale("tr_TR").toUpper("i") != "\u0130":
        problems.append("Turkish case mapping")
    if problems:
        raise CheckFailed(f"Qt's locale services lost: {', '.join(problems)}")
    # The locale the process started in, as Python took it then (Qt moves a non-UTF-8 one's
    # LC_CTYPE to C.UTF-8 when the application is made): the bundle's check starts it in a
    # KOI8-R one, whose codec Python imports while it starts.
    encoding = sys.getfilesystemencoding()
    return OK, (
        f"collation, {codecs} encodings, time-zone names ({name}), case mapping;"
        f" started in the {encoding} encoding"
    )


def _check_resources() -> tuple[str, str]:
    import ssl

    import certifi
    import h2

    from claude_desktop.api.models import DEFAULT_MODEL
    from claude_desktop.api.pricing import price_for
    from claude_desktop.resources import ICON_SIZES, app_icon

    icon = app_icon()
    sizes = len(icon.availableSizes())
    if sizes != len(ICON_SIZES):
        raise CheckFailed(f"the window icon has {sizes} of its {len(ICON_SIZES)} sizes")
    cafile = certifi.where()
    if not os.path.isfile(cafile):
        raise CheckFailed(f"certifi's CA bundle is missing ({cafile})")
    context = ssl.create_default_context(cafile=cafile)
    authorities = len(context.get_ca_certs())
    if authorities < 10:
        raise CheckFailed(f"certifi's CA bundle holds only {authorities} certificates")
    if price_for(DEFAULT_MODEL) is None:
        raise CheckFailed(f"the price table has no price for {DEFAULT_MODEL}")
    return OK, (
        f"window icon ({sizes} sizes); {authorities} CA certificates from certifi;"
        f" HTTP/2 (h2 {h2.__version__}); price table"
    )


def _check_attachments() -> tuple[str, str]:
    """Pillow and pypdf load their plugins lazily: a frozen app may lack one."""
    import io

    from PIL import Image
    from pypdf import PdfWriter

    from claude_desktop.domain.attachments import prepare_bytes

    kinds = []
    for fmt in ("JPEG", "PNG", "WEBP", "GIF"):
        buffer = io.BytesIO()
        Image.new("RGB", (2000, 1000), "#d97757").save(buffer, fmt)
        attachment = prepare_bytes(f"probe.{fmt.lower()}", buffer.getvalue())
        if attachment.kind != "image" or max(attachment.width or 0, attachment.height or 0) > 1568:
            raise CheckFailed(f"{fmt} was not read and downscaled")
        kinds.append(fmt)
    buffer = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.write(buffer)
    pdf = prepare_bytes("probe.pdf", buffer.getvalue())
    if pdf.page_count != 1:
        raise CheckFailed("a one-page PDF was not counted")
    return OK, f"images ({', '.join(kinds)}) downscaled; PDF pages counted"


def _check_history() -> tuple[str, str]:
    import sqlite3
    import tempfile
    from pathlib import Path

    from claude_desktop.storage.store import Store

    with tempfile.TemporaryDirectory(prefix="claude-desktop-self-test-") as tmp:
        store = Store.open(Path(tmp) / "self-test.sqlite3")
        try:
            conversation = store.create_conversation(model="self-test", title="Self-test")
            store.add_message(
                conversation.id,
                parent_id=None,
                role="user",
                content=[{"type": "text", "text": "The quick brown fox"}],
            )
            hits = store.search("brown")
        finally:
            store.close()
    if not hits:
        raise CheckFailed("full-text search found nothing")
    return OK, f"SQLite {sqlite3.sqlite_version} with FTS5 (a throwaway database)"


async def _check_keyring() -> tuple[str, str]:
    from claude_desktop.domain.secrets import KeyStore

    problem = _keyring_packaging_problem()
    # Finding the backend may wait on D-Bus: not on the event loop.
    name = await asyncio.to_thread(KeyStore().backend_name)
    if problem:
        raise CheckFailed(f"{problem} (active: {name})")
    if name.startswith(("none", "unknown")):
        return NOTE, f"{name}: the API key can be used for a session only"
    return OK, name


def _keyring_packaging_problem() -> str | None:
    """Why keyring could not load this platform's backend whatever the desktop runs, or None.

    keyring finds its backends through entry points, which a frozen app has only if it
    carries keyring's package metadata; the backends then need their own modules.
    """
    from keyring.compat.py312 import metadata

    plugins = {ep.name for ep in metadata.entry_points(group="keyring.backends")}
    if not plugins:
        return "keyring found no backends (its package metadata is missing)"
    try:
        if sys.platform.startswith("linux"):
            # The Secret Service backend: D-Bus (jeepney) and session encryption.
            import jeepney  # noqa: F401
            import secretstorage  # noqa: F401
        elif sys.platform == "win32":
            from win32ctypes.pywin32 import win32cred  # noqa: F401
        elif sys.platform == "darwin":
            from keyring.backends.macOS import api  # noqa: F401
    except ImportError as exc:
        return f"this platform's keyring backend cannot load: {_describe(exc)}"
    return None


async def _check_stream() -> tuple[str, str]:
    base_url = os.environ.get("ANTHROPIC_BASE_URL", "").strip()
    if not base_url:
        return SKIP, "ANTHROPIC_BASE_URL is not set"
    from claude_desktop.api.client import MessagesClient
    from claude_desktop.domain.api_request import ApiRequest
    from claude_desktop.domain.settings import Settings
    from claude_desktop.domain.turn_events import NullObserver
    from claude_desktop.domain.turn_runner import TurnRunner

    class CountDeltas(NullObserver):
        deltas = 0

        def text_delta(self, index: int, text: str) -> None:
            self.deltas += 1

    key = os.environ.get("ANTHROPIC_API_KEY", "").strip() or "self-test"
    model = Settings.load().model
    question = {"role": "user", "content": STREAM_PROMPT}
    request = ApiRequest(model, max_tokens=STREAM_MAX_TOKENS, messages=[question])
    started = time.perf_counter()
    counter = CountDeltas()
    # The turn runner the window uses, so the check streams as an answer would.
    async with MessagesClient(key, base_url=base_url, max_retries=0) as client:
        async with asyncio.timeout(STREAM_TIMEOUT):
            result = await TurnRunner(client, counter).run(request)
        host = client.host
    if result.error is not None:
        raise result.error
    message = result.message
    assert message is not None  # no error: the answer arrived
    elapsed = (time.perf_counter() - started) * 1000
    return OK, (
        f"{len(message.text)} characters of text in {counter.deltas} deltas, stop reason"
        f" {message.stop_reason}; {model} via {host} in {elapsed:.0f} ms"
    )


# ---------------------------------------------------------------------------------------------
# Helpers


def _theme(dark: bool) -> str:
    return "dark" if dark else "light"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, CheckFailed):
        return str(exc)
    if isinstance(exc, TimeoutError):
        return "timed out"
    human = getattr(exc, "human", None)  # the API client's errors say it for a person
    text = human if isinstance(human, str) and human else str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _process_age() -> float | None:
    """Seconds since this process started (Linux), for the start-up time; None elsewhere."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            # Field 22, counted after the command name, which may itself hold spaces.
            started_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        return uptime - started_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
