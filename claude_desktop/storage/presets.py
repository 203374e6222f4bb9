"""Presets: named per-conversation settings a new chat can start from."""

from __future__ import annotations

import sqlite3
from typing import Any

from .database import Database, dumps, found, one_line
from .errors import PresetNameError
from .records import _PRESET_COLUMNS, PresetRecord, preset_of


class PresetRepository:
    """The presets table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def by_name(self) -> list[PresetRecord]:
        """Saved presets, by name."""
        rows = self.db.con.execute(
            f"SELECT {_PRESET_COLUMNS} FROM presets ORDER BY name COLLATE NOCASE, id"
        ).fetchall()
        return [preset_of(row) for row in rows]

    def get(self, preset_id: int) -> PresetRecord | None:
        row = self.db.con.execute(
            f"SELECT {_PRESET_COLUMNS} FROM presets WHERE id = ?", (preset_id,)
        ).fetchone()
        return None if row is None else preset_of(row)

    def save(
        self,
        name: str,
        *,
        system: str,
        max_tokens: int,
        temperature: float | None,
        thinking: dict[str, Any] | None,
    ) -> PresetRecord:
        """Create a preset, or replace the settings of the one with that name (any case).

        Raises PresetNameError for an empty name.
        """
        name = preset_name(name)
        values = (system, max_tokens, temperature, None if thinking is None else dumps(thinking))
        with self.db.transaction() as con:
            row = con.execute("SELECT id FROM presets WHERE name = ?", (name,)).fetchone()
            if row is None:
                cur = con.execute(
                    "INSERT INTO presets (name, system, max_tokens, temperature, thinking, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (name, *values, self.db.now()),
                )
                preset_id = cur.lastrowid
            else:
                preset_id = row[0]
                con.execute(
                    "UPDATE presets SET system = ?, max_tokens = ?, temperature = ?, "
                    "thinking = ? WHERE id = ?",
                    (*values, preset_id),
                )
        assert preset_id is not None
        record = self.get(preset_id)
        assert record is not None
        return record

    def rename(self, preset_id: int, name: str) -> None:
        """Raises PresetNameError when the name is empty or another preset has it."""
        name = preset_name(name)
        try:
            cur = self.db.con.execute("UPDATE presets SET name = ? WHERE id = ?", (name, preset_id))
        except sqlite3.IntegrityError:
            raise PresetNameError(f"There is already a preset called “{name}”.") from None
        found(cur, "preset", preset_id)

    def delete(self, preset_id: int) -> None:
        cur = self.db.con.execute("DELETE FROM presets WHERE id = ?", (preset_id,))
        found(cur, "preset", preset_id)


def preset_name(name: str) -> str:
    name = one_line(name)
    if not name:
        raise PresetNameError("A preset needs a name.")
    return name
