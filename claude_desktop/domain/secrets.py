"""The Anthropic API key: read from the environment or the OS keyring, never from a file.

:class:`KeyStore` finds the key (``ANTHROPIC_API_KEY`` first, then a key typed in for this
session only, then the keyring), stores it in the keyring, and explains in words a person
can act on when no keyring is there to store it. This module never writes the key anywhere
but the keyring and never logs it: use :func:`mask` to show it.
"""

from __future__ import annotations

import enum
import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from claude_desktop.api.errors import HumanError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

KEYRING_SERVICE = "claude-desktop"
KEYRING_USERNAME = "anthropic-api-key"
ENV_VAR = "ANTHROPIC_API_KEY"


class KeySource(enum.Enum):
    """Where the key in use came from."""

    ENVIRONMENT = "environment"
    KEYRING = "keyring"
    #: Typed in by the user and kept in memory only, until the app quits.
    SESSION = "session"
    NONE = "none"


class SecretStoreError(HumanError):
    """Base of the errors of this module; `human` is one line fit to show a person."""


class KeyringUnavailableError(SecretStoreError):
    """The OS keyring is missing, locked or failing, so the key cannot be stored in it."""

    def __init__(self, reason: str, *, action: str = "store your key safely") -> None:
        super().__init__(
            f"No system keyring is available to {action} ({reason}). "
            "You can use the key for this session only."
        )
        self.reason = reason


def mask(key: str | None) -> str:
    """The key made safe to show: ``sk-ant-…abcd``; short strings are masked entirely."""
    if not key:
        return ""
    # Under 20 characters, the 11 shown would give away most of the string.
    if len(key) < 20:
        return "•" * 8
    return f"{key[:7]}…{key[-4:]}"


class KeyStore:
    """Finds, stores and forgets the API key.

    `backend` defaults to whatever keyring picks for this platform (the Secret Service,
    macOS Keychain, Windows Credential Locker); tests pass their own. keyring is imported on
    first use only, because importing it and finding a backend costs ~0.2 s at start-up.

    Reading or writing the keyring may block while the OS asks the user to unlock it, so a
    GUI should call `get`, `save` and `delete` off its event loop thread.
    """

    def __init__(
        self,
        backend: KeyringBackend | None = None,
        *,
        service: str = KEYRING_SERVICE,
        username: str = KEYRING_USERNAME,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._backend = backend
        self._service = service
        self._username = username
        self._environ = os.environ if environ is None else environ
        self._session_key: str | None = None

    # -- reading ---------------------------------------------------------------------------

    def get(self) -> tuple[str | None, KeySource]:
        """The key and where it came from; (None, NONE) when there is none or it is unreadable."""
        env_key = self._environ.get(ENV_VAR, "").strip()
        if env_key:
            return env_key, KeySource.ENVIRONMENT
        if self._session_key:
            return self._session_key, KeySource.SESSION
        try:
            backend = self._keyring()
            if _placeholder_reason(backend) is not None:
                return None, KeySource.NONE  # no keyring: nothing to read, nothing to warn
            stored = backend.get_password(self._service, self._username)
        except Exception as exc:
            # Locked or absent keyring, D-Bus trouble: the caller asks for the key instead.
            log.warning(
                "Could not read the API key from the keyring (%s): %s",
                self.backend_name(),
                _describe(exc),
            )
            return None, KeySource.NONE
        if stored and stored.strip():
            return stored.strip(), KeySource.KEYRING
        return None, KeySource.NONE

    def available(self) -> bool:
        """Whether a real keyring backend is there to store the key."""
        try:
            return _unavailable_reason(self._keyring()) is None
        except Exception as exc:
            log.warning("Could not find a keyring backend: %s", _describe(exc))
            return False

    def backend_name(self) -> str:
        """The active keyring backend in words, e.g. "SecretService Keyring"."""
        try:
            return _backend_name(self._keyring())
        except Exception as exc:
            return f"unknown ({type(exc).__name__})"

    # -- writing ---------------------------------------------------------------------------

    def save(self, key: str) -> None:
        """Store the key in the keyring, or raise KeyringUnavailableError saying why not.

        Surrounding whitespace is dropped; an empty key raises ValueError.
        """
        key = _clean(key)
        try:
            backend = self._keyring()
        except Exception as exc:
            log.warning("Could not find a keyring backend: %s", _describe(exc))
            raise KeyringUnavailableError("no keyring backend could be loaded") from None
        reason = _unavailable_reason(backend)
        if reason is not None:
            log.warning("Not storing the API key: %s", reason)
            raise KeyringUnavailableError(reason)
        name = _backend_name(backend)
        try:
            backend.set_password(self._service, self._username, key)
            # Some backends accept a password and drop it (keyring's null backend, a
            # chainer whose backends all refuse): only a read-back proves it is stored.
            kept = backend.get_password(self._service, self._username) == key
        except Exception as exc:
            log.warning("Could not store the API key in %s: %s", name, _describe(exc, key))
            # `from None`: the original may quote D-Bus replies; the reason says enough.
            raise KeyringUnavailableError(_reason(exc, name)) from None
        if not kept:
            log.warning("%s accepted the API key but did not keep it", name)
            raise KeyringUnavailableError(f"{name} did not keep the key")
        # The keyring has it now; a session key would otherwise shadow it.
        self._session_key = None
        log.info("Stored the API key in %s", name)

    def set_session_key(self, key: str) -> None:
        """Use this key until the app quits, without storing it anywhere."""
        self._session_key = _clean(key)

    def delete(self) -> None:
        """Forget the key: the session key and the keyring's copy.

        Raises KeyringUnavailableError when the keyring holds a copy it will not delete.
        A key from the environment cannot be forgotten here; `get` still returns it.
        """
        self._session_key = None
        from keyring.errors import PasswordDeleteError

        try:
            backend = self._keyring()
            if _unavailable_reason(backend) is not None:
                return  # nothing can be stored there, so there is nothing to delete
            backend.delete_password(self._service, self._username)
        except PasswordDeleteError:
            pass  # there was no stored key
        except Exception as exc:
            name = self.backend_name()
            log.warning("Could not delete the API key from %s: %s", name, _describe(exc))
            raise KeyringUnavailableError(
                _reason(exc, name), action="remove your key from it"
            ) from None
        else:
            log.info("Deleted the API key from the keyring")

    # -- internals -------------------------------------------------------------------------

    def _keyring(self) -> KeyringBackend:
        if self._backend is not None:
            return self._backend
        import keyring

        return keyring.get_keyring()


def _clean(key: str) -> str:
    # Keys are pasted; a stray newline or space would make every request fail with 401.
    key = key.strip()
    if not key:
        raise ValueError("the API key is empty")
    return key


def _placeholder_reason(backend: KeyringBackend) -> str | None:
    """Why `backend` is one of keyring's stand-ins for "no keyring", or None if it is not."""
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring):
        return "no keyring backend was found"
    if isinstance(backend, null.Keyring):
        return "the keyring is disabled"
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return "no keyring backend was found"
    return None


def _unavailable_reason(backend: KeyringBackend) -> str | None:
    """Why `backend` cannot keep a secret, or None when it can."""
    reason = _placeholder_reason(backend)
    if reason is not None:
        return reason
    try:
        priority = backend.priority
    except Exception as exc:
        # A backend chosen by configuration rather than detection reports here that it
        # cannot work in this environment (e.g. the Secret Service without D-Bus).
        return f"{_backend_name(backend)} cannot be used here: {_describe(exc)}"
    if priority <= 0:
        return f"{_backend_name(backend)} is not a usable keyring"
    return None


def _backend_name(backend: KeyringBackend) -> str:
    from keyring.backends import chainer

    placeholder = _placeholder_reason(backend)
    if placeholder is not None:
        return f"none ({placeholder})"
    if isinstance(backend, chainer.ChainerBackend):
        return ", ".join(b.name for b in backend.backends)
    return str(backend.name)


def _reason(exc: Exception, backend_name: str) -> str:
    """What went wrong, in words, without quoting the exception (it may carry D-Bus data)."""
    from keyring.errors import InitError, KeyringLocked, NoKeyringError

    if isinstance(exc, KeyringLocked):
        return f"{backend_name} is locked"
    if isinstance(exc, NoKeyringError):
        return "no keyring backend was found"
    if isinstance(exc, InitError):
        return f"{backend_name} could not be opened"
    return f"{backend_name} failed with {type(exc).__name__}"


def _describe(exc: BaseException, secret: str | None = None) -> str:
    """The exception and its causes for a log line, with `secret` masked if it appears."""
    parts = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(f"{type(current).__module__}.{type(current).__qualname__}: {current}")
        current = current.__cause__ or current.__context__
    text = " <- ".join(parts)
    if secret:
        text = text.replace(secret, mask(secret))
    return text
