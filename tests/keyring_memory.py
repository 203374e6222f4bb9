"""Keyring backends for tests: one that keeps passwords in a dict, one that always fails.

Install one with ``keyring.set_keyring(MemoryKeyring())`` (the autouse fixture does), or
pass it to ``KeyStore(backend=...)``.
"""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import KeyringLocked, PasswordDeleteError, PasswordSetError


class MemoryKeyring(KeyringBackend):
    """A keyring in a dict: what a working OS keyring does, without touching the OS."""

    @properties.classproperty
    def priority(cls) -> float:
        return 1

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.passwords[(service, username)]
        except KeyError:
            # What real backends raise, so callers' "nothing to delete" path is exercised.
            raise PasswordDeleteError("No such password!") from None


class FailingKeyring(KeyringBackend):
    """A keyring that is there but refuses everything, like a locked Secret Service.

    Pass `error` to raise something else, e.g. the odd exceptions D-Bus failures surface as.
    """

    @properties.classproperty
    def priority(cls) -> float:
        return 1

    def __init__(self, error: Exception | None = None) -> None:
        super().__init__()
        self.error = error

    def _fail(self, default: Exception) -> Exception:
        return self.error if self.error is not None else default

    def get_password(self, service: str, username: str) -> str | None:
        raise self._fail(KeyringLocked("Failed to unlock the collection!"))

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self._fail(PasswordSetError("Failed to unlock the collection!"))

    def delete_password(self, service: str, username: str) -> None:
        raise self._fail(KeyringLocked("Failed to unlock the collection!"))


# keyring registers every backend class it sees and may pick the best one automatically
# (keyring.core.init_backend, the chainer); these fakes must only ever be used on purpose.
for _fake in (MemoryKeyring, FailingKeyring):
    KeyringBackend._classes.discard(_fake)
