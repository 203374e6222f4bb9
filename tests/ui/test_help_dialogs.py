"""The About dialog: what the app is, honestly, and the licenses of what it is built from."""

from __future__ import annotations

from PySide6.QtCore import qVersion
from pytestqt.qtbot import QtBot

from claude_desktop import __version__
from claude_desktop.ui.help_dialogs import API_DOCS_URL, NO_METADATA, AboutDialog


def test_about_names_the_version_says_unofficial_and_lists_qts_license(qtbot: QtBot) -> None:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    text = dialog.text.toPlainText()
    assert f"Claude Desktop {__version__}" in text
    assert "unofficial desktop client for the Anthropic API" in text
    assert "not made, endorsed or supported by Anthropic" in text
    assert f"Qt\n{qVersion()}\nLGPL-3.0-only" in text
    # From the installed packages' metadata, not a list typed into the app.
    assert "PySide6_Essentials\n" in text or "PySide6-Essentials\n" in text
    assert "LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only" in text
    assert "httpx\n" in text and "BSD-3-Clause" in text
    assert API_DOCS_URL in dialog.text.toHtml()
    assert NO_METADATA not in text


def test_about_without_metadata_says_so(qtbot: QtBot) -> None:
    dialog = AboutDialog(components=[])
    qtbot.addWidget(dialog)
    assert NO_METADATA in dialog.text.toPlainText()


def test_about_lists_the_icon_set_and_its_license(qtbot: QtBot) -> None:
    dialog = AboutDialog(components=[])
    qtbot.addWidget(dialog)
    text = dialog.text.toPlainText()
    assert "Lucide" in text and "under the ISC license" in text
    assert "Permission to use, copy, modify, and/or distribute this software" in text
