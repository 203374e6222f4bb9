"""The history opened on a worker at start-up: used by the UI thread as if opened there."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from claude_desktop.domain.history import History, StorageError
from claude_desktop.domain.secrets import KeyStore
from claude_desktop.domain.session import Session
from claude_desktop.domain.settings import Settings


def _session(tmp_path: Path, path: Path) -> Session:
    opening = History.open_in_background(path)
    return Session(Settings.load(tmp_path / "settings.json"), KeyStore(), opening=opening)


def test_a_history_opened_on_a_worker_is_used_on_this_thread(tmp_path: Path) -> None:
    session = _session(tmp_path, tmp_path / "history.sqlite3")
    history = session.history
    conversation = history.store.create_conversation(model="claude-haiku-4-5", title="A question")
    assert [c.id for c in history.store.list_conversations()] == [conversation.id]
    assert session.history is history  # opened once
    session.close_history()
    reopened = History.open(tmp_path / "history.sqlite3")
    assert [c.title for c in reopened.store.list_conversations()] == ["A question"]
    reopened.close()


def test_what_opening_raised_is_raised_where_the_history_is_first_needed(
    tmp_path: Path,
) -> None:
    damaged = tmp_path / "history.sqlite3"
    damaged.write_bytes(b"not a database, not at all" * 100)
    session = _session(tmp_path, damaged)
    with pytest.raises(StorageError):
        _ = session.history
    assert damaged.read_bytes() == b"not a database, not at all" * 100  # left as it was


def test_quitting_before_the_history_was_needed_closes_it(tmp_path: Path) -> None:
    session = _session(tmp_path, tmp_path / "history.sqlite3")
    opening = session._opening
    assert opening is not None
    history = opening.result(timeout=10)
    session.close_history()
    with pytest.raises(Exception, match="closed"):
        history.store.list_conversations()


def test_opening_runs_off_the_calling_thread(tmp_path: Path) -> None:
    threads: list[threading.Thread] = []
    real = History.open

    def spy(path: Path | None = None) -> History:
        threads.append(threading.current_thread())
        return real(path)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(History, "open", staticmethod(spy))
        History.open_in_background(tmp_path / "history.sqlite3").result(timeout=10).close()
    assert threads and threads[0] is not threading.main_thread()
