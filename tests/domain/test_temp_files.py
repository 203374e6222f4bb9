"""The app's temporary files: its own folder goes at quit, folders of apps that crashed go
at the next start, and folders of apps still running stay (real child processes)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_desktop.domain import paths, temp_files

CHILD = (
    "import os, sys\n"
    "from claude_desktop.domain import temp_files\n"
    "print(temp_files.session_dir(), flush=True)\n"
    "if sys.argv[1] == 'crash':\n"
    "    os._exit(1)\n"
    "sys.stdin.readline()\n"
)


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary folder of the test's own, and no app folder made in this process yet."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setattr(temp_files, "_own", None)
    yield folder
    temp_files.remove_own()


def child(how: str, temp: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, how],
        env={**os.environ, "TMPDIR": str(temp)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_the_own_folder_is_private_and_removed_at_quit(temp: Path) -> None:
    own = temp_files.session_dir()
    assert own.parent == paths.temp_root() and own.parent.parent == temp
    assert own.parent.stat().st_mode & 0o777 == 0o700
    (own / "paste-1").mkdir()
    (own / "paste-1" / "pasted.png").write_bytes(b"png")
    assert temp_files.session_dir() == own  # one per app
    temp_files.remove_own()
    assert not own.exists()


def test_a_crashed_apps_folder_goes_a_running_apps_stays(temp: Path) -> None:
    with child("crash", temp) as crashed:
        assert crashed.stdout is not None
        crashed_dir = Path(crashed.stdout.readline().strip())
        assert crashed.wait(30) == 1
    with child("run", temp) as running:
        assert running.stdout is not None
        running_dir = Path(running.stdout.readline().strip())
        own = temp_files.session_dir()
        assert crashed_dir.is_dir() and running_dir.is_dir()

        removed = temp_files.remove_stale()

        assert removed == [crashed_dir]
        assert running_dir.is_dir() and own.is_dir()
        running.communicate("\n", timeout=30)
    assert running.returncode == 0
    assert not running_dir.exists()  # removed by that app as it ended


def test_folders_of_earlier_versions_go_once_untouched_for_a_day(temp: Path) -> None:
    old = temp / "claude-desktop-paste-abc123"
    fresh = temp / "claude-desktop-unsaved-def456"
    unrelated = temp / "someone-elses-folder"
    for folder in (old, fresh, unrelated):
        folder.mkdir()
        (folder / "file").write_bytes(b"x")
    long_ago = 1_000_000_000
    os.utime(old / "file", (long_ago, long_ago))
    os.utime(old, (long_ago, long_ago))
    os.utime(unrelated, (long_ago, long_ago))

    assert temp_files.remove_stale() == [old]
    assert fresh.exists() and unrelated.exists()
