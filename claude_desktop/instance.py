"""One app per data folder: the instance lock, and a second launch handing its files over.

The first app holds a lock file in the data folder and listens on a local socket whose
name is derived from that folder. A second launch finds the lock taken, sends its files
(maybe none) over the socket and exits; the running app raises its window and attaches
them to a new chat. A lock that cannot be written (a read-only or full disk) is not taken
for another app: the app starts anyway and says what is wrong.
"""

from __future__ import annotations

import enum
import hashlib
import json
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDir, QLockFile, QObject, Signal

if TYPE_CHECKING:  # QtNetwork is imported when a socket is first used: after the first paint
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

from claude_desktop import APP_NAME
from claude_desktop.domain.paths import data_dir

log = logging.getLogger(__name__)

LOCK_NAME = "instance.lock"
#: How long a second launch keeps trying to reach the first (which may be starting).
HAND_OFF_SECONDS = 5.0
#: A request is one line of JSON; anything longer is not from a second launch.
MAX_REQUEST_BYTES = 1 << 20
ACK = b"ok\n"


class LockState(enum.Enum):
    OURS = "ours"  # this is the only app on this data folder
    TAKEN = "taken"  # a running app holds the lock
    UNWRITABLE = "unwritable"  # the lock file cannot be written: no app can be told apart


@dataclass
class InstanceLock:
    state: LockState
    #: Held (and so kept alive) while the app runs; None unless state is OURS.
    lock: QLockFile | None = None
    #: Why the lock could not be written, for a person (state UNWRITABLE).
    problem: str = ""
    #: State TAKEN: whether the lock names a running process (None: it names none, as
    #: while an app is writing it, or when it is not a lock file at all).
    holder_alive: bool | None = None

    def unwritable(self) -> InstanceLock:
        """This lock, taken as unwritable: it names no running app and cannot be replaced
        (nobody answered a hand-off)."""
        folder = data_dir()
        return InstanceLock(
            LockState.UNWRITABLE, problem=f"{folder}: {LOCK_NAME} cannot be replaced"
        )


def take_instance_lock() -> InstanceLock:
    """Take the lock that makes this the only app on its history.

    A second app would see the first one's streaming answer as a crash's leftover and
    mark it interrupted. A lock left by a killed app is taken over (QLockFile checks
    whether its process lives).
    """
    folder = data_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return InstanceLock(LockState.UNWRITABLE, problem=f"{folder}: {exc.strerror or exc}")
    lock = QLockFile(str(folder / LOCK_NAME))
    if lock.tryLock(200):
        return InstanceLock(LockState.OURS, lock)
    error = lock.error()
    if error == QLockFile.LockError.LockFailedError:
        alive = _holder_alive(lock)
        if alive is False:
            # A dead app's lock that QLockFile could not remove: the folder is read-only.
            return InstanceLock(LockState.UNWRITABLE, problem=f"{folder}: the folder is read-only")
        return InstanceLock(LockState.TAKEN, holder_alive=alive)
    reason = {
        QLockFile.LockError.PermissionError: "permission denied",
        # QLockFile's error when the lock file could not be written in full.
        QLockFile.LockError.UnknownError: "the disk may be full",
    }.get(error, str(error))
    return InstanceLock(LockState.UNWRITABLE, problem=f"{folder}: {reason}")


def _holder_alive(lock: QLockFile) -> bool | None:
    """Whether the process named in a lock QLockFile could not take is running; None
    when the lock names no process."""
    info = lock.getLockInfo()
    if not info or not isinstance(info[0], int) or info[0] <= 0:
        return None
    pid = info[0]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, someone else's (EPERM); Windows has no signal 0 to send
        return True
    return True


#: Longer socket paths than this fail to listen: a Unix socket's path has at most 104
#: bytes (macOS; 108 on Linux), its final zero included.
SOCKET_PATH_MAX = 100


def server_name(folder: Path | None = None) -> str:
    """The local socket's name for the app on `folder` (the data folder by default).

    A hash of the folder and the user: tests with their own data folder, and two users,
    do not meet. On Unix the socket goes in the temporary folder, or, when its path there
    would reach SOCKET_PATH_MAX, in the runtime folder (or /tmp), which are short.
    """
    folder = data_dir() if folder is None else folder
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    digest = hashlib.sha256(f"{user}\0{os.path.realpath(folder)}".encode()).hexdigest()
    name = f"{APP_NAME}-{digest[:24]}"
    if os.name != "nt" and len(os.fsencode(os.path.join(QDir.tempPath(), name))) >= SOCKET_PATH_MAX:
        # Qt would put the socket in a temporary folder too deep for a socket's path (a
        # long TMPDIR): in the user's runtime folder instead, or /tmp (the socket's mode
        # still admits only this user).
        return os.path.join(os.environ.get("XDG_RUNTIME_DIR") or "/tmp", name)
    return name


def hand_off(files: Sequence[str], name: str, wait: float = HAND_OFF_SECONDS) -> bool:
    """Give `files` (absolute paths) to the app listening on `name` and ask it to raise its
    window; True once it has them. Blocks, trying again for up to `wait` seconds."""
    request = json.dumps({"files": list(files), "raise": True}).encode("utf-8") + b"\n"
    deadline = time.monotonic() + wait
    while True:
        if _send(name, request, deadline):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)  # the first app may still be starting: its socket is not there yet


def _send(name: str, request: bytes, deadline: float) -> bool:
    from PySide6.QtNetwork import QLocalSocket

    def left_ms() -> int:
        return max(1, int((deadline - time.monotonic()) * 1000))

    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(min(left_ms(), 1000)):
        return False
    socket.write(request)
    if not socket.waitForBytesWritten(left_ms()):
        socket.abort()
        return False
    answer = b""
    while ACK not in answer and socket.waitForReadyRead(left_ms()):
        answer += bytes(socket.readAll().data())
    socket.abort()
    return ACK in answer


def someone_listens(name: str) -> bool:
    """Whether an app is listening on `name` (a socket left by a crash refuses)."""
    from PySide6.QtNetwork import QLocalSocket

    socket = QLocalSocket()
    socket.connectToServer(name)
    connected = socket.waitForConnected(300)
    socket.abort()
    return connected


class InstanceServer(QObject):
    """Where later launches hand their files to this app."""

    #: A later launch's files (absolute paths; maybe none): raise the window, attach them.
    files_received = Signal(list)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        """Start listening; a socket a crashed app left behind is replaced, a live app's
        never is (Qt would: with UserAccessOption it renames its socket over the name).

        The app listens once its window is up: QtNetwork's import is ~7 ms, and a launch
        meanwhile keeps trying for HAND_OFF_SECONDS, as it does while the app starts."""
        from PySide6.QtNetwork import QAbstractSocket, QLocalServer

        if self._server is None:
            self._server = QLocalServer(self)
            # Only this user may connect (on Unix the socket file's mode says so).
            self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
            self._server.newConnection.connect(self._accept)
        if someone_listens(self.name):
            log.warning("Not listening for later launches: another app listens on %s", self.name)
            return False
        if self._server.listen(self.name):
            log.info("Listening for later launches on %s", self.name)
            return True
        if (
            # QLocalServer's errors are QAbstractSocket's (QLocalSocket's enum has no such one).
            self._server.serverError() == QAbstractSocket.SocketError.AddressInUseError
            and not someone_listens(self.name)
        ):
            QLocalServer.removeServer(self.name)
            if self._server.listen(self.name):
                log.info("Listening for later launches on %s (a stale socket removed)", self.name)
                return True
        log.warning(
            "Not listening for later launches on %s: %s", self.name, self._server.errorString()
        )
        return False

    def close(self) -> None:
        if self._server is not None:
            self._server.close()

    def _accept(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))

    def _forget(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

    def _read(self, socket: QLocalSocket) -> None:
        if socket not in self._buffers:
            return
        data = self._buffers[socket] + bytes(socket.readAll().data())
        if b"\n" not in data:
            if len(data) > MAX_REQUEST_BYTES:
                log.warning("Ignored an over-long request on the instance socket")
                self._buffers.pop(socket, None)
                socket.abort()
            else:
                self._buffers[socket] = data
            return
        self._buffers.pop(socket, None)
        files = _files_of(data.split(b"\n", 1)[0])
        if files is None:
            log.warning("Ignored an unreadable request on the instance socket")
            socket.abort()
            return
        socket.write(ACK)
        socket.flush()
        socket.disconnectFromServer()
        log.info("A later launch handed over %d file(s)", len(files))
        self.files_received.emit(files)


def _files_of(line: bytes) -> list[str] | None:
    try:
        request: Any = json.loads(line.decode("utf-8"))
    except ValueError:
        return None
    files = request.get("files") if isinstance(request, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return [f for f in files if os.path.isabs(f)]
