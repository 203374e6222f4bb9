"""Attachments through the real window: drop, paste, Attach; what reaches the API."""

from __future__ import annotations

import base64
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from pytestqt.qtbot import QtBot

from claude_desktop.app import parse_args
from tests import sse
from tests.fakeapi import SSEResponse
from tests.ui.harness import App


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
    assert content[2] == {"type": "text", "text": "What are these?"}
    # Sent, so the tray is empty; the message shows what was attached.
    assert app.window.composer.tray.chips == []
    question = app.window.view.message_widgets()[0]
    assert question.chips is not None
    assert [c.text() for c in question.chips.chips] == ["report.pdf", "photo.png"]


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
    assert marked == [(0, "document")]
    assert messages[0]["content"][0]["cache_control"] == {"type": "ephemeral"}


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
