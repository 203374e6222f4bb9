"""A question's attachments above its bubble: each image a rounded thumbnail (click or Enter
opens it in the system viewer), each PDF or text file a small file card, wrapped in rows
aligned to the right like the bubble.

Thumbnails are read from the history and scaled in a worker thread
(domain/question_attachments.py) by one `ThumbnailLoader` per window, cached by hash and
size: opening a conversation full of images never waits for them. A question just sent
shows the composer's small thumbnails at once, until the sharp ones are made.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRectF, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QImage,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.domain.attachments import Attachment
from claude_desktop.domain.history import StorageError
from claude_desktop.domain.question_attachments import (
    GONE,
    ReadBlob,
    ShownAttachment,
    load_thumbnail,
    write_copy,
)

from . import icons, theme
from .attachment_chips import human_size
from .message_frame import set_text_color, small

log = logging.getLogger(__name__)

#: A thumbnail's box, in logical pixels: at most this tall, and this wide for a panorama.
MAX_HEIGHT = 120
MAX_WIDTH = 240
#: What a thumbnail takes while it is being made.
PLACEHOLDER = QSize(120, 90)
#: Thumbnails kept (by hash and size); a conversation rarely shows more.
CACHE_SIZE = 256
#: Made at once at most, so other work in the worker threads (a send) is not queued behind.
PARALLEL = 2
NAME_WIDTH = 180

Key = tuple[str, int]
_INLINE = "inline:"
Result = QPixmap | str  # a thumbnail, or why there is none (GONE, UNREADABLE)


def _open_in_system_viewer(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class ThumbnailLoader(QObject):
    """Makes thumbnails in worker threads, each once, and keeps them by hash and size."""

    #: A thumbnail is made (or known to be impossible): its key and its `Result`.
    loaded = Signal(object, object)

    def __init__(
        self,
        spawn: Callable[[Coroutine[Any, Any, Any], str], object],
        read_blob: ReadBlob,
        notify: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._spawn = spawn
        self._read_blob = read_blob
        self._notify = notify
        self._cache: OrderedDict[Key, Result] = OrderedDict()
        self._pending: set[Key] = set()
        # The composer's small thumbnails by hash, with the size the sharp one will have.
        self._previews: dict[str, tuple[QPixmap, QSize]] = {}
        self._at_hand: dict[str, bytes] = {}  # bytes of images just sent, by hash
        self._slots = asyncio.Semaphore(PARALLEL)
        #: How a file is shown to the person (tests record it instead).
        self.open_file: Callable[[Path], bool] = _open_in_system_viewer

    def key(self, item: ShownAttachment, ratio: float) -> Key:
        """The cache key of `item`'s thumbnail at device pixel ratio `ratio`: its hash and
        height (bytes inline in an old history have no hash: their own key, not cached)."""
        digest = item.digest if item.digest is not None else f"{_INLINE}{id(item)}"
        return digest, round(MAX_HEIGHT * ratio)

    def cached(self, item: ShownAttachment, ratio: float) -> Result | None:
        key = self.key(item, ratio)
        if key not in self._cache:
            return None
        self._cache.move_to_end(key)
        return self._cache[key]

    def preview(self, item: ShownAttachment) -> tuple[QPixmap, QSize] | None:
        """The composer's small thumbnail of an image just sent, until the sharp one, and
        the size that one will have."""
        return self._previews.get(item.digest or "")

    def remember(self, attachments: Sequence[Attachment]) -> None:
        """The composer's attachments, about to be sent: their question shows their small
        thumbnails at once, and the sharp ones are made from the bytes at hand."""
        for att in attachments:
            if att.kind != "image":
                continue
            self._at_hand[att.sha256] = att.data
            pixmap = QPixmap()
            if att.thumbnail_png and pixmap.loadFromData(att.thumbnail_png):
                size = QSize(att.width or pixmap.width(), att.height or pixmap.height())
                if size.width() > MAX_WIDTH or size.height() > MAX_HEIGHT:
                    size = size.scaled(MAX_WIDTH, MAX_HEIGHT, Qt.AspectRatioMode.KeepAspectRatio)
                self._previews[att.sha256] = pixmap, size

    def request(self, item: ShownAttachment, ratio: float) -> None:
        """Start making `item`'s thumbnail unless it is made or on its way; `loaded` says
        when it is, with `key(item, ratio)`."""
        key = self.key(item, ratio)
        if key in self._cache or key in self._pending:
            return
        self._pending.add(key)
        data = self._at_hand.pop(key[0], None)
        if data is not None:
            item = replace(item, data=data)
        self._spawn(self._load(key, item, ratio), "thumbnail")

    async def _load(self, key: Key, item: ShownAttachment, ratio: float) -> None:
        width, height = round(MAX_WIDTH * ratio), round(MAX_HEIGHT * ratio)
        try:
            async with self._slots:
                made = await asyncio.to_thread(load_thumbnail, item, self._read_blob, width, height)
        except (StorageError, OSError) as exc:
            log.warning("A thumbnail could not be read: %s", exc)
            made = GONE
        finally:
            self._pending.discard(key)
        result: Result
        if isinstance(made, str):
            result = made
        else:
            image = QImage(made.rgba, made.width, made.height, QImage.Format.Format_RGBA8888)
            result = QPixmap.fromImage(image.copy())
            result.setDevicePixelRatio(ratio)
        if not key[0].startswith(_INLINE):
            self._cache[key] = result
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            self._previews.pop(key[0], None)
        self.loaded.emit(key, result)

    def open(self, item: ShownAttachment) -> None:
        """Show `item` in the system's viewer (a copy in the app's temporary folder)."""
        self._spawn(self._open(item), "open-attachment")

    async def _open(self, item: ShownAttachment) -> None:
        try:
            path = await asyncio.to_thread(write_copy, item, self._read_blob)
        except (StorageError, OSError) as exc:
            log.warning("An attachment could not be written out: %s", exc)
            self._notify(f"{item.name} could not be opened: it can't be written out.")
            return
        if path is None:
            self._notify(f"{item.name} is no longer in the history, so it can't be opened.")
        elif not self.open_file(path):
            self._notify(f"No app was found to open {item.name}.")


class ThumbnailTile(QAbstractButton):
    """An image attachment as a rounded thumbnail; a click, Enter or Space opens it."""

    #: Its image turned out to be missing or unreadable: (the tile, GONE or UNREADABLE).
    failed = Signal(object, str)

    def __init__(
        self, item: ShownAttachment, loader: ThumbnailLoader, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.item = item
        self.name = item.name
        self._loader = loader
        self.pixmap: QPixmap | None = None
        self._size: QSize | None = None  # the size it takes while it shows a preview
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(f"Image: {item.name}")
        self.setAccessibleDescription("Opens the image")
        self.setToolTip(item.name)
        self.clicked.connect(lambda: loader.open(self.item))
        ratio = self.devicePixelRatioF()
        cached = loader.cached(item, ratio)
        if isinstance(cached, QPixmap):
            self.pixmap = cached
            return
        preview = loader.preview(item)
        if preview is not None:
            self.pixmap, self._size = preview
        self._key = loader.key(item, ratio)
        loader.loaded.connect(self._on_loaded)
        loader.request(item, ratio)

    @property
    def is_loading(self) -> bool:
        return self._loader.cached(self.item, self.devicePixelRatioF()) is None

    def _on_loaded(self, key: object, result: object) -> None:
        if key != self._key:
            return
        if isinstance(result, QPixmap):
            self.pixmap, self._size = result, None
            self.updateGeometry()
            self.update()
        elif isinstance(result, str):
            self.failed.emit(self, result)

    def sizeHint(self) -> QSize:
        if self._size is not None:
            size = QSize(self._size)
        elif self.pixmap is not None:
            size = self.pixmap.deviceIndependentSize().toSize()
        else:
            return PLACEHOLDER
        return size.expandedTo(QSize(24, 24))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.click()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        tokens = theme.tokens_for(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        path = QPainterPath()
        path.addRoundedRect(rect, theme.RADIUS_CONTROL, theme.RADIUS_CONTROL)
        painter.fillPath(path, QColor(tokens.surface))
        if self.pixmap is not None:
            painter.save()
            painter.setClipPath(path)
            painter.drawPixmap(self.rect(), self.pixmap)
            painter.restore()
        else:
            glyph = icons.pixmap("image", "secondary", 24, self)
            size = glyph.deviceIndependentSize()
            painter.drawPixmap(
                int((self.width() - size.width()) / 2),
                int((self.height() - size.height()) / 2),
                glyph,
            )
        focused = self.hasFocus()
        ring = QColor(tokens.accent if focused else tokens.border)
        painter.setPen(QPen(ring, 2 if focused else 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        inset = 1.0 if focused else 0.0
        painter.drawRoundedRect(
            rect.adjusted(inset, inset, -inset, -inset), theme.RADIUS_CONTROL, theme.RADIUS_CONTROL
        )
        painter.end()


_KIND_LABELS = {"image": "Image", "pdf": "PDF", "text": "Text file", "file": "File"}


def card_detail(item: ShownAttachment, problem: str | None = None) -> str:
    """A file card's second line: pages and size when known, or why an image is not shown."""
    if problem == GONE:
        return "No longer in the history"
    if problem is not None:
        return "Can't be shown"
    parts = []
    if item.pages:
        parts.append(f"{item.pages} page" + ("s" if item.pages != 1 else ""))
    if item.size is not None:
        parts.append(human_size(item.size))
    return " · ".join(parts) or _KIND_LABELS[item.kind]


class FileCard(QFrame):
    """A PDF, a text file, or an image that can't be shown: icon, name, and a detail."""

    def __init__(
        self, item: ShownAttachment, problem: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.item = item
        self.name = item.name
        self._glyph = "image" if item.kind == "image" else "file-text"
        if item.kind == "file":
            self._glyph = "file"
        detail = card_detail(item, problem)
        self.setAccessibleName(f"{_KIND_LABELS[item.kind]}: {item.name}")
        self.setAccessibleDescription(detail)
        self.setToolTip(item.name)
        self.icon = QLabel(self)
        self.icon.setFixedSize(20, 20)
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setText(
            self.title.fontMetrics().elidedText(item.name, Qt.TextElideMode.ElideMiddle, NAME_WIDTH)
        )
        self.detail = QLabel(detail, self)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        small(self.detail)
        lines = QVBoxLayout()
        lines.setSpacing(0)
        lines.addWidget(self.title)
        lines.addWidget(self.detail)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 12, 6)
        row.setSpacing(8)
        row.addWidget(self.icon)
        row.addLayout(lines)
        self._recolor()

    def _recolor(self) -> None:
        self.icon.setPixmap(icons.pixmap(self._glyph, "secondary", 20, self.icon))
        set_text_color(self.detail, theme.tokens_for(self.palette()).secondary)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "detail"):
            self._recolor()

    def paintEvent(self, event: QPaintEvent) -> None:
        tokens = theme.tokens_for(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(tokens.border), 1))
        painter.setBrush(QColor(tokens.surface))
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.drawRoundedRect(rect, theme.RADIUS_CONTROL, theme.RADIUS_CONTROL)
        painter.end()


def as_shown(item: str | ShownAttachment) -> ShownAttachment:
    """A bare name (no bytes to show) as a file card's attachment."""
    if isinstance(item, ShownAttachment):
        return item
    lower = item.lower()
    if lower.endswith((".png", ".jpg", ".jpeg", ".gif", ".webp")):
        return ShownAttachment(item, "image")
    return ShownAttachment(item, "pdf" if lower.endswith(".pdf") else "file")


class QuestionAttachments(QWidget):
    """The attachments of one question, wrapped onto as many rows as needed, each row
    aligned to the right."""

    _GAP = 8

    def __init__(
        self,
        items: Sequence[str | ShownAttachment],
        loader: ThumbnailLoader | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.chips: list[QWidget] = []
        for raw in items:
            item = as_shown(raw)
            self.chips.append(self._make(item, loader))
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def _make(self, item: ShownAttachment, loader: ThumbnailLoader | None) -> QWidget:
        if loader is None or not item.has_image:
            return FileCard(item, parent=self)
        cached = loader.cached(item, self.devicePixelRatioF())
        if isinstance(cached, str):
            return FileCard(item, cached, self)
        tile = ThumbnailTile(item, loader, self)
        tile.failed.connect(self._replace_failed)
        return tile

    def thumbnails(self) -> list[ThumbnailTile]:
        return [c for c in self.chips if isinstance(c, ThumbnailTile)]

    def cards(self) -> list[FileCard]:
        return [c for c in self.chips if isinstance(c, FileCard)]

    def _replace_failed(self, tile: ThumbnailTile, problem: str) -> None:
        if tile not in self.chips:
            return
        card = FileCard(tile.item, problem, self)
        self.chips[self.chips.index(tile)] = card
        had_focus = tile.hasFocus()
        tile.hide()
        tile.deleteLater()
        card.show()
        if had_focus:
            self.focusNextChild()
        self.updateGeometry()
        self._place(self.width(), apply=True)

    def _place(self, width: int, apply: bool) -> int:
        """Lay the chips out in rows of at most `width`, each row at the right (or only
        measure); the height they take."""
        rows: list[list[tuple[QWidget, QSize]]] = [[]]
        used = 0
        for chip in self.chips:
            hint = chip.sizeHint()
            hint.setWidth(min(hint.width(), max(width, 1)))
            if rows[-1] and used + self._GAP + hint.width() > width:
                rows.append([])
                used = 0
            used += (self._GAP if rows[-1] else 0) + hint.width()
            rows[-1].append((chip, hint))
        y = 0
        for row in rows:
            height = max((h.height() for _c, h in row), default=0)
            x = width - sum(h.width() for _c, h in row) - self._GAP * (len(row) - 1)
            for chip, hint in row:
                if apply:
                    # Cards of one row share its foot; a thumbnail shorter than the row too.
                    chip.setGeometry(max(0, x), y + height - hint.height(), *hint.toTuple())
                x += hint.width() + self._GAP
            y += height + self._GAP
        return max(0, y - self._GAP)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(width, apply=False)

    def sizeHint(self) -> QSize:
        width = sum(c.sizeHint().width() for c in self.chips) + self._GAP * (len(self.chips) - 1)
        return QSize(max(0, width), self._place(width, apply=False))

    def minimumSizeHint(self) -> QSize:
        widest = max((c.sizeHint().width() for c in self.chips), default=0)
        return QSize(min(widest, 120), self._place(10_000, apply=False))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place(self.width(), apply=True)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            # A thumbnail came (another size): this row's size and its rows change.
            self.updateGeometry()
            self._place(self.width(), apply=True)
        return super().event(event)
