"""The main-window tests again, on a real X server (Xvfb) through Qt's xcb platform.

Focus, key events and shortcuts take a different path there than on the offscreen
platform. The rest of the suite runs offscreen, and Qt's platform is fixed per process,
so this runs those tests in a child pytest. `.ci/run` provides the X server
(scripts/with-session-services.sh); elsewhere this skips unless
CLAUDE_DESKTOP_REQUIRE_X=1 makes a missing X server a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ON_X = ["test_main_window.py", "test_app_lifecycle.py", "test_dialog_buttons.py"]


@pytest.mark.xvfb
def test_main_window_suite_on_a_real_x_server() -> None:
    if not os.environ.get("DISPLAY"):
        if os.environ.get("CLAUDE_DESKTOP_REQUIRE_X") == "1":
            pytest.fail("CLAUDE_DESKTOP_REQUIRE_X=1 but DISPLAY is not set")
        pytest.skip("no X server (DISPLAY is not set)")
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *(str(HERE / name) for name in ON_X),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
