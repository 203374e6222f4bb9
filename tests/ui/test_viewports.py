"""Scroll areas' inner widgets are wrapped by name, and are the widgets Qt uses."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QListWidget,
    QPlainTextEdit,
    QScrollArea,
    QTextBrowser,
    QWidget,
)
from pytestqt.qtbot import QtBot

from claude_desktop.ui.viewports import adopt_viewport


@pytest.mark.parametrize("kind", [QScrollArea, QPlainTextEdit, QTextBrowser, QListWidget])
def test_the_adopted_viewport_is_the_areas_own_and_is_kept(
    qtbot: QtBot, kind: type[QAbstractScrollArea]
) -> None:
    area = kind()
    qtbot.addWidget(area)
    viewport = adopt_viewport(area)
    assert viewport is area.viewport()
    assert viewport.objectName() == "qt_scrollarea_viewport"
    kept = area._adopted_inner_widgets  # type: ignore[attr-defined]
    assert viewport in kept
    assert {w.objectName() for w in kept} == {
        "qt_scrollarea_viewport",
        "qt_scrollarea_hcontainer",
        "qt_scrollarea_vcontainer",
    }
    assert all(isinstance(w, QWidget) and w.parent() is area for w in kept)
    # What the app does with it takes effect on the widget Qt paints.
    viewport.setAutoFillBackground(False)
    assert not area.viewport().autoFillBackground()


def test_an_area_whose_viewport_qt_named_otherwise_still_gets_its_viewport(qtbot: QtBot) -> None:
    area = QScrollArea()
    qtbot.addWidget(area)
    area.viewport().setObjectName("renamed")
    assert adopt_viewport(area) is area.viewport()
