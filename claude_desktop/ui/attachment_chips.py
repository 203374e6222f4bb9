"""Attachments waiting in the composer, each a chip: thumbnail, name, size, pages, remove."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from claude_desktop.domain.attachments import Attachment

THUMB = 32


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
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(f"Attachment {name}")
        self.thumb = QLabel(self)
        self.thumb.setFixedSize(THUMB, THUMB)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.remove = QToolButton(self)
        self.remove.setText("×")
        self.remove.setAutoRaise(True)
        self.remove.setAccessibleName(f"Remove {name}")
        self.remove.setToolTip("Remove this attachment")
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 2, 2)
        row.setSpacing(6)
        row.addWidget(self.thumb)
        row.addWidget(self.label)
        row.addWidget(self.remove)
        self.label.setText(f"{name}\nReading…")

    def set_attachment(self, att: Attachment) -> None:
        self.attachment = self.accepted = att
        self.label.setText(f"{att.name}\n{describe(att)}")
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
        self.thumb.setText({"pdf": "PDF", "text": "TXT"}.get(att.kind, "FILE"))


class AttachmentTray(QWidget):
    """The row of chips above the composer's text; hidden while empty."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Attachments")
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(6)
        self._row.addStretch(1)
        self.chips: list[AttachmentChip] = []
        self.hide()

    def add_pending(self, name: str) -> AttachmentChip:
        chip = AttachmentChip(name, self)
        chip.remove_requested.connect(self.remove)
        self.chips.append(chip)
        self._row.insertWidget(self._row.count() - 1, chip)
        self.show()
        self.changed.emit()
        return chip

    def remove(self, chip: AttachmentChip) -> None:
        if chip in self.chips:
            self.chips.remove(chip)
            self._row.removeWidget(chip)
            chip.hide()
            chip.deleteLater()
        self.setVisible(bool(self.chips))
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
