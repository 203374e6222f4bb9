"""Attachments from real files the tests write: detection by content, image downscaling,
PDF and text checks, request limits, content order and the prompt-caching breakpoint."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import random
import struct
import time
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PIL import Image

from claude_desktop.domain.attachments import (
    MAX_IMAGE_BASE64,
    MAX_LONG_EDGE,
    SUPPORTED,
    Attachment,
    AttachmentError,
    check_conversation_limits,
    check_question_limits,
    check_request_limits,
    decode_text,
    keep_attachment_bytes,
    load_attachment,
    mark_cache_breakpoint,
    prepare_attachment,
    prepare_bytes,
    restore_attachment,
    store_attachment,
    user_content,
)
from claude_desktop.storage.store import Store

# -- makers ------------------------------------------------------------------------------


def photo(width: int, height: int) -> Image.Image:
    """Photo-like content (a gradient with grain), which compresses like a real photo."""
    noise = Image.effect_noise((width, height), 40)
    gradient = Image.linear_gradient("L").resize((width, height))
    return Image.merge("RGB", [noise, gradient, Image.blend(noise, gradient, 0.5)])


def write_image(path: Path, im: Image.Image, fmt: str, **options: Any) -> Path:
    im.save(path, fmt, **options)
    return path


def pdf_bytes(pages: int, *, password: str | None = None) -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(612, 792)
    if password is not None:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def refused(path: Path) -> str:
    with pytest.raises(AttachmentError) as info:
        prepare_attachment(path)
    return info.value.human


def decoded(block: dict[str, Any]) -> bytes:
    return base64.b64decode(block["source"]["data"])


# -- images ------------------------------------------------------------------------------


def test_small_png_with_alpha_is_sent_unchanged(tmp_path: Path) -> None:
    im = Image.new("RGBA", (300, 200), (255, 0, 0, 128))
    path = write_image(tmp_path / "logo.png", im, "PNG")
    att = prepare_attachment(path)
    assert (att.kind, att.media_type, att.width, att.height) == ("image", "image/png", 300, 200)
    assert att.data == path.read_bytes() and not att.downscaled
    assert att.sha256 == hashlib.sha256(att.data).hexdigest()
    assert att.size == path.stat().st_size
    assert att.thumbnail_png is not None
    with Image.open(io.BytesIO(att.thumbnail_png)) as thumb:
        assert thumb.format == "PNG" and max(thumb.size) <= 128 and thumb.mode == "RGBA"
    block = att.to_block()
    assert block == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": att.base64},
    }
    assert decoded(block) == path.read_bytes()
    assert att.to_block(cache=True)["cache_control"] == {"type": "ephemeral"}


def test_24_megapixel_jpeg_is_downscaled_quickly(tmp_path: Path) -> None:
    path = write_image(tmp_path / "camera.jpg", photo(6000, 4000), "JPEG", quality=90)
    started = time.perf_counter()
    att = prepare_attachment(path)
    elapsed = time.perf_counter() - started
    assert (att.width, att.height) == (MAX_LONG_EDGE, 1045)  # 6000:4000 kept
    assert (att.original_width, att.original_height) == (6000, 4000)
    assert att.downscaled and att.media_type == "image/jpeg"
    assert len(att.base64) <= MAX_IMAGE_BASE64
    with Image.open(io.BytesIO(att.data)) as sent:
        assert sent.format == "JPEG" and sent.size == (1568, 1045)
    assert "downscaled from 6000×4000" in att.summary
    assert elapsed < 5, f"took {elapsed:.2f} s"  # about 0.25 s; generous for slow CI


def test_jpeg_exif_orientation_is_applied(tmp_path: Path) -> None:
    im = Image.new("RGB", (300, 200), (0, 0, 255))
    im.paste((255, 0, 0), (0, 0, 150, 200))  # left half red, as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90° clockwise
    path = write_image(tmp_path / "portrait.jpg", im, "JPEG", exif=exif, quality=95)
    att = prepare_attachment(path)
    assert (att.width, att.height) == (200, 300)
    assert (att.original_width, att.original_height) == (200, 300)
    assert not att.downscaled
    with Image.open(io.BytesIO(att.data)) as sent:
        sent_rgb = sent.convert("RGB")
        top, bottom = sent_rgb.getpixel((100, 40)), sent_rgb.getpixel((100, 260))
        assert sent.getexif().get(0x0112, 1) == 1
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60  # the stored left side is now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_big_png_screenshot_stays_png_and_unused_alpha_is_dropped(tmp_path: Path) -> None:
    im = Image.new("RGBA", (3000, 1500), (240, 240, 240, 255))
    im.paste((20, 20, 20, 255), (100, 100, 2900, 200))
    path = write_image(tmp_path / "screen.png", im, "PNG")
    att = prepare_attachment(path)
    assert (att.width, att.height, att.media_type) == (1568, 784, "image/png")
    with Image.open(io.BytesIO(att.data)) as sent:
        assert sent.mode == "RGB"


def test_noisy_transparent_png_is_shrunk_until_it_fits(tmp_path: Path) -> None:
    bands = [Image.effect_noise((1568, 1568), 100) for _ in range(4)]
    path = write_image(tmp_path / "noise.png", Image.merge("RGBA", bands), "PNG")
    assert path.stat().st_size * 4 / 3 > MAX_IMAGE_BASE64
    att = prepare_attachment(path)
    assert att.media_type == "image/png" and att.downscaled
    assert len(att.base64) <= MAX_IMAGE_BASE64
    assert att.width is not None and att.width < 1568 and att.width == att.height


def test_gif_and_webp(tmp_path: Path) -> None:
    still = write_image(tmp_path / "still.gif", Image.new("P", (64, 48), 3), "GIF")
    att = prepare_attachment(still)
    assert att.media_type == "image/gif" and att.data == still.read_bytes() and not att.note

    frames = [Image.new("RGB", (64, 48), c) for c in ((255, 0, 0), (0, 255, 0))]
    animated = tmp_path / "anim.gif"
    frames[0].save(animated, "GIF", save_all=True, append_images=frames[1:], duration=100)
    att = prepare_attachment(animated)
    assert att.media_type == "image/png" and "first frame" in att.note
    with Image.open(io.BytesIO(att.data)) as sent:
        pixel = sent.convert("RGB").getpixel((10, 10))
        assert isinstance(pixel, tuple) and pixel[0] > 200

    webp = write_image(tmp_path / "pic.webp", photo(400, 300), "WEBP", quality=80)
    att = prepare_attachment(webp)
    assert (att.media_type, att.width, att.height) == ("image/webp", 400, 300)
    assert att.data == webp.read_bytes()


def test_detection_is_by_content_not_name(tmp_path: Path) -> None:
    png = io.BytesIO()
    Image.new("RGB", (10, 10)).save(png, "PNG")
    renamed = tmp_path / "photo.txt"
    renamed.write_bytes(png.getvalue())
    att = prepare_attachment(renamed)
    assert att.kind == "image" and att.media_type == "image/png"

    pdf = tmp_path / "scan.jpg"
    pdf.write_bytes(pdf_bytes(2))
    assert prepare_attachment(pdf).kind == "pdf"


def test_renamed_binaries_are_refused(tmp_path: Path) -> None:
    elf = tmp_path / "notes.txt"
    elf.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    assert refused(elf) == f"notes.txt can't be attached: only {SUPPORTED} are supported."

    archive = tmp_path / "readme.md"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.bin", bytes(range(256)) * 20)
    assert "readme.md can't be attached: only images" in refused(archive)

    odd = tmp_path / "report.xyz"
    odd.write_bytes(bytes(range(256)))
    assert refused(odd) == (
        "report.xyz can't be attached: only images (JPEG, PNG, GIF, WebP), PDFs and text "
        "files are supported."
    )


def test_files_that_are_not_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert "empty.txt" in refused(empty) and "empty" in refused(empty)
    folder = tmp_path / "photos"
    folder.mkdir()
    assert refused(folder) == "photos is a folder; attach the files inside it instead."
    assert refused(tmp_path / "gone.pdf") == "gone.pdf can't be attached: the file was not found."


def test_unreadable_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("hush")
    secret.chmod(0)
    try:
        try:
            secret.read_bytes()
        except PermissionError:
            pass
        else:
            pytest.skip("this user can read mode-000 files (root)")
        assert refused(secret) == "secret.txt can't be attached: permission denied."
    finally:
        secret.chmod(0o600)


def test_damaged_images_are_refused(tmp_path: Path) -> None:
    whole = io.BytesIO()
    photo(800, 600).save(whole, "JPEG", quality=90)
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
    assert refused(truncated) == "cut.jpg can't be attached: the image is damaged or incomplete."

    big = tmp_path / "cut-big.jpg"
    full = io.BytesIO()
    photo(4000, 3000).save(full, "JPEG", quality=95)
    big.write_bytes(full.getvalue()[: len(full.getvalue()) * 2 // 3])
    assert "damaged or incomplete" in refused(big)  # the downscaling path

    garbage = tmp_path / "broken.png"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"nonsense" * 10)
    assert "broken.png can't be attached: the image is damaged" in refused(garbage)


def _png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )


def test_decompression_bombs_are_refused_without_warnings(tmp_path: Path) -> None:
    over = tmp_path / "huge.png"
    over.write_bytes(_png_header_only(11000, 11000))  # between Pillow's warning and error
    assert refused(over) == (
        "huge.png is 11000×11000 (121 megapixels); images above 100 megapixels can't be attached."
    )
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_only(30000, 30000))
    assert (
        refused(bomb) == "bomb.png is far too large: images above 100 megapixels can't be attached."
    )


# -- PDFs --------------------------------------------------------------------------------


def test_small_pdf_is_accepted_with_its_page_count(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_bytes(3))
    att = prepare_attachment(path)
    assert (att.kind, att.media_type, att.page_count) == ("pdf", "application/pdf", 3)
    assert att.summary.startswith("PDF, 3 pages")
    block = att.to_block()
    assert block == {
        "type": "document",
        "source": {"type": "base64", "media_type": "application/pdf", "data": att.base64},
        "title": "report.pdf",
    }
    assert decoded(block) == path.read_bytes()


def test_pdf_refusals(tmp_path: Path) -> None:
    long = tmp_path / "report.pdf"
    long.write_bytes(pdf_bytes(101))
    assert refused(long) == (
        "report.pdf has 101 pages; the API takes at most 100 pages per request."
    )
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(pdf_bytes(1, password="secret"))
    assert refused(locked).startswith("locked.pdf is password-protected")

    good = pdf_bytes(5)
    for name, data in (
        ("half.pdf", good[: len(good) // 2]),
        ("tail.pdf", good[:-12]),
        ("junk.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 4),
    ):
        (tmp_path / name).write_bytes(data)
        assert refused(tmp_path / name) == (
            f"{name} can't be attached: the PDF is damaged or incomplete."
        )


def test_pdf_pages_are_counted_without_copying_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pypdf sizes a stream with getbuffer() when it has one: on a BytesIO made from the
    # file's bytes that copies all of them holding the GIL (a 23 MB PDF froze the window
    # ~50 ms while it was attached in a worker thread).
    streams: list[Any] = []
    real_reader = pypdf.PdfReader

    def reader(stream: Any, *args: Any, **kwargs: Any) -> pypdf.PdfReader:
        streams.append(stream)
        return real_reader(stream, *args, **kwargs)

    monkeypatch.setattr(pypdf, "PdfReader", reader)
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_bytes(3))
    assert prepare_attachment(path).page_count == 3
    assert streams and not any(hasattr(stream, "getbuffer") for stream in streams)


def test_pdf_too_big_for_a_request_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    with path.open("wb") as f:
        f.write(b"%PDF-1.7\n")
        f.truncate(25_000_000)  # sparse: costs no disk
    message = refused(path)
    assert message.startswith("scan.pdf is 25 MB; the API takes at most 32 MB per request")


# -- text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf-8", "Grüße, 世界 — naïve café\n"),
        ("utf-8-sig", "BOM first: ünïcödé\n"),
        ("utf-16", "Wide: Grüße 世界\r\n"),
        ("utf-16-le", "No BOM, little-endian ASCII text\n" * 4),
        ("latin-1", "café naïve façade\n"),
        ("cp1252", "“quoted” – dash € sign\n"),
    ],
)
def test_text_files_in_their_encodings(tmp_path: Path, encoding: str, text: str) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(text.encode(encoding))
    att = prepare_attachment(path)
    assert (att.kind, att.media_type, att.text) == ("text", "text/plain", text)
    assert att.data == text.encode("utf-8") and att.size == path.stat().st_size
    assert att.to_block() == {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": text},
        "title": "notes.txt",
    }


def test_text_sniffing() -> None:
    assert decode_text(b"plain\ttabs\x1b[1mbold\x1b[0m\n") is not None
    assert decode_text(b"abc\x00def") is None
    assert decode_text(bytes(range(1, 32)) * 10) is None
    assert decode_text("ü".encode()[:1], partial=True) is not None
    assert decode_text("abcü".encode()[:-1], partial=True) == "abc"


def test_bytes_from_memory() -> None:
    png = io.BytesIO()
    Image.new("RGB", (20, 10), (1, 2, 3)).save(png, "PNG")
    att = prepare_bytes("Pasted image.png", png.getvalue())
    assert att.kind == "image" and (att.width, att.height) == (20, 10)
    with pytest.raises(AttachmentError):
        prepare_bytes("blank", b"")

    noisy = io.BytesIO()
    Image.merge("RGB", [Image.effect_noise((1500, 1500), 100)] * 3).save(noisy, "PNG")
    assert len(noisy.getvalue()) * 4 / 3 > MAX_IMAGE_BASE64  # within 1568 px, too many bytes
    att = prepare_bytes("Pasted image.png", noisy.getvalue())
    assert len(att.base64) <= MAX_IMAGE_BASE64 and att.data != noisy.getvalue()


def test_load_attachment_runs_off_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("# Title\n", encoding="utf-8")
    att = asyncio.run(load_attachment(path))
    assert att.text == "# Title\n"


# -- requests ----------------------------------------------------------------------------


@pytest.fixture
def tiny_image(tmp_path: Path) -> Attachment:
    path = write_image(tmp_path / "dot.png", Image.new("RGB", (4, 4)), "PNG")
    return prepare_attachment(path)


def test_request_limits(tmp_path: Path, tiny_image: Attachment) -> None:
    check_request_limits([tiny_image] * 100)
    with pytest.raises(AttachmentError) as info:
        check_request_limits([tiny_image] * 101)
    assert info.value.human == (
        "You can attach at most 100 images to one message; this would be 101."
    )
    (tmp_path / "a.pdf").write_bytes(pdf_bytes(60))
    pdf = prepare_attachment(tmp_path / "a.pdf")
    with pytest.raises(AttachmentError) as info:
        check_request_limits([pdf, pdf])
    assert "120 pages together" in info.value.human


def test_request_size_limit() -> None:
    big = Attachment(
        name="big.pdf",
        kind="pdf",
        media_type="application/pdf",
        size=20_000_000,
        data=b"\x00" * 20_000_000,
        sha256="x",
        page_count=1,
    )
    with pytest.raises(AttachmentError) as info:
        check_request_limits([big, big])
    assert "53 MB" in info.value.human and "32 MB" in info.value.human


def test_conversation_limits(tiny_image: Attachment) -> None:
    messages = [
        {"role": "user", "content": user_content(f"q{i}", [tiny_image] * 10)} for i in range(11)
    ]
    with pytest.raises(AttachmentError) as info:
        check_conversation_limits(messages)
    assert "110 images" in info.value.human
    check_conversation_limits(messages[:10])


def test_question_limits_count_what_the_conversation_carries(tiny_image: Attachment) -> None:
    earlier = [
        {"role": "user", "content": user_content("q", [tiny_image] * 60)},
        {"role": "assistant", "content": [{"type": "text", "text": "Sixty."}]},
    ]
    check_question_limits(earlier, [tiny_image] * 40)
    with pytest.raises(AttachmentError) as info:
        check_question_limits(earlier, [tiny_image] * 41)
    assert info.value.human == (
        "This conversation already carries 60 images, so 41 more would make 101; "
        "the API takes at most 100 images per request."
    )
    with pytest.raises(AttachmentError, match="at most 100 images to one message"):
        check_question_limits([], [tiny_image] * 101)
    check_question_limits(earlier * 2, [])  # nothing added: the turn's own check says it


def test_question_limits_over_20_images_refuse_one_above_2000_px(tiny_image: Attachment) -> None:
    wide = replace(tiny_image, name="wide.png", width=2400, height=1600)
    check_question_limits([], [wide, *[tiny_image] * 19])
    earlier = [{"role": "user", "content": user_content("q", [tiny_image] * 5)}]
    with pytest.raises(AttachmentError) as info:
        check_question_limits(earlier, [wide, *[tiny_image] * 19])
    assert info.value.human == (
        "wide.png is 2400×1600; with more than 20 images in a request the API takes none "
        "larger than 2000×2000 pixels."
    )


def test_question_limits_count_the_bytes_already_carried() -> None:
    pdf = Attachment(
        name="big.pdf",
        kind="pdf",
        media_type="application/pdf",
        size=15_000_000,
        data=b"\x00" * 15_000_000,
        sha256="x",
        page_count=1,
    )
    earlier = [{"role": "user", "content": user_content("q", [pdf])}]
    check_question_limits([], [pdf])
    with pytest.raises(AttachmentError) as info:
        check_question_limits(earlier, [pdf])
    assert "already carries" in info.value.human and "32 MB" in info.value.human


def test_user_content_puts_attachments_first(tmp_path: Path, tiny_image: Attachment) -> None:
    (tmp_path / "doc.pdf").write_bytes(pdf_bytes(1))
    pdf = prepare_attachment(tmp_path / "doc.pdf")
    content = user_content("What is this?", [pdf, tiny_image])
    assert [b["type"] for b in content] == ["document", "image", "text"]
    assert content[-1] == {"type": "text", "text": "What is this?"}
    assert [b["type"] for b in user_content("", [tiny_image])] == ["image"]
    assert user_content("Hi", []) == [{"type": "text", "text": "Hi"}]


def _doc(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "document",
        "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="},
        "title": title,
        **extra,
    }


def _cached(messages: list[dict[str, Any]]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, m in enumerate(messages)
        if isinstance(m["content"], list)
        for j, b in enumerate(m["content"])
        if "cache_control" in b
    ]


def test_cache_breakpoint_on_the_last_document_before_the_question() -> None:
    stale = {"type": "ephemeral"}
    messages: list[dict[str, Any]] = [
        {
            "role": "user",
            "content": [_doc("a.pdf", cache_control=stale), {"type": "text", "text": "Sum up"}],
        },
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "It says...", "cache_control": stale}],
        },
        {"role": "user", "content": [_doc("b.pdf"), {"type": "text", "text": "Compare"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "B differs."}]},
        {"role": "user", "content": [{"type": "text", "text": "And the totals?"}]},
    ]
    before = repr(messages)
    out = mark_cache_breakpoint(messages)
    assert repr(messages) == before  # the input is left alone
    assert _cached(out) == [(2, 0)]
    assert out[2]["content"][0]["cache_control"] == {"type": "ephemeral"}
    assert out[2]["content"][0]["title"] == "b.pdf"
    assert out[4] == messages[4]


def test_cache_breakpoint_in_the_newest_question_and_edge_cases() -> None:
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "x"}}
    first = [{"role": "user", "content": [_doc("a.pdf"), image, {"type": "text", "text": "?"}]}]
    assert _cached(mark_cache_breakpoint(first)) == [(0, 1)]
    only_files = [{"role": "user", "content": [_doc("a.pdf")]}]
    assert _cached(mark_cache_breakpoint(only_files)) == [(0, 0)]
    plain = [{"role": "user", "content": "Hi"}]
    assert mark_cache_breakpoint(plain) == plain
    tool = [
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "t",
                    "content": [
                        {"type": "text", "text": "r", "cache_control": {"type": "ephemeral"}}
                    ],
                },
                {"type": "text", "text": "go on"},
            ],
        }
    ]
    assert "cache_control" not in repr(mark_cache_breakpoint(tool))
    assert "cache_control" in repr(tool)


# -- storage -----------------------------------------------------------------------------


def test_store_and_restore(tmp_path: Path) -> None:
    path = write_image(tmp_path / "camera.jpg", photo(3000, 2000), "JPEG", quality=90)
    att = prepare_attachment(path)
    with Store.open(tmp_path / "history.sqlite3") as store:
        ref = store_attachment(store, att)
        assert ref == {
            "sha256": att.sha256,
            "name": "camera.jpg",
            "kind": "image",
            "media_type": "image/jpeg",
            "size": att.size,
            "page_count": None,
            "downscaled": True,
        }
        assert store_attachment(store, att) == ref  # stored once, same key
        again = restore_attachment(store, ref)
        assert again.data == att.data and again.size == att.size and again.downscaled
        with pytest.raises(AttachmentError):
            restore_attachment(store, {**ref, "sha256": "0" * 64})


def test_loading_encodes_base64_in_the_worker(tmp_path: Path) -> None:

    from claude_desktop.domain.attachments import load_attachment

    path = tmp_path / "tiny.png"
    Image.new("RGB", (8, 8), "red").save(path)
    attachment = asyncio.run(load_attachment(path))
    # Already computed, so nothing is left for the UI thread when the message is sent.
    assert "base64" in attachment.__dict__


@pytest.mark.parametrize("extra", [0, 1, 2, 5])
def test_base64_in_slices_equals_one_call(extra: int) -> None:
    from claude_desktop.storage import blobs

    data = random.Random(extra).randbytes(2 * blobs._BASE64_SLICE + extra)
    att = Attachment(
        name="big.pdf",
        kind="pdf",
        media_type="application/pdf",
        size=len(data),
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    assert att.base64 == base64.b64encode(data).decode("ascii")


def test_bytes_kept_ahead_from_a_worker_are_what_a_draft_refers_to(tmp_path: Path) -> None:
    path = write_image(tmp_path / "camera.jpg", photo(3000, 2000), "JPEG", quality=90)
    att = prepare_attachment(path)
    with Store.open(tmp_path / "history.sqlite3") as store:
        asyncio.run(keep_attachment_bytes(store, att))
        assert store.has_blob(att.sha256)
        ref = store_attachment(store, att)
        assert restore_attachment(store, ref).data == att.data
        assert store._con.execute("SELECT count(*) FROM blobs").fetchone()[0] == 1
