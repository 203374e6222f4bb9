"""One answer streaming into its own conversation, shown only while that conversation is open.

The window may switch to another conversation while an answer streams: the turn goes on
(saving as it goes), and its widget goes away with the view. What arrived is kept here, so
that coming back shows the answer so far in a new widget and keeps streaming into it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from claude_desktop.api.message import Message
from claude_desktop.domain.history import MessageRecord

if TYPE_CHECKING:
    from claude_desktop.domain.turn_runner import Decision

    from .message_widget import AssistantMessageWidget


#: The observer calls whose data make up the answer, replayed to a new widget in order.
#: Consecutive deltas of one block are kept joined (one call per block on replay).
_DELTAS = ("text_delta", "thinking_delta", "json_delta")


class AnswerStream:
    """The window's TurnObserver for one answer: keeps what arrives, and forwards each call
    to the answer's widget, by the same method name, while there is one."""

    def __init__(self, record: MessageRecord) -> None:
        self.record = record
        self.task: asyncio.Task[None] | None = None
        self.widget: AssistantMessageWidget | None = None
        #: What arrived, in order: (method, index, args); a delta's args are its pieces.
        self._events: list[tuple[str, int, list[Any]]] = []
        self._status: str | None = None
        #: The question the turn waits on, and where its answer goes.
        self._asking: tuple[Decision, asyncio.Future[str]] | None = None

    @property
    def conversation_id(self) -> int:
        return self.record.conversation_id

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def attach(self, widget: AssistantMessageWidget) -> None:
        """Show the answer in `widget` from now on, with everything that arrived so far."""
        self.widget = view = widget
        for name, index, args in self._events:
            if name in _DELTAS:
                getattr(view, name)(index, "".join(args))
            else:
                getattr(view, name)(index, *args)
        view.status(self._status)
        if self._asking is not None:
            widget.show_decision(self._asking[0], self._picked)

    async def decide(self, decision: Decision) -> str:
        """The turn's way to ask the person (TurnRunner's `decide`): a card in the answer,
        shown again if the conversation is left and come back to; Stop takes it away."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._asking = (decision, future)
        if self.widget is not None:
            self.widget.show_decision(decision, self._picked)
        try:
            return await future
        finally:
            self._asking = None
            if self.widget is not None:
                self.widget.drop_decision()

    def _picked(self, choice: str) -> None:
        if self._asking is not None and not self._asking[1].done():
            self._asking[1].set_result(choice)

    def detach(self) -> None:
        """The widget is going away (another conversation is shown); keep streaming."""
        self.widget = None

    def _keep_delta(self, name: str, index: int, piece: str) -> None:
        events = self._events
        if events and events[-1][0] == name and events[-1][1] == index:
            events[-1][2].append(piece)
        else:
            events.append((name, index, [piece]))

    # -- TurnObserver ----------------------------------------------------------------------

    def step_started(self, step: int) -> None:
        if self.widget is not None:
            self.widget.step_started(step)

    def block_started(self, index: int, block: dict[str, Any]) -> None:
        self._events.append(("block_started", index, [block]))
        if self.widget is not None:
            self.widget.block_started(index, block)

    def text_delta(self, index: int, text: str) -> None:
        self._keep_delta("text_delta", index, text)
        if self.widget is not None:
            self.widget.text_delta(index, text)

    def thinking_delta(self, index: int, text: str) -> None:
        self._keep_delta("thinking_delta", index, text)
        if self.widget is not None:
            self.widget.thinking_delta(index, text)

    def json_delta(self, index: int, partial_json: str) -> None:
        self._keep_delta("json_delta", index, partial_json)
        if self.widget is not None:
            self.widget.json_delta(index, partial_json)

    def citation_added(self, index: int, citation: dict[str, Any]) -> None:
        self._events.append(("citation_added", index, [citation]))
        if self.widget is not None:
            self.widget.citation_added(index, citation)

    def block_stopped(self, index: int, block: dict[str, Any]) -> None:
        self._events.append(("block_stopped", index, [block]))
        if self.widget is not None:
            self.widget.block_stopped(index, block)

    def status(self, text: str | None) -> None:
        self._status = text
        if self.widget is not None:
            self.widget.status(text)

    def upload_progress(self, name: str, done: int, total: int) -> None:
        if self.widget is not None:
            self.widget.upload_progress(name, done, total)

    def step_finished(self, step: int, message: Message | None) -> None:
        if self.widget is not None:
            self.widget.step_finished(step, message)

    def wants_loop(self) -> bool:
        return self.widget is not None and self.widget.wants_loop()
