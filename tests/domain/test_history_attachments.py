"""A conversation whose attachments the history keeps by reference, exported: the JSON
export is still a valid request body (the base64 back in place), the Markdown names them."""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image

from claude_desktop.domain.attachments import prepare_bytes, user_content
from claude_desktop.domain.history import History, OpenConversation


def test_exports_of_a_question_kept_by_reference(tmp_path: Path) -> None:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), "#aa3322").save(out, "PNG")
    image = prepare_bytes("red.png", out.getvalue())
    notes = prepare_bytes("notes.txt", b"Quarterly figures")
    history = History.open(tmp_path / "history.sqlite3")
    try:
        conv = OpenConversation(None)
        question = history.add_question(
            conv, "What is it?", model="claude-sonnet-4-6", system="", max_tokens=100,
            attachments=[image, notes],
        )  # fmt: skip
        assert question.content[0]["source"]["type"] == "blob"
        history.export(conv, tmp_path / "chat.json")
        history.export(conv, tmp_path / "chat.md")
        # Search still finds the text document's title.
        assert [r.message_id for r in history.search("notes").messages] == [question.id]
    finally:
        history.close()
    exported = json.loads((tmp_path / "chat.json").read_text(encoding="utf-8"))
    assert exported["messages"][0]["content"] == user_content("What is it?", [image, notes])
    markdown = (tmp_path / "chat.md").read_text(encoding="utf-8")
    assert "notes.txt" in markdown and "iVBOR" not in markdown
