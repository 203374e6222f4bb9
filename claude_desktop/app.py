"""Start-up and shutdown: the QApplication, the qasync loop, the main window.

Shutdown is driven here rather than by Qt closing the last window: streams are
cancelled and awaited, the HTTP client closed and settings saved before the loop
stops, and the window is destroyed before the QApplication.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Coroutine, Iterator, Sequence
from typing import Any, TypeVar

from claude_desktop import APP_ID, __version__

log = logging.getLogger("claude_desktop")
T = TypeVar("T")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="claude-desktop", description="Chat with Claude.")
    parser.add_argument("--version", action="version", version=f"claude-desktop {__version__}")
    parser.add_argument("--debug", action="store_true", help="log more detail")
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help="images, PDFs or text files to attach"
    )
    parser.add_argument("--self-test", action="store_true", help="check the app works, then quit")
    # Qt takes its own options (-platform, -style...) from the same command line.
    args, _qt_args = parser.parse_known_args(argv)
    return args


async def run(app: Any, files: Sequence[str] = ()) -> int:
    """Run the app until the person quits; returns the exit code."""
    from claude_desktop.domain.secrets import KeyStore
    from claude_desktop.domain.session import Session
    from claude_desktop.domain.settings import Settings
    from claude_desktop.domain.tasks import TaskRegistry
    from claude_desktop.ui.main_window import MainWindow

    loop = asyncio.get_running_loop()
    session = Session(Settings.load(), KeyStore())
    tasks = TaskRegistry()
    window = MainWindow(session, tasks)
    # The theme is the application's: light, dark, or the OS's (followed as it changes).
    window.appearance.apply_theme()

    def on_loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        log.error("Unhandled error in the event loop: %s", context.get("message"), exc_info=exc)
        if isinstance(exc, Exception):
            window.show_unexpected_error(exc)

    def on_uncaught(kind: type[BaseException], exc: BaseException, tb: Any) -> None:
        log.error("Unhandled error", exc_info=(kind, exc, tb))
        if isinstance(exc, Exception):
            window.show_unexpected_error(exc)

    loop.set_exception_handler(on_loop_error)
    sys.excepthook = on_uncaught
    quit_event = asyncio.Event()
    window.quit_requested.connect(quit_event.set)
    app.aboutToQuit.connect(quit_event.set)  # the session is ending (log-out)
    opener = file_open_handler(window)
    app.installEventFilter(opener)
    window.show()
    window.raise_()
    window.activateWindow()
    await window.start()
    if files:
        window.attach_paths(list(files))
    await quit_event.wait()

    log.info("Shutting down")
    window.save_state()
    window.hide()
    await tasks.cancel_all()
    await session.aclose()
    await loop.shutdown_asyncgens()
    # Also waits for a save still being written: the newest settings are on disk at exit.
    await session.settings.save_in_background()
    # From here on errors can only be logged: the window is about to go.
    tasks.on_error = None
    loop.set_exception_handler(None)
    sys.excepthook = sys.__excepthook__
    # Nothing refers to the window once this returns, so it is freed here, inside the
    # loop and with the QApplication still alive.
    return 0


def run_on_qt_loop(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion on a qasync loop.

    Unlike qasync's own run_until_complete, nothing runs after the loop stops: qasync
    0.28 then pumps Qt events once more with no running asyncio loop, so any task
    step queued at that moment fails inside httpx/anyio with "no running event loop".
    And unlike qasync, this installs asyncio's async-generator hooks while it runs.
    """
    future = asyncio.ensure_future(coro, loop=loop)
    future.add_done_callback(lambda _: loop.stop())
    with asyncgen_hooks(loop):
        loop.run_forever()
    return future.result()


@contextlib.contextmanager
def asyncgen_hooks(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """Install `loop`'s async-generator hooks, as asyncio.run does and qasync does not.

    Without them an async generator left suspended (httpx's byte streams, when a stream
    ends in an error) is finalized by the garbage collector outside the loop, and its
    clean-up fails.
    """
    previous = sys.get_asyncgen_hooks()
    sys.set_asyncgen_hooks(
        firstiter=getattr(loop, "_asyncgen_firstiter_hook", None),
        finalizer=getattr(loop, "_asyncgen_finalizer_hook", None),
    )
    try:
        yield
    finally:
        sys.set_asyncgen_hooks(*previous)


def file_open_handler(window: Any) -> Any:
    """macOS delivers "Open with" files as QFileOpenEvents, not on the command line."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtGui import QFileOpenEvent

    class Handler(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
                window.attach_paths([event.file()])
                return True
            return False

    return Handler(window)


def single_instance_lock() -> Any:
    """The lock that makes this the only app on this history, or None if another has it.

    A second instance would see the first one's streaming answer as a crash's leftover
    and mark it interrupted. A lock left by a killed instance is taken over.
    """
    from PySide6.QtCore import QLockFile

    from claude_desktop.domain.paths import data_dir

    lock = QLockFile(str(data_dir(create=True) / "instance.lock"))
    return lock if lock.tryLock(200) else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    args = parse_args(argv[1:])
    from claude_desktop.domain.logs import setup_logging

    log_path = setup_logging(args.debug)
    log.info("Claude Desktop %s starting; log file %s", __version__, log_path)
    if args.self_test:
        from claude_desktop import selftest

        return selftest.run()
    # qasync picks its Qt binding from QT_API, before anything imports Qt.
    os.environ.setdefault("QT_API", "pyside6")
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Claude Desktop")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    from claude_desktop.resources import app_icon

    app.setWindowIcon(app_icon())
    from claude_desktop.ui.appearance import install_focus_ring

    install_focus_ring(app)
    app.setQuitOnLastWindowClosed(False)
    lock = single_instance_lock()
    if lock is None:
        log.warning("Claude Desktop is already running; not starting a second window")
        if app.platformName() not in ("offscreen", "minimal"):
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.information(None, "Claude Desktop", "Claude Desktop is already running.")
        return 1
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        # Qt has taken its own options (-platform…) out of arguments(): the rest are ours.
        files = [os.path.abspath(f) for f in parse_args(app.arguments()[1:]).files]
        code = run_on_qt_loop(loop, run(app, files))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    return code
