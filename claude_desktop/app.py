"""Start-up and shutdown: the QApplication, the qasync loop, the main window.

Shutdown is driven here rather than by Qt closing the last window: streams are
cancelled and awaited, the HTTP client closed and settings saved before the loop
stops, and the window is destroyed before the QApplication.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Iterator, Sequence
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


async def run(
    app: Any,
    files: Sequence[str] = (),
    server: Any = None,
    lock_problem: str = "",
    history_opening: Any = None,
) -> int:
    """Run the app until the person quits (or a SIGTERM or SIGINT); returns the exit code.

    `server` is the InstanceServer later launches hand their files to; `lock_problem`
    says why the instance lock could not be written, if it could not; `history_opening`
    the history being opened on a worker (History.open_in_background), if it is.
    """
    from claude_desktop.domain import temp_files
    from claude_desktop.domain.secrets import KeyStore
    from claude_desktop.domain.session import Session
    from claude_desktop.domain.settings import Settings
    from claude_desktop.domain.tasks import TaskRegistry
    from claude_desktop.ui.main_window import MainWindow

    loop = asyncio.get_running_loop()
    session = Session(Settings.load(), KeyStore(), opening=history_opening)
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
    install_quit_signals(loop, quit_event.set)
    # Files from later launches and "Open with" wait until the window has started.
    started = False
    waiting: list[list[str]] = []

    def open_files(paths: list[str]) -> None:
        if not started:
            waiting.append(paths)
            return
        bring_to_front(window)
        if paths:
            window.open_files_in_new_chat(paths)

    if server is not None:
        server.files_received.connect(open_files)
    install_file_open_handler(app, window, open_files)
    window.show()
    window.raise_()
    window.activateWindow()
    await window.start()
    if server is not None:
        # Once the first paint is done (QtNetwork's import is ~7 ms of it otherwise): a
        # launch meanwhile keeps trying for instance.HAND_OFF_SECONDS.
        loop.call_soon(server.listen)
    from claude_desktop.ui.tray import apply_tray_setting

    apply_tray_setting(window)  # off by default; with it, closing the window hides it
    from claude_desktop.ui.caret_rest import CaretRest

    caret_rest = CaretRest(app)  # no blinking, no timer, while nobody types
    started = True
    if files:
        window.open_files_in_new_chat(list(files))
    for paths in waiting:
        open_files(paths)
    if lock_problem and window.banner.isHidden():  # else the history's problem says it
        window.show_notice(
            f"Claude Desktop cannot write to its data folder ({lock_problem}). Free some "
            "space or fix the folder's permissions, or changes may not be saved."
        )
    # The HTTP stack (httpx, httpcore, h2: ~160 ms), which nothing before the first paint
    # imports, loaded in a worker for the first request: the model list already asks for it,
    # and on the welcome page the key's check would otherwise import it on the UI thread.
    from claude_desktop.domain import providers

    if not providers.http_stack_loaded():
        tasks.spawn(asyncio.to_thread(providers.load_http_stack), "load-http-stack")
    loop.call_later(SETTLE_GC_AFTER_S, settle_garbage_collector)
    # Temporary files crashed or killed runs left behind, off the UI thread.
    tasks.spawn(asyncio.to_thread(temp_files.remove_stale), "remove-stale-temp-files")
    # What the first attached PDF or image needs, loaded once the window is up and idle.
    tasks.spawn(preload_attachment_parsers(), "load-attachment-parsers")
    # The MCP servers start now, after the first paint: start-up never waits for them.
    from claude_desktop.app_tools import AppTools

    tools = AppTools()
    window.app_tools = tools  # Settings → Tools shows and edits them
    tasks.spawn(tools.start(window), "start-mcp-servers")
    await quit_event.wait()

    log.info("Shutting down")
    caret_rest.wake()  # the flash time is the application's: leave it as it was
    if server is not None:
        server.close()
    try:
        window.save_state()
    except Exception as exc:  # a full or read-only disk: the shutdown must still run
        log.error("Could not save the draft or settings on the way out: %s", exc)
    if window.tray is not None:
        window.tray.remove()
    window.hide()
    await tasks.cancel_all()
    await tools.close()  # every server's process ends (stdin closed, terminate, kill)
    await session.aclose()
    await loop.shutdown_asyncgens()
    # Also waits for a save still being written: the newest settings are on disk at exit.
    await session.settings.save_in_background()
    temp_files.remove_own()
    # From here on errors can only be logged: the window is about to go.
    tasks.on_error = None
    loop.set_exception_handler(None)
    sys.excepthook = sys.__excepthook__
    # Nothing refers to the window once this returns, so it is freed here, inside the
    # loop and with the QApplication still alive.
    return 0


#: Seconds after the first paint before garbage collection resumes: past the start-up's own
#: work (the model list, the renderer's warm-up on its worker), so that is frozen too.
SETTLE_GC_AFTER_S = 2.0


def settle_garbage_collector() -> None:
    """Collect what start-up left, move the survivors out of every later collection, and
    collect again from now on.

    The window, its modules, Qt's enums and classes live as long as the app: frozen, the
    collections that run while answers stream no longer walk them (gc.freeze).
    """
    gc.collect()
    gc.freeze()
    gc.enable()


#: Seconds after the first paint before the attachment parsers are imported: past the
#: start-up work (model list, Markdown warm-up), before anyone can have picked a file.
PRELOAD_PARSERS_AFTER_S = 1.0


async def preload_attachment_parsers(delay: float = PRELOAD_PARSERS_AFTER_S) -> None:
    """Import pypdf and Pillow in a worker thread, `delay` seconds from now.

    Profiled: the first 23 MB PDF attached stalled the window ~150 ms, nearly all of it the
    first `import pypdf` in the attach worker (cryptography's Rust extension, OpenSSL's
    hashlib and Pillow's C core load holding the GIL). Imported here, the same stall comes
    while nobody waits on the window, and attaching no longer pays it.
    """
    from claude_desktop.domain.attachments import preload_parsers

    await asyncio.sleep(delay)
    await asyncio.to_thread(preload_parsers)


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


def install_quit_signals(loop: asyncio.AbstractEventLoop, quit: Callable[[], None]) -> None:
    """SIGTERM (log-out, `kill`) and SIGINT (Ctrl+C in a terminal) quit as Quit does.

    On Unix qasync's loop takes asyncio's signal handlers (the signal wakes Qt's loop
    through the loop's self-pipe). Elsewhere Python's own handler runs only when Python
    code does, so a timer wakes the interpreter a few times a second.
    """
    import signal

    def on_signal(number: int) -> None:
        log.info("Received %s: quitting", signal.Signals(number).name)
        quit()

    fallback = False
    for number in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(number, on_signal, number)
        except (NotImplementedError, RuntimeError, ValueError):
            signal.signal(number, lambda n, _frame: loop.call_soon_threadsafe(on_signal, n))
            fallback = True
    if fallback:
        from PySide6.QtCore import QCoreApplication, QTimer

        wake = QTimer(QCoreApplication.instance())
        wake.timeout.connect(lambda: None)
        wake.start(250)


def bring_to_front(window: Any) -> None:
    """Show the window above the others, restored if it was minimized."""
    from PySide6.QtCore import Qt

    if window.isMinimized():
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
    window.show()
    window.raise_()
    window.activateWindow()


def install_file_open_handler(
    app: Any, window: Any, open_files: Callable[[list[str]], None]
) -> Any:
    """The handler of "Open with", on macOS, the one system that sends QFileOpenEvents.

    Elsewhere none: a filter on the application sees every event of every object (each
    paint, timer and socket wake-up of a streamed answer), a Python call each, for nothing.
    """
    if sys.platform != "darwin":
        return None
    opener = file_open_handler(window, open_files)
    app.installEventFilter(opener)
    return opener


def file_open_handler(window: Any, open_files: Callable[[list[str]], None]) -> Any:
    """macOS delivers "Open with" files as QFileOpenEvents, not on the command line: one
    event per file, so those arriving together are opened together, in one new chat."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtGui import QFileOpenEvent

    class Handler(QObject):
        def __init__(self, parent: QObject) -> None:
            super().__init__(parent)
            self.files: list[str] = []
            self.timer = QTimer(self)
            self.timer.setSingleShot(True)
            self.timer.setInterval(50)
            self.timer.timeout.connect(self.flush)

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
                self.files.append(event.file())
                self.timer.start()
                return True
            return False

        def flush(self) -> None:
            files, self.files = self.files, []
            open_files(files)

    return Handler(window)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    args = parse_args(argv[1:])
    from claude_desktop.domain.logs import setup_logging

    log_path = setup_logging(args.debug)
    log.info("Claude Desktop %s starting; log file %s", __version__, log_path)
    from claude_desktop.dataclass_bytecode import cached_dataclass_bytecode

    with cached_dataclass_bytecode():  # else every start compiles the dataclasses' methods
        if args.self_test:
            from claude_desktop import selftest

            gc.enable()  # the self-test checks the app with the collector on, as it runs
            return selftest.run()
        return _start(argv)


def _start(argv: list[str]) -> int:
    """The app from the QApplication on: one instance, the window, the loop, shutdown."""
    # No cyclic garbage collections while the window is made: start-up ran ~100 of them
    # (16 ms of 290), over objects that live as long as the app. Back on once it is up
    # (settle_garbage_collector).
    gc.disable()
    # The layers below the UI are imported before Qt: PySide6 hooks every later import
    # statement (a Python call each; what it read of each module is skipped, below).
    importlib.import_module("claude_desktop.domain.session")
    # qasync picks its Qt binding from QT_API, before anything imports Qt.
    os.environ.setdefault("QT_API", "pyside6")
    from claude_desktop.pyside_bytecode import cached_pyside_bytecode

    with cached_pyside_bytecode():  # PySide6 compiles its support modules' source otherwise
        from claude_desktop.event_loop import AppEventLoop
    from PySide6.QtWidgets import QApplication

    from claude_desktop.pyside_scan import skip_source_scan

    skip_source_scan()  # before the UI's modules: PySide6 would read each one's source
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
    # Qt has taken its own options (-platform…) out of arguments(): the rest are ours.
    files = [os.path.abspath(f) for f in parse_args(app.arguments()[1:]).files]
    from claude_desktop import instance

    name = instance.server_name()
    lock = instance.take_instance_lock()
    if lock.state is instance.LockState.TAKEN:
        if instance.hand_off(files, name):
            log.info("Claude Desktop is already running; handed it %d file(s)", len(files))
            return 0
        if lock.holder_alive is None:  # a lock naming no process, nobody answering
            lock = lock.unwritable()
        else:
            log.warning("Claude Desktop is already running and did not answer; not starting")
            if app.platformName() not in ("offscreen", "minimal"):
                from PySide6.QtWidgets import QMessageBox

                QMessageBox.information(
                    None, "Claude Desktop", "Claude Desktop is already running but not answering."
                )
            return 1
    if lock.state is instance.LockState.UNWRITABLE:
        log.warning("Cannot write the instance lock (%s); starting anyway", lock.problem)
        # No lock to go by: an app answering on the socket is the only sign of another.
        if instance.someone_listens(name) and instance.hand_off(files, name, wait=1.0):
            log.info("Handed %d file(s) to the running Claude Desktop", len(files))
            return 0
    # No other instance answered (with an unwritable lock, one starting meanwhile may not
    # listen yet): the history opens on a worker while the window is built.
    from claude_desktop.domain.history import History

    history_opening = History.open_in_background()
    server = instance.InstanceServer(name)  # listening once the window is up
    loop = AppEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        code = run_on_qt_loop(loop, run(app, files, server, lock.problem, history_opening))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
        server.close()
        if lock.lock is not None:
            lock.lock.unlock()
    return code
