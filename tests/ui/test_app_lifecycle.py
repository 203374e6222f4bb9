"""Start-up and shutdown of the real app process: quitting mid-stream must be clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import sse
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, SSEResponse

SCRIPT = Path(__file__).with_name("quit_midstream_app.py")
BAD_SIGNS = (
    "Fatal Python error",
    "Traceback",
    "Task was destroyed",
    "was never awaited",
    "ResourceWarning",
    "Unclosed",
    "unclosed",
)


@pytest.mark.parametrize("how", ["action", "close"])
def test_quitting_mid_stream_exits_cleanly(
    fake_api: FakeAnthropicAPI, tmp_path: Path, how: str
) -> None:
    fake_api.route("GET", "/v1/models", JSONResponse(200, {"data": [], "has_more": False}))
    deltas = [f"tick{i} " for i in range(500)]
    fake_api.enqueue(SSEResponse(sse.events(sse.text_stream(deltas)), delay=0.02))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env.update(
        ANTHROPIC_BASE_URL=fake_api.base_url,
        ANTHROPIC_API_KEY="sk-ant-lifecycle",
        CLAUDE_DESKTOP_DATA_DIR=str(tmp_path / "data"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        QUIT_HOW=how,
    )
    result = subprocess.run(
        # -X dev: asyncio debug mode and ResourceWarnings, so a leak would show on stderr.
        [sys.executable, "-X", "dev", str(SCRIPT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "streaming" in result.stdout
    found = [sign for sign in BAD_SIGNS if sign in result.stderr]
    assert not found, result.stderr
    assert fake_api.wait_for_disconnect(timeout=2) is not None
    # State was saved on the way out.
    assert (tmp_path / "data" / "config" / "settings.json").exists()


def test_a_second_instance_leaves_the_first_alone(tmp_path: Path, qapp: object) -> None:
    from PySide6.QtCore import QLockFile

    data = tmp_path / "data"
    data.joinpath("data").mkdir(parents=True)
    held = QLockFile(str(data / "data" / "instance.lock"))
    assert held.tryLock(0)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
        env.update(CLAUDE_DESKTOP_DATA_DIR=str(data), QT_QPA_PLATFORM="offscreen")
        result = subprocess.run(
            [sys.executable, "-m", "claude_desktop"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        held.unlock()
    assert result.returncode == 1
    assert "already running" in result.stderr
