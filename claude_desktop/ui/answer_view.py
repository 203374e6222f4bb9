"""Claude's answer: unframed text on the page, a column of block views keyed by block index,
a status line, the sources it cites, and its actions (with ⓘ for its details) when done.

Each content block of the answer is shown by the view the block registry names for its kind
(domain/blocks.py): streamed Markdown for text, a folding section for thinking, a plain
one-line view for a kind the app does not render yet. Consecutive text blocks (a cited
answer arrives as many short ones) read as one flowing text view, and consecutive thinking
blocks share one section; text before and after any other block stays apart. The answer is
told what happens as a turn runs through the TurnObserver methods (block_started,
text_delta…; domain/turn_events.py); `append_text`, `append_thinking`, `set_status` and
`finish` keep working for a caller that knows no blocks. All streaming views render through
one scheduler per answer (stream_scheduler.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from claude_desktop.api.citations import citations_of
from claude_desktop.api.message import Message
from claude_desktop.domain.blocks import kind_of
from claude_desktop.domain.turn_runner import Decision

from . import theme
from .answer_from_message import show_from_message
from .approval_card import ApprovalCard
from .block_column import BlockColumn, BlockView
from .error_card import ErrorCard
from .message_frame import MessageWidget, set_text_color, small
from .rich_text_view import TextView
from .sources_view import SourcesView
from .stream_scheduler import RenderScheduler
from .text_block_view import RenderStats, TextBlockView
from .thinking_block_view import ThinkingSection
from .tool_card import RESULT_TYPES, ToolCard
from .unknown_block_view import UnknownBlockView
from .waiting_dot import PulsingDot

__all__ = ["AssistantMessageWidget", "RenderStats"]


class AssistantMessageWidget(MessageWidget):
    """Claude's answer, block by block."""

    role = "assistant"

    def __init__(self, model: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.stats = RenderStats()
        self._ended = False
        self.setAccessibleName("Claude")
        self.scheduler = RenderScheduler(self)
        self._dark = theme.is_dark(self.palette())
        # Grows with its text: repaint only the new strip (see ConversationView).
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)

        # From Send to the first token; the model's name is in ⓘ, not above the answer.
        self.waiting_dot = PulsingDot(self)
        layout.addWidget(self.waiting_dot)

        self._collapse_on_text: list[ThinkingSection] = []  # fold when the text starts
        self.column = BlockColumn(
            self.scheduler, self.stats, dark=self._dark, made=self._view_made, parent=self
        )
        layout.addWidget(self.column)
        self._next_index = 0  # the index a block arriving without one gets
        self._saw_blocks = False  # told about blocks (the observer), not just text
        self._cited: dict[int, list[Mapping[str, Any]]] = {}  # citations of unfinished blocks
        self.sources = SourcesView(self)
        layout.addWidget(self.sources)

        #: The question the turn waits on (a tool call's approval), while there is one.
        self.approval: ApprovalCard | None = None
        #: Whether a call of this tool (its API name) will be asked about: its approval card
        #: then shows as soon as the call starts streaming (set by the window's Turns).
        self.asks_about: Callable[[str], bool] | None = None

        self.status_label = self._make_label()
        self.status_label.setAccessibleName("Status")
        layout.addWidget(self.status_label)

        self.stopped_label = self._make_label("Stopped")
        font = self.stopped_label.font()
        font.setItalic(True)
        self.stopped_label.setFont(font)
        layout.addWidget(self.stopped_label)

        self.note_label = self._make_label()
        layout.addWidget(self.note_label)

        # The error card, where the answer would be.
        self.error_card = ErrorCard(self)
        self.error_title_label = self.error_card.title_label
        self.error_label = self.error_card.detail_label
        self.retry_button = self.error_card.action_button
        layout.addWidget(self.error_card)

        #: The details line (model, timings, tokens, cost) ⓘ shows.
        self.footer = ""
        layout.addWidget(self.tools)
        # Copy appears when the answer has ended with some text (see _end).
        self.tools.set_copyable(False)
        self._built = True
        self._apply_palette()

    def _make_label(self, text: str = "") -> QLabel:
        label = QLabel(text, self)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        small(label)
        label.hide()
        return label

    # -- the column of block views ----------------------------------------------------------

    @property
    def text_view(self) -> TextView:
        """The answer's first text view (there is always one, empty until text comes)."""
        return self.column.first_text

    def text_views(self) -> list[TextBlockView]:
        return self.column.text_views()

    def block_views(self) -> list[QWidget]:
        """The views of the column, top to bottom (the empty first text view left out)."""
        return list(self.column.views)

    def view_of(self, index: int) -> QWidget | None:
        """The view that shows block `index`, if it came."""
        return self.column.by_index.get(index)

    @property
    def _thinking(self) -> ThinkingSection | None:
        sections = self.column.thinking_sections()
        return sections[0] if sections else None

    @property
    def thinking(self) -> ThinkingSection:
        """The (first) Thinking section; made above the text if there is none yet."""
        return self.column.thinking_above_text()

    def _view_made(self, view: BlockView) -> None:
        muted = theme.muted_text_color(self.palette())
        if isinstance(view, TextBlockView):
            # The sources view is made after the column's first text view.
            view.cite_tooltip = lambda number: self.sources.tooltip(number)
            view.cite_opened = lambda number: self.sources.open_source(number)
        elif isinstance(view, ThinkingSection):
            self._collapse_on_text.append(view)
            set_text_color(view.toggle, muted)
            set_text_color(view.redacted_label, muted)
            set_text_color(view.view, muted)
        else:
            set_text_color(view, muted)

    # -- the observer (domain/turn_events.py TurnObserver) -----------------------------------

    def step_started(self, step: int) -> None:
        pass

    def step_finished(self, step: int, message: Message | None) -> None:
        pass

    def wants_loop(self) -> bool:
        return self.scheduler.due()

    def upload_progress(self, name: str, done: int, total: int) -> None:
        pass

    def status(self, text: str | None) -> None:
        self.set_status(text)

    def block_started(self, index: int, block: dict[str, Any]) -> None:
        if self._ended:
            return
        self.waiting_dot.stop()
        self._saw_blocks = True
        self._next_index = max(self._next_index, index + 1)
        kind = kind_of(block)
        view = self.column.view_for(kind.view, block)
        self.column.by_index[index] = view
        if isinstance(view, TextBlockView):
            self.column.text_target = view
            text = block.get("text")
            if isinstance(text, str) and text:
                self._text_delta(view, text)
        elif isinstance(view, ThinkingSection):
            if kind.type == "redacted_thinking":
                view.add_redacted()
            text = block.get("thinking")
            if isinstance(text, str) and text:
                view.append(text)
        elif isinstance(view, ToolCard):
            if kind.type in RESULT_TYPES:
                view.show_result(block)
            else:
                view.show_call(block)
                if kind.type == "tool_use" and self.asks_about and self.asks_about(view.name):
                    view.expect_approval()
        cited = citations_of(block)
        if cited:
            self._cited.setdefault(index, []).extend(cited)

    def text_delta(self, index: int, text: str) -> None:
        view = self.column.by_index.get(index)
        if not isinstance(view, TextBlockView):
            self.append_text(text)
        elif text and not self._ended:
            self._text_delta(view, text)

    def thinking_delta(self, index: int, text: str) -> None:
        view = self.column.by_index.get(index)
        if not isinstance(view, ThinkingSection):
            self.append_thinking(text)
        elif text and not self._ended:
            self.waiting_dot.stop()
            view.append(text)

    def json_delta(self, index: int, partial_json: str) -> None:
        view = self.column.by_index.get(index)
        if isinstance(view, ToolCard) and not self._ended:
            view.json_delta(partial_json)

    def citation_added(self, index: int, citation: dict[str, Any]) -> None:
        self._cited.setdefault(index, []).append(citation)

    def block_stopped(self, index: int, block: dict[str, Any]) -> None:
        view = self.column.by_index.get(index)
        if isinstance(view, UnknownBlockView):
            view.show_block(block)
        elif isinstance(view, ToolCard):
            if block.get("type") in RESULT_TYPES:
                view.show_result(block)
            else:
                view.call_stopped(block)
        # The finished block's citations are the API's word; the streamed ones stand in.
        cited = citations_of(block) or self._cited.get(index, [])
        self._cited.pop(index, None)
        if cited and isinstance(view, TextBlockView):
            view.add_markers([self.sources.add(c) for c in cited])

    # -- questions mid-turn -------------------------------------------------------------------

    def show_decision(self, decision: Decision, picked: Callable[[str], None]) -> ApprovalCard:
        """Ask `decision` in a card under the blocks so far; `picked` gets the choice."""
        self.drop_decision()
        call_id = getattr(decision.subject, "id", None)
        waiting = [c.approval for c in self.column.tool_cards() if c.call_id == call_id]
        if waiting and waiting[0] is not None:  # shown since the call started streaming
            card = waiting[0]
            card.ask(decision, picked)
        else:
            layout = self.layout()
            assert isinstance(layout, QVBoxLayout)
            card = ApprovalCard(decision, picked, self)
            layout.insertWidget(layout.indexOf(self.status_label), card)
        self.approval = card
        if self.isVisible():
            card.focus()
        return card

    def drop_decision(self) -> None:
        """The question was answered (or the turn stopped): the card goes."""
        card, self.approval = self.approval, None
        owner = card.parentWidget() if card is not None else None
        if isinstance(owner, ToolCard):
            owner.drop_approval()
        elif card is not None:
            card.hide()
            card.deleteLater()

    # -- the compatibility door: text without blocks -----------------------------------------

    def append_text(self, delta: str) -> None:
        """Add a streamed text delta to the current (last) text view; cheap: the render
        happens later, coalesced. Once the answer has ended deltas are ignored."""
        if not delta or self._ended:
            return
        column = self.column
        self._text_delta(column.text_target or column.text_for_delta(self._next_index), delta)

    def _text_delta(self, view: TextBlockView, delta: str) -> None:
        self.waiting_dot.stop()
        if self._collapse_on_text:
            for section in self._collapse_on_text:
                section.answer_started()
            self._collapse_on_text.clear()
        view.append(delta)

    def append_thinking(self, delta: str) -> None:
        """Add a streamed thinking delta to the current Thinking section."""
        if delta and not self._ended:
            self.waiting_dot.stop()
            self.column.thinking_for_delta().append(delta)

    def markdown_text(self) -> str:
        """The raw Markdown received so far (text views apart by a blank line)."""
        return "\n\n".join(t for v in self.text_views() if (t := v.markdown_text()))

    @property
    def is_streaming(self) -> bool:
        return not self._ended

    @property
    def can_copy(self) -> bool:
        """Whether Copy is offered: the answer has ended and has some text."""
        return self._ended and bool(self.markdown_text().strip())

    def copy_to_clipboard(self) -> None:
        """Copy the answer's Markdown; nothing while it streams or if it is empty."""
        if self.can_copy:
            super().copy_to_clipboard()

    def flush(self) -> None:
        """Render everything received so far, now, whatever it costs (tests, screenshots)."""
        self.scheduler.stop()
        for view in self.text_views():
            self.scheduler.forget(view)
            view.render(budget=False)
        for section in self.column.thinking_sections():
            section.render()

    @property
    def is_rendered(self) -> bool:
        """Whether the documents show all the text received (the tails included)."""
        return all(v.is_rendered for v in self.text_views())

    def _end(self) -> None:
        """No more text will come: render the rest as finished blocks; ignore later deltas."""
        self.waiting_dot.stop()
        if not self._ended:
            self._ended = True
            for view in self.text_views():
                view.end()
            for section in self.column.thinking_sections():
                section.end()
            for card in self.column.tool_cards():
                card.turn_ended()  # one still waiting or running never will be answered
        self.tools.set_copyable(self.can_copy)
        self.set_status(None)
        self.setAccessibleDescription(
            "\n\n".join(
                v.toPlainText().replace("\ufffc", "")  # the code blocks' copy icons
                for v in self.text_views()
                if not v.document().isEmpty()
            )
        )

    # -- the end of an answer ----------------------------------------------------------------

    def finish(self, message: Message | None, *, footer: str) -> None:
        """The answer is complete: show all of it, any stop note, and `footer` (its details
        line: model, timings, tokens, cost) behind ⓘ.

        An answer that never streamed (one loaded from history) is shown from its blocks;
        one that streamed as bare text is shown again from its blocks when they hold more
        than text and thinking can show (citations, other kinds).
        """
        if message is not None and not self._ended and not self._saw_blocks:
            show_from_message(self, message)
        self._end()
        self.footer = footer
        self.tools.set_details(footer)
        note = message.stop_note if message is not None else None
        self.note_label.setText(note or "")
        self.note_label.setVisible(note is not None)

    def clear_blocks(self) -> None:
        """Take every block view and source away (the answer is shown again from its blocks)."""
        self.column.clear()
        self.sources.clear()
        self._collapse_on_text.clear()

    def show_error(
        self,
        text: str,
        on_retry: Callable[[], None] | None,
        *,
        title: str = "",
        action: str = "Retry",
        description: str = "Send the request again",
        repeat: bool = False,
    ) -> None:
        """An error ended the answer: a card below the partial text with a one-line title
        (by default, whether anything arrived), the detail, and one action if given.

        The action runs once (Retry must not ask twice), unless `repeat`: an action that
        only opens something (Update API key) stays usable after a Cancel.
        """
        self._end()
        if not title:
            title = "The answer was cut short" if self.markdown_text() else "No answer"
        self.error_card.show_error(title, text)
        self.set_error_action(action, on_retry, description=description, repeat=repeat)

    def set_error_action(
        self,
        action: str,
        on_action: Callable[[], None] | None,
        *,
        description: str = "",
        repeat: bool = False,
    ) -> None:
        """Replace the error card's action (e.g. Update API key, then Retry once it is)."""
        self.error_card.set_action(action, on_action, description=description, repeat=repeat)

    def retry(self) -> None:
        """What the card's button does: call its action (once, unless it repeats)."""
        self.error_card.run_action()

    def mark_stopped(self) -> None:
        """The user pressed Stop: keep the partial answer and say it was stopped."""
        self._end()
        self.stopped_label.show()

    def error_text(self) -> str | None:
        """The error shown below the answer, if any."""
        return self.error_label.text() if self.error_card.isVisibleTo(self) else None

    def error_title(self) -> str | None:
        return self.error_title_label.text() if self.error_card.isVisibleTo(self) else None

    def set_newest(self, newest: bool) -> None:
        self.tools.set_pinned(newest)

    def details_text(self) -> str:
        """What ⓘ shows, a line per measure."""
        return self.tools.details_text()

    def set_status(self, text: str | None) -> None:
        """A small line such as "Retrying in 4 s…"; None hides it."""
        self.status_label.setText(text or "")
        self.status_label.setVisible(bool(text))

    def status_text(self) -> str | None:
        return self.status_label.text() or None

    # -- links and code ----------------------------------------------------------------------

    def code_block(self, index: int) -> str | None:
        """The raw text of the answer's code block `index` (0-based), if there is one."""
        return self.column.code_block(index)

    def code_blocks(self) -> list[str]:
        return self.column.code_blocks()

    def open_link(self, url: QUrl) -> None:
        """What a link of the answer does (code numbered through the whole answer)."""
        self.column.open_link(url)

    def code_copy_label(self, index: int) -> str | None:
        """What code block `index`'s Copy link says now ("Copy" or "✓ Copied")."""
        return self.column.code_copy_label(index)

    # -- look --------------------------------------------------------------------------------

    def _apply_palette(self) -> None:
        palette = self.palette()
        muted = theme.muted_text_color(palette)
        for label in (
            self.status_label,
            self.stopped_label,
            self.note_label,
            *(v for v in self.column.views if isinstance(v, UnknownBlockView)),
        ):
            set_text_color(label, muted)
        for section in self.column.thinking_sections():
            set_text_color(section.toggle, muted)
            set_text_color(section.redacted_label, muted)
            set_text_color(section.view, muted)
        if not self.error_card.isHidden():
            self.error_card.restyle()
        dark = theme.is_dark(palette)
        if dark != self._dark:
            self._dark = dark
            self.column.set_dark(dark)
