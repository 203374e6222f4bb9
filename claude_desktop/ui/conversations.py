"""Which conversation the window shows: a new chat, one chosen in the sidebar or found by
search; renaming, deleting (with Undo, then purged for good) and exporting it. The sidebar
is kept current here."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog

from claude_desktop.domain.history import StorageError
from claude_desktop.domain.recency import group_by_recency

from . import notices

if TYPE_CHECKING:
    from .main_window import MainWindow

log = logging.getLogger(__name__)


class Conversations:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.sidebar = window.sidebar
        self._deleted: int | None = None

    def refresh_sidebar(self) -> None:
        self.window.update_header()  # a new, opened, renamed or newly titled chat
        groups = group_by_recency(self.window.history.conversations())
        self.sidebar.set_conversations(groups, self.window.session.current.id)

    def search(self, query: str) -> None:
        """Fill the Ctrl+K palette: what matches `query`, or the recent conversations."""
        from .search_palette import RECENT_COUNT

        palette = self.window.search_palette
        if query:
            palette.set_results(self.window.history.search(query))
        else:
            palette.set_recent(self.window.history.conversations()[:RECENT_COUNT])

    def search_closed(self) -> None:
        """The palette closed with the focus in it, opening nothing: back to the composer."""
        self.window.composer.focus()

    def new_chat(self) -> None:
        self.window.save_draft()
        self.enter_new_chat()

    def enter_new_chat(self) -> None:
        window = self.window
        window.asking.cancel_edit()
        window.session.new_conversation()
        self.remember_open()
        window.presenter.show()
        window.drafts.load()
        window.picker.set_current(window.session.model)
        window.refresh_chat_settings()
        window.notices.clear()
        self.refresh_sidebar()
        window.composer.focus()

    def open(
        self, conversation_id: int, scroll_to: int | None = None, *, save_draft: bool = True
    ) -> bool:
        window = self.window
        if window.session.current.id == conversation_id and scroll_to is None:
            self.sidebar.show_open(conversation_id)
            return True
        if save_draft:
            window.save_draft()
        window.asking.cancel_edit()
        if window.session.open_conversation(conversation_id) is None:
            return False
        self.remember_open()
        self.sidebar.show_open(conversation_id)
        window.presenter.show(scroll_to)
        window.drafts.load()
        window.picker.set_current(window.session.model)
        window.refresh_chat_settings()
        window.notices.clear()
        window.composer.focus()
        return True

    def open_hit(self, conversation_id: int, message_id: int) -> None:
        window = self.window
        if not message_id:
            self.open(conversation_id)
            return
        if window.session.current.id != conversation_id:
            window.save_draft()
            if window.session.open_conversation(conversation_id) is None:
                return
        if message_id not in [m.id for m in window.session.current.branch]:
            window.session.switch_to(message_id)
        if self.open(conversation_id, scroll_to=message_id):
            widget = window.presenter.widget_for(message_id)
            if widget is not None:
                window.view.flash_message(widget)

    def rename(self, conversation_id: int, title: str) -> None:
        window = self.window
        window.session.rename(conversation_id, title)
        self.refresh_sidebar()

    def delete(self, conversation_id: int) -> None:
        window = self.window
        record = window.history.conversation(conversation_id)
        if record is None:
            return
        window.turns.cancel(conversation_id)  # its answer is kept, stopped, with the chat
        if window.session.current.id == conversation_id:
            self.new_chat()
        window.history.delete(conversation_id)
        self._deleted = conversation_id
        window.notices.offer_undo(f"Deleted “{record.title}”.")
        # Once Undo is past, deleted means gone from the file too.
        QTimer.singleShot((notices.UNDO_SECONDS + 1) * 1000, window, self._purge_deleted)
        self.refresh_sidebar()

    def _purge_deleted(self) -> None:
        try:
            self.window.history.purge_deleted(grace=notices.UNDO_SECONDS)
        except StorageError as exc:
            log.warning("Could not purge deleted conversations: %s", exc)
        # Its PDFs go from Anthropic's Files API too.
        self.window.spawn(self.window.session.delete_purged_uploads(), "delete-uploads")

    def undo_delete(self) -> None:
        if self._deleted is None:
            return
        self.window.history.restore(self._deleted)
        restored, self._deleted = self._deleted, None
        self.window.notices.close_undo()
        self.open(restored)
        self.refresh_sidebar()

    def remember_open(self) -> None:
        """Save which conversation is open now, so even a crash reopens it."""
        self.window.session.settings.save_in_background()

    def export_dialog(self) -> None:
        window = self.window
        record = window.session.current.record
        if record is None:
            window.show_toast("Nothing to export yet: ask something first.", 5000)
            return
        name = "".join(c if c.isalnum() or c in " -_" else "_" for c in record.title).strip()
        path, _filter = QFileDialog.getSaveFileName(
            window,
            "Export conversation",
            str(Path.home() / f"{name or 'conversation'}.md"),
            "Markdown (*.md);;JSON, as sent to the API (*.json)",
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        window = self.window
        try:
            window.history.export(window.session.current, path)
        except (OSError, ValueError) as exc:
            window.show_notice(f"Could not export to {path}: {exc}")
            return
        window.show_toast(f"Exported to {path}", 5000)
