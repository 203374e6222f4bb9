"""The tool loop's parts: deciding and running Claude's tool calls, and how a turn of several
steps is kept and sent back.

How a multi-step turn is stored: as ONE answer record, whose content holds every step's
blocks in order, with the tool_result blocks of each step's calls in between, where they
happened: [thinking, text, tool_use, tool_use, tool_result, tool_result, text…]. That is the
"Claude" message a person sees (one column of blocks, numbered as the observer numbered
them), it is saved by the same flushes as text (crash-safe), and Regenerate/Edit/export/search
treat it as one answer. `turn_messages` turns it back into what the API needs: each run of
tool_result blocks becomes a user message between the assistant messages around it, so the
assistant turns go back unchanged (thinking and signatures included) and each step's results
come first in one user turn. A run of results at the very end (a turn stopped after its tools
ran) becomes the user message the next question joins, after them.

Cut-short turns stay valid requests: a tool_use is sent back only with its tool_result (a call
cut mid-input, or cut by a crash before its result was saved, is left out with its
nothing-to-answer), and a stopped turn's unfinished calls are answered with an is_error result.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from claude_desktop.api.blocks import is_sendable

from .tools import ToolOutcome, ToolProvider, ToolSpec
from .turn_events import TurnObserver

log = logging.getLogger(__name__)

#: Steps (requests) a turn takes before asking whether Claude may go on.
MAX_STEPS = 20
KEEP_GOING = "Claude wants to keep going."
CONTINUE = "Continue"
STOP = "Stop"
ALLOW = "Allow"
DENY = "Deny"

NOT_ALLOWED = "This tool call was not allowed by the person using the app."
STOPPED = "Stopped: the person stopped the answer before this tool call finished."
NOT_RUN = "Not run: the turn was stopped at its step limit."

Block = dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    """One tool_use block of a step, with the tool it names (None: not offered)."""

    id: str
    name: str
    input: dict[str, Any]
    spec: ToolSpec | None = None

    @property
    def label(self) -> str:
        """The tool as a person knows it: "read_file (filesystem)"."""
        if self.spec is None:
            return self.name
        title = self.spec.title or self.name
        return f"{title} ({self.spec.server})" if self.spec.server else title


#: How a turn asks the person (TurnRunner.ask_person): a question's pick among its choices.
Ask = Callable[[Any], Awaitable[str]]
#: How a call is decided: True runs it. Given the call and a way to ask the person.
ToolPolicy = Callable[[ToolCall, Ask], Awaitable[bool]]


async def allow_all(call: ToolCall, ask: Ask) -> bool:
    return True


def result_block(call_id: str, outcome: ToolOutcome) -> Block:
    """A tool_result block for the API, from what a call gave."""
    block: Block = {"type": "tool_result", "tool_use_id": call_id, "content": outcome.content}
    if outcome.is_error:
        block["is_error"] = True
    return block


def error_result(call_id: str, text: str) -> Block:
    return result_block(call_id, ToolOutcome([{"type": "text", "text": text}], is_error=True))


def calls_of(content: Sequence[Mapping[str, Any]], specs: Sequence[ToolSpec]) -> list[ToolCall]:
    """The tool_use blocks of a step's content, as calls of the tools offered."""
    by_name = {spec.name: spec for spec in specs}
    calls = []
    for block in content:
        if block.get("type") != "tool_use":
            continue
        name = str(block.get("name", ""))
        arguments = block.get("input")
        calls.append(
            ToolCall(
                str(block.get("id", "")),
                name,
                arguments if isinstance(arguments, dict) else {},
                by_name.get(name),
            )
        )
    return calls


def seconds(value: float) -> str:
    return f"{value:g}"


def timed_out(timeout: float) -> str:
    return f"The tool timed out after {seconds(timeout)} s."


async def _within(call: Awaitable[object], limit: float) -> object:
    """`call`'s result, or TimeoutError after `limit` seconds.

    Unlike asyncio.wait_for, the call is cancelled with its reason as the message ("timed out
    after 5 s"), so a provider tells its server why (an MCP server's own timeout is the same
    one and may fire first: either way the server hears it timed out, not that the person
    stopped it). Cancelling the caller (Stop) cancels the call without a message."""
    task = asyncio.ensure_future(call)
    try:
        done, _ = await asyncio.wait({task}, timeout=limit)
    except asyncio.CancelledError:
        task.cancel()
        await asyncio.wait({task})  # its server told before the turn is saved as stopped
        raise
    if done:
        return task.result()
    task.cancel(f"timed out after {seconds(limit)} s")
    try:
        # Its cancellation runs (the notice is sent) before the call is answered as timed out.
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise  # Stop, meanwhile: ours
    raise TimeoutError


async def run_call(call: ToolCall, tools: ToolProvider | None) -> Block:
    """Run one allowed call within its tool's timeout; always a tool_result (a failure is
    an is_error result, never an exception), except cancellation, which propagates."""
    if tools is None or call.spec is None:
        return error_result(call.id, f"No tool named {call.name} is available.")
    timeout = call.spec.timeout
    try:
        outcome: object = await _within(tools.call(call.name, call.input), timeout)
    except TimeoutError:
        return error_result(call.id, timed_out(timeout))
    except Exception as exc:
        # The provider promises not to raise for a tool's failure: this is a bug, told as such.
        log.error("Tool %s failed", call.name, exc_info=exc)
        return error_result(call.id, f"The tool failed: {exc or type(exc).__name__}.")
    if not isinstance(outcome, ToolOutcome):
        return error_result(call.id, "The tool gave no result.")
    return result_block(call.id, outcome)


class CallsRun:
    """One step's calls being decided and run: their results as they come, told to the
    observer as tool_result blocks placed after the step's own (in the calls' order)."""

    def __init__(self, calls: list[ToolCall], offset: int, observer: TurnObserver) -> None:
        self.calls = calls
        self.index = {call.id: offset + i for i, call in enumerate(calls)}
        self.observer = observer
        self.results: dict[str, Block] = {}
        #: Told after each result is in `results` (the runner saves the turn then).
        self.on_result: Callable[[], None] | None = None
        self._started: set[str] = set()

    def started(self, call: ToolCall) -> None:
        if call.id not in self._started:
            self._started.add(call.id)
            block = {"type": "tool_result", "tool_use_id": call.id}
            self.observer.block_started(self.index[call.id], block)

    def finished(self, call: ToolCall, block: Block) -> None:
        self.results[call.id] = block
        self.observer.block_stopped(self.index[call.id], dict(block))
        if self.on_result is not None:
            self.on_result()

    async def decide_and_run(
        self,
        tools: ToolProvider | None,
        policy: ToolPolicy,
        ask: Ask,
        decided: list[dict[str, Any]],
        *,
        ticks: bool = True,
    ) -> None:
        """Decide each call in turn (noted in `decided`), then run the allowed ones at once;
        with `ticks`, the observer's status says how long they have been running."""
        allowed = []
        for call in self.calls:
            ok = await policy(call, ask)
            decided.append({"id": call.id, "name": call.name, "allowed": ok})
            if ok:
                allowed.append(call)
            else:
                self.started(call)
                self.finished(call, error_result(call.id, NOT_ALLOWED))
        for call in allowed:
            self.started(call)

        async def one(call: ToolCall) -> None:
            self.finished(call, await run_call(call, tools))

        ticker = asyncio.create_task(self._tick(allowed)) if allowed and ticks else None
        try:
            await asyncio.gather(*(one(call) for call in allowed))
        finally:
            if ticker is not None:
                ticker.cancel()
                self.observer.status(None)

    async def _tick(self, calls: list[ToolCall]) -> None:
        """ "Running read_file… 12 s" in the status, each second, while tools run."""
        names = ", ".join(c.spec.title or c.name if c.spec else c.name for c in calls)
        started = time.monotonic()
        while True:
            self.observer.status(f"Running {names}… {int(time.monotonic() - started)} s")
            await asyncio.sleep(1.0)


def result_size(block: Mapping[str, Any]) -> int:
    """Characters of a tool_result's text (what `ask` reports as "← 1,204 chars")."""
    content = block.get("content")
    if isinstance(content, str):
        return len(content)
    if not isinstance(content, list):
        return 0
    return sum(len(str(b.get("text", ""))) for b in content if isinstance(b, dict) and "text" in b)


def result_text(block: Mapping[str, Any]) -> str:
    content = block.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return ""


def compact_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


# -- the stored turn, sent back -----------------------------------------------------------

_RESULT_TYPES = ("tool_result",)


def _is_server_result(block: Mapping[str, Any]) -> bool:
    kind = block.get("type")
    return isinstance(kind, str) and kind.endswith("_tool_result") and kind != "tool_result"


def _answered(content: Sequence[Mapping[str, Any]]) -> set[str]:
    """Ids of the calls (client and server) that have a result in `content`."""
    return {
        str(b.get("tool_use_id"))
        for b in content
        if b.get("type") == "tool_result" or _is_server_result(b)
    }


def _keep(block: Mapping[str, Any], answered: set[str], used: set[str], partial: bool) -> bool:
    kind = block.get("type")
    if kind == "tool_use":
        # Only with its result: an unanswered call is a 400 on the next request.
        return str(block.get("id")) in answered
    if kind == "tool_result":
        return str(block.get("tool_use_id")) in used
    if partial and kind == "server_tool_use":
        return str(block.get("id")) in answered
    if partial and _is_server_result(block):
        return str(block.get("tool_use_id")) in used
    return is_sendable(block, partial=partial)


def turn_messages(content: Sequence[Mapping[str, Any]], *, partial: bool) -> list[Block]:
    """A stored answer's content as the API's messages: assistant messages split by user
    messages holding each step's tool results (see the module docstring). `partial`: the
    answer was cut short (stopped, failed, interrupted)."""
    answered = _answered(content)
    used = {
        str(b.get("id"))
        for b in content
        if b.get("type") in ("tool_use", "server_tool_use") and str(b.get("id")) in answered
    }
    out: list[Block] = []
    for block in content:
        if not _keep(block, answered, used, partial):
            continue
        role = "user" if block.get("type") in _RESULT_TYPES else "assistant"
        if out and out[-1]["role"] == role:
            out[-1]["content"].append(dict(block))
        else:
            out.append({"role": role, "content": [dict(block)]})
    return out
