"""What a question shows of its attachments: read from its blocks, thumbnails scaled from
the blobs (never up), a copy for the system viewer under a safe name."""

from __future__ import annotations

import base64
import io

from PIL import Image

from claude_desktop.domain.question_attachments import (
    GONE,
    UNREADABLE,
    ShownAttachment,
    Thumbnail,
    load_thumbnail,
    shown_attachments,
    write_copy,
)


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "#c96442").save(out, "PNG")
    return out.getvalue()


def blob(digest: str, media_type: str, size: int) -> dict[str, object]:
    return {"type": "blob", "sha256": digest, "media_type": media_type, "size": size}


def test_blocks_become_thumbnails_and_cards_with_their_names() -> None:
    content = [
        {"type": "image", "source": blob("a" * 64, "image/png", 2048)},
        {"type": "document", "title": "r.pdf", "source": blob("b" * 64, "application/pdf", 9)},
        {"type": "document", "title": "n.txt", "source": {"type": "text", "data": "héllo"}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}},
        {"type": "text", "text": "Look"},
    ]
    shown = shown_attachments(content, ["chart.png", "r.pdf", "n.txt"])
    assert [(s.name, s.kind, s.size) for s in shown] == [
        ("chart.png", "image", 2048),
        ("r.pdf", "pdf", 9),
        ("n.txt", "text", 6),
        ("image-4", "image", 3),
    ]
    assert shown[0].digest == "a" * 64 and shown[0].has_image
    assert shown[3].encoded == "AAAA" and shown[3].has_image
    assert not shown[1].has_image


def test_a_thumbnail_fits_the_box_and_keeps_its_aspect() -> None:
    data = png(800, 600)
    item = ShownAttachment("p.png", "image", digest="d")
    made = load_thumbnail(item, {"d": data}.get, 240, 120)
    assert isinstance(made, Thumbnail)
    assert (made.width, made.height) == (160, 120)
    assert len(made.rgba) == 160 * 120 * 4
    small = load_thumbnail(ShownAttachment("s.png", "image", data=png(40, 30)), {}.get, 240, 120)
    assert isinstance(small, Thumbnail) and (small.width, small.height) == (40, 30)  # not up


def test_gone_and_unreadable_bytes_are_answers_not_errors() -> None:
    item = ShownAttachment("p.png", "image", digest="missing")
    assert load_thumbnail(item, {}.get, 240, 120) == GONE
    broken = ShownAttachment("b.png", "image", digest="d")
    assert load_thumbnail(broken, {"d": b"not an image"}.get, 240, 120) == UNREADABLE
    bad_base64 = ShownAttachment("x.png", "image", encoded="%%%")
    assert load_thumbnail(bad_base64, {}.get, 240, 120) == GONE
    inline = ShownAttachment("i.png", "image", encoded=base64.b64encode(png(10, 10)).decode())
    assert isinstance(load_thumbnail(inline, {}.get, 240, 120), Thumbnail)


def test_a_copy_for_the_viewer_has_a_safe_name_in_the_temp_folder() -> None:
    data = png(10, 10)
    item = ShownAttachment("../../etc/pass:wd.png", "image", digest="e" * 64)
    path = write_copy(item, {"e" * 64: data}.get)
    assert path is not None and path.read_bytes() == data
    assert path.name == "_.._etc_pass_wd.png"  # one file, in its own folder
    assert path.parent.parent.name == "opened"
    assert write_copy(ShownAttachment("g.png", "image", digest="f"), {}.get) is None
