"""One turn of a conversation, whole: the use case the window, `ask` and the self-test share.

A turn begins the answer's record, builds the request as it is sent, streams the answer
(telling a TurnObserver about every block as it starts, grows and stops), saves what arrived
at least once a second, sends again once when an uploaded file has gone, and ends with the
answer and its metrics saved. It never loses what arrived: whatever fails (the API, a bug,
a full disk) ends the turn with the partial answer and a sentence; only cancellation (Stop)
propagates, after the partial answer is saved as stopped.

A turn is a loop of steps, one request each. `next_step` decides whether a step leads to
another: a tool_use stop has every call of the step decided (the tool policy: run, or refuse
with an is_error result), the allowed ones run concurrently, and all results go back in one
user turn; a pause_turn stop sends the answer back to go on. Every step's blocks, and the
results between them, are one answer (one record: see tool_loop's docstring for how it is
kept and sent back), numbered on for the observer. After MAX_STEPS steps the person is asked
whether Claude may keep going; Stop (cancellation) cancels running tools and answers every
unfinished call with an is_error result, so the stored turn is a valid next request.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from claude_desktop.api.client import BaseMessagesClient, MessagesClient
from claude_desktop.api.errors import ClaudeError
from claude_desktop.api.events import (
    CitationsDelta,
    ContentBlockDelta,
    ContentBlockStart,
    ContentBlockStop,
    InputJSONDelta,
    MessageStart,
    RetryScheduled,
    TextDelta,
    ThinkingDelta,
)
from claude_desktop.api.message import ContentBlock, Message, Usage
from claude_desktop.storage.store import MessageRecord, StorageError

from . import tool_loop
from .api_request import ApiRequest
from .history import History, OpenConversation
from .request_builder import RequestNotSent, build_request, with_cache_breakpoints
from .settings import KEY_AS_MODEL, looks_like_api_key
from .tool_loop import CONTINUE, KEEP_GOING, MAX_STEPS, STOP, ToolCall, ToolPolicy
from .tools import ToolProvider, ToolSpec
from .turn_events import TurnObserver
from .turn_message import between_steps, joined
from .turn_metrics import added_usage
from .turn_result import Decide as Decide
from .turn_result import Decision as Decision
from .turn_result import TurnResult as TurnResult
from .turn_result import describe_failure as describe_failure
from .turn_result import kept_unsaved as kept_unsaved
from .turn_result import upload_status as upload_status
from .uploads import forget_missing_files, is_missing_file_error

#: How often, while it handles the events of a read, the runner asks its observer whether
#: to let the event loop run. A read brings up to 64 KB, some 500 events: handled in one go
#: they held a due render back (flood benchmark, 3,000 deltas: delta-to-screen p95 of each
#: run 26-35 ms; 25-28 ms asking every 6 ms; asking every 2 ms renders came as soon, but
#: more of them, and the whole answer took ~6% longer at 10,000 deltas).
LOOP_CHECK_S = 0.006

log = logging.getLogger(__name__)

#: Seconds between saves of the answer as it grows: a crash loses at most this much.
FLUSH_INTERVAL = 1.0


@dataclass
class _Progress:
    """The turn so far: the finished steps' blocks and usage, and its timings."""

    started: float = field(default_factory=time.monotonic)
    first: float | None = None
    step: int = 0
    earlier: list[ContentBlock] = field(default_factory=list)
    earlier_usage: Usage | None = None
    #: The turn's first request, as built: every step's request is it plus the turn so far.
    base: ApiRequest | None = None
    #: The tools offered in this turn.
    specs: list[ToolSpec] = field(default_factory=list)
    #: Steps the turn may take before the person is asked whether Claude may keep going.
    step_limit: int = MAX_STEPS


class TurnRunner:
    """Runs turns against one client, reporting to one observer.

    With a `history`, `begin_answer` makes the answer's record and `run` saves it as it
    grows and as it ends; big documents are uploaded through the history's store. Without
    one (`ask`), nothing is saved and documents travel inline. `on_flush` is told the
    answer so far about once a second either way.
    """

    def __init__(
        self,
        client: BaseMessagesClient,
        observer: TurnObserver,
        *,
        history: History | None = None,
        decide: Decide | None = None,
        on_flush: Callable[[Message], None] | None = None,
        flush_interval: float = FLUSH_INTERVAL,
        citations: bool = True,
        tools: ToolProvider | None = None,
        tool_policy: ToolPolicy | None = None,
        max_steps: int = MAX_STEPS,
        tool_ticks: bool = True,
    ) -> None:
        self.client = client
        #: The tools the turn offers and runs; None: none (a tool_use stop ends the turn).
        self.tools = tools
        #: How each call is decided; by default the person is asked (`ask_call`).
        self.tool_policy = tool_policy or self.ask_call
        self.max_steps = max_steps
        #: Tell the observer's status how long running tools have taken, each second.
        self.tool_ticks = tool_ticks
        #: Documents ask for citations (Settings.citations).
        self.citations = citations
        self.observer = observer
        self.history = history
        self.decide = decide
        self.on_flush = on_flush
        self.flush_interval = flush_interval
        #: The answer's record, once `begin_answer` made it.
        self.record: MessageRecord | None = None
        #: The turn as it stands: readable after a cancellation, too.
        self.result = TurnResult(None)
        self._progress = _Progress()
        self._unsaved = False

    # -- the whole turn ------------------------------------------------------------------

    def begin_answer(self, conv: OpenConversation, parent_id: int, model: str) -> MessageRecord:
        """Make the answer's record under question `parent_id`, before anything is sent,
        so a crash keeps its place. StorageError when the disk refuses."""
        if self.history is None:
            raise RuntimeError("a turn without a history keeps no record")
        self.record = self.history.begin_answer(conv, parent_id, model)
        return self.record

    async def run(self, request: ApiRequest) -> TurnResult:
        """Build the request, stream the answer, save it as it ended. Cancelling the task
        (Stop) saves the partial answer as stopped, then propagates."""
        self._progress = _Progress()
        self.result = result = TurnResult(None)
        try:
            try:
                await self._answer(request)
            finally:
                self.observer.status(None)
        except asyncio.CancelledError:
            self._timed()
            result.stopped = True
            self._save_end()
            raise
        except Exception as exc:
            # A bug, here or in the observer: the turn still ends, with what arrived.
            log.error("The turn failed", exc_info=exc)
            result.error = exc
        self._timed()
        self._save_end()
        return result

    async def _answer(self, request: ApiRequest) -> None:
        prepared = await self._prepare(request)
        if prepared is None:
            return
        # Timed from the first request, as the API sees the turn (uploads come before).
        self._progress.started = time.monotonic()
        await self._steps(prepared)
        error = self.result.error
        if isinstance(error, ClaudeError) and is_missing_file_error(error):
            store = None if self.history is None else self.history.store
            if store is None:
                return
            # An uploaded file the API no longer has: upload it again, ask once more.
            client = cast(MessagesClient, self.client)  # only the Anthropic API has files
            await forget_missing_files(client, store, prepared.messages)
            self.result.error = None
            self.result.message = None
            self._progress = _Progress(started=self._progress.started, first=self._progress.first)
            again = await self._prepare(request)
            if again is not None:
                await self._steps(again)

    async def _prepare(self, request: ApiRequest) -> ApiRequest | None:
        """The request as sent, or None with the reason in the result."""

        uploading = False

        def progress(name: str, done: int, total: int) -> None:
            nonlocal uploading
            uploading = True
            self.observer.upload_progress(name, done, total)
            self.observer.status(upload_status(name, done, total))

        store = None if self.history is None else self.history.store
        try:
            return await build_request(
                request,
                self.client,
                store=store,
                progress=progress,
                citations=self.citations,
                follow_up=self.history is not None,  # `ask` asks once
            )
        except RequestNotSent as exc:
            self.result.error = exc
            return None
        finally:
            if uploading:  # the upload's status gone before the request goes
                self.observer.status(None)

    def _save_end(self) -> None:
        """Save the answer as it ended; a disk that refuses is noted in the result."""
        result = self.result
        if self.history is None or self.record is None:
            if result.stopped and result.message is not None:
                self._flush(result.message)
            return
        try:
            self.history.finish_answer(
                self.record.id, result.message, status=result.status, meta=result.meta()
            )
        except StorageError as exc:
            log.error("The answer could not be saved: %s", exc)
            result.unsaved = exc

    def _timed(self) -> None:
        self.result.time_to_first_token = self._progress.first
        self.result.total_time = time.monotonic() - self._progress.started

    # -- steps ---------------------------------------------------------------------------

    async def _steps(self, request: ApiRequest) -> None:
        """Step after step until one ends the turn."""
        progress = self._progress
        progress.step_limit = self.max_steps
        request = await self._offer_tools(request)
        progress.base = request
        while True:
            message = await self._step(request)
            if message is None or self.result.error is not None:
                return
            progress.earlier = list(self.result.message.content if self.result.message else [])
            progress.earlier_usage = added_usage(progress.earlier_usage, message.usage)
            follow = await self.next_step(request, message)
            if follow is None:
                return
            progress.step += 1
            request = follow

    async def _offer_tools(self, request: ApiRequest) -> ApiRequest:
        """`request` offering the provider's tools now (none when it has none, or fails)."""
        if self.tools is None:
            return request
        try:
            specs = list(await self.tools.tools())
        except Exception as exc:
            log.error("The tools could not be listed; the turn goes on without", exc_info=exc)
            specs = []
        self._progress.specs = specs
        offered = [*request.tools, *(spec.api_form() for spec in specs)]
        return dataclasses.replace(request, tools=offered)

    async def next_step(self, request: ApiRequest, message: Message) -> ApiRequest | None:
        """The request of the turn's next step, after a step that ended with `message`;
        None when the turn is over: a "tool_use" stop runs the calls the policy allows and
        sends all results back, a "pause_turn" stop sends the answer back to go on."""
        stop = message.stop_reason
        if stop == "tool_use" and self.tools is not None:
            calls = tool_loop.calls_of(message.content, self._progress.specs)
            if not calls:
                return None
            # Saved before anyone is asked or anything runs (which may take minutes): a
            # crash meanwhile keeps the step, calls included, as it streamed.
            self._flush(self.result.message)
            if not await self._may_go_on():
                self._answer_calls(calls, None, tool_loop.NOT_RUN)
                return None
            await self._run_calls(calls)
        elif stop == "pause_turn":
            if not await self._may_go_on():
                return None
        else:
            return None
        return self._follow_up()

    def _follow_up(self) -> ApiRequest:
        """The next step's request: the turn's first, plus the turn so far sent back."""
        progress = self._progress
        base = progress.base
        assert base is not None
        turn = tool_loop.turn_messages(progress.earlier, partial=False)
        # The breakpoints move with the turn: this step reads what the last one wrote.
        messages = with_cache_breakpoints([*base.messages, *turn])
        return dataclasses.replace(base, messages=messages)

    async def _may_go_on(self) -> bool:
        """Whether another step may be taken: at the step limit, the person decides."""
        progress = self._progress
        if progress.step + 1 < progress.step_limit:
            return True
        decision = Decision(KEEP_GOING, (CONTINUE, STOP), default=STOP)
        if await self.ask_person(decision) != CONTINUE:
            return False
        progress.step_limit += self.max_steps
        return True

    async def ask_call(self, call: ToolCall, ask: tool_loop.Ask) -> bool:
        """The default tool policy: ask the person about each call (denied by default)."""
        question = f"Allow Claude to use {call.label}?"
        decision = Decision(question, (tool_loop.ALLOW, tool_loop.DENY), tool_loop.DENY, call)
        return await ask(decision) == tool_loop.ALLOW

    async def _run_calls(self, calls: list[ToolCall]) -> None:
        """Decide every call, run the allowed ones at once, and add all results to the
        turn (in the calls' order). Cancellation answers the unfinished ones as stopped."""
        progress = self._progress
        run = tool_loop.CallsRun(calls, len(progress.earlier), self.observer)
        # Each result saved as it comes (a crash keeps those that came; see _answer_calls).
        run.on_result = lambda: self._flush(
            self._turn_so_far(
                [*progress.earlier, *(run.results[c.id] for c in calls if c.id in run.results)]
            )
        )
        try:
            await run.decide_and_run(
                self.tools,
                self.tool_policy,
                self.ask_person,
                self.result.tool_calls,
                ticks=self.tool_ticks,
            )
        finally:
            # Stopped mid-way too: every call is answered, so the stored turn stays valid.
            self._answer_calls(calls, run, tool_loop.STOPPED)

    def _answer_calls(
        self, calls: list[ToolCall], run: tool_loop.CallsRun | None, missing: str
    ) -> None:
        """Add a result for every call to the turn (`missing` for those without one), and
        save the turn so far."""
        progress = self._progress
        if run is None:
            run = tool_loop.CallsRun(calls, len(progress.earlier), self.observer)
        for call in calls:
            if call.id not in run.results:
                run.started(call)
                run.finished(call, tool_loop.error_result(call.id, missing))
        progress.earlier.extend(run.results[call.id] for call in calls)
        self.result.message = self._turn_so_far(progress.earlier)
        self._flush(self.result.message)

    def _turn_so_far(self, content: list[ContentBlock]) -> Message:
        return between_steps(content, self.result.message, self._progress.earlier_usage)

    async def ask_person(self, decision: Decision) -> str:
        """Wait for the person's pick; the default when nobody can be asked."""
        if self.decide is None:
            return decision.default
        return await self.decide(decision)

    async def _step(self, request: ApiRequest) -> Message | None:
        """Stream one request; its message (None if nothing arrived). The turn's message
        and any error are kept in the result; cancellation propagates."""
        progress = self._progress
        observer = self.observer
        result = self.result
        step = progress.step
        offset = len(progress.earlier)
        observer.step_started(step)
        if looks_like_api_key(request.model):
            # The last guard: a key is never sent as the request's model (nor logged as one).
            result.error = ClaudeError(KEY_AS_MODEL)
            observer.step_finished(step, None)
            return None
        stream = self.client.stream(request.request_body(), betas=request.request_betas())
        message: Message | None = None
        saving = self.on_flush is not None or (self.history is not None and self.record is not None)
        last_flush = last_check = progress.started
        try:
            async with stream:
                async for event in stream:
                    now = time.monotonic()
                    if now - last_check >= LOOP_CHECK_S:
                        last_check = now
                        if observer.wants_loop():
                            await asyncio.sleep(0)
                    if (
                        saving
                        and progress.first is not None
                        and now - last_flush >= self.flush_interval
                    ):
                        last_flush = now
                        self._flush(self._so_far(stream.message))
                    if type(event) is ContentBlockDelta:
                        if progress.first is None:
                            progress.first = time.monotonic() - progress.started
                        delta = event.delta
                        index = offset + event.index
                        if type(delta) is TextDelta:  # nearly every event: checked first
                            observer.text_delta(index, delta.text)
                        elif isinstance(delta, ThinkingDelta):
                            observer.thinking_delta(index, delta.thinking)
                        elif isinstance(delta, InputJSONDelta):
                            observer.json_delta(index, delta.partial_json)
                        elif isinstance(delta, CitationsDelta):
                            observer.citation_added(index, delta.citation)
                    elif isinstance(event, ContentBlockStart):
                        observer.block_started(offset + event.index, dict(event.content_block))
                    elif isinstance(event, ContentBlockStop):
                        block = _block_at(stream.message, event.index)
                        observer.block_stopped(offset + event.index, block)
                    elif isinstance(event, RetryScheduled):
                        observer.status(event.human)
                    elif isinstance(event, MessageStart):
                        observer.status(None)
            message = stream.message
        except ClaudeError as exc:
            # The request id is what Anthropic's support asks for about a failed request.
            log.warning(
                "Turn failed (model %s): %s: %s (request id %s)",
                request.model,
                type(exc).__name__,
                exc,
                exc.request_id or "none",
            )
            result.error = exc
            message = exc.partial
        except asyncio.CancelledError:
            result.message = self._so_far(stream.message)
            raise
        except Exception as exc:
            # A bug (here, in the client, in the observer): the turn ends with what arrived.
            log.error("Turn failed unexpectedly (model %s)", request.model, exc_info=exc)
            result.error = exc
            message = stream.message
        result.message = self._so_far(message)
        observer.step_finished(step, message)
        return message

    def _so_far(self, message: Message | None) -> Message | None:
        return joined(self._progress.earlier, self._progress.earlier_usage, message)

    def _flush(self, message: Message | None) -> None:
        """Save the answer so far. A save that fails (a full disk) must not end a healthy
        stream: it is said in the status, and saved again at the next flush and the end."""
        if message is None:
            return
        try:
            if self.on_flush is not None:
                self.on_flush(message)
            if self.history is not None and self.record is not None:
                self.history.flush_answer(self.record.id, message)
        except StorageError as exc:
            # Kept in memory by the history; the stream goes on and saves again later.
            if not self._unsaved:
                log.warning("The answer so far could not be saved: %s", exc)
            self._unsaved = True
            self.observer.status(kept_unsaved(exc))
            return
        except Exception:
            log.warning("Saving the partial answer failed; the stream goes on", exc_info=True)
            return
        if self._unsaved:
            self._unsaved = False
            self.observer.status(None)


def _block_at(message: Message, index: int) -> ContentBlock:
    """Block `index` of a stream's message as accumulated so far."""
    content = message.content
    return dict(content[index]) if 0 <= index < len(content) else {}
