"""What a turn tells its observer as it runs: steps, blocks and their deltas, status."""

from __future__ import annotations

from typing import Any, Protocol

from claude_desktop.api.message import Message


class TurnObserver(Protocol):
    """Told everything a turn does, in order. `index` is the block's place in the whole
    answer: a turn of several steps (requests) numbers its blocks on from the last step's,
    so the answer on screen is one column of blocks."""

    def step_started(self, step: int) -> None: ...
    def block_started(self, index: int, block: dict[str, Any]) -> None: ...
    def text_delta(self, index: int, text: str) -> None: ...
    def thinking_delta(self, index: int, text: str) -> None: ...
    def json_delta(self, index: int, partial_json: str) -> None: ...
    def citation_added(self, index: int, citation: dict[str, Any]) -> None: ...
    def block_stopped(self, index: int, block: dict[str, Any]) -> None: ...
    def status(self, text: str | None) -> None: ...
    def upload_progress(self, name: str, done: int, total: int) -> None: ...
    def step_finished(self, step: int, message: Message | None) -> None: ...
    def wants_loop(self) -> bool:
        """Whether the observer has work of its own waiting on the event loop (a window's
        render that is due): a read can bring hundreds of events, which the runner then
        handles without a pause, unless this says to let the loop run."""
        ...


class NullObserver:
    """A TurnObserver that ignores everything: subclass it and override what you need."""

    def step_started(self, step: int) -> None:
        pass

    def block_started(self, index: int, block: dict[str, Any]) -> None:
        pass

    def text_delta(self, index: int, text: str) -> None:
        pass

    def thinking_delta(self, index: int, text: str) -> None:
        pass

    def json_delta(self, index: int, partial_json: str) -> None:
        pass

    def citation_added(self, index: int, citation: dict[str, Any]) -> None:
        pass

    def block_stopped(self, index: int, block: dict[str, Any]) -> None:
        pass

    def status(self, text: str | None) -> None:
        pass

    def upload_progress(self, name: str, done: int, total: int) -> None:
        pass

    def step_finished(self, step: int, message: Message | None) -> None:
        pass

    def wants_loop(self) -> bool:
        return False
