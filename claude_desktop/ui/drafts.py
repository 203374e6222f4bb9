"""The composer's draft of each conversation: saved as it is typed (a moment after the last
key), when another conversation opens and at quit; put back when the conversation opens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

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
        attachments = window.composer.tray.attachments()
        window.history.save_draft(window.session.current.id, window.composer.text(), attachments)

    def load(self) -> None:
        window = self.window
        text, attachments, problems = window.history.draft(window.session.current.id)
        for problem in problems:
            window.show_notice(problem)
        window.composer.load(text, attachments)
