"""Render the app icon from its one source SVG into every size and format the app ships.

    uv run python scripts/render_icons.py

Reads resources/io.github.claude_desktop.ClaudeDesktop.svg and writes (all committed, so a
build never needs to render):

- resources/icons/hicolor/NxN/apps/<app id>.png, N = 16…512: the Linux icon theme layout,
  copied as-is into the .deb;
- resources/claude-desktop.ico: Windows (the .exe and the installer); 16–128 as 32-bit
  BMP entries, which every Windows tool reads, 256 as PNG;
- resources/claude-desktop.icns: macOS, PNG entries ic07–ic14 (128–1024 and the @2x sizes);
- claude_desktop/resources/icons/app-N.png, N = 16…256: the window icon, loaded at run time
  through importlib.resources (see claude_desktop/resources/__init__.py).

Rendering uses Qt's own SVG renderer (PySide6.QtSvg, part of PySide6-Essentials); the .ico and
.icns containers are written here from the PNGs, so no other tool is needed.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QImage
    from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claude_desktop import APP_ID  # noqa: E402

SOURCE = ROOT / "resources" / f"{APP_ID}.svg"
HICOLOR = ROOT / "resources" / "icons" / "hicolor"
ICO = ROOT / "resources" / "claude-desktop.ico"
ICNS = ROOT / "resources" / "claude-desktop.icns"
PACKAGE_ICONS = ROOT / "claude_desktop" / "resources" / "icons"

HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
WINDOW_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS entry types holding PNG data, by pixel size (the @2x types share sizes with 1x ones).
ICNS_TYPES = (
    (b"ic11", 32),  # 16@2x
    (b"ic12", 64),  # 32@2x
    (b"ic07", 128),
    (b"ic13", 256),  # 128@2x
    (b"ic08", 256),
    (b"ic14", 512),  # 256@2x
    (b"ic09", 512),
    (b"ic10", 1024),  # 512@2x
)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """The SVG as a size×size ARGB32 image on a transparent background."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter

    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png_bytes(image: QImage) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def bmp_entry(image: QImage) -> bytes:
    """An ICO image entry in the classic form: BITMAPINFOHEADER, BGRA rows bottom-up, AND mask."""
    width, height = image.width(), image.height()
    header = struct.pack("<IiiHHIIiiII", 40, width, height * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    bits = image.constBits()
    stride = image.bytesPerLine()
    raw = bytes(bits)  # ARGB32 on a little-endian machine: B, G, R, A per pixel
    if sys.byteorder != "little":
        raise RuntimeError("writing .ico entries assumes a little-endian machine")
    rows = [raw[y * stride : y * stride + width * 4] for y in range(height)]
    pixels = b"".join(reversed(rows))
    # The AND mask is all zeros: the alpha channel decides transparency. Rows pad to 32 bits.
    mask = bytes(((width + 31) // 32) * 4 * height)
    return header + pixels + mask


def ico_bytes(entries: list[tuple[int, bytes]]) -> bytes:
    """An .ico file of (size, image data) entries: a directory, then the data."""
    out = struct.pack("<HHH", 0, 1, len(entries))
    offset = 6 + 16 * len(entries)
    for size, data in entries:
        side = 0 if size >= 256 else size  # 0 means 256
        out += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return out + b"".join(data for _, data in entries)


def icns_bytes(entries: list[tuple[bytes, bytes]]) -> bytes:
    """An .icns file: 'icns', the total length, then (type, length, data) entries, big-endian."""
    body = b"".join(kind + struct.pack(">I", 8 + len(data)) + data for kind, data in entries)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_bytes() == data:
        return
    path.write_bytes(data)
    print(f"wrote {path.relative_to(ROOT)} ({len(data):,} bytes)")


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"error: {SOURCE} is not a valid SVG", file=sys.stderr)
        return 1

    sizes = sorted({*HICOLOR_SIZES, *WINDOW_ICON_SIZES, *ICO_SIZES, *(s for _, s in ICNS_TYPES)})
    images = {size: render(renderer, size) for size in sizes}
    pngs = {size: png_bytes(image) for size, image in images.items()}

    for size in HICOLOR_SIZES:
        write(HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png", pngs[size])
    for size in WINDOW_ICON_SIZES:
        write(PACKAGE_ICONS / f"app-{size}.png", pngs[size])
    write(
        ICO,
        ico_bytes([(s, pngs[s] if s >= 256 else bmp_entry(images[s])) for s in ICO_SIZES]),
    )
    write(ICNS, icns_bytes([(kind, pngs[size]) for kind, size in ICNS_TYPES]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
