"""Guards against a Qt binding that corrupts the interpreter.

PySide6-Essentials 6.12.0 on Python 3.11 drops a reference to None on every void Qt
call; a long session then aborts with "Fatal Python error: none_dealloc". The lock file
excludes it; this catches any binding with the same fault.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot


def test_void_qt_calls_leave_none_refcount_alone(qtbot: QtBot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(10_000):
        widget.setObjectName("probe")
    # Other code may take a few references meanwhile; 10,000 lost ones cannot hide.
    assert abs(sys.getrefcount(None) - before) < 100
