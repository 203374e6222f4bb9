"""The composer's draft of each conversation: saved as it is typed (a moment after the last
key), when another conversation opens and at quit; put back when the conversation opens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from claude_desktop.domain.attachments import AttachmentError, restore_attachment, store_attachment

if TYPE_CHECKING:
    from .main_window import MainWindow

#: How long after the last change the draft is saved.
DRAFT_SAVE_MS = 500


class Drafts(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DRAFT_SAVE_MS)
        self._timer.timeout.connect(self.save)
        window.composer.editor.textChanged.connect(self._timer.start)
        window.composer.tray.changed.connect(self._timer.start)

    def save(self) -> None:
        self._timer.stop()
        window = self.window
        if window.asking.editing is not None:
            return  # the composer holds an old message being edited, not a draft
        text = window.composer.text()
        store = window.history.store
        attachments = window.composer.tray.attachments()
        if text.strip() or attachments:
            refs = [store_attachment(store, att) for att in attachments]
            store.save_draft(window.session.current.id, text, refs)
        else:
            store.clear_draft(window.session.current.id)

    def load(self) -> None:
        window = self.window
        draft = window.history.store.draft(window.session.current.id)
        restored = []
        for ref in draft.attachments if draft else []:
            try:
                restored.append(restore_attachment(window.history.store, ref))
            except AttachmentError as exc:
                window.show_notice(exc.human)
        window.composer.load(draft.text if draft else "", restored)
