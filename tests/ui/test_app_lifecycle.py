"""Start-up and shutdown of the real app process: quitting mid-stream must be clean."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from claude_desktop.domain.history import DB_NAME, History, text_of
from claude_desktop.domain.paths import data_dir
from claude_desktop.domain.settings import Settings
from claude_desktop.instance import LOCK_NAME
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, SSEResponse
from tests.ui.app_process import BAD_SIGNS, AppProcess, app_command, app_env, wait_until

SCRIPT = Path(__file__).with_name("quit_midstream_app.py")


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


# -- the app's process: second launches, files, signals, locks, temporary files ----------

SIGNAL_SCRIPT = Path(__file__).with_name("signal_midstream_app.py")
BANNER_SCRIPT = Path(__file__).with_name("report_banner_app.py")
FULL_DISK_SCRIPT = Path(__file__).with_name("quit_full_disk_app.py")


def stored_conversation(title: str) -> int:
    """A conversation in the (test's) history, opened last: the app reopens it at start."""
    history = History.open()
    conv = history.store.create_conversation(model="claude-sonnet-4-6", title=title)
    history.store.add_message(conv.id, parent_id=None, role="user", content=[text("Hi")])
    history.close()
    settings = Settings.load()
    settings.last_conversation_id = conv.id
    settings.save()
    return conv.id


def text(value: str) -> dict[str, str]:
    return {"type": "text", "text": value}


def draft_names(conversation_id: int | None) -> list[str]:
    """The names of the files attached to a conversation's draft (None: the new chat's),
    read from the database the app writes, read-only."""
    db = data_dir() / DB_NAME
    if not db.exists():
        return []
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
        row = con.execute(
            "SELECT attachments FROM drafts WHERE conversation_id IS ?", (conversation_id,)
        ).fetchone()
    return [] if row is None else [a["name"] for a in json.loads(row[0])]


def test_files_on_the_command_line_start_a_new_chat(
    fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    fake_api.route("GET", "/v1/models", JSONResponse(200, {"data": [], "has_more": False}))
    earlier = stored_conversation("Yesterday's chat")
    (tmp_path / "notes.txt").write_text("Some notes", encoding="utf-8")
    env = app_env(fake_api, data_root())
    with AppProcess(app_command("notes.txt"), env, cwd=tmp_path) as first:
        wait_until(lambda: draft_names(None) == ["notes.txt"], what="notes.txt in a new chat")
        assert first.stop() == 0, first.stderr
    assert draft_names(earlier) == []  # not added to the conversation opened last
    assert Settings.load().last_conversation_id == 0  # a new chat was open at the end


def test_a_second_launch_hands_its_files_to_the_running_app(
    fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    fake_api.route("GET", "/v1/models", JSONResponse(200, {"data": [], "has_more": False}))
    earlier = stored_conversation("Yesterday's chat")
    (tmp_path / "report.txt").write_text("The report", encoding="utf-8")
    env = app_env(fake_api, data_root())
    with AppProcess(app_command(), env) as first:
        first.wait_for("Listening for later launches")
        # Without files: the running app only comes to the front.
        again = subprocess.run(app_command(), env=env, capture_output=True, text=True, timeout=60)
        assert again.returncode == 0, again.stderr
        first.wait_for("A later launch handed over 0 file(s)")
        assert Settings.load().last_conversation_id == earlier
        # With a file, by a relative path: it arrives in a new chat of the running app.
        second = subprocess.run(
            app_command("report.txt"),
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 0, second.stderr
        assert "already running; handed it 1 file(s)" in second.stderr
        first.wait_for("A later launch handed over 1 file(s)")
        wait_until(lambda: draft_names(None) == ["report.txt"], what="report.txt in a new chat")
        assert first.stop() == 0, first.stderr
    assert draft_names(earlier) == []
    assert Settings.load().last_conversation_id == 0
    found = [sign for sign in BAD_SIGNS if sign in first.stderr]
    assert not found, first.stderr


def test_a_socket_left_by_a_crash_is_taken_over(fake_api: FakeAnthropicAPI) -> None:
    fake_api.route("GET", "/v1/models", JSONResponse(200, {"data": [], "has_more": False}))
    env = app_env(fake_api, data_root())
    with AppProcess(app_command(), env) as crashed:
        crashed.wait_for("Listening for later launches")
        crashed.kill()  # SIGKILL: its lock and its socket stay behind
    with AppProcess(app_command(), env) as first:
        first.wait_for("Listening for later launches")
        again = subprocess.run(app_command(), env=env, capture_output=True, text=True, timeout=60)
        assert again.returncode == 0, again.stderr
        first.wait_for("A later launch handed over 0 file(s)")
        assert first.stop() == 0, first.stderr


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_answer_quits_as_quit_does(
    fake_api: FakeAnthropicAPI, how: signal.Signals
) -> None:
    """SIGTERM (log-out, `kill`) and SIGINT (Ctrl+C in a terminal): the part of the answer
    on screen is saved, the connection closed, and the process ends promptly with 0."""
    fake_api.route("GET", "/v1/models", JSONResponse(200, {"data": [], "has_more": False}))
    deltas = [f"tick{i} " for i in range(2000)]
    fake_api.enqueue(SSEResponse(sse.events(sse.text_stream(deltas)), delay=0.02))
    with AppProcess(app_command(script=SIGNAL_SCRIPT), app_env(fake_api, data_root())) as first:
        on_screen = first.wait_for("streaming tick").split()[-1]
        started = time.monotonic()
        assert first.stop(how) == 0, first.stderr
        assert time.monotonic() - started < 10
    assert fake_api.wait_for_disconnect(timeout=2) is not None
    found = [sign for sign in BAD_SIGNS if sign in first.stderr]
    assert not found, first.stderr
    history = History.open()
    conv = history.conversations()[0]
    answer = history.load(conv.id).branch[-1]  # type: ignore[union-attr]
    history.close()
    assert answer.role == "assistant" and answer.status == "stopped"
    assert f"{on_screen} " in text_of(answer.content)


def test_a_data_folder_that_cannot_be_made_starts_the_app_anyway(
    fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    """Its parent is a regular file: a limit that binds root too (CI runs the tests as root,
    where a read-only folder would not stop anything)."""
    fake_api.route("GET", "/v1/models", JSONResponse(200, {"data": [], "has_more": False}))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = app_env(fake_api, blocker / "claude-desktop", TMPDIR=str(temp))
    result = subprocess.run(
        app_command(script=BANNER_SCRIPT), env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "already running" not in result.stderr + result.stdout
    found = [sign for sign in BAD_SIGNS if sign in result.stderr]
    assert not found, result.stderr
    # One sentence says what is wrong, and the session goes on in a temporary history.
    assert "could not be made (Not a directory)" in result.stdout
    assert "will not be saved" in result.stdout
    # That temporary history was removed at quit.
    assert [p for p in temp.rglob("*") if p.is_file()] == []


def test_a_lock_that_cannot_be_written_is_said_and_the_app_starts(
    fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    """A lock file naming no process that cannot be replaced (it is a folder, which even
    root cannot write over as a file), and no app answering: not "already running", but
    a sentence saying the data folder cannot be written."""
    fake_api.route("GET", "/v1/models", JSONResponse(200, {"data": [], "has_more": False}))
    (data_dir() / LOCK_NAME).mkdir(parents=True)
    result = subprocess.run(
        app_command(script=BANNER_SCRIPT),
        env=app_env(fake_api, data_root()),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "already running" not in result.stderr + result.stdout
    found = [sign for sign in BAD_SIGNS if sign in result.stderr]
    assert not found, result.stderr
    assert "banner: Claude Desktop cannot write to its data folder" in result.stdout


def test_quitting_on_a_full_disk_still_shuts_down_cleanly(
    fake_api: FakeAnthropicAPI,
) -> None:
    fake_api.route("GET", "/v1/models", JSONResponse(200, {"data": [], "has_more": False}))
    deltas = [f"tick{i} " for i in range(500)]
    fake_api.enqueue(SSEResponse(sse.events(sse.text_stream(deltas)), delay=0.02))
    result = subprocess.run(
        app_command(script=FULL_DISK_SCRIPT),
        env=app_env(fake_api, data_root()),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "streaming" in result.stdout
    assert "Could not save the draft or settings on the way out" in result.stderr
    assert "Could not save settings" in result.stderr  # tried again at the very end
    # Nothing escaped the shutdown. (The storage layer still logs each failed write of the
    # history, the answer's last flush among them, with its traceback: how the history
    # meets a full disk while the app runs is another matter.)
    assert 'claude_desktop/app.py", line' not in result.stderr, result.stderr
    found = [sign for sign in BAD_SIGNS if sign in result.stderr and sign != "Traceback"]
    assert not found, result.stderr
    # The stream was cancelled and the client closed all the same.
    assert fake_api.wait_for_disconnect(timeout=2) is not None


def data_root() -> Path:
    """The test's CLAUDE_DESKTOP_DATA_DIR (the autouse fixture's): the child apps use it."""
    return Path(os.environ["CLAUDE_DESKTOP_DATA_DIR"])
