"""The app's own files are found beside the package, or through importlib.resources."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.common import ROOT
from claude_desktop import resources
from claude_desktop.resources import ICON_SIZES, folder_beside, icon_file


def test_every_icon_is_a_png_in_the_folder_beside_the_package() -> None:
    for size in ICON_SIZES:
        path = icon_file(size)
        assert isinstance(path, Path) and path.parent.parent == Path(resources.__file__).parent
        assert path.read_bytes().startswith(b"\x89PNG")


def test_without_that_folder_importlib_resources_reads_them(tmp_path: Path) -> None:
    # As from an archive, where the package's module is not a file beside its data.
    beside = icon_file(32).read_bytes()
    elsewhere = str(tmp_path / "archive.zip" / "claude_desktop" / "resources" / "__init__.pyc")
    found = folder_beside(elsewhere, "claude_desktop.resources", "icons")
    assert found.joinpath("app-32.png").read_bytes() == beside
    icons = folder_beside(elsewhere, "claude_desktop.ui", "icons")
    assert icons.joinpath("copy.svg").read_text(encoding="utf-8").startswith("<svg")


def test_reading_the_icons_imports_no_importlib_resources() -> None:
    # What the change was for: importlib.resources (1.8 ms) stays out of the start-up.
    code = (
        "import sys\n"
        "from claude_desktop.resources import icon_file\n"
        "from claude_desktop.ui import icons\n"
        "icon_file(16).read_bytes(); icons.icon_names()\n"
        "print(sorted(m for m in ('importlib.resources', 'importlib.abc') if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", proc.stdout
