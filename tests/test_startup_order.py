"""What start-up leaves for later: imported once the window is up, off the UI thread."""

from __future__ import annotations

import subprocess
import sys

from benchmarks.common import ROOT


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
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr


def test_the_window_imports_its_dialogs_when_first_opened_not_at_start_up() -> None:
    code = (
        "import sys\n"
        "import claude_desktop.ui.main_window\n"
        "later = ('claude_desktop.ui.settings_dialog', 'claude_desktop.ui.settings_connection',\n"
        "         'claude_desktop.ui.settings_appearance', 'claude_desktop.ui.help_dialogs',\n"
        "         'claude_desktop.ui.conversation_settings', 'claude_desktop.domain.licenses')\n"
        "loaded = [name for name in later if name in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
