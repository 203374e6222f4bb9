"""One base for errors that carry a sentence, and one reading of a failed response's body."""

from __future__ import annotations

from claude_desktop.api.errors import (
    AuthenticationError,
    ClaudeError,
    HumanError,
    error_from_body,
    read_error_body,
)
from claude_desktop.domain.attachments import AttachmentError
from claude_desktop.domain.secrets import KeyringUnavailableError
from claude_desktop.domain.settings import ModelIdError
from claude_desktop.storage.store import DiskFullError, StorageError


def test_every_error_with_a_sentence_is_a_human_error() -> None:
    errors: list[HumanError] = [
        ClaudeError("plain"),
        AuthenticationError("bad key"),
        StorageError("The history could not be saved."),
        DiskFullError(),
        AttachmentError("x.bin can't be attached."),
        KeyringUnavailableError("locked"),
        ModelIdError("A model id has no spaces."),
    ]
    for error in errors:
        assert isinstance(error, HumanError) and error.human and str(error)
    assert AuthenticationError("bad key").human.startswith("Your API key was rejected")
    assert isinstance(ModelIdError("no"), ValueError)  # still caught where ValueErrors are


def test_an_error_body_is_its_json_else_its_first_200_characters() -> None:
    assert read_error_body(b'{"message": "m"}', 400) == ({"message": "m"}, '{"message": "m"}')
    assert read_error_body(b"  " + b"q" * 300, 400) == (None, "q" * 200)
    assert read_error_body(b"", 502) == (None, "HTTP 502")
    assert read_error_body(b"") == (None, "")
    assert error_from_body(400, b"<html>no</html>").message == "<html>no</html>"
    assert error_from_body(503, b"").message == "HTTP 503"
