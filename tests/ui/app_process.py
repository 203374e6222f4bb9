"""The real app as a child process, for the tests of its process: second launches, signals,
locks, temporary files. Its log (stderr) is read as it comes, so a test can wait for a line.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.fakeapi import FakeAnthropicAPI

#: What a clean run never prints.
BAD_SIGNS = (
    "Fatal Python error",
    "Traceback",
    "Task was destroyed",
    "was never awaited",
    "ResourceWarning",
    "Unclosed",
    "unclosed",
)


def app_env(api: FakeAnthropicAPI | None, data: Path, **extra: str) -> dict[str, str]:
    """The environment of a child app: its own data folder, offscreen, no real keyring, and
    the fake API (when given) with a key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env.update(
        CLAUDE_DESKTOP_DATA_DIR=str(data),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
    )
    if api is not None:
        env.update(ANTHROPIC_BASE_URL=api.base_url, ANTHROPIC_API_KEY="sk-ant-lifecycle")
    env.update(extra)
    return env


def app_command(*args: str, script: Path | None = None) -> list[str]:
    """The app (or a test script that runs it), with asyncio debug and ResourceWarnings on."""
    target = [str(script)] if script is not None else ["-m", "claude_desktop"]
    return [sys.executable, "-X", "dev", *target, *args]


def wait_until(condition: Callable[[], object], timeout: float = 20.0, what: str = "") -> None:
    """Wait for a condition outside this process (a file, a database row)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.05)


class AppProcess:
    """A running child app; `wait_for` waits for a line of its stdout or stderr."""

    def __init__(
        self, command: Sequence[str], env: dict[str, str], cwd: Path | None = None
    ) -> None:
        self.proc = subprocess.Popen(
            list(command),
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._changed = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.err), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: object, into: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            with self._changed:
                into.append(line)
                self._changed.notify_all()

    @property
    def stderr(self) -> str:
        with self._changed:
            return "".join(self.err)

    @property
    def stdout(self) -> str:
        with self._changed:
            return "".join(self.out)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        """The first line of its output containing `text`, once it is there."""
        deadline = time.monotonic() + timeout

        def found() -> str | None:
            return next((line for line in [*self.out, *self.err] if text in line), None)

        with self._changed:
            while (line := found()) is None:
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and found() is None):
                    raise AssertionError(
                        f"the app never printed {text!r}; stdout:\n{''.join(self.out)}\n"
                        f"stderr:\n{''.join(self.err)}"
                    )
                self._changed.wait(min(left, 0.5))
        return line

    def stop(self, how: signal.Signals = signal.SIGTERM, timeout: float = 20.0) -> int:
        """Send `how` and wait for the process to end; its exit code."""
        self.proc.send_signal(how)
        return self.finish(timeout)

    def finish(self, timeout: float = 20.0) -> int:
        code = self.proc.wait(timeout)
        for reader in self._readers:
            reader.join(5)
        return code

    def kill(self) -> None:
        """SIGKILL, as a crash would (nothing is cleaned up)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.finish()

    def __enter__(self) -> AppProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
