"""A full disk while answers are saved: nothing is lost, and it is saved once there is room
(the limit is SQLite's own on the real file: see tests/full_disk.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_desktop.api.message import Message
from claude_desktop.domain.history import UNSAVED, History
from claude_desktop.storage.store import DISK_FULL, DiskFullError
from tests.full_disk import fill_disk, free_disk


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    history = History.open(tmp_path / "history.sqlite3")
    yield history
    history.close()


def answer(text: str) -> Message:
    return Message(id="msg_1", model="m", content=[{"type": "text", "text": text}])


def test_an_answer_the_disk_refuses_is_kept_and_saved_at_the_next_question(
    history: History, tmp_path: Path
) -> None:
    conv = history.load(history.store.create_conversation(model="m").id)
    assert conv is not None
    question = history.add_question(conv, "Hi", model="m", system="", max_tokens=100)
    record = history.begin_answer(conv, question.id, "m")
    fill_disk(history)
    long = "word " * 20_000
    with pytest.raises(DiskFullError) as raised:
        history.flush_answer(record.id, answer(long[:50_000]))
    assert raised.value.human == DISK_FULL
    with pytest.raises(DiskFullError):
        history.finish_answer(record.id, answer(long), status="complete", meta={"footer": "f"})
    # The app still has it as it ended, marked as not saved...
    shown = history.message(record.id)
    assert shown is not None
    assert (shown.status, shown.content[0]["text"]) == ("complete", long)
    assert shown.meta == {"footer": "f", UNSAVED: DISK_FULL}
    reloaded = history.reload(conv)
    assert reloaded.branch[-1].content[0]["text"] == long
    # ...and the file does not yet.
    stored = history.store.message(record.id)
    assert stored is not None and stored.status == "streaming"
    free_disk(history)
    history.add_question(conv, "Next", model="m", system="", max_tokens=100)
    stored = history.store.message(record.id)
    assert stored is not None
    assert (stored.status, stored.content[0]["text"], stored.meta) == (
        "complete",
        long,
        {"footer": "f"},
    )
    assert history.message(record.id) == stored


def test_a_question_the_disk_refuses_raises_a_sentence(history: History) -> None:
    conv = history.load(history.store.create_conversation(model="m").id)
    assert conv is not None
    fill_disk(history)
    with pytest.raises(DiskFullError):
        history.add_question(conv, "x" * 100_000, model="m", system="", max_tokens=100)
