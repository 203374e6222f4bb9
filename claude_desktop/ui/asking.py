"""What the composer sends: a new question, a new version of an earlier one (an edit, with
the edit bar), or Regenerate's new answer to the same question. The answer itself is
started and run by turns.py."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel

from claude_desktop.domain.attachments import Attachment, AttachmentError, check_question_limits
from claude_desktop.domain.context_window import ContextUse
from claude_desktop.domain.history import DiskFullError, MessageRecord, StorageError, text_of
from claude_desktop.domain.saved_attachments import load_saved_attachment

from .send_check import SendCheck

if TYPE_CHECKING:
    from .main_window import MainWindow

log = logging.getLogger(__name__)


class Asking:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        #: The earlier question the composer holds while it is edited.
        self.editing: MessageRecord | None = None
        self.edit_bar = QLabel(
            "Editing a message: Enter sends it as a new version; Esc cancels.", window
        )
        self.edit_bar.setStyleSheet("padding: 4px 12px;")
        self.edit_bar.hide()
        #: Whether a question fits, checked before it goes (PDF pages, tokens).
        self.check = SendCheck(window)

    def send(self, text: str) -> None:
        window = self.window
        attachments = window.composer.tray.attachments()
        if self.check.busy or window.streaming or (not text.strip() and not attachments):
            return
        earlier = window.intake.earlier_messages()
        try:
            # Again at Send: the draft may be older than the limits, or another version
            # of the conversation, carrying more, may be shown now.
            check_question_limits(earlier, attachments)
        except AttachmentError as exc:
            window.show_notice(exc.human)
            return
        window.composer.hide_refusal()
        refused = self.check.refuse_now(earlier, attachments)
        if refused is None:
            self.check.start(text, attachments, earlier)
        elif not refused:
            self.send_now(text, attachments)

    def send_now(
        self, text: str, attachments: Sequence[Attachment], counted: ContextUse | None = None
    ) -> None:
        """Save the question and start its answer (`counted`: its length, counted before)."""
        window = self.window
        if window.streaming or (not text.strip() and not attachments):
            return
        window.notices.clear()
        conv = window.session.current
        settings = window.session.settings
        chat = window.session.conversation_settings
        editing = self.editing
        try:
            question = window.history.add_question(
                conv,
                text,
                model=window.session.model,
                system=chat.system,
                max_tokens=chat.max_tokens,
                temperature=chat.temperature,
                thinking=chat.thinking_fragment,
                options=chat.stored_options(),
                parent_id=editing.parent_id if editing else None,
                replace_leaf=editing is not None,
                attachments=attachments,
                attachment_names=[a.name for a in attachments],
            )
        except StorageError as exc:
            # Nothing was sent, and the message stays in the composer to send again.
            log.error("The question could not be saved: %s", exc)
            window.show_notice(_not_sent(exc))
            return
        self.check.sent(question, counted)
        self.editing = None
        self.edit_bar.hide()
        window.composer.clear()
        settings.last_conversation_id = question.conversation_id
        window.conversations.remember_open()
        window.history.clear_draft(None)
        window.history.clear_draft(question.conversation_id)
        if editing is not None:
            window.presenter.show()
        else:
            window.presenter.thumbnails.remember(attachments)  # shown at once, sharp soon
            window.presenter.render(question)
        window.turns.start_answer(question.id)
        window.conversations.refresh_sidebar()

    def regenerate(self, record: MessageRecord) -> None:
        """A new answer to the same question, kept beside the old one as a version."""
        window = self.window
        if window.streaming or record.parent_id is None:
            return
        window.session.continue_from(record.parent_id)
        window.presenter.show()
        window.turns.start_answer(record.parent_id)

    def edit_message(self, record: MessageRecord) -> None:
        """Put a question back in the composer, its text and its attachments; sending
        makes what the composer then holds a new version."""
        window = self.window
        if window.streaming:
            return
        if window.composer.tray.pending and self.editing is None:
            # The draft is saved before the edit takes the composer; a file still being
            # read would not be in it.
            window.show_notice("Wait a moment: an attachment is still being read.")
            return
        window.save_draft()
        self.editing = record
        saved, problems = window.history.saved_attachments(record)
        window.composer.load(text_of(record.content))
        for problem in problems:
            window.show_notice(problem)
        for item in saved:
            chip = window.composer.tray.add_pending(item.name)
            window.spawn(window.intake.fill_chip(chip, load_saved_attachment(item)), "attach")
        self.edit_bar.show()
        window.composer.focus()

    def cancel_edit(self) -> None:
        if self.editing is not None:
            self.editing = None
            self.edit_bar.hide()
            self.window.drafts.load()


def _not_sent(exc: StorageError) -> str:
    if isinstance(exc, DiskFullError):
        return "The disk is full: free space, then send again (your message is still here)."
    return f"{exc.human} Your message was not sent; it is still here."
