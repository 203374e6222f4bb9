"""Tests of the API key store: sources, keyring round trips, failures, and that keys never leak."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets as stdlib_secrets
from pathlib import Path
from typing import NoReturn

import keyring
import pytest
from keyring.backends import fail, null

from claude_desktop.domain.secrets import (
    ENV_VAR,
    KEYRING_SERVICE,
    KEYRING_USERNAME,
    KeyringUnavailableError,
    KeySource,
    KeyStore,
    mask,
)
from tests.keyring_memory import FailingKeyring, MemoryKeyring

KEY = "sk-ant-api03-" + "x" * 80 + "abcd"
OTHER_KEY = "sk-ant-api03-" + "y" * 80 + "wxyz"


def test_no_key_anywhere() -> None:
    assert KeyStore().get() == (None, KeySource.NONE)


def test_keyring_round_trip(memory_keyring: MemoryKeyring) -> None:
    store = KeyStore()
    store.save(KEY)
    assert memory_keyring.passwords == {(KEYRING_SERVICE, KEYRING_USERNAME): KEY}
    assert store.get() == (KEY, KeySource.KEYRING)
    # A fresh store (the next start of the app) finds it too.
    assert KeyStore().get() == (KEY, KeySource.KEYRING)


def test_save_strips_pasted_whitespace() -> None:
    store = KeyStore()
    store.save(f"  {KEY}\n")
    assert store.get() == (KEY, KeySource.KEYRING)


def test_save_refuses_an_empty_key(memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(ValueError, match="empty"):
        KeyStore().save("  \n")
    assert memory_keyring.passwords == {}


def test_environment_wins_over_keyring_and_session(monkeypatch: pytest.MonkeyPatch) -> None:
    store = KeyStore()
    store.save(KEY)
    store.set_session_key(OTHER_KEY)
    monkeypatch.setenv(ENV_VAR, "sk-ant-from-env-0000000000000")
    assert store.get() == ("sk-ant-from-env-0000000000000", KeySource.ENVIRONMENT)


def test_empty_environment_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "   ")
    store = KeyStore()
    store.save(KEY)
    assert store.get() == (KEY, KeySource.KEYRING)


def test_environment_can_be_injected() -> None:
    assert KeyStore(environ={ENV_VAR: KEY}).get() == (KEY, KeySource.ENVIRONMENT)


def test_session_key_stays_in_memory(memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    store = KeyStore()
    store.set_session_key(KEY)
    assert store.get() == (KEY, KeySource.SESSION)
    assert memory_keyring.passwords == {}
    assert KeyStore().get() == (None, KeySource.NONE)
    assert not _files_containing(tmp_path, KEY)


def test_session_key_shadows_the_keyring_until_saved() -> None:
    store = KeyStore()
    store.save(KEY)
    store.set_session_key(OTHER_KEY)
    assert store.get() == (OTHER_KEY, KeySource.SESSION)
    store.save(OTHER_KEY)
    assert store.get() == (OTHER_KEY, KeySource.KEYRING)


def test_delete_forgets_keyring_and_session_key(memory_keyring: MemoryKeyring) -> None:
    store = KeyStore()
    store.save(KEY)
    store.set_session_key(OTHER_KEY)
    store.delete()
    assert store.get() == (None, KeySource.NONE)
    assert memory_keyring.passwords == {}


def test_delete_without_a_stored_key_is_fine() -> None:
    KeyStore().delete()


def test_delete_does_not_touch_other_entries(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password("some-other-app", KEYRING_USERNAME, "theirs")
    store = KeyStore()
    store.save(KEY)
    store.delete()
    assert memory_keyring.passwords == {("some-other-app", KEYRING_USERNAME): "theirs"}


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        (KEY, "sk-ant-…abcd"),
        ("sk-ant-api03-abcdefghijklmnop", "sk-ant-…mnop"),
        ("short-key", "••••••••"),
        ("sk-ant-api03-abcde", "••••••••"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask(key: str | None, shown: str) -> None:
    assert mask(key) == shown


def test_mask_never_shows_most_of_a_key() -> None:
    for length in range(1, 40):
        key = "k" * length
        assert len(mask(key).replace("…", "").replace("•", "")) <= max(0, length - 9)


# -- no keyring, or one that fails -----------------------------------------------------------


def test_fail_backend_cannot_save() -> None:
    keyring.set_keyring(fail.Keyring())
    store = KeyStore()
    assert not store.available()
    with pytest.raises(KeyringUnavailableError) as caught:
        store.save(KEY)
    human = caught.value.human
    assert human.startswith("No system keyring is available to store your key safely (")
    assert "session only" in human
    assert KEY not in human
    assert str(caught.value) == human
    # Nothing to read, and no warning for the normal "there is no keyring" case either.
    assert store.get() == (None, KeySource.NONE)


def test_fail_backend_still_allows_a_session_key() -> None:
    keyring.set_keyring(fail.Keyring())
    store = KeyStore()
    with pytest.raises(KeyringUnavailableError):
        store.save(KEY)
    store.set_session_key(KEY)
    assert store.get() == (KEY, KeySource.SESSION)


def test_null_backend_counts_as_unavailable() -> None:
    keyring.set_keyring(null.Keyring())
    store = KeyStore()
    assert not store.available()
    with pytest.raises(KeyringUnavailableError, match="disabled"):
        store.save(KEY)


def test_chainer_without_backends_counts_as_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends import chainer

    monkeypatch.setattr(keyring.backend, "get_all_keyring", lambda: [])
    backend = chainer.ChainerBackend()
    store = KeyStore(backend)
    assert not store.available()
    with pytest.raises(KeyringUnavailableError):
        store.save(KEY)


def test_backend_that_drops_the_key_is_caught() -> None:
    class Forgetful(MemoryKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            pass

    with pytest.raises(KeyringUnavailableError, match="did not keep"):
        KeyStore(Forgetful()).save(KEY)


def test_backend_not_viable_here_counts_as_unavailable() -> None:
    from keyring.compat import properties

    class NotHere(MemoryKeyring):
        @properties.classproperty
        def priority(cls) -> float:
            raise RuntimeError("The Secret Service daemon is neither running nor activatable")

    store = KeyStore(NotHere())
    assert not store.available()
    with pytest.raises(KeyringUnavailableError, match="cannot be used here"):
        store.save(KEY)


def test_locked_keyring_on_save_raises_a_human_error(caplog: pytest.LogCaptureFixture) -> None:
    store = KeyStore(FailingKeyring())
    assert store.available()  # it is there; it just refuses
    with pytest.raises(KeyringUnavailableError) as caught:
        store.save(KEY)
    assert "session only" in caught.value.human
    assert caught.value.__cause__ is None
    assert "PasswordSetError" in caplog.text


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        OSError("dbus went away"),
        RuntimeError("org.freedesktop.DBus.Error.ServiceUnknown"),
        ValueError("odd reply"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_odd_backend_errors_on_save_become_keyring_unavailable(
    error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(KeyringUnavailableError) as caught:
        KeyStore(FailingKeyring(error)).save(KEY)
    assert type(error).__name__ in caught.value.human
    assert type(error).__name__ in caplog.text  # the log says what it was


@pytest.mark.parametrize("error", [None, ConnectionRefusedError(111, "refused"), OSError("x")])
def test_failing_read_gives_no_key_and_a_warning(
    error: Exception | None, caplog: pytest.LogCaptureFixture
) -> None:
    store = KeyStore(FailingKeyring(error))
    with caplog.at_level(logging.WARNING, logger="claude_desktop.domain.secrets"):
        assert store.get() == (None, KeySource.NONE)
    assert any(r.levelno == logging.WARNING for r in caplog.records)


def test_failing_delete_raises_a_human_error() -> None:
    store = KeyStore(FailingKeyring())
    store.set_session_key(KEY)
    with pytest.raises(KeyringUnavailableError, match="remove your key"):
        store.delete()
    # The session key is forgotten even so.
    assert store.get() == (None, KeySource.NONE)


def test_backend_name() -> None:
    assert "MemoryKeyring" in KeyStore().backend_name()
    assert KeyStore(fail.Keyring()).backend_name() == "none (no keyring backend was found)"
    assert KeyStore(null.Keyring()).backend_name() == "none (the keyring is disabled)"


def test_the_key_never_reaches_the_log(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Echoing(FailingKeyring):
        """Fails with the password in the message, as a careless backend might."""

        def set_password(self, service: str, username: str, password: str) -> None:
            raise keyring.errors.PasswordSetError(f"could not store {password!r}")

    caplog.set_level(logging.DEBUG)
    store = KeyStore()
    store.save(KEY)
    store.get()
    store.set_session_key(OTHER_KEY)
    store.get()
    store.delete()
    store.delete()
    with contextlib.suppress(KeyringUnavailableError):
        KeyStore(Echoing()).save(KEY)
    with contextlib.suppress(KeyringUnavailableError):
        KeyStore(FailingKeyring()).save(KEY)
    KeyStore(FailingKeyring()).get()
    monkeypatch.setenv(ENV_VAR, KEY)
    KeyStore().get()

    assert caplog.records, "expected the store to log what it did"
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        for key in (KEY, OTHER_KEY):
            assert key not in text
            assert key[7:-4] not in text


def test_the_key_is_never_written_to_a_file(tmp_path: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    store = KeyStore()
    with contextlib.suppress(KeyringUnavailableError):
        store.save(KEY)
    store.set_session_key(KEY)
    store.get()
    assert not _files_containing(tmp_path, KEY)


def _files_containing(root: Path, text: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


# -- the real Secret Service ------------------------------------------------------------------

REQUIRE_SECRET_SERVICE = "CLAUDE_DESKTOP_REQUIRE_SECRET_SERVICE"


def _real_secret_service() -> keyring.backend.KeyringBackend:
    """The Secret Service backend if one is reachable; else skip, or fail when CI requires it."""
    required = os.environ.get(REQUIRE_SECRET_SERVICE) == "1"

    def unavailable(reason: str) -> NoReturn:
        if required:
            pytest.fail(f"{REQUIRE_SECRET_SERVICE}=1 but no usable Secret Service: {reason}")
        pytest.skip(f"no usable Secret Service: {reason}")

    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        unavailable("DBUS_SESSION_BUS_ADDRESS is not set")
    try:
        import secretstorage
        from keyring.backends import SecretService
    except ImportError as exc:
        unavailable(f"cannot import the backend ({exc})")
    try:
        priority = SecretService.Keyring.priority
    except Exception as exc:
        unavailable(f"the backend is not viable ({exc})")
    if priority <= 0:
        unavailable(f"the backend's priority is {priority}")
    # Check the default collection exists and is unlocked without asking for either:
    # the backend would otherwise pop up a prompt, which under Xvfb nobody answers.
    try:
        with contextlib.closing(secretstorage.dbus_init()) as connection:
            locked = secretstorage.Collection(connection).is_locked()
    except Exception as exc:
        unavailable(f"no default collection ({type(exc).__name__}: {exc})")
    if locked:
        unavailable("the default collection is locked")
    return SecretService.Keyring()


@pytest.mark.secret_service
def test_round_trip_through_the_real_secret_service() -> None:
    backend = _real_secret_service()
    service = f"claude-desktop-test-{stdlib_secrets.token_hex(8)}"
    key = f"sk-ant-test-{stdlib_secrets.token_urlsafe(32)}"
    store = KeyStore(backend, service=service, environ={})
    try:
        assert store.available()
        assert "SecretService" in store.backend_name()
        assert store.get() == (None, KeySource.NONE)
        store.save(key)
        assert store.get() == (key, KeySource.KEYRING)
        # Straight from the backend too, not only through our store.
        assert backend.get_password(service, KEYRING_USERNAME) == key
        store.delete()
        assert store.get() == (None, KeySource.NONE)
        assert backend.get_password(service, KEYRING_USERNAME) is None
    finally:
        with contextlib.suppress(Exception):
            backend.delete_password(service, KEYRING_USERNAME)
