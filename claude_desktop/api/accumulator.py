"""Builds the final message from stream events, exactly as the API means it.

Text arrives in thousands of small deltas; they are collected in lists and joined only
when a snapshot is asked for, so accumulating stays linear in the answer's length.
"""

from __future__ import annotations

import json
from typing import Any

from . import limits
from .errors import ProtocolError, ResponseTooLargeError
from .events import (
    CitationsDelta,
    ContentBlockDelta,
    ContentBlockStart,
    ContentBlockStop,
    InputJSONDelta,
    MessageDelta,
    MessageStart,
    MessageStop,
    SignatureDelta,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
)
from .message import ContentBlock, Message, Usage
from .partial_json import parse_partial_json

_MESSAGE_FIELDS = frozenset(
    {"id", "type", "role", "content", "model", "stop_reason", "stop_sequence", "usage"}
)


class _Block:
    """One content block under construction."""

    __slots__ = ("base", "citations", "json_parts", "parts", "signature_parts", "stopped")

    def __init__(self, base: ContentBlock) -> None:
        self.base = base
        self.parts: list[str] = []  # text or thinking, by the block's type
        self.signature_parts: list[str] = []
        self.json_parts: list[str] = []
        self.citations: list[dict[str, Any]] = []
        self.stopped = False

    def build(self) -> ContentBlock:
        block = dict(self.base)
        kind = block.get("type")
        if self.parts:
            key = "thinking" if kind == "thinking" else "text"
            block[key] = (block.get(key) or "") + "".join(self.parts)
        if self.signature_parts:
            block["signature"] = (block.get("signature") or "") + "".join(self.signature_parts)
        if self.json_parts:
            raw = "".join(self.json_parts)
            if self.stopped:
                try:
                    block["input"] = json.loads(raw) if raw.strip() else {}
                except ValueError:
                    block["input"] = parse_partial_json(raw)
            else:
                block["input"] = parse_partial_json(raw)
        if self.citations:
            block["citations"] = list(block.get("citations") or []) + self.citations
        return block


class MessageAccumulator:
    """Feed every event of one stream; `message` is the message so far at any moment."""

    def __init__(self) -> None:
        self._message = Message()
        self._blocks: dict[int, _Block] = {}
        self.started = False
        self.done = False
        self.has_content = False
        # Characters taken from deltas so far, against limits.MAX_ANSWER_CHARS.
        self._size = 0

    def feed(self, event: StreamEvent) -> None:
        if isinstance(event, ContentBlockDelta):
            delta = event.delta
            block = self._blocks.get(event.index) or self._block(event.index)
            if type(delta) is TextDelta:  # nearly every event: the shortest way (_grow inlined)
                self._size += len(delta.text)
                if self._size > limits.MAX_ANSWER_CHARS:
                    self._refuse(len(delta.text))
                block.parts.append(delta.text)
            elif isinstance(delta, TextDelta | ThinkingDelta):
                text = delta.text if isinstance(delta, TextDelta) else delta.thinking
                self._grow(len(text))
                block.parts.append(text)
            elif isinstance(delta, InputJSONDelta):
                self._grow(len(delta.partial_json))
                block.json_parts.append(delta.partial_json)
            elif isinstance(delta, SignatureDelta):
                self._grow(len(delta.signature))
                block.signature_parts.append(delta.signature)
            elif isinstance(delta, CitationsDelta):
                self._grow(256)  # about what one citation takes; they are few
                block.citations.append(delta.citation)
        elif isinstance(event, ContentBlockStart):
            self._blocks[event.index] = _Block(dict(event.content_block))
            self.has_content = True
        elif isinstance(event, ContentBlockStop):
            self._block(event.index).stopped = True
        elif isinstance(event, MessageStart):
            self._start(event.message)
        elif isinstance(event, MessageDelta):
            msg = self._message
            for key, value in event.delta.items():
                if key == "stop_reason":
                    msg.stop_reason = value
                elif key == "stop_sequence":
                    msg.stop_sequence = value
                elif key not in _MESSAGE_FIELDS:  # never "content" or "usage" by surprise
                    msg.extra[key] = value
            msg.usage.merge(event.usage)
        elif isinstance(event, MessageStop):
            self.done = True

    def _grow(self, size: int) -> None:
        """Count `size` more characters, refusing the delta that would pass the limit."""
        self._size += size
        if self._size > limits.MAX_ANSWER_CHARS:
            self._refuse(size)

    def _refuse(self, size: int) -> None:
        """Refuse the delta of `size` characters just counted: the answer stays as it was."""
        self._size -= size
        raise ResponseTooLargeError(
            f"an answer over {limits.MAX_ANSWER_CHARS // 1_000_000} million characters"
        )

    def _start(self, data: dict[str, Any]) -> None:
        self.started = True
        msg = self._message
        msg.id = str(data.get("id") or "")
        msg.model = str(data.get("model") or "")
        msg.role = str(data.get("role") or "assistant")
        msg.stop_reason = data.get("stop_reason")
        msg.stop_sequence = data.get("stop_sequence")
        msg.usage = Usage.from_dict(data.get("usage") or {})
        msg.extra = {k: v for k, v in data.items() if k not in _MESSAGE_FIELDS}
        for index, block in enumerate(data.get("content") or []):
            self._blocks[index] = _Block(dict(block))

    def _block(self, index: int) -> _Block:
        try:
            return self._blocks[index]
        except KeyError:
            raise ProtocolError(f"event for content block {index}, which never started") from None

    @property
    def message(self) -> Message:
        """A snapshot: later events do not change a message already returned."""
        msg = self._message
        return Message(
            id=msg.id,
            model=msg.model,
            role=msg.role,
            content=[self._blocks[i].build() for i in sorted(self._blocks)],
            stop_reason=msg.stop_reason,
            stop_sequence=msg.stop_sequence,
            usage=Usage.from_dict(msg.usage.to_dict()),
            extra=dict(msg.extra),
        )
