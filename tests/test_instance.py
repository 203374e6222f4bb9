"""The instance lock and the local socket later launches hand their files over, in this
process with real lock files and real sockets (the whole hand-off between two app
processes is in tests/ui/test_app_lifecycle.py)."""

from __future__ import annotations

import json
import logging
import os
import resource
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDir
from PySide6.QtNetwork import QLocalSocket
from pytestqt.qtbot import QtBot

from claude_desktop.domain.paths import data_dir
from claude_desktop.instance import (
    ACK,
    InstanceServer,
    LockState,
    server_name,
    someone_listens,
    take_instance_lock,
)


@pytest.fixture
def server(qtbot: QtBot, tmp_path: Path) -> Iterator[InstanceServer]:
    listening = InstanceServer(server_name(tmp_path / "data"))
    assert listening.listen()
    yield listening
    listening.close()


def test_the_socket_name_is_short_and_differs_by_data_folder(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 20)
    name = server_name(deep)
    assert name == server_name(deep) != server_name(tmp_path)
    # Unix sockets live in the temporary folder; their paths must stay under ~104 bytes.
    assert len(os.path.join(QDir.tempPath(), name)) < 100


def test_the_lock_is_ours_then_taken_by_a_live_process(qapp: object) -> None:
    first = take_instance_lock()
    assert first.state is LockState.OURS and first.lock is not None
    try:
        second = take_instance_lock()
        assert second.state is LockState.TAKEN and second.holder_alive is True
    finally:
        first.lock.unlock()


def test_a_data_folder_under_a_file_is_unwritable_not_taken(
    qapp: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A regular file as the parent: a limit that binds root too (CI runs as root).
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    monkeypatch.setenv("CLAUDE_DESKTOP_DATA_DIR", str(tmp_path / "a-file" / "app"))
    lock = take_instance_lock()
    assert lock.state is LockState.UNWRITABLE
    assert "Not a directory" in lock.problem


def test_a_full_disk_is_unwritable_not_taken(qapp: object) -> None:
    data_dir(create=True)
    # RLIMIT_FSIZE 0: every write to a file fails (EFBIG), for root as well; Python
    # ignores the SIGXFSZ that comes with it.
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, hard))
    try:
        lock = take_instance_lock()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert lock.state is LockState.UNWRITABLE
    assert "the disk may be full" in lock.problem
    assert not (data_dir() / "instance.lock").exists()


def test_a_request_hands_over_absolute_paths(
    qtbot: QtBot, server: InstanceServer, tmp_path: Path
) -> None:
    client = QLocalSocket()
    client.connectToServer(server.name)
    request = {"files": [str(tmp_path / "a.pdf"), "relative.txt"], "raise": True}
    with qtbot.waitSignal(server.files_received) as received:
        client.write(json.dumps(request).encode() + b"\n")
    assert received.args == [[str(tmp_path / "a.pdf")]]
    qtbot.waitUntil(lambda: client.bytesAvailable() >= len(ACK))
    assert bytes(client.readAll().data()) == ACK
    client.abort()


@pytest.mark.parametrize("junk", [b"\xff\xfe not json\n", b'{"files": "a.pdf"}\n', b"[1]\n"])
def test_a_garbled_request_is_ignored(qtbot: QtBot, server: InstanceServer, junk: bytes) -> None:
    client = QLocalSocket()
    client.connectToServer(server.name)
    with qtbot.assertNotEmitted(server.files_received, wait=100):
        client.write(junk)
        qtbot.waitUntil(lambda: client.state() == QLocalSocket.LocalSocketState.UnconnectedState)


def test_a_stale_socket_is_replaced_a_live_one_never(
    qapp: object, server: InstanceServer, tmp_path: Path
) -> None:
    # A live app's socket is left alone...
    other = InstanceServer(server.name)
    assert not other.listen()
    assert someone_listens(server.name)
    # ...while one a crashed app left (a socket file nobody listens on) is replaced.
    stale_name = server_name(tmp_path / "crashed")
    path = os.path.join(QDir.tempPath(), stale_name)
    with socket.socket(socket.AF_UNIX) as dead:
        dead.bind(path)
    assert os.path.exists(path) and not someone_listens(stale_name)
    revived = InstanceServer(stale_name)
    try:
        assert revived.listen()
        assert someone_listens(stale_name)
    finally:
        revived.close()


def test_a_socket_that_cannot_be_made_is_logged_not_raised(
    qapp: object, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Any failure to listen (here the socket's folder does not exist) is one line in the log
    and False: the app goes on without taking later launches' files. Checking whether the
    failure was a stale socket once raised instead (an enum member QLocalSocket lacks),
    which reached the window as an unexpected error."""
    server = InstanceServer(str(tmp_path / "no-such-folder" / "claude-desktop"))
    try:
        with caplog.at_level(logging.WARNING, logger="claude_desktop.instance"):
            assert not server.listen()
        assert "Not listening for later launches" in caplog.text
    finally:
        server.close()


def test_a_long_temporary_folder_still_gets_a_socket(
    qapp: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Unix socket's path has at most ~104 bytes; Qt puts a named socket in the temporary
    folder. With a long TMPDIR (CI's pytest folders passed it: 107 bytes) listening failed,
    and later launches could not hand their files over."""
    long_tmp = tmp_path.joinpath(*["a-long-temporary-folder"] * 4)
    long_tmp.mkdir(parents=True)
    monkeypatch.setenv("TMPDIR", str(long_tmp))
    assert QDir.tempPath() == str(long_tmp)
    name = server_name(tmp_path / "data")
    assert name == server_name(tmp_path / "data")
    assert (
        len(os.fsencode(name if os.path.isabs(name) else os.path.join(str(long_tmp), name))) < 100
    )
    listening = InstanceServer(name)
    try:
        assert listening.listen()
        assert someone_listens(name)  # a later launch finds it
    finally:
        listening.close()
