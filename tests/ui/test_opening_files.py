"""Files from outside the window (command line, a second launch, "Open with") and pasted
images, in the real main window."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from claude_desktop.domain import temp_files
from claude_desktop.domain.history import History
from tests.ui.harness import App


@pytest.fixture
def own_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This test's own temporary folder, and no app folder made in this process yet."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setattr(temp_files, "_own", None)
    yield folder
    temp_files.remove_own()


def ready(app: App, count: int) -> None:
    tray = app.window.composer.tray
    app.wait(lambda: len(tray.attachments()) == count and not tray.pending, limit=20)


def test_files_from_outside_start_a_new_chat(app: App, tmp_path: Path) -> None:
    history = History.open()
    conv = history.store.create_conversation(model="claude-sonnet-4-6", title="Earlier")
    history.close()
    assert app.window.open_conversation(conv.id)
    app.window.composer.set_text("half a question")
    (tmp_path / "notes.txt").write_text("notes", encoding="utf-8")

    app.window.open_files_in_new_chat([str(tmp_path / "notes.txt")])

    ready(app, 1)
    assert app.window.session.current.record is None
    assert app.window.composer.text() == ""
    # What was typed in the earlier conversation is kept as its draft.
    draft = app.window.history.store.draft(conv.id)
    assert draft is not None and draft.text == "half a question"


def test_an_empty_new_chat_takes_the_files(app: App, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a", encoding="utf-8")
    (tmp_path / "b.txt").write_text("b", encoding="utf-8")
    app.window.open_files_in_new_chat([str(tmp_path / "a.txt")])
    ready(app, 1)
    app.window.open_files_in_new_chat([str(tmp_path / "b.txt")])
    ready(app, 2)
    assert [a.name for a in app.window.composer.tray.attachments()] == ["a.txt", "b.txt"]


def test_a_pasted_image_is_kept_in_the_apps_own_temporary_folder(app: App, own_temp: Path) -> None:
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("#d97757"))
    app.window.attach_image(image)
    ready(app, 1)
    own = temp_files.session_dir()
    assert own.parent.parent == own_temp
    assert [p.name for p in own.glob("paste-*/pasted-*.png")]
    assert not list(own_temp.glob("claude-desktop-paste-*"))
    temp_files.remove_own()
    assert not own.exists()
