"""The text of an answer, streamed as Markdown: one view per run of consecutive text blocks.

Streaming appends to a buffer and asks the answer's scheduler for a render; each render
turns only newly finished Markdown blocks into HTML, appends them to the document once, and
replaces the one growing block at the end: the work per render follows the new text, not
the length of the answer. A cited passage gets a superscript marker, [1], after it: a
link whose hover shows the quote and whose click opens the source in the list below.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QColor,
    QDesktopServices,
    QGuiApplication,
    QHelpEvent,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextImageFormat,
)
from PySide6.QtWidgets import QToolTip, QWidget

from . import icons
from .answer_links import (
    ALLOWED_LINK_SCHEMES,
    COPY_CODE_LABEL,
    COPY_CODE_SCHEME,
    COPY_ICON_PX,
    COPY_ICON_URL,
    cite_index,
    cite_marker,
    copy_code_index,
    strip_cite_markers,
)
from .code_blocks import Highlighting, code_lines, long_code
from .math_images import MathBlockWriter
from .render import (
    RenderedBlock,
    is_plain_continuation,
    render_block,
    render_blocks,
    split_blocks,
)
from .rich_text_view import TextView
from .stream_scheduler import RenderScheduler, TurnBudget
from .theme import markdown_colors

__all__ = ["CODE_COPIED_LABEL", "CODE_COPIED_MS", "RenderStats", "TextBlockView"]

#: How long a code block's Copy link says "✓ Copied" (design.md).
CODE_COPIED_MS = 2000
CODE_COPIED_LABEL = "✓ Copied"


@dataclass(slots=True)
class RenderStats:
    """How streaming went: for tests and the render probe."""

    deltas: int = 0
    renders: int = 0
    total_ms: float = 0.0
    max_ms: float = 0.0
    #: The longest render in the UI thread's CPU time: what slicing bounds, whatever else
    #: the machine runs (wall time also counts the waits of a busy machine).
    max_cpu_ms: float = 0.0


def _kept_as_shown(html: str) -> bool:
    """Whether a finished block's HTML, if the document shows it as the tail, can stay: not
    empty, and no formula (a tail shows a formula's source while the renderer loads)."""
    return bool(html) and "math:" not in html


class TextBlockView(TextView):
    """Streamed Markdown in a TextView. `stats` is shared by the answer's text views."""

    def __init__(
        self,
        scheduler: RenderScheduler,
        stats: RenderStats,
        *,
        dark: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Claude's answer")
        # Grows a line at a time: repaint only the new strip (see ConversationView); a new
        # width lays the document out again, which repaints it all.
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.queued = False  # waiting in the scheduler for a render
        self.stats = stats
        self._scheduler = scheduler
        self._dark = dark
        self._writer = MathBlockWriter(self)  # draws the LaTeX formulas (math_images.py)
        #: What a citation marker says on hover and does on a click (set by the answer).
        self.cite_tooltip: Callable[[int], str] = lambda _number: ""
        self.cite_opened: Callable[[int], None] = lambda _number: None
        self.anchorClicked.connect(self.open_link)
        self._copied_code_timer = QTimer(self)
        self._copied_code_timer.setSingleShot(True)
        self._copied_code_timer.setInterval(CODE_COPIED_MS)
        self._copied_code_timer.timeout.connect(self._end_code_copied)
        self._reset_text()
        self._add_icons()

    def _add_icons(self) -> None:
        """The images rendered code blocks name (their copy icon), in this theme's colour.
        Kept in the document, which forgets them when cleared."""
        pixmap = icons.pixmap("copy", markdown_colors(self._dark).code_label, COPY_ICON_PX * 2)
        self.document().addResource(
            QTextDocument.ResourceType.ImageResource, QUrl(COPY_ICON_URL), pixmap.toImage()
        )

    def _reset_text(self) -> None:
        self._text = ""  # the Markdown rendered, citation markers included
        self._pending: list[str] = []
        self._committed_chars = 0  # text[:this] is rendered for good
        self._tail = ""  # the text of the block rendered as the replaceable tail
        self._code: list[str] = []  # raw code of committed code blocks, by copy-code index
        self._tail_code: tuple[str, ...] = ()
        self._highlighting: Highlighting | None = None  # long code being lexed, turn by turn
        self._tail_html: str | None = None  # what the document shows as the tail, if known
        self._ended = False
        self._copied_code: int | None = None  # the code block whose link says "✓ Copied"

    def clear_text(self) -> None:
        """Forget everything (the answer is shown again from its finished blocks)."""
        self._scheduler.forget(self)
        self._writer.clear()
        self._reset_text()
        self._add_icons()
        self.sync_height()

    # -- streaming ---------------------------------------------------------------------------

    def append(self, delta: str) -> None:
        """A streamed text delta; cheap: the render happens later, coalesced."""
        self._pending.append(delta)
        self.stats.deltas += 1
        scheduler = self._scheduler
        if not self.queued or scheduler.holding or not scheduler.timer.isActive():
            scheduler.request(self)

    def add_markers(self, numbers: list[int]) -> None:
        """Citation markers after the text so far (a cited block ended)."""
        if numbers and not self._ended:
            self._pending.append("".join(cite_marker(n) for n in numbers))
            self._scheduler.request(self)

    def markdown_source(self) -> str:
        """The Markdown received so far, with the citation markers."""
        if self._pending:
            self._text += "".join(self._pending)
            self._pending.clear()
        return self._text

    def markdown_text(self) -> str:
        """The Markdown received so far, as the model wrote it."""
        return strip_cite_markers(self.markdown_source())

    @property
    def ended(self) -> bool:
        return self._ended

    @property
    def is_rendered(self) -> bool:
        """Whether the document shows all the text received (the tail included)."""
        text = self.markdown_source()
        if self._ended:
            return self._committed_chars == len(text)
        return self._committed_chars + len(self._tail) == len(text)

    def end(self) -> None:
        """No more text will come: render the rest as finished blocks."""
        if not self._ended:
            self._ended = True
            self._scheduler.forget(self)
            self.render()

    def render(self, budget: bool = True) -> None:
        started, cpu_started = time.perf_counter(), time.thread_time()
        text = self.markdown_source()
        blocks = split_blocks(text[self._committed_chars :])
        if self._ended:
            finished, tail = blocks, ""
        else:
            finished, tail = blocks[:-1], blocks[-1] if blocks else ""
        if not finished and tail == self._tail:
            return
        if not finished and self._append_plain(tail):
            self._finish_render(started, cpu_started)
            return
        # A burst of text (a stall, then everything at once; answers opened from history) is
        # rendered over several event loop turns, within a time budget per turn shared by
        # every message, so that no turn blocks the window for long. The first render of a
        # turn takes at least one block, so every message always advances.
        deadline = TurnBudget.deadline(started) if budget else math.inf
        if finished and started > deadline:
            self._scheduler.again(self)  # this turn's budget is spent: the next turn's, then
            return
        html: list[str] = []
        taken = 0
        code_before = len(self._code)
        for block in finished:
            if (taken and time.perf_counter() > deadline) or not self._lexed(block, deadline):
                break
            rendered = render_block(block, dark=self._dark, code_index=len(self._code))
            if (
                not taken
                and _kept_as_shown(rendered.html)
                and (rendered.html == self._tail_html or self._grow_code(rendered.html))
            ):
                # The tail has finished as it shows, or as a code block it shows the start
                # of (a flood brings its last lines with the fence): it stays, grown.
                # Putting it in again parsed and laid it out again (a 300-line code block:
                # ~25 ms in one turn, the longest render of its stream).
                self._writer.commit_tail()
            else:
                html.append(rendered.html)
            self._code.extend(rendered.code)
            self._committed_chars += len(block)
            taken += 1
        shown = self._lexed(tail, deadline, tail=True) if taken == len(finished) else None
        if shown is None:
            # The tail waits until the blocks before it are in, and its code is lexed (the
            # document keeps what it showed): text never shows out of order.
            if not taken:
                self._scheduler.again(self)
                return
            tail, growing = "", RenderedBlock("")
            self._scheduler.again(self)
        else:
            if shown != tail:  # an earlier version of the tail: the latest one comes next
                tail = shown
                self._scheduler.again(self)
            growing = render_block(tail, dark=self._dark, code_index=len(self._code))
        if not taken and growing.html == self._tail_html:
            # The document already shows it (blank lines, a closing fence still arriving).
            self._tail, self._tail_code = tail, growing.code
            self._finish_render(started, cpu_started)
            return
        grown = not taken and bool(tail) and self._grow_code(growing.html)
        self._tail, self._tail_code, self._tail_html = tail, growing.code, growing.html
        if grown:
            self._finish_render(started, cpu_started)
            return
        self._writer.update("".join(html), growing.html)
        self._relabel_copied_code(since=code_before)
        self._finish_render(started, cpu_started)

    def _lexed(self, block: str, deadline: float, *, tail: bool = False) -> str | None:
        """`block` once it can be rendered within this turn's budget: at once, unless it is
        a code block too long to lex in one go (`LONG_CODE_CHARS`); that is lexed a slice
        per turn until `deadline`, and is None until it is done. A tail that grew while its
        code was lexed comes back as the version that was lexed, shown while the latest is
        lexed in turn: restarting at each delta, the lexing would never end."""
        job = self._highlighting
        if job is None or not (block == job.block or (tail and block.startswith(job.block))):
            key = long_code(block, self._dark)
            if key is None:
                return block
            if job is None or job.key != key:
                job = self._highlighting = Highlighting(key, block)
        if not job.advance(deadline):
            return None
        self._highlighting = None
        return job.block if tail else block

    def _grow_code(self, html: str) -> bool:
        """If the tail the document shows and its new `html` are the same code block (same
        language and copy link), put the new lines in place of its old last ones and
        repaint from there down (`BlockWriter.grow_code_tail`); whether it did."""
        new = code_lines(html)
        old = code_lines(self._tail_html) if new is not None and self._tail_html else None
        if new is None or old is None or old[0] != new[0]:
            return False
        top = self._writer.grow_code_tail(old[1], new[0], new[1])
        if top is None:
            return False
        self.sync_height()  # the layout's size signal was held back
        viewport = self.viewport()
        y = max(0, math.floor(top) - self.verticalScrollBar().value() - 1)
        viewport.update(0, y, viewport.width(), viewport.height())
        return True

    def _append_plain(self, tail: str) -> bool:
        """Put the tail's new text at the end of the document as it is, if it is plain prose
        that Markdown would render as itself, and say whether it did.

        At a model's pace each render adds a few characters to the tail; rendering the tail
        again through python-markdown and re-inserting its HTML was most of a render's ~1.5
        ms (battery benchmark: 3,000 renders, 4.5 s of the answer's 8.7 s of CPU); an
        insert of plain text is a fraction of that. The text goes in with the
        format of the character before it, which `is_plain_continuation` makes sure is the
        block's own text format; the next real render (a syntax character, a finished block,
        the end) replaces the whole tail with its proper HTML, so nothing of this stays.
        """
        old = self._tail
        if not old or not tail.startswith(old) or not is_plain_continuation(old, tail[len(old) :]):
            return False
        doc = self.document()
        end = doc.characterCount() - 1  # the last position, before the final paragraph mark
        added = tail[len(old) :]
        self._tail_html = None  # the document's tail is no render's now
        shown = old
        if old.endswith(" ") and doc.characterAt(end - 1) != " ":
            # The render dropped the tail's trailing space: it goes in with the new text.
            shown, added = old[:-1], " " + added
        if end < 1 or doc.characterAt(end - 1) != shown[-1]:
            return False  # the document does not end with the tail's last character as text
        top = self._last_line_top()
        cursor = QTextCursor(doc)
        cursor.setPosition(end)
        # Qt repaints the whole changed paragraph, from its top to the document's end: the
        # whole visible answer, as a long paragraph grows at the bottom of the view (battery
        # benchmark: ~0.6 ms of paint per render). Text appended to a paragraph's end can only
        # change its last line and add lines after it (wrapping is greedy), so only that
        # much is repainted; the layout's own update request is held back meanwhile.
        layout = doc.documentLayout()
        blocked = layout.blockSignals(True)
        try:
            cursor.insertText(added)
        finally:
            layout.blockSignals(blocked)
        self.sync_height()  # the size signal was held back too
        viewport = self.viewport()
        viewport.update(0, max(0, top - 1), viewport.width(), viewport.height())
        self._tail = tail
        return True

    def _last_line_top(self) -> int:
        """Where the document's last line of text starts, in the viewport's coordinates."""
        block = self.document().lastBlock()
        layout = block.layout()
        lines = layout.lineCount()
        if not lines:
            return 0
        y = layout.position().y() + layout.lineAt(lines - 1).y()
        return math.floor(y) - self.verticalScrollBar().value()

    def _finish_render(self, started: float, cpu_started: float) -> None:
        self.sync_height()
        self._scheduler.last_render = started
        elapsed = (time.perf_counter() - started) * 1000
        stats = self.stats
        stats.renders += 1
        stats.total_ms += elapsed
        stats.max_ms = max(stats.max_ms, elapsed)
        stats.max_cpu_ms = max(stats.max_cpu_ms, (time.thread_time() - cpu_started) * 1000)

    def set_dark(self, dark: bool) -> None:
        """Render everything again in the other palette's colours."""
        if dark == self._dark:
            return
        self._dark = dark
        self._writer.clear()
        self._add_icons()
        self._code.clear()
        committed = self.markdown_source()[: self._committed_chars]
        done = render_blocks(split_blocks(committed), dark=dark)
        self._code.extend(done.code)
        growing = render_block(self._tail, dark=dark, code_index=len(self._code))
        self._tail_code = growing.code
        self._tail_html = growing.html
        self._writer.update(done.html, growing.html)
        self._relabel_copied_code()
        self.sync_height()

    # -- links, code and citation markers ----------------------------------------------------

    def code_blocks(self) -> list[str]:
        return [*self._code, *self._tail_code]

    def open_link(self, url: QUrl) -> None:
        """Copy a code block, open a source, or open a web or mail link; ignore the rest."""
        text = url.toString()
        index = copy_code_index(text)
        if index is not None:
            code = self.code_blocks()
            if index < len(code):
                QGuiApplication.clipboard().setText(code[index])
                self._show_code_copied(index)
            return
        number = cite_index(text)
        if number is not None:
            self.cite_opened(number)
            return
        if url.isValid() and url.scheme().lower() in ALLOWED_LINK_SCHEMES:
            QDesktopServices.openUrl(url)

    def code_copy_label(self, index: int) -> str | None:
        """What code block `index`'s copy link says now: "Copy" (its icon) or "✓ Copied"."""
        block = self.document().begin()
        href = f"{COPY_CODE_SCHEME}:{index}"
        while block.isValid():
            for it in block:
                fragment = it.fragment()
                if fragment.isValid() and fragment.charFormat().anchorHref() == href:
                    if fragment.charFormat().isImageFormat():
                        return COPY_CODE_LABEL
                    return fragment.text()
            block = block.next()
        return None

    def viewportEvent(self, event: QEvent) -> bool:
        # A marker's tooltip is the passage it cites (Qt shows none for links by itself).
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            number = cite_index(self.anchorAt(event.pos()))
            tip = self.cite_tooltip(number) if number is not None else ""
            if tip:
                QToolTip.showText(event.globalPos(), tip, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    def _show_code_copied(self, index: int) -> None:
        """Flip the code block's copy icon to "✓ Copied" for a while, and tell screen readers."""
        if self._copied_code is not None and self._copied_code != index:
            self._set_copy_link(self._copied_code, copied=False)
        self._copied_code = index
        self._relabel_copied_code()
        self._copied_code_timer.start()
        QAccessible.updateAccessibility(
            QAccessibleAnnouncementEvent(self, "Code copied to the clipboard")
        )

    def _set_copy_link(self, index: int, *, copied: bool) -> None:
        href = f"{COPY_CODE_SCHEME}:{index}"
        if copied:
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(markdown_colors(self._dark).code_label))
            fmt.setFontUnderline(False)
            self._writer.replace_link(href, fmt, CODE_COPIED_LABEL)
        else:
            image = QTextImageFormat()
            image.setName(COPY_ICON_URL)
            image.setWidth(COPY_ICON_PX)
            image.setHeight(COPY_ICON_PX)
            self._writer.replace_link(href, image)

    def _relabel_copied_code(self, since: int = 0) -> None:
        """Put "✓ Copied" back on the copied code block's link if it is block `since` or
        later: renders replace the tail (from the first code block not committed before
        them), a rebuild everything."""
        if self._copied_code is not None and self._copied_code >= since:
            self._set_copy_link(self._copied_code, copied=True)

    def _end_code_copied(self) -> None:
        if self._copied_code is not None:
            self._set_copy_link(self._copied_code, copied=False)
            self._copied_code = None
