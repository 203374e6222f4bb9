"""A fresh interpreter that may write bytecode, for the tests of the app's bytecode caches."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks.common import ROOT


def cache_counts(code: str, folder: Path, **env: str) -> tuple[int, int]:
    """Run `code` with `folder` as its argument, as an installed app runs (bytecode may be
    written); the two numbers of the line it prints as "CACHE <a> <b>"."""
    environ = {**os.environ, **env}
    environ.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run(
        [sys.executable, "-c", code, str(folder)],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    line = next(line for line in proc.stdout.splitlines() if line.startswith("CACHE"))
    first, second = line.split()[1:]
    return int(first), int(second)
