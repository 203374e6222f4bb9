"""follow_theme: a widget's token style sheet is set now and again only when the theme flips."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from claude_desktop.ui import theme
from claude_desktop.ui.appearance import dark_palette, light_palette
from claude_desktop.ui.header import ChatHeader
from claude_desktop.ui.theme_sheet import follow_theme


@pytest.fixture(autouse=True)
def platform_theme_back() -> Iterator[None]:
    """The application palette is global: put the platform's back after each test."""
    QApplication.setPalette(light_palette())
    yield
    QApplication.setPalette(QPalette())


def test_the_sheet_follows_the_theme_and_is_built_once_per_theme(qtbot: QtBot) -> None:
    label = QLabel("hi")
    qtbot.addWidget(label)
    built: list[bool] = []

    def sheet(t: theme.Tokens) -> str:
        built.append(t.dark)
        return f"color: {t.text};"

    follow_theme(label, sheet)
    assert label.styleSheet() == f"color: {theme.tokens(False).text};"

    QApplication.setPalette(dark_palette())
    qtbot.waitUntil(lambda: label.styleSheet() == f"color: {theme.tokens(True).text};")
    QApplication.setPalette(dark_palette())  # a palette change within one theme
    label.setPalette(label.palette())
    QApplication.setPalette(light_palette())
    qtbot.waitUntil(lambda: label.styleSheet() == f"color: {theme.tokens(False).text};")
    assert built == [False, True, False]


def test_the_header_takes_the_dark_tokens_when_the_theme_flips(qtbot: QtBot) -> None:
    header = ChatHeader()
    qtbot.addWidget(header)
    assert theme.tokens(False).hover in header.styleSheet()
    QApplication.setPalette(dark_palette())
    qtbot.waitUntil(lambda: theme.tokens(True).hover in header.styleSheet())
