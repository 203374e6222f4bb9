"""The open conversation's branch on screen: its newest messages at once, the rest of a long
conversation filled in above them over a few event loop turns, earlier ones on request;
each message with its versions (‹ 2/3 ›), Edit or Regenerate, and Retry under an error."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from claude_desktop.api.message import Message, Usage
from claude_desktop.domain.history import UNSAVED, MessageRecord, text_of
from claude_desktop.domain.question_attachments import ShownAttachment, shown_attachments

from .question_attachments import ThumbnailLoader

if TYPE_CHECKING:
    from .main_window import MainWindow
    from .message_frame import MessageWidget
    from .message_widget import AssistantMessageWidget

#: Messages rendered when a conversation opens; earlier ones come on request.
RENDER_WINDOW = 40
#: Of those, the newest that are made at once (more than a window shows); the others are made
#: above them a batch per event loop turn, so opening never blocks for forty widgets.
FIRST_SHOWN = 8
FILL_BATCH = 6
INTERRUPTED = "The answer was interrupted (the app closed before it finished)."


class BranchPresenter(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.view = window.view
        self._records: dict[MessageWidget, MessageRecord] = {}
        self._hidden_above = 0  # messages of the branch not rendered yet (above the view)
        self._fill_to: int | None = None  # while opening: render the branch down to here
        self._fill_timer = QTimer(self)
        self._fill_timer.setSingleShot(True)
        self._fill_timer.setInterval(0)
        self._fill_timer.timeout.connect(self._fill_step)
        self.view.earlier_button.clicked.connect(self.show_earlier)
        #: The questions' thumbnails, read from the history in worker threads.
        self.thumbnails = ThumbnailLoader(
            window.spawn,
            lambda digest: window.history.store.read_blob_on_own_connection(digest),
            window.show_notice,
            self,
        )
        self.view.thumbnails = self.thumbnails

    def track(self, widget: MessageWidget, record: MessageRecord) -> None:
        """`widget` shows `record` from now on, with its versions (‹ 2/3 ›)."""
        self._records[widget] = record
        self._show_versions(widget, record)

    def remember(self, widget: MessageWidget, record: MessageRecord) -> None:
        """`widget` shows `record` as it is now (an answer that ended)."""
        self._records[widget] = record

    def show(self, scroll_to: int | None = None) -> None:
        """Render the open branch: its newest messages now, the rest of RENDER_WINDOW over
        the next few event loop turns, earlier ones on request."""
        window = self.window
        for turn in window.turns.streams.values():
            turn.detach()  # its widget goes with the view; the answer streams on
        self.view.clear()
        self._records.clear()
        self._fill_timer.stop()
        self._fill_to = None
        branch = window.session.current.branch
        start = max(0, len(branch) - RENDER_WINDOW)
        ids = [m.id for m in branch]
        if scroll_to in ids:
            # Everything from the target down, now: it must be in place to scroll to.
            start = min(start, ids.index(scroll_to))
            first = start
        else:
            first = max(start, len(branch) - FIRST_SHOWN)
        for record in branch[first:]:
            self.render(record)
        self._hidden_above = first
        if first > start:
            self._fill_to = start
            self._fill_timer.start()
        self.view.set_more_above(start)
        target = self._widget_for(scroll_to) if scroll_to is not None else None
        if target is not None:
            QTimer.singleShot(0, lambda: self.view.ensureWidgetVisible(target))
        else:
            self.view.scroll_to_bottom()
        window.turns.sync_composer()

    @property
    def is_filling(self) -> bool:
        """Whether the opened conversation's window of messages is still being made."""
        return self._fill_to is not None

    def _fill_step(self, batch: int = FILL_BATCH) -> None:
        """Make the next few messages above those shown (while a conversation opens)."""
        if self._fill_to is None:
            return
        branch = self.window.session.current.branch
        start = max(self._fill_to, self._hidden_above - batch)
        for record in reversed(branch[start : self._hidden_above]):
            self.render(record, at_top=True, follow=True)
        self._hidden_above = start
        if start > self._fill_to:
            self._fill_timer.start()
        else:
            self._fill_to = None

    def show_earlier(self) -> None:
        branch = self.window.session.current.branch
        self._fill_step(batch=len(branch))  # finish the opening first
        start = max(0, self._hidden_above - RENDER_WINDOW)
        for record in reversed(branch[start : self._hidden_above]):
            self.render(record, at_top=True)
        self._hidden_above = start
        self.view.set_more_above(start)

    def widget_for(self, message_id: int) -> MessageWidget | None:
        """The widget showing message `message_id`, if it is rendered."""
        return self._widget_for(message_id)

    def _widget_for(self, message_id: int) -> MessageWidget | None:
        for widget, record in self._records.items():
            if record.id == message_id:
                return widget
        return None

    def render(
        self, record: MessageRecord, *, at_top: bool = False, follow: bool = False
    ) -> MessageWidget:
        window = self.window
        widget: MessageWidget
        if record.role == "user":
            widget = self.view.add_user_message(
                text_of(record.content), self._attachments(record), at_top=at_top, follow=follow
            )
            widget.set_action("Edit", "Edit this message and send it as a new version")
            edit = window.asking.edit_message
            widget.action_requested.connect(lambda: edit(record))
        else:
            answer = self.view.begin_assistant_message(
                window.session.display_name(record.model or ""), at_top=at_top, follow=follow
            )
            turn = window.turns.streams.get(record.conversation_id)
            if turn is not None and turn.record.id == record.id:
                turn.attach(answer)  # still streaming: what arrived so far, then the rest
            else:
                self._fill_answer(answer, record)
            widget = answer
        self.track(widget, record)
        return widget

    def _attachments(self, record: MessageRecord) -> list[ShownAttachment]:
        """What the question shows of its attachments, with the PDFs' pages when known."""
        shown = shown_attachments(record.content, record.meta.get("attachments") or [])
        pages = self.window.asking.check.pages
        return [
            replace(item, pages=pages.pages(item.digest))
            if item.kind == "pdf" and item.digest and item.pages is None
            else item
            for item in shown
        ]

    def _fill_answer(self, widget: AssistantMessageWidget, record: MessageRecord) -> None:
        message = Message(
            id=str(record.meta.get("message_id", "")),
            model=record.model or "",
            content=record.content,
            stop_reason=record.meta.get("stop_reason"),
            usage=Usage.from_dict(record.usage or {}),
        )
        from claude_desktop.domain.turn_metrics import footer_from_meta

        name = self.window.session.display_name(record.model or "")
        widget.finish(message, footer=footer_from_meta(record.meta, name))
        regenerate = self.window.asking.regenerate
        if record.status == "stopped":
            widget.mark_stopped()
        elif record.status in ("error", "interrupted", "streaming"):
            error = record.meta.get("error") or INTERRUPTED
            widget.show_error(str(error), lambda: regenerate(record))
        if record.meta.get(UNSAVED):
            # Kept in memory only (the disk was full): Retry saves it.
            save_again = self.window.turns.save_again
            widget.show_error(str(record.meta[UNSAVED]), lambda: save_again(widget, record))
        widget.set_action("Regenerate", "Ask for a new answer (kept as another version)")
        widget.action_requested.connect(lambda: regenerate(record))

    def _show_versions(self, widget: MessageWidget, record: MessageRecord) -> None:
        siblings = self.window.history.siblings(record)
        ids = [m.id for m in siblings]
        if record.id in ids:
            widget.set_versions(ids.index(record.id), len(ids))
        widget.version_requested.connect(lambda step: self.switch_version(record, step))

    def switch_version(self, record: MessageRecord, step: int) -> None:
        window = self.window
        if window.streaming:
            return
        siblings = window.history.siblings(record)
        ids = [m.id for m in siblings]
        index = ids.index(record.id) + step
        if 0 <= index < len(ids):
            window.session.switch_to(ids[index])
            self.show(scroll_to=ids[index])
