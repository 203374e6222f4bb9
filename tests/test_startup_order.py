"""What start-up leaves for later: imported once the window is up, off the UI thread."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.common import ROOT
from benchmarks.startup import HOOK_WINDOW_START


def run_fresh(code: str) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter (this one has imported everything already); it must
    succeed."""
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def test_the_attachment_parsers_load_after_start_up_not_on_the_first_attach() -> None:
    # A fresh interpreter: this one has imported everything already.
    code = (
        "import asyncio, sys\n"
        "from claude_desktop import app\n"
        "import claude_desktop.domain.attachments\n"
        "assert 'pypdf' not in sys.modules and 'PIL.Image' not in sys.modules\n"
        "asyncio.run(app.preload_attachment_parsers(0))\n"
        "assert 'pypdf' in sys.modules and 'PIL.Image' in sys.modules\n"
        "assert 'pypdf.filters' in sys.modules and 'PIL.JpegImagePlugin' in sys.modules\n"
    )
    run_fresh(code)


def test_the_window_imports_its_dialogs_when_first_opened_not_at_start_up() -> None:
    code = (
        "import sys\n"
        "import claude_desktop.ui.main_window\n"
        "later = ('claude_desktop.ui.settings_dialog', 'claude_desktop.ui.settings_connection',\n"
        "         'claude_desktop.ui.settings_appearance', 'claude_desktop.ui.help_dialogs',\n"
        "         'claude_desktop.ui.conversation_settings', 'claude_desktop.domain.licenses',\n"
        "         'claude_desktop.ui.search_palette', 'claude_desktop.ui.key_view',\n"
        "         'claude_desktop.ui.markdown_engine', 'markdown', 'claude_desktop.ui.render',\n"
        "         'claude_desktop.ui.message_widget', 'claude_desktop.ui.answer_view')\n"
        "loaded = [name for name in later if name in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    run_fresh(code)


@pytest.mark.parametrize("page", ["chat", "welcome"])
def test_the_http_stack_is_imported_after_the_window_has_started(tmp_path: Path, page: str) -> None:
    # Started as the cold-start benchmark's child starts it (app.main, key in the
    # environment, a fresh data dir): the HTTP stack comes in a worker after the first paint.
    # Without a key (the welcome page) too: it is there for the key's check. Nor QtNetwork
    # (the instance socket listens after the first paint), nor python-markdown (the empty
    # chat shows no Markdown; the warm-up loads it in a worker).
    http_stack = ("httpx", "httpcore", "h2", "anyio", "certifi", "idna")
    http_stack += ("PySide6.QtNetwork", "markdown")
    code = (
        HOOK_WINDOW_START
        + f"HTTP_STACK = {http_stack!r}\n"
        # Hooked as app.run begins, as MainWindow.start is: app.main's import order holds.
        + "_run_started = app.run\n"
        "async def run_shown(*args, **kwargs):\n"
        "    from claude_desktop.ui.main_window import MainWindow\n"
        "    _show = MainWindow.show\n"
        "    def show(self):\n"
        "        loaded = [name for name in HTTP_STACK if name in sys.modules]\n"
        "        assert not loaded, f'imported before the window is shown: {loaded}'\n"
        "        _show(self)\n"
        "    MainWindow.show = show\n"
        "    return await _run_started(*args, **kwargs)\n"
        "app.run = run_shown\n"
        "def on_started(window):\n"
        "    from PySide6.QtCore import QTimer\n"
        "    assert window.isVisible()\n"
        f"    assert (window.pages.currentWidget() is window.chat_page) == {page == 'chat'}\n"
        "    loaded = [name for name in HTTP_STACK if name in sys.modules]\n"
        "    assert not loaded, f'imported before the window had started: {loaded}'\n"
        "    def poll():\n"  # and it is loaded, once the window is up
        "        if all(n in sys.modules for n in ('httpx', 'httpcore', 'PySide6.QtNetwork')):\n"
        "            print('STACK LOADED', flush=True)\n"
        "            window.quit_requested.emit()\n"
        "        else:\n"
        "            QTimer.singleShot(10, poll)\n"
        "    QTimer.singleShot(0, poll)\n"
        "sys.exit(app.main(['claude-desktop']))\n"
    )
    proc = start_app(code, tmp_path, key=page == "chat")
    assert proc.returncode == 0, proc.stderr
    assert "STACK LOADED" in proc.stdout


def start_app(code: str, tmp_path: Path, *, key: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `code` (which starts app.main) as the cold-start benchmark's child starts the app:
    offscreen, a fresh data dir, the key in the environment (or none), never a real keyring."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "ANTHROPIC_API_KEY": "sk-ant-api03-" + "x" * 40,
        "ANTHROPIC_BASE_URL": "http://127.0.0.1:9",
        "CLAUDE_DESKTOP_DATA_DIR": str(tmp_path / "data"),
        "XDG_RUNTIME_DIR": str(tmp_path),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    if not key:
        del env["ANTHROPIC_API_KEY"]
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_no_garbage_collection_while_the_window_is_made_then_frozen_and_on(tmp_path: Path) -> None:
    # ~100 collections (16 ms) ran during start-up over objects that live as long as the
    # app; once it is up, one collection, the survivors frozen, collections on again.
    code = (
        HOOK_WINDOW_START + "import gc\n"
        "app.SETTLE_GC_AFTER_S = 0.05\n"
        "def on_started(window):\n"
        "    from PySide6.QtCore import QTimer\n"
        "    assert not gc.isenabled(), 'collections on during start-up'\n"
        "    def poll():\n"
        "        if gc.isenabled():\n"
        "            assert gc.get_freeze_count() > 10_000, gc.get_freeze_count()\n"
        "            print('SETTLED', flush=True)\n"
        "            window.quit_requested.emit()\n"
        "        else:\n"
        "            QTimer.singleShot(10, poll)\n"
        "    QTimer.singleShot(0, poll)\n"
        "sys.exit(app.main(['claude-desktop']))\n"
    )
    proc = start_app(code, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "SETTLED" in proc.stdout


#: QWidget subclasses the app never uses: made only when shiboken walks every subclass of
#: QWidget to find a Qt-made widget's type (claude_desktop/ui/viewports.py). And QGradient,
#: made (with its 169 presets) to choose among QPainter.fillRect's overloads (ui/sidebar.py).
UNUSED_WIDGET_TYPES = ("QMdiArea", "QWizard", "QLCDNumber", "QCalendarWidget", "QDial")
UNUSED_GUI_TYPES = ("QGradient",)


def test_the_window_starts_without_making_types_it_does_not_use(tmp_path: Path) -> None:
    # Reopening the last conversation (a question and its Markdown answer, in text views),
    # then a paint: no scroll area's viewport, nor a box of its scroll bars, reached Python
    # as a QWidget whose type shiboken had to discover by making all 68 subclasses (8.6 ms).
    code = (
        HOOK_WINDOW_START
        + f"UNUSED = {UNUSED_WIDGET_TYPES!r}\n"
        + f"UNUSED_GUI = {UNUSED_GUI_TYPES!r}\n"
        "from claude_desktop.domain.history import History\n"
        "from claude_desktop.domain.settings import Settings\n"
        "history = History.open()\n"
        "chat = history.store.create_conversation(model='claude-sonnet-4-6', title='Kept')\n"
        "question = history.store.add_message(chat.id, parent_id=None, role='user',\n"
        "    content=[{'type': 'text', 'text': 'How?'}])\n"
        "answer = 'Like **this**:\\n\\n```python\\nprint(1)\\n```'\n"
        "history.store.add_message(chat.id, parent_id=question.id, role='assistant',\n"
        "    content=[{'type': 'text', 'text': answer}])\n"
        "history.close()\n"
        "settings = Settings.load()\n"
        "settings.last_conversation_id = chat.id\n"
        "settings.save()\n"
        "def on_started(window):\n"
        "    from PySide6.QtCore import QTimer\n"
        "    assert len(window.view.message_widgets()) == 2, 'the conversation was not reopened'\n"
        "    def check():\n"
        "        window.repaint()\n"
        "        import PySide6.QtGui as gui, PySide6.QtWidgets as widgets\n"
        "        made = [name for name in UNUSED if name in vars(widgets)]\n"
        "        made += [name for name in UNUSED_GUI if name in vars(gui)]\n"
        "        print('MADE', made, flush=True)\n"
        "        window.quit_requested.emit()\n"
        "    QTimer.singleShot(0, check)\n"
        "sys.exit(app.main(['claude-desktop']))\n"
    )
    proc = start_app(code, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "MADE []" in proc.stdout, proc.stdout


def test_the_app_started_as_the_bundle_starts_it_imports_no_terminal_command() -> None:
    # The bundle runs claude_desktop/__main__.py: choosing the app must not import cli.
    code = (
        "import sys\n"
        "from claude_desktop import app\n"
        "def started(argv=None):\n"
        "    terminal = ('claude_desktop.cli', 'claude_desktop.history_cli')\n"
        "    print('IMPORTED', [name for name in terminal if name in sys.modules])\n"
        "    return 0\n"
        "app.main = started\n"
        "import claude_desktop.__main__ as entry\n"
        "sys.argv = ['claude-desktop', 'notes.pdf']\n"
        "sys.exit(entry.main())\n"
    )
    proc = run_fresh(code)
    assert "IMPORTED []" in proc.stdout, proc.stdout


def test_the_entry_knows_every_terminal_command() -> None:
    import claude_desktop.__main__ as entry
    from claude_desktop import cli

    assert sorted(entry.COMMANDS) == sorted(cli.COMMANDS)
