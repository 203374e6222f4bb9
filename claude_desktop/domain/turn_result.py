"""How a turn ended (TurnResult), the sentences it ends with, and the questions it puts to
the person mid-turn (Decision): what the turn runner hands to the window, `ask` and the tests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from claude_desktop.api.errors import HumanError
from claude_desktop.api.message import Message
from claude_desktop.storage.store import DiskFullError, StorageError

from .turn_metrics import METRICS, TurnMetrics


def describe_failure(exc: Exception) -> str:
    """One sentence for what ended a turn: the error's own, else that it is a bug."""
    if isinstance(exc, HumanError):
        return exc.human
    detail = str(exc) or type(exc).__name__
    return f"Something went wrong while answering: {detail}. The details are in the log."


def kept_unsaved(exc: StorageError) -> str:
    """What an answer says while the disk refuses it: it is kept, and saved later."""
    if isinstance(exc, DiskFullError):
        return "The disk is full: this answer is kept here and saved once there is room."
    return f"{exc.human} This answer is kept here meanwhile."


def upload_status(name: str, done: int, total: int) -> str:
    percent = 100 * done // total if total else 100
    return f"Uploading {name}… {percent}%"


@dataclass
class TurnResult:
    """How a turn ended: the answer (every step's blocks, partial or whole), and why it
    ended early if it did."""

    message: Message | None
    #: What ended the turn early: usually a HumanError, but any exception (a bug) counts.
    error: Exception | None = None
    stopped: bool = False
    time_to_first_token: float | None = None
    total_time: float = 0.0
    #: Why the answer's end could not be saved (a full disk): it is kept in memory by the
    #: history meanwhile, and saved by its next save that finds room.
    unsaved: StorageError | None = None
    #: Each tool call decided in the turn: {"id", "name", "allowed"}, in order.
    tool_calls: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.stopped

    @property
    def error_text(self) -> str | None:
        return None if self.error is None else describe_failure(self.error)

    @property
    def metrics(self) -> TurnMetrics | None:
        """None when no answer arrived at all."""
        if self.message is None:
            return None
        return TurnMetrics.of(
            self.message,
            total_time=self.total_time,
            time_to_first_token=self.time_to_first_token,
        )

    @property
    def status(self) -> str:
        """The answer's status as the history keeps it."""
        if self.stopped:
            return "stopped"
        return "complete" if self.ok else "error"

    def meta(self) -> dict[str, Any]:
        """What the history keeps about how the answer ended: plain data, no display text."""
        calls = {"tool_calls": list(self.tool_calls)} if self.tool_calls else {}
        if self.stopped:
            return calls
        meta: dict[str, Any] = dict(calls)
        metrics = self.metrics
        if metrics is not None and self.message is not None:
            meta[METRICS] = metrics.to_json()
            meta.update(message_id=self.message.id, stop_reason=self.message.stop_reason)
        error = self.error_text
        if error is not None:
            meta["error"] = error
        return meta


@dataclass(frozen=True)
class Decision:
    """A question a turn puts to the person mid-turn; the answer is one of `choices`."""

    question: str
    choices: tuple[str, ...]
    #: The answer when nobody can be asked (`ask`, the self-test).
    default: str
    #: What it is about, for a view that shows more than the question (a ToolCall).
    subject: object = None


#: How a turn asks the person: awaits their pick among the decision's choices.
Decide = Callable[[Decision], Awaitable[str]]
