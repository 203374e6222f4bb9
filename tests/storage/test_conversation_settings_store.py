"""Per-conversation settings and presets in the history file, and the upgrade that added them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from claude_desktop.storage import schema
from claude_desktop.storage.export import to_json
from claude_desktop.storage.store import NotFoundError, PresetNameError, Store
from tests.storage.test_migrations import build, connect


def test_conversation_settings_are_saved_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    thinking = {"type": "enabled", "budget_tokens": 2048}
    with Store.open(path) as store:
        conv = store.create_conversation(
            model="m", system="Sys", max_tokens=4096, temperature=0.2, thinking=thinking
        )
        plain = store.create_conversation(model="m")
    with Store.open(path) as store:
        again = store.conversation(conv.id)
        assert again is not None
        assert (again.system, again.max_tokens, again.temperature, again.thinking) == (
            "Sys",
            4096,
            0.2,
            thinking,
        )
        other = store.conversation(plain.id)
        assert other is not None and (other.temperature, other.thinking) == (None, None)
        # Leaving them out leaves them; None clears them.
        store.update_conversation(conv.id, max_tokens=9000)
        kept = store.conversation(conv.id)
        assert kept is not None and (kept.temperature, kept.thinking) == (0.2, thinking)
        store.update_conversation(conv.id, temperature=None, thinking={"type": "adaptive"})
        changed = store.conversation(conv.id)
        assert changed is not None
        assert (changed.temperature, changed.thinking) == (None, {"type": "adaptive"})


def test_the_file_refuses_a_temperature_out_of_range(tmp_path: Path) -> None:
    with Store.open(tmp_path / "h.sqlite3") as store, pytest.raises(sqlite3.IntegrityError):
        store.create_conversation(model="m", temperature=1.5)


def test_presets_created_renamed_replaced_and_deleted(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with Store.open(path) as store:
        reviewer = store.save_preset(
            "  Code   reviewer ",
            system="Review code.",
            max_tokens=8000,
            temperature=None,
            thinking={"type": "adaptive"},
        )
        assert reviewer.name == "Code reviewer"
        store.save_preset(
            "Translator", system="Translate.", max_tokens=2000, temperature=0.1, thinking=None
        )
    with Store.open(path) as store:
        assert [p.name for p in store.presets()] == ["Code reviewer", "Translator"]
        # Saving under a taken name (any case) replaces that preset's settings.
        same = store.save_preset(
            "code REVIEWER",
            system="Review harder.",
            max_tokens=9000,
            temperature=0.0,
            thinking=None,
        )
        assert same.id == reviewer.id and same.name == "Code reviewer"
        assert (same.system, same.max_tokens, same.temperature, same.thinking) == (
            "Review harder.",
            9000,
            0.0,
            None,
        )
        with pytest.raises(PresetNameError) as taken:
            store.rename_preset(reviewer.id, "translator")
        assert taken.value.human == "There is already a preset called “translator”."
        with pytest.raises(PresetNameError):
            store.rename_preset(reviewer.id, "   ")
        store.rename_preset(reviewer.id, "Reviewer")
        assert [p.name for p in store.presets()] == ["Reviewer", "Translator"]
        store.delete_preset(reviewer.id)
        assert [p.name for p in store.presets()] == ["Translator"]
        with pytest.raises(NotFoundError):
            store.delete_preset(reviewer.id)


def test_a_version_1_file_upgrades_with_settings_unset(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    build(path, 1)  # made by the previous schema, seeded with a conversation
    con = connect(path)
    try:
        columns = {row[1] for row in con.execute("PRAGMA table_info(conversations)")}
        assert "thinking" not in columns
    finally:
        con.close()
    with Store.open(path) as store:
        (conv,) = store.list_conversations()
        assert (conv.system, conv.max_tokens, conv.temperature, conv.thinking) == (
            "Sys",
            100,
            None,
            None,
        )
        assert store.presets() == []
        store.update_conversation(conv.id, temperature=0.7)
        store.save_preset("P", system="", max_tokens=10, temperature=None, thinking=None)
    con = connect(path)
    try:
        assert schema.user_version(con) == schema.LATEST_VERSION == 4
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()


def test_the_json_export_carries_the_settings(tmp_path: Path) -> None:
    with Store.open(tmp_path / "h.sqlite3") as store:
        conv = store.create_conversation(model="m", temperature=0.5, thinking={"type": "adaptive"})
        exported = to_json(conv, [])["conversation"]
    assert (exported["temperature"], exported["thinking"]) == (0.5, {"type": "adaptive"})
