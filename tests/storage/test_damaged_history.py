"""A history whose header is fine but whose inner pages are damaged: refused untouched at
open, every SQLite error a StorageError with a sentence, and what is readable salvaged."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_desktop.storage.salvage import salvage
from claude_desktop.storage.store import CorruptDatabaseError, StorageError, Store
from tests.damaged_history import (
    build_history,
    damaged_history,
    leaf_pages,
    overwrite_page,
    sha256_of,
)


def test_a_file_with_damaged_inner_pages_is_refused_untouched(tmp_path: Path) -> None:
    damaged = damaged_history(tmp_path / "history.sqlite3")
    before = sha256_of(damaged.path)
    with pytest.raises(CorruptDatabaseError) as info:
        Store.open(damaged.path)
    human = info.value.human
    assert str(damaged.path) in human and "damaged" in human
    assert "export --all" in human  # how to rescue what is readable
    assert sha256_of(damaged.path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite3"]


def test_damage_found_after_opening_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    texts = build_history(path)
    second = sorted(texts)[1]
    with Store.open(path) as store:
        # Damaged behind the open store's back: its next read of that page fails.
        overwrite_page(path, leaf_pages(path, "messages")[5])
        with pytest.raises(CorruptDatabaseError) as info:
            store.branch(second)
        assert "damaged" in info.value.human and isinstance(info.value, StorageError)
        assert store.damaged
        # What is on intact pages still reads.
        assert len(store.list_conversations()) == len(texts)


def test_salvage_reads_every_intact_conversation_whole(tmp_path: Path) -> None:
    damaged = damaged_history(tmp_path / "history.sqlite3")
    before = sha256_of(damaged.path)
    rescued = salvage(damaged.path)
    assert sha256_of(damaged.path) == before
    by_id = {r.conversation.id: r for r in rescued.conversations}
    assert sorted(by_id) == sorted(damaged.texts)
    for cid, texts in damaged.texts.items():
        got = [m.content[0]["text"] for m in by_id[cid].messages]
        if cid == damaged.damaged:
            assert by_id[cid].incomplete
            assert got == [t for i, t in enumerate(texts) if i != 1]
        else:
            assert not by_id[cid].incomplete
            assert got == texts
            assert by_id[cid].conversation.title.startswith("Conversation ")
    assert rescued.incomplete == 1
