"""A block the app does not render yet (a tool call, search results, a type new to the API):
its type and a one-line summary, honestly, instead of nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from claude_desktop.domain.blocks import summary

__all__ = ["UnknownBlockView"]


class UnknownBlockView(QLabel):
    """One line, "tool_use: get_weather {"city": "Paris"}"; the whole block on hover."""

    def __init__(self, block: Mapping[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setContentsMargins(2, 0, 0, 0)
        font = self.font()
        font.setItalic(True)
        self.setFont(font)
        self.show_block(block)

    @property
    def block_type(self) -> str:
        return self._type

    def show_block(self, block: Mapping[str, Any]) -> None:
        """Show `block` (again: a streamed block is shown when it starts and when it ends)."""
        self._type = str(block.get("type") or "unknown")
        line = summary(block)
        self.setText(f"[{line}]")
        self.setAccessibleName(f"A {self._type} block this app does not show yet")
        self.setAccessibleDescription(line)
        self.setToolTip(line)
