"""The read-only rich-text view every message is drawn in, and the writer that streams into it.

A TextView is exactly as tall as its document (the conversation scrolls, not the message), so
text can be selected across a whole message. A BlockWriter appends rendered HTML to its
document chunk by chunk and keeps one replaceable tail at the end: the work per render
follows the new text, not the length of the answer.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QByteArray, QSize, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QPalette,
    QResizeEvent,
    QTextBlock,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
    QTextTable,
    QTextTableCell,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

from .code_blocks import code_html
from .viewports import adopt_viewport

__all__ = ["BlockWriter", "TextView"]


class TextView(QTextBrowser):
    """A read-only rich-text view exactly as tall as its document; the conversation scrolls.

    It never loads anything: no file, no network, no search path.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        adopt_viewport(self)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        # Transparent, so the message's own background shows through.
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Base, QColor(Qt.GlobalColor.transparent))
        self.setPalette(palette)
        doc = self.document()
        # An undo stack would keep every replaced tail of a streaming answer.
        doc.setUndoRedoEnabled(False)
        doc.setDocumentMargin(2)
        # Qt indents each list level by 40 px, which eats a narrow window.
        doc.setIndentWidth(24)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
        # Body text at a line height of ~1.55 with 12 px between paragraphs (design.md).
        doc.setDefaultStyleSheet(
            f"pre, code {{ font-family: '{mono}'; }}"
            " p, li { line-height: 130%; }"
            " p { margin-top: 0px; margin-bottom: 12px; }"
        )
        doc.documentLayout().documentSizeChanged.connect(self.sync_height)
        self.sync_height()

    def loadResource(self, _type: int, _name: QUrl | str) -> QByteArray:
        # An empty byte array, not None: returning None from this virtual corrupts None's
        # reference count under PySide6 6.12 on Python 3.11.
        return QByteArray()

    def sync_height(self) -> None:
        """Make the view as tall as its laid-out document (lays it out if needed)."""
        margins = self.contentsMargins()
        height = math.ceil(self.document().size().height()) + margins.top() + margins.bottom()
        if height != self.maximumHeight() or height != self.minimumHeight():
            self.setFixedHeight(height)

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.maximumHeight())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.sync_height()

    def wheelEvent(self, event: QWheelEvent) -> None:
        # Nothing to scroll in here: let the conversation have it.
        event.ignore()


class BlockWriter:
    """Appends HTML to a QTextDocument in chunks and keeps one replaceable tail at its end.

    `QTextCursor.insertHtml` merges the first block of what it inserts into the block at the
    cursor and drops that block's format (margins, heading level, list), so appending chunk
    by chunk would not give what `setHtml` of the whole gives. Each chunk is parsed into a
    scratch document whose first block is an empty stand-in; the stand-in is what merges,
    and the real blocks keep their formats. Chunks that start with a table already begin
    with such an empty block. The result equals `setHtml` of the concatenated HTML (tested).
    """

    def __init__(self, doc: QTextDocument) -> None:
        self._doc = doc
        self._tail_start = 0
        self._has_committed = False
        self._has_tail = False
        # The formats of the block the tail starts in, from before the tail went in.
        self._tail_block_format = QTextBlockFormat()
        self._tail_char_format = QTextCharFormat()

    def clear(self) -> None:
        self._doc.clear()
        self._tail_start = 0
        self._has_committed = self._has_tail = False

    def update(self, finished_html: str, tail_html: str) -> None:
        """Append `finished_html` for good and make `tail_html` the new tail."""
        cursor = QTextCursor(self._doc)
        cursor.beginEditBlock()
        try:
            if self._has_tail:
                cursor.setPosition(self._tail_start)
                cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
                cursor.removeSelectedText()
                # Removing the tail's blocks leaves the block where it started with the format
                # of the tail's first block: put back what it had.
                cursor.setBlockFormat(self._tail_block_format)
                cursor.setBlockCharFormat(self._tail_char_format)
                self._has_tail = False
            if finished_html:
                self._insert(cursor, finished_html)
                self._has_committed = True
                self._tail_start = self._doc.characterCount() - 1
            if tail_html:
                cursor.setPosition(self._tail_start)
                self._tail_block_format = cursor.blockFormat()
                self._tail_char_format = cursor.blockCharFormat()
                self._insert(cursor, tail_html)
                self._has_tail = True
        finally:
            cursor.endEditBlock()

    def commit_tail(self) -> None:
        """Keep the tail as it is, for good: the next update appends after it. Putting a
        finished block in is what inserting its HTML as the tail did, so the document is
        the same."""
        if self._has_tail:
            self._has_tail = False
            self._has_committed = True
            self._tail_start = self._doc.characterCount() - 1

    def grow_code_tail(self, lines: list[str], head: str, new_lines: list[str]) -> float | None:
        """Make the tail, one code block whose code is `lines` of HTML, show the same block
        (its header bar `head`) grown to `new_lines`: only the lines from the first that
        changed are put in again. Returns the top of that line in the document, or None,
        having changed nothing, if the tail is not such a block.

        A growing code block was the costliest render at a model's pace: its whole table
        replaced, parsed, laid out and repainted for a few more characters on its last
        line. Only the changed lines are parsed, after the line before them and a stand-in
        first line: Qt's HTML importer gives the text that opens a table cell (up to its
        first tag) another format, so a line parsed there would not come out as the full
        render's; while that text runs into the lines kept, all of them are parsed. The
        layout's signals are held back (its update would repaint the whole table), and the
        caller repaints from the returned top down.
        """
        if not self._has_tail or len(new_lines) < len(lines):
            return None
        first = 0
        last = len(lines) - 1
        while first < last and lines[first] == new_lines[first]:
            first += 1
        if first == 0:
            return None
        cell = _tail_code_cell(self._doc, self._tail_start, len(lines))
        if cell is None:
            return None
        if any("<" in line for line in new_lines[: first - 1]):
            parsed, skipped = [_STAND_IN_LINE, *new_lines[first - 1 :]], 2
        else:  # the cell's opening text (no markup yet) runs into these lines: parse it all
            parsed, skipped = new_lines, first
        src = self._parsed(code_html(head, parsed))
        src_cell = _tail_code_cell(src, 0, len(parsed))
        if src_cell is None:
            return None
        # From the end of the last line kept, so that what is copied brings its own block
        # formats (a fragment's first block merges into the block it goes into).
        start = _line_block(cell, first).position() - 1
        copied = QTextCursor(src)
        copied.setPosition(_line_block(src_cell, skipped).position() - 1)
        copied.setPosition(src_cell.lastCursorPosition().position(), _KEEP)
        layout = self._doc.documentLayout()
        kept_rect = layout.blockBoundingRect(_line_block(cell, first - 1))
        cursor = QTextCursor(self._doc)
        blocked = layout.blockSignals(True)
        try:
            cursor.beginEditBlock()
            cursor.setPosition(start)
            cursor.setPosition(cell.lastCursorPosition().position(), _KEEP)
            cursor.removeSelectedText()
            cursor.insertFragment(copied.selection())
            cursor.endEditBlock()
        finally:
            layout.blockSignals(blocked)
        kept = self._doc.findBlock(start)
        if layout.blockBoundingRect(kept) != kept_rect:
            return 0.0  # what was kept moved (the table laid out anew): repaint it all
        return layout.blockBoundingRect(kept.next()).top()

    def relabel_link(self, href: str, text: str) -> bool:
        """Give the link to `href` the text `text`, its format kept; False if there is none.

        Text before the tail moves the tail's start with it.
        """
        block = self._doc.begin()
        while block.isValid():
            for it in block:
                fragment = it.fragment()
                if fragment.isValid() and fragment.charFormat().anchorHref() == href:
                    if fragment.text() != text:
                        # Read before the edit: a QTextFragment reads the changed document.
                        start, length = fragment.position(), fragment.length()
                        cursor = QTextCursor(self._doc)
                        cursor.setPosition(start)
                        cursor.setPosition(start + length, QTextCursor.MoveMode.KeepAnchor)
                        cursor.insertText(text, fragment.charFormat())
                        if start < self._tail_start:
                            self._tail_start += len(text) - length
                    return True
            block = block.next()
        return False

    def replace_link(self, href: str, fmt: QTextCharFormat, text: str = "\ufffc") -> bool:
        """Replace the link to `href` (all of its fragments) with `text` in `fmt`, which is
        given the link's anchor; an image format with the default text puts in an image.
        False if there is no such link. Text before the tail moves the tail's start."""
        block = self._doc.begin()
        while block.isValid():
            start = end = -1
            for it in block:
                fragment = it.fragment()
                if fragment.isValid() and fragment.charFormat().anchorHref() == href:
                    if start < 0:
                        start = fragment.position()
                    end = fragment.position() + fragment.length()
                elif start >= 0:
                    break
            if start >= 0:
                fmt.setAnchor(True)
                fmt.setAnchorHref(href)
                cursor = QTextCursor(self._doc)
                cursor.setPosition(start)
                cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
                if fmt.isImageFormat():
                    cursor.removeSelectedText()
                    cursor.insertImage(fmt.toImageFormat())
                else:
                    cursor.insertText(text, fmt)
                if start < self._tail_start:
                    self._tail_start += len(text) - (end - start)
                return True
            block = block.next()
        return False

    def _parsed(self, html: str) -> QTextDocument:
        """A scratch document of `html`, styled as this one."""
        src = QTextDocument()
        src.setUndoRedoEnabled(False)
        src.setDefaultStyleSheet(self._doc.defaultStyleSheet())
        src.setHtml(html)
        return src

    def _insert(self, cursor: QTextCursor, html: str) -> None:
        src = self._parsed(html)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        if self._has_committed:
            frames = src.rootFrame().childFrames()
            first = src.begin()
            starts_with_table = (
                bool(frames)
                and frames[0].firstPosition() == 1
                and first.blockFormat() == QTextBlockFormat()  # not, say, an <hr> before it
            )
            if not starts_with_table:
                QTextCursor(src).insertBlock()
        elif src.characterCount() <= 1:
            # Nothing to copy (a lone <hr>): only the first block's format carries it.
            cursor.setBlockFormat(src.begin().blockFormat())
        # At position 0 Qt copies the first block's format itself.
        cursor.insertFragment(QTextDocumentFragment(src))


_KEEP = QTextCursor.MoveMode.KeepAnchor
#: What opens a partly parsed code cell in place of the lines before (see grow_code_tail).
_STAND_IN_LINE = "<span>x</span>"


def _tail_code_cell(doc: QTextDocument, after: int, lines: int) -> QTextTableCell | None:
    """The code cell of the code block that ends `doc` after position `after`, if it holds
    `lines` lines (one block each)."""
    frames = doc.rootFrame().childFrames()
    table = frames[-1] if frames else None
    if (
        not isinstance(table, QTextTable)
        or table.firstPosition() <= after
        or table.lastPosition() + 2 != doc.characterCount()  # only the last block after it
        or table.rows() != 2
    ):
        return None
    cell = table.cellAt(1, 0)
    first = cell.firstCursorPosition().block().blockNumber()
    last = cell.lastCursorPosition().block().blockNumber()
    return cell if last - first + 1 == lines else None


def _line_block(cell: QTextTableCell, line: int) -> QTextBlock:
    first = cell.firstCursorPosition().block()
    return first.document().findBlockByNumber(first.blockNumber() + line)
