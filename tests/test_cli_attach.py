"""`python -m claude_desktop ask --attach FILE ...`: attachments travel as content blocks,
and a file that can't be attached stops the command before any request."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pypdf
from PIL import Image

from tests import sse
from tests.fakeapi import FakeAnthropicAPI, SSEResponse
from tests.test_cli import ask


def write_pdf(path: Path, pages: int) -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(612, 792)
    out = io.BytesIO()
    writer.write(out)
    path.write_bytes(out.getvalue())
    return out.getvalue()


def test_image_and_pdf_go_before_the_question(fake_api: FakeAnthropicAPI, tmp_path: Path) -> None:
    image = tmp_path / "img.png"
    Image.new("RGB", (40, 30), (200, 10, 10)).save(image, "PNG")
    pdf = write_pdf(tmp_path / "doc.pdf", 2)
    fake_api.enqueue(SSEResponse(sse.events(sse.text_stream(["A red box and a blank PDF."]))))

    result = ask(
        fake_api, "--attach", str(image), "--attach", str(tmp_path / "doc.pdf"), "Describe"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "A red box and a blank PDF.\n"
    [message] = fake_api.requests[0].json["messages"]
    first, second, question = message["content"]
    assert first["type"] == "image" and first["source"]["media_type"] == "image/png"
    assert base64.b64decode(first["source"]["data"]) == image.read_bytes()
    assert second["type"] == "document" and second["title"] == "doc.pdf"
    assert second["source"]["media_type"] == "application/pdf"
    assert base64.b64decode(second["source"]["data"]) == pdf
    assert question == {"type": "text", "text": "Describe"}


def test_a_bad_file_is_one_line_exit_1_and_no_request(
    fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    good = tmp_path / "notes.txt"
    good.write_text("fine\n", encoding="utf-8")
    bad = tmp_path / "report.xyz"
    bad.write_bytes(bytes(range(256)))
    result = ask(fake_api, "--attach", str(good), "--attach", str(bad), "Read these")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "report.xyz can't be attached: only images (JPEG, PNG, GIF, WebP), PDFs and text "
        "files are supported.\n"
    )
    assert not fake_api.requests


def test_too_many_pages_together(fake_api: FakeAnthropicAPI, tmp_path: Path) -> None:
    write_pdf(tmp_path / "a.pdf", 60)
    write_pdf(tmp_path / "b.pdf", 60)
    result = ask(
        fake_api, "--attach", str(tmp_path / "a.pdf"), "--attach", str(tmp_path / "b.pdf"), "?"
    )
    assert result.returncode == 1
    assert "120 pages together" in result.stderr and "Traceback" not in result.stderr
    assert not fake_api.requests
