"""Scroll areas' inner widgets, reached without PySide6 making every QWidget subclass's type.

PySide6 makes its Python types lazily, on first use. When a widget Qt made, whose class is
QWidget itself (a scroll area's viewport, or the box around one of its scroll bars), first
reaches Python as a `QWidget *` (`viewport()`, or the widget the app's proxy style is asked
to draw), shiboken asks each subclass of QWidget whether the object is one of its own, and
so makes all of them first: 68 types and their enums, 8.6-9.9 ms on the benchmark machine,
paid during the window's first build.

Found by name (`findChild`, which matches on the C++ object before wrapping it), the
widget's type is read from its class name instead, and nothing else is made; Qt and
`viewport()` hand Python that same wrapper for as long as it lives, so the area keeps it
(a wrapper dropped and made again would go the slow way). Each scroll area of the main
window does this as it is made.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

#: The object names Qt gives a scroll area's viewport and its scroll bars' boxes.
_INNER = ("qt_scrollarea_viewport", "qt_scrollarea_hcontainer", "qt_scrollarea_vcontainer")
_KEPT = "_adopted_inner_widgets"


def adopt_viewport(area: QAbstractScrollArea) -> QWidget:
    """The area's viewport, its Python wrapper (and its scroll bar boxes') made by name."""
    found = [
        area.findChild(QWidget, name, Qt.FindChildOption.FindDirectChildrenOnly) for name in _INNER
    ]
    setattr(area, _KEPT, [widget for widget in found if widget is not None])
    return area.viewport()
