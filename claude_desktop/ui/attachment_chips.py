"""Attachments waiting in the composer, each a small file card: thumbnail or file icon,
name, size, pages, remove."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QWidget,
    QWidgetItem,
)

from claude_desktop.domain.attachments import Attachment

from . import icons, theme
from .viewports import adopt_viewport

THUMB = 32
#: How wide a chip's file name may be before it is elided in the middle.
NAME_WIDTH = 180
#: Rows of chips shown at most; more scroll (2.5: the half row says there is more).
MAX_ROWS = 2.5


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def describe(att: Attachment) -> str:
    """The chip's second line: size, pages, and whether the image was made smaller."""
    parts = [human_size(att.size)]
    if att.page_count:
        parts.append(f"{att.page_count} page" + ("s" if att.page_count != 1 else ""))
    if att.downscaled and att.width and att.height:
        parts.append(f"downscaled to {att.width}×{att.height}")
    return " · ".join(parts)


class AttachmentChip(QFrame):
    remove_requested = Signal(object)  # the chip

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        #: Ready and shown.
        self.attachment: Attachment | None = None
        #: Within the limits and counted, maybe not shown yet (its bytes are being kept).
        self.accepted: Attachment | None = None
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAccessibleName(f"Attachment {name}")
        self.thumb = QLabel(self)
        self.thumb.setFixedSize(THUMB, THUMB)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.remove = QToolButton(self)
        self.remove.setText("×")
        self.remove.setAutoRaise(True)
        icons.tint(self.remove, "x", "secondary", 14)
        self.remove.setAccessibleName(f"Remove {name}")
        self.remove.setToolTip("Remove this attachment")
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 6, 4, 6)
        row.setSpacing(8)
        row.addWidget(self.thumb)
        row.addWidget(self.label)
        row.addWidget(self.remove)
        self.setToolTip(name)
        self.label.setText(f"{self._short(name)}\nReading…")
        self._icon = "file"
        self._show_icon()

    def _show_icon(self) -> None:
        self.thumb.setPixmap(icons.pixmap(self._icon, "secondary", 20, self.thumb))

    def paintEvent(self, event: QPaintEvent) -> None:
        # A file card: the page colour inside the composer's surface, a hairline border.
        tokens = theme.tokens_for(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(tokens.border), 1))
        painter.setBrush(QColor(tokens.page))
        radius = theme.RADIUS_CARD - 2
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)
        painter.end()

    def _short(self, name: str) -> str:
        # A long file name would make one chip wider than the window.
        metrics = self.label.fontMetrics()
        return metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, NAME_WIDTH)

    def set_attachment(self, att: Attachment) -> None:
        self.attachment = self.accepted = att
        self.label.setText(f"{self._short(att.name)}\n{describe(att)}")
        self.setToolTip(f"{att.name} ({att.media_type})")
        if att.thumbnail_png:
            pixmap = QPixmap()
            if pixmap.loadFromData(att.thumbnail_png):
                self.thumb.setPixmap(
                    pixmap.scaled(
                        THUMB,
                        THUMB,
                        Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                )
                return
        self._icon = "file-text" if att.kind in ("pdf", "text") else "file"
        self._show_icon()


class FlowLayout(QLayout):
    """Widgets left to right, wrapping onto a new row when the next one would not fit:
    however many there are, the layout is never wider than its widest item."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.gap = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def insert_widget(self, index: int, widget: QWidget) -> None:
        self.addChildWidget(widget)
        self._items.insert(index, QWidgetItem(widget))
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        """Place the items in `rect` (or only measure, unless `move`); the height used."""
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, row_height = area.x(), area.y(), 0
        for item in self._items:
            if item.isEmpty():
                continue
            hint = item.sizeHint()
            if x > area.x() and x + hint.width() > area.right() + 1:
                x, y, row_height = area.x(), y + row_height + self.gap, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self.gap
            row_height = max(row_height, hint.height())
        return y + row_height - rect.y() + margins.bottom()


class AttachmentTray(QScrollArea):
    """The chips above the composer's text, wrapping onto more rows as they come; beyond
    MAX_ROWS rows it scrolls, so the conversation keeps the window. Hidden while empty."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Attachments")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setObjectName("attachment-tray")
        # The composer's card shows through (no band of the window's colour behind the cards).
        self.setStyleSheet("#attachment-tray, #attachment-cards { background: transparent; }")
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidgetResizable(True)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._content = QWidget(self)
        self._content.setObjectName("attachment-cards")
        self._content.setAutoFillBackground(False)
        self._flow = FlowLayout(self._content)
        self.setWidget(self._content)
        adopt_viewport(self).setAutoFillBackground(False)
        self.chips: list[AttachmentChip] = []
        self.hide()

    def add_pending(self, name: str) -> AttachmentChip:
        chip = AttachmentChip(name, self._content)
        chip.remove_requested.connect(self.remove)
        self.chips.append(chip)
        self._flow.insert_widget(len(self.chips) - 1, chip)
        chip.show()
        self.show()
        self._fit_height()
        self.changed.emit()
        return chip

    def remove(self, chip: AttachmentChip) -> None:
        if chip in self.chips:
            self.chips.remove(chip)
            self._flow.removeWidget(chip)
            chip.hide()
            chip.deleteLater()
        self.setVisible(bool(self.chips))
        self._fit_height()
        self.changed.emit()

    def clear(self) -> None:
        for chip in list(self.chips):
            self.remove(chip)

    @property
    def pending(self) -> bool:
        return any(chip.attachment is None for chip in self.chips)

    def attachments(self) -> list[Attachment]:
        return [chip.attachment for chip in self.chips if chip.attachment is not None]

    def accepted(self) -> list[Attachment]:
        """What the limits count: the ready attachments and those accepted on the way."""
        return [chip.accepted for chip in self.chips if chip.accepted is not None]

    def set_attachments(self, attachments: Sequence[Attachment]) -> None:
        self.clear()
        for att in attachments:
            self.add_pending(att.name).set_attachment(att)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._fit_height()  # another width, another number of rows

    def _fit_height(self) -> None:
        if not self.chips:
            return
        row = max(chip.sizeHint().height() for chip in self.chips)
        needed = self._flow.heightForWidth(max(1, self.viewport().width()))
        cap = int(MAX_ROWS * row + (MAX_ROWS - 1) * self._flow.gap)
        self.setFixedHeight(min(needed, cap) + 2 * self.frameWidth())
