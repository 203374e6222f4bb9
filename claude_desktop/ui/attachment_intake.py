"""Files coming into the composer: the Attach dialog, drops, pastes, and files from outside
the window (the command line, a second launch). Each is read and checked off the UI thread
and shows as a chip meanwhile."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QFileDialog

from claude_desktop.domain import temp_files
from claude_desktop.domain.attachments import (
    Attachment,
    AttachmentError,
    check_question_limits,
    load_attachment,
)

from .attachment_chips import AttachmentChip

if TYPE_CHECKING:
    from .main_window import MainWindow

log = logging.getLogger(__name__)

ATTACH_FILTER = (
    "Images, PDFs and text (*.png *.jpg *.jpeg *.gif *.webp *.pdf *.txt *.md *.csv "
    "*.json *.xml *.yaml *.yml *.py *.js *.ts *.html *.css);;All files (*)"
)


class AttachmentIntake:
    def __init__(self, window: MainWindow) -> None:
        self.window = window

    def attach_dialog(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(
            self.window, "Attach files", str(Path.home()), ATTACH_FILTER
        )
        self.attach_paths(paths)

    def attach_paths(self, paths: list[str]) -> None:
        """Read and encode files off the UI thread; each shows as a chip meanwhile."""
        for path in paths:
            chip = self.window.composer.tray.add_pending(Path(path).name)
            self.window.spawn(self.fill_chip(chip, load_attachment(Path(path))), "attach")

    def open_files_in_new_chat(self, paths: list[str]) -> None:
        """Files from outside the window (the command line, a second launch, "Open with")
        start a new chat with them attached; an empty new chat already open is used."""
        window = self.window
        open_is_empty = (
            window.session.current.record is None
            and window.asking.editing is None
            and not window.composer.text().strip()
            and not window.composer.tray.chips
        )
        if not open_is_empty:
            window.new_chat()
        self.attach_paths(paths)

    def attach_image(self, image: QImage) -> None:
        """A pasted image: saved as a PNG in a temporary folder, then attached like a file."""
        try:
            # In this app's temporary folder, removed at quit (or at the next start).
            folder = Path(tempfile.mkdtemp(prefix="paste-", dir=temp_files.session_dir()))
        except OSError as exc:
            log.error("No temporary folder for a pasted image: %s", exc)
            self.window.show_notice(f"The pasted image could not be kept: {exc.strerror or exc}.")
            return
        path = folder / f"pasted-{time.strftime('%Y%m%d-%H%M%S')}.png"
        if image.save(str(path), "PNG"):
            self.attach_paths([str(path)])
        else:
            self.window.show_notice("The pasted image could not be read.")

    async def fill_chip(self, chip: AttachmentChip, loading: Awaitable[Attachment]) -> None:
        """The attachment `loading` reads, into `chip` once it is ready and within limits."""
        window = self.window
        tray = window.composer.tray
        try:
            attachment = await loading
            if chip not in tray.chips:  # removed while it was being read
                return
            # Against everything attached or accepted so far, and what the conversation
            # already carries: files dropped together are checked one by one as they come.
            check_question_limits(self.earlier_messages(), [*tray.accepted(), attachment])
        except AttachmentError as exc:
            tray.remove(chip)
            window.show_notice(exc.human)
            return
        chip.accepted = attachment
        if chip in tray.chips:
            # Into the history now, off this thread: the draft saved next refers to it.
            await window.history.keep_attachment_bytes(attachment)
        if chip in tray.chips:
            chip.set_attachment(attachment)
            tray.changed.emit()

    def earlier_messages(self) -> list[dict[str, Any]]:
        """What the next question's request carries before it: the branch shown, or while
        editing, the messages above the question being edited."""
        # Loaded with the HTTP stack after the first paint, not before it.
        from claude_desktop.domain.request_messages import request_messages

        branch = self.window.session.current.branch
        editing = self.window.asking.editing
        if editing is not None:
            ids = [m.id for m in branch]
            if editing.id in ids:
                branch = branch[: ids.index(editing.id)]
        return request_messages(branch)

    # -- dragging files over the window ------------------------------------------------------

    def drag_entered(self, event: QDragEnterEvent) -> None:
        if _droppable(event.mimeData()):
            event.acceptProposedAction()
            self.window.notices.show_drop_zone()

    def dropped(self, event: QDropEvent) -> None:
        self.window.notices.show_drop_zone(False)
        mime = event.mimeData()
        files = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
        if files:
            self.attach_paths(files)
        elif mime.hasImage() and isinstance(mime.imageData(), QImage):
            self.attach_image(mime.imageData())
        else:
            return
        event.acceptProposedAction()
        self.window.composer.focus()


def _droppable(mime: QMimeData) -> bool:
    return any(url.isLocalFile() for url in mime.urls()) or mime.hasImage()
