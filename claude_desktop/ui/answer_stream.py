"""One answer streaming into its own conversation, shown only while that conversation is open.

The window may switch to another conversation while an answer streams: the turn goes on
(saving as it goes), and its widget goes away with the view. What arrived is kept here, so
that coming back shows the answer so far in a new widget and keeps streaming into it.
"""

from __future__ import annotations

import asyncio

from claude_desktop.storage.store import MessageRecord

from .message_widget import AssistantMessageWidget


class AnswerStream:
    """The domain's TurnSink for one answer: keeps what arrives, and passes it on to the
    answer's widget while there is one."""

    def __init__(self, record: MessageRecord) -> None:
        self.record = record
        self.task: asyncio.Task[None] | None = None
        self.widget: AssistantMessageWidget | None = None
        #: What arrived, in order, consecutive pieces of one kind ("text", "thinking") joined.
        self._parts: list[tuple[str, list[str]]] = []
        self._status: str | None = None

    @property
    def conversation_id(self) -> int:
        return self.record.conversation_id

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def attach(self, widget: AssistantMessageWidget) -> None:
        """Show the answer in `widget` from now on, with everything that arrived so far."""
        self.widget = widget
        for kind, pieces in self._parts:
            if kind == "text":
                widget.append_text("".join(pieces))
            else:
                widget.append_thinking("".join(pieces))
        widget.set_status(self._status)

    def detach(self) -> None:
        """The widget is going away (another conversation is shown); keep streaming."""
        self.widget = None

    def _keep(self, kind: str, text: str) -> None:
        if self._parts and self._parts[-1][0] == kind:
            self._parts[-1][1].append(text)
        else:
            self._parts.append((kind, [text]))

    # -- TurnSink ----------------------------------------------------------------------------

    def on_text(self, text: str) -> None:
        self._keep("text", text)
        if self.widget is not None:
            self.widget.append_text(text)

    def on_thinking(self, text: str) -> None:
        self._keep("thinking", text)
        if self.widget is not None:
            self.widget.append_thinking(text)

    def on_status(self, text: str | None) -> None:
        self._status = text
        if self.widget is not None:
            self.widget.set_status(text)
