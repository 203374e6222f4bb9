"""Attachments through the real window: drop, paste, Attach; what reaches the API."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import QMimeData, QPoint, QPointF, QRect, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from claude_desktop.app import parse_args
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, SSEResponse
from tests.ui.harness import MODELS, App, make_app

EPHEMERAL = {"type": "ephemeral"}


def png(path: Path, width: int = 64, height: int = 48) -> Path:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#d97757"))
    assert image.save(str(path), "PNG")
    return path


def pdf(path: Path, pages: int = 2) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    with path.open("wb") as f:
        writer.write(f)
    return path


def mime_for(*paths: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def drop(app: App, *paths: Path) -> None:
    mime = mime_for(*paths)
    enter = QDragEnterEvent(
        QPoint(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    app.window.dragEnterEvent(enter)
    assert enter.isAccepted() and app.window.drop_zone.isVisible()
    event = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    app.window.dropEvent(event)
    assert not app.window.drop_zone.isVisible()


def ready(app: App, count: int) -> None:
    tray = app.window.composer.tray
    app.wait(lambda: len(tray.attachments()) == count and not tray.pending, limit=20)


def test_drop_a_pdf_and_a_photo_then_ask(app: App, qtbot: QtBot, tmp_path: Path) -> None:
    image = png(tmp_path / "photo.png")
    document = pdf(tmp_path / "report.pdf", pages=3)
    drop(app, document, image)
    ready(app, 2)
    labels = [chip.label.text() for chip in app.window.composer.tray.chips]
    assert labels[0].startswith("report.pdf\n") and "3 pages" in labels[0]
    assert labels[1].startswith("photo.png\n")
    app.api.enqueue(SSEResponse(sse.text_stream(["A blank report and an orange photo."])))
    app.type_and_send(qtbot, "What are these?")
    app.wait(lambda: not app.window.streaming)
    content = app.api.requests[-1].json["messages"][0]["content"]
    kinds = [block["type"] for block in content]
    assert kinds == ["document", "image", "text"]
    assert base64.b64decode(content[0]["source"]["data"]) == document.read_bytes()
    assert content[0]["source"]["media_type"] == "application/pdf"
    assert content[0]["title"] == "report.pdf"
    assert content[1]["source"]["media_type"] in ("image/png", "image/jpeg")
    # The question ends with the prompt cache's rolling breakpoint, for a follow-up.
    assert content[2] == {"type": "text", "text": "What are these?", "cache_control": EPHEMERAL}
    # Sent, so the tray is empty; the message shows what was attached.
    assert app.window.composer.tray.chips == []
    question = app.window.view.message_widgets()[0]
    assert question.chips is not None
    assert [c.name for c in question.chips.chips] == ["report.pdf", "photo.png"]


def test_a_follow_up_reads_the_document_from_the_cache(
    app: App, qtbot: QtBot, tmp_path: Path
) -> None:
    drop(app, pdf(tmp_path / "contract.pdf"))
    ready(app, 1)
    app.api.enqueue(SSEResponse(sse.text_stream(["It is a contract."])))
    app.type_and_send(qtbot, "What is this?")
    app.wait(lambda: not app.window.streaming)
    app.api.enqueue(SSEResponse(sse.text_stream(["Two pages."])))
    app.type_and_send(qtbot, "How long is it?")
    app.wait(lambda: not app.window.streaming)
    messages = app.api.requests[-1].json["messages"]
    marked = [
        (i, block["type"])
        for i, message in enumerate(messages)
        for block in message["content"]
        if "cache_control" in block
    ]
    # The PDF, and the ends of the previous and the newest question (the rolling breakpoint).
    assert marked == [(0, "document"), (0, "text"), (2, "text")]
    assert messages[0]["content"][0]["cache_control"] == EPHEMERAL


def test_paste_an_image_from_the_clipboard(app: App, tmp_path: Path) -> None:
    image = QImage(30, 20, QImage.Format.Format_ARGB32)
    image.fill(QColor("#3366cc"))
    QGuiApplication.clipboard().setImage(image)
    app.window.composer.editor.paste()
    ready(app, 1)
    attachment = app.window.composer.tray.attachments()[0]
    assert attachment.kind == "image" and attachment.name.endswith(".png")
    assert app.window.composer.text() == ""  # an image, not text


def test_a_file_that_cannot_be_attached_is_explained_and_nothing_is_lost(
    app: App, qtbot: QtBot, tmp_path: Path
) -> None:
    qtbot.keyClicks(app.window.composer.editor, "My carefully typed question")
    binary = tmp_path / "notes.txt"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    drop(app, binary, png(tmp_path / "fine.png"))
    app.wait(lambda: app.window.banner.isVisible(), limit=20)
    ready(app, 1)
    assert "notes.txt" in app.window.banner.text()
    assert app.window.composer.text() == "My carefully typed question"
    assert [a.name for a in app.window.composer.tray.attachments()] == ["fine.png"]
    assert not [r for r in app.api.requests if r.path == "/v1/messages"]


def test_removing_a_chip(app: App, tmp_path: Path) -> None:
    drop(app, png(tmp_path / "a.png"), png(tmp_path / "b.png"))
    ready(app, 2)
    app.window.composer.tray.chips[0].remove.click()
    assert [a.name for a in app.window.composer.tray.attachments()] == ["b.png"]


def test_files_on_the_command_line_are_attachments() -> None:
    args = parse_args(["report.pdf", "photo.png", "--debug"])
    assert args.files == ["report.pdf", "photo.png"] and args.debug


def test_macos_open_with_arrives_as_a_file_open_event(app: App, tmp_path: Path) -> None:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QFileOpenEvent

    from claude_desktop.app import file_open_handler

    handler = file_open_handler(app.window, app.window.open_files_in_new_chat)
    qapp = QCoreApplication.instance()
    assert qapp is not None
    qapp.installEventFilter(handler)
    try:
        # "Open with" on two files: one event each, both in the same chat.
        QCoreApplication.sendEvent(qapp, QFileOpenEvent(str(png(tmp_path / "opened.png"))))
        QCoreApplication.sendEvent(qapp, QFileOpenEvent(str(png(tmp_path / "second.png"))))
        ready(app, 2)
    finally:
        qapp.removeEventFilter(handler)
    names = [a.name for a in app.window.composer.tray.attachments()]
    assert names == ["opened.png", "second.png"]


def test_a_large_document_is_uploaded_once_and_sent_by_file_id(
    app: App, qtbot: QtBot, tmp_path: Path
) -> None:
    import os

    from PIL import Image

    from tests.fakeapi import JSONResponse

    big = tmp_path / "scan.pdf"
    noise = Image.frombytes("RGB", (2600, 2600), os.urandom(2600 * 2600 * 3))
    noise.save(big, "PDF", quality=95)
    assert big.stat().st_size > 5_000_000
    uploads = []

    def upload(request: object) -> JSONResponse:
        uploads.append(request)
        return JSONResponse(
            200,
            {
                "id": "file_011scan",
                "type": "file",
                "filename": "scan.pdf",
                "mime_type": "application/pdf",
                "size_bytes": big.stat().st_size,
                "created_at": "2026-11-23T00:00:00Z",
            },
        )

    app.api.route("POST", "/v1/files", upload)
    drop(app, big)
    ready(app, 1)
    app.api.enqueue(SSEResponse(sse.text_stream(["A noisy scan."])))
    app.type_and_send(qtbot, "What is on it?")
    app.wait(lambda: not app.window.streaming, limit=20)
    request = app.api.requests[-1]
    assert "files-api-2025-04-14" in request.headers["anthropic-beta"]
    document = request.json["messages"][0]["content"][0]
    assert document["source"] == {"type": "file", "file_id": "file_011scan"}
    assert len(uploads) == 1
    # Asking again reuses the uploaded file rather than sending 5 MB once more.
    app.api.enqueue(SSEResponse(sse.text_stream(["Still noisy."])))
    app.type_and_send(qtbot, "Anything else?")
    app.wait(lambda: not app.window.streaming, limit=20)
    assert len(uploads) == 1
    assert app.api.requests[-1].json["messages"][0]["content"][0]["source"]["type"] == "file"


# -- Send follows what can be sent -------------------------------------------------------


def test_a_draft_restored_at_start_with_attachments_can_be_sent(
    qtbot: QtBot, loop: qasync.QEventLoop, keyed_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    keyed_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    with make_app(qtbot, loop, keyed_api) as app:
        app.window.attach_paths([str(png(tmp_path / "sketch.png"))])
        ready(app, 1)
        app.window.save_state()
    with make_app(qtbot, loop, keyed_api) as again:
        composer = again.window.composer
        assert [a.name for a in composer.tray.attachments()] == ["sketch.png"]
        assert composer.button.isEnabled()


def test_a_text_draft_restored_when_switching_conversations_can_be_sent(
    app: App, qtbot: QtBot
) -> None:
    app.api.enqueue(SSEResponse(sse.text_stream(["Hello."])))
    app.type_and_send(qtbot, "Hi")
    app.wait(lambda: not app.window.streaming)
    first = app.window.session.current.id
    assert first is not None
    qtbot.keyClicks(app.window.composer.editor, "Half a thought")
    app.window.new_chat()
    assert not app.window.composer.button.isEnabled()  # the new chat's composer is empty
    app.window.open_conversation(first)
    assert app.window.composer.text() == "Half a thought"
    assert app.window.composer.button.isEnabled()


# -- Edit keeps the attachments ----------------------------------------------------------


def ask_with(app: App, qtbot: QtBot, text: str, *paths: Path) -> None:
    drop(app, *paths)
    ready(app, len(paths))
    app.api.enqueue(SSEResponse(sse.text_stream(["Seen."])))
    app.type_and_send(qtbot, text)
    app.wait(lambda: not app.window.streaming)


def edit_first_question(app: App) -> None:
    question = app.window.view.message_widgets()[0]
    question.action_button.click()
    assert app.window.edit_bar.isVisibleTo(app.window)


def sent_kinds(app: App) -> list[tuple[str, str]]:
    content = app.api.requests[-1].json["messages"][-1]["content"]
    return [
        (b["type"], b.get("title") or b.get("text") or b["source"]["media_type"]) for b in content
    ]


def test_an_edited_question_keeps_its_attachments(app: App, qtbot: QtBot, tmp_path: Path) -> None:
    document = pdf(tmp_path / "report.pdf", pages=3)
    ask_with(app, qtbot, "What are these?", document, png(tmp_path / "photo.png"))
    first = app.api.requests[-1].json["messages"][0]["content"]
    edit_first_question(app)
    composer = app.window.composer
    assert composer.text() == "What are these?"
    ready(app, 2)
    assert [a.name for a in composer.tray.attachments()] == ["report.pdf", "photo.png"]
    assert composer.tray.attachments()[0].page_count == 3
    assert composer.button.isEnabled()
    composer.set_text("Describe them")
    app.api.enqueue(SSEResponse(sse.text_stream(["A report and a photo."])))
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return)
    app.wait(lambda: not app.window.streaming and len(app.api.requests) >= 3)
    content = app.api.requests[-1].json["messages"][0]["content"]
    assert [b["type"] for b in content] == ["document", "image", "text"]
    assert content[0]["source"] == first[0]["source"]  # the same bytes, not a copy of a copy
    assert content[1]["source"] == first[1]["source"]
    assert content[2] == {"type": "text", "text": "Describe them", "cache_control": EPHEMERAL}
    question = app.window.view.message_widgets()[0]
    assert question.versions_text() == "2/2"
    assert [c.name for c in question.chips.chips] == ["report.pdf", "photo.png"]
    assert composer.tray.chips == []


def test_an_edit_can_drop_an_attachment_and_add_another(
    app: App, qtbot: QtBot, tmp_path: Path
) -> None:
    ask_with(app, qtbot, "Compare", pdf(tmp_path / "a.pdf"), png(tmp_path / "old.png"))
    edit_first_question(app)
    ready(app, 2)
    tray = app.window.composer.tray
    tray.chips[1].remove.click()
    notes = tmp_path / "notes.txt"
    notes.write_text("Budget: 12 000 €\n", encoding="utf-8")
    drop(app, notes)
    ready(app, 2)
    app.api.enqueue(SSEResponse(sse.text_stream(["Compared."])))
    qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_Return)
    app.wait(lambda: not app.window.streaming and len(app.api.requests) >= 3)
    assert sent_kinds(app) == [
        ("document", "a.pdf"),
        ("document", "notes.txt"),
        ("text", "Compare"),
    ]
    assert app.api.requests[-1].json["messages"][0]["content"][1]["source"]["data"] == (
        "Budget: 12 000 €\n"
    )


def test_an_edit_of_attachments_alone_can_be_sent(app: App, qtbot: QtBot, tmp_path: Path) -> None:
    ask_with(app, qtbot, "Look", png(tmp_path / "a.png"))
    edit_first_question(app)
    ready(app, 1)
    app.window.composer.set_text("")
    assert app.window.composer.button.isEnabled()  # the picture alone is something to send
    app.api.enqueue(SSEResponse(sse.text_stream(["A picture."])))
    app.window.composer.button.click()
    app.wait(lambda: not app.window.streaming and len(app.api.requests) >= 3)
    assert [b["type"] for b in app.api.requests[-1].json["messages"][0]["content"]] == ["image"]


def test_cancelling_an_edit_gives_back_the_draft_and_its_attachments(
    app: App, qtbot: QtBot, tmp_path: Path
) -> None:
    ask_with(app, qtbot, "First", pdf(tmp_path / "a.pdf"))
    qtbot.keyClicks(app.window.composer.editor, "My next question")
    drop(app, png(tmp_path / "draft.png"))
    ready(app, 1)
    edit_first_question(app)
    ready(app, 1)
    assert [a.name for a in app.window.composer.tray.attachments()] == ["a.pdf"]
    qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_Escape)
    assert not app.window.edit_bar.isVisibleTo(app.window)
    assert app.window.composer.text() == "My next question"
    assert [a.name for a in app.window.composer.tray.attachments()] == ["draft.png"]
    assert app.window.composer.button.isEnabled()


def test_an_attachment_gone_from_the_history_is_explained(
    app: App, qtbot: QtBot, tmp_path: Path
) -> None:
    ask_with(app, qtbot, "Read it", pdf(tmp_path / "a.pdf"))
    record = app.window.session.current.branch[0]
    store = app.window.history.store
    record.content[0]["source"] = {"type": "file", "file_id": "file_unknown"}
    store.update_message(record.id, content=record.content)
    app.window.session.current = app.window.history.reload(app.window.session.current)
    app.window._show_conversation()
    edit_first_question(app)
    assert "a.pdf is no longer in the history" in app.window.banner.text()
    assert app.window.composer.text() == "Read it"
    assert app.window.composer.tray.chips == []


# -- Limits over everything attached -----------------------------------------------------


def pngs(folder: Path, count: int, prefix: str = "shot") -> list[Path]:
    paths = []
    for i in range(count):
        image = QImage(16, 12, QImage.Format.Format_RGB32)
        image.fill(QColor.fromHsv((i * 7) % 360, 160, 200))
        path = folder / f"{prefix}-{i + 1:03}.png"
        assert image.save(str(path), "PNG")
        paths.append(path)
    return paths


def settled(app: App) -> None:
    tray = app.window.composer.tray
    app.wait(lambda: not tray.pending, limit=60)


def test_150_images_dropped_at_once_stop_at_the_limit(
    app: App, qtbot: QtBot, tmp_path: Path
) -> None:
    drop(app, *pngs(tmp_path, 150))
    settled(app)
    tray = app.window.composer.tray
    assert len(tray.attachments()) == 100
    assert len(tray.chips) == 100
    assert "at most 100 images" in app.window.banner.text()
    app.api.enqueue(SSEResponse(sse.text_stream(["A hundred pictures."])))
    app.type_and_send(qtbot, "Sort these")
    app.wait(lambda: not app.window.streaming)
    content = app.api.requests[-1].json["messages"][0]["content"]
    assert sum(1 for b in content if b["type"] == "image") == 100
    assert app.last_answer().markdown_text() == "A hundred pictures."


def test_images_the_conversation_already_carries_count_too(
    app: App, qtbot: QtBot, tmp_path: Path
) -> None:
    drop(app, *pngs(tmp_path, 60, "first"))
    ready(app, 60)
    app.api.enqueue(SSEResponse(sse.text_stream(["Sixty."])))
    app.type_and_send(qtbot, "Count them")
    app.wait(lambda: not app.window.streaming)
    app.window.banner.hide()
    drop(app, *pngs(tmp_path, 50, "more"))
    settled(app)
    assert len(app.window.composer.tray.attachments()) == 40
    assert "already carries 60 images" in app.window.banner.text()
    assert "at most 100" in app.window.banner.text()
    app.api.enqueue(SSEResponse(sse.text_stream(["A hundred."])))
    app.type_and_send(qtbot, "And now?")
    app.wait(lambda: not app.window.streaming)
    messages = app.api.requests[-1].json["messages"]
    assert sum(1 for m in messages for b in m["content"] if b["type"] == "image") == 100
    assert app.last_answer().markdown_text() == "A hundred."


def test_send_refuses_a_restored_draft_over_the_limit_and_keeps_it(
    qtbot: QtBot, loop: qasync.QEventLoop, keyed_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    from claude_desktop.domain.attachments import prepare_attachment, store_attachment
    from claude_desktop.domain.history import History

    history = History.open()
    refs = [
        store_attachment(history.store, prepare_attachment(path)) for path in pngs(tmp_path, 101)
    ]
    history.store.save_draft(None, "All of them", refs)  # as an older version saved it
    history.close()
    keyed_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    with make_app(qtbot, loop, keyed_api) as app:
        composer = app.window.composer
        assert len(composer.tray.attachments()) == 101
        qtbot.keyClick(composer.editor, Qt.Key.Key_Return)
        assert "at most 100 images" in app.window.banner.text()
        assert composer.text() == "All of them"
        assert len(composer.tray.attachments()) == 101
        assert app.window.view.message_widgets() == []
        assert not [r for r in app.api.requests if r.path == "/v1/messages"]
        composer.tray.chips[-1].remove.click()
        app.api.enqueue(SSEResponse(sse.text_stream(["Fine."])))
        qtbot.keyClick(composer.editor, Qt.Key.Key_Return)
        app.wait(lambda: not app.window.streaming and app.window.view.message_widgets())
        assert app.api.requests[-1].path == "/v1/messages"


# -- The attachment row fits the window --------------------------------------------------


def inside_window(app: App, widget: QWidget) -> bool:
    top_left = widget.mapTo(app.window, QPoint(0, 0))
    return app.window.rect().contains(QRect(top_left, widget.size()))


def test_many_attachments_wrap_and_send_stays_in_a_1280_px_window(app: App, tmp_path: Path) -> None:
    app.window.resize(1280, 800)
    app.wait(lambda: app.window.width() == 1280)
    names = [f"quarterly-report-{i}-final-version.png" for i in range(12)]
    drop(app, *[png(tmp_path / name) for name in names])
    ready(app, 12)
    app.wait(lambda: app.window.composer.tray.isVisible())
    assert app.window.width() == 1280
    composer = app.window.composer
    assert composer.width() <= app.window.width()
    assert inside_window(app, composer.button) and composer.button.isVisible()
    assert inside_window(app, app.window.picker) and app.window.picker.isVisible()
    # The chips wrap onto more rows rather than widen the composer, and all can be reached.
    tray = composer.tray
    rows = {chip.mapTo(tray, QPoint(0, 0)).y() for chip in tray.chips}
    assert len(rows) >= 2
    for chip in tray.chips:
        assert chip.mapTo(composer, QPoint(chip.width(), 0)).x() <= composer.width()
    # The conversation keeps most of the window: the tray scrolls beyond a few rows.
    assert tray.height() <= 3 * tray.chips[0].height() + 40


def test_only_macos_gets_the_application_wide_open_with_filter(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A filter on the application is called for every event of every object: on a system
    # that never sends QFileOpenEvents it would only cost each paint and wake-up a call.
    from PySide6.QtCore import QCoreApplication

    from claude_desktop.app import install_file_open_handler

    qapp = QCoreApplication.instance()
    monkeypatch.setattr(sys, "platform", "linux")
    assert install_file_open_handler(qapp, app.window, app.window.open_files_in_new_chat) is None
    monkeypatch.setattr(sys, "platform", "darwin")
    handler = install_file_open_handler(qapp, app.window, app.window.open_files_in_new_chat)
    assert handler is not None
    qapp.removeEventFilter(handler)
