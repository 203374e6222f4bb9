"""The column of an answer's block views, in block order, keyed by block index.

Which view shows a block is the block registry's word (domain/blocks.py: text, thinking, or
a kind the app does not render yet). A run of consecutive text blocks is one text view (a
cited answer arrives as many short blocks that read as one text), and a run of thinking
blocks one Thinking section; text before and after any other block stays apart. The first
text view exists from the start, empty, so an answer always has a place for its text; views
that come before any text go above it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .answer_links import copy_code_index
from .rich_text_view import TextView
from .stream_scheduler import RenderScheduler
from .text_block_view import RenderStats, TextBlockView
from .thinking_block_view import ThinkingSection
from .tool_card import RESULT_TYPES, ToolCard
from .unknown_block_view import UnknownBlockView

__all__ = ["BlockColumn", "BlockView"]

BlockView = TextBlockView | ThinkingSection | ToolCard | UnknownBlockView


class BlockColumn(QWidget):
    """`made` is told of every view made (the answer colours it, folds thinking…)."""

    def __init__(
        self,
        scheduler: RenderScheduler,
        stats: RenderStats,
        *,
        dark: bool,
        made: Callable[[BlockView], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._scheduler = scheduler
        self._stats = stats
        self._dark = dark
        self._made = made
        # Grows with its text: repaint only the new strip (see ConversationView).
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.views: list[BlockView] = []  # in column order, the unclaimed first text left out
        self.by_index: dict[int, BlockView] = {}
        self.first_text = self._make_text_view()
        self._first_text_claimed = False
        self._layout.addWidget(self.first_text)
        #: Where text that comes without a block goes (None: find it again).
        self.text_target: TextBlockView | None = None

    # -- what is in it -----------------------------------------------------------------------

    def text_views(self) -> list[TextBlockView]:
        return [v for v in self.views if isinstance(v, TextBlockView)] or [self.first_text]

    def thinking_sections(self) -> list[ThinkingSection]:
        return [v for v in self.views if isinstance(v, ThinkingSection)]

    def thinking_above_text(self) -> ThinkingSection:
        """The first Thinking section; made above the text if there is none yet."""
        sections = self.thinking_sections()
        if sections:
            return sections[0]
        section = self._make_thinking()
        self._place(section, before=self.first_text if self._first_text_claimed else None)
        return section

    # -- making views ------------------------------------------------------------------------

    def view_for(self, view_kind: str, block: Mapping[str, Any]) -> BlockView:
        """The view for a block of `view_kind` that starts now: the last one when it shows
        the same kind of text (text runs and thinking runs read as one), else a new one."""
        last = self.views[-1] if self.views else None
        if view_kind == "text":
            if isinstance(last, TextBlockView):
                return last
            if not self._first_text_claimed:
                self._first_text_claimed = True
                self.views.append(self.first_text)
                return self.first_text
            view: BlockView = self._make_text_view()
        elif view_kind == "thinking":
            if isinstance(last, ThinkingSection):
                return last
            view = self._make_thinking()
        elif view_kind == "tool":
            card = self.tool_card(block)
            if card is not None:
                return card  # a result joins the card of the call it answers
            view = ToolCard(block, self)
            self._made(view)
        else:
            view = UnknownBlockView(block, self)
            self._made(view)
        self._place(view)
        return view

    def tool_cards(self) -> list[ToolCard]:
        return [v for v in self.views if isinstance(v, ToolCard)]

    def tool_card(self, block: Mapping[str, Any]) -> ToolCard | None:
        """The card of the call a result block answers, if it is in the column."""
        if block.get("type") not in RESULT_TYPES:
            return None
        call_id = str(block.get("tool_use_id") or "")
        return next((c for c in self.tool_cards() if c.call_id == call_id), None)

    def text_for_delta(self, index: int) -> TextBlockView:
        """Where text that came without a block goes: the last view if it is text."""
        view = self.view_for("text", {"type": "text"})
        assert isinstance(view, TextBlockView)
        self.by_index.setdefault(index, view)
        self.text_target = view
        return view

    def thinking_for_delta(self) -> ThinkingSection:
        view = self.view_for("thinking", {"type": "thinking"})
        assert isinstance(view, ThinkingSection)
        return view

    def clear(self) -> None:
        """Back to the empty first text view alone."""
        for view in self.views:
            if view is not self.first_text:
                if isinstance(view, TextBlockView | ThinkingSection):
                    self._scheduler.forget(view)
                self._layout.removeWidget(view)
                view.deleteLater()
        self.views.clear()
        self.by_index.clear()
        self.first_text.clear_text()
        self._first_text_claimed = False
        self.text_target = None

    def set_dark(self, dark: bool) -> None:
        self._dark = dark
        for view in self.text_views():
            view.set_dark(dark)

    def _make_text_view(self) -> TextBlockView:
        view = TextBlockView(self._scheduler, self._stats, dark=self._dark, parent=self)
        self._made(view)
        return view

    def _make_thinking(self) -> ThinkingSection:
        section = ThinkingSection(TextView(), self._scheduler, self)
        self._made(section)
        return section

    def _place(self, view: BlockView, *, before: QWidget | None = None) -> None:
        """Put `view` in the column: before `before`, else at the end (above the empty first
        text view while no text claimed it)."""
        if before is None and not self._first_text_claimed:
            before = self.first_text
        if before is None:
            self._layout.addWidget(view)
            self.views.append(view)
        else:
            self._layout.insertWidget(self._layout.indexOf(before), view)
            if before in self.views:
                self.views.insert(self.views.index(before), view)
            else:
                self.views.append(view)
        self.text_target = None

    # -- code blocks, numbered through the whole answer --------------------------------------

    def _code_at(self, index: int) -> tuple[TextBlockView, int] | None:
        """The text view holding the answer's code block `index`, and its index there."""
        if index < 0:
            return None
        for view in self.text_views():
            count = len(view.code_blocks())
            if index < count:
                return view, index
            index -= count
        return None

    def code_block(self, index: int) -> str | None:
        found = self._code_at(index)
        return found[0].code_blocks()[found[1]] if found else None

    def code_blocks(self) -> list[str]:
        return [code for view in self.text_views() for code in view.code_blocks()]

    def open_link(self, url: QUrl) -> None:
        index = copy_code_index(url.toString())
        if index is None:
            self.first_text.open_link(url)
            return
        found = self._code_at(index)
        if found is not None:
            found[0].open_link(QUrl(f"copy-code:{found[1]}"))

    def code_copy_label(self, index: int) -> str | None:
        found = self._code_at(index)
        return found[0].code_copy_label(found[1]) if found else None
