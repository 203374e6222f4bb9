"""Modules imported after PySide6 are not read for "PySide6" (claude_desktop/pyside_scan.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.common import ROOT

CHILD = """
import sys
sys.path.insert(0, {folder!r})
import PySide6.QtWidgets
from claude_desktop.pyside_scan import skip_source_scan
import shibokensupport.feature as feature

scanned = []
real = feature._mod_uses_pyside
feature._mod_uses_pyside = lambda module: scanned.append(module.__name__) or real(module)
assert skip_source_scan() and skip_source_scan()  # installed once
import json, plain_module, claude_desktop.ui.theme
assert not scanned, scanned
assert feature.pyside_feature_dict["plain_module"] == -1
assert feature.pyside_feature_dict["claude_desktop.ui.theme"] == 0
# A module that selects a feature still gets it.
import snake_module
assert snake_module.works(), "snake_case was not applied"
print("OK")
"""


def test_later_modules_are_not_scanned_and_features_still_apply(tmp_path: Path) -> None:
    (tmp_path / "plain_module.py").write_text("VALUE = 1\n")
    (tmp_path / "snake_module.py").write_text(
        "from __feature__ import snake_case\n"
        "from PySide6.QtCore import QSize\n"
        "def works():\n"
        "    return QSize(0, 0).is_empty()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", CHILD.format(folder=str(tmp_path))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stderr
