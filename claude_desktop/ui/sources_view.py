"""The sources under an answer that cites its documents: "1  report.pdf, p. 4", numbered as
the markers in the text; the quoted passage on hover, or shown under the line on a click."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from claude_desktop.api.citations import cited_text, source_label

from . import theme
from .message_frame import set_text_color, small

__all__ = ["SourceRow", "SourcesView"]


class SourceRow(QWidget):
    """One source: its number and where it points; the quote folds out beneath it."""

    def __init__(self, number: int, citation: Mapping[str, Any], parent: QWidget) -> None:
        super().__init__(parent)
        self.number = number
        self.label_text = source_label(citation)
        self.quote_text = cited_text(citation)
        self.line = QLabel(f"{number}\u2002{self.label_text}", self)
        self.line.setTextFormat(Qt.TextFormat.PlainText)
        self.line.setWordWrap(True)
        self.quote = QLabel(f"“{self.quote_text}”", self)
        self.quote.setTextFormat(Qt.TextFormat.PlainText)
        self.quote.setWordWrap(True)
        self.quote.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.quote.setContentsMargins(16, 0, 0, 2)
        self.quote.hide()
        for label in (self.line, self.quote):
            small(label)
        italic = self.quote.font()
        italic.setItalic(True)
        self.quote.setFont(italic)
        if self.quote_text:
            self.setToolTip(self.quote_text)
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(f"Source {number}: {self.label_text}")
        self.setAccessibleDescription(self.quote_text)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.line)
        layout.addWidget(self.quote)

    @property
    def expanded(self) -> bool:
        return self.quote.isVisibleTo(self)

    def set_expanded(self, expanded: bool) -> None:
        self.quote.setVisible(expanded and bool(self.quote_text))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.set_expanded(not self.expanded)
        super().mouseReleaseEvent(event)


class SourcesView(QWidget):
    """Hidden until the answer cites something."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[SourceRow] = []
        self.title = QLabel("Sources", self)
        font = self.title.font()
        font.setWeight(font.Weight.DemiBold)
        self.title.setFont(font)
        small(self.title, 0.85)
        self.setAccessibleName("Sources")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(2, 6, 0, 2)
        self._layout.setSpacing(2)
        self._layout.addWidget(self.title)
        self._recolour([self.title])
        self.hide()

    def add(self, citation: Mapping[str, Any]) -> int:
        """List one more source; its number (the marker the text shows)."""
        row = SourceRow(len(self.rows) + 1, citation, self)
        self.rows.append(row)
        self._layout.addWidget(row)
        self._recolour([row.line, row.quote])
        self.show()
        return row.number

    def _recolour(self, labels: list[QLabel]) -> None:
        # Secondary text, like the footer: the sources support the answer, they are not it.
        muted = theme.muted_text_color(self.palette())
        for label in labels:
            set_text_color(label, muted)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._recolour([self.title, *(label for r in self.rows for label in (r.line, r.quote))])

    def clear(self) -> None:
        for row in self.rows:
            self._layout.removeWidget(row)
            row.deleteLater()
        self.rows.clear()
        self.hide()

    def tooltip(self, number: int) -> str:
        """What citation marker `number` says on hover: the source and its quote."""
        if not 0 < number <= len(self.rows):
            return ""
        row = self.rows[number - 1]
        return f"{row.label_text}: “{row.quote_text}”" if row.quote_text else row.label_text

    def open_source(self, number: int) -> None:
        """A marker was clicked: open its source's row."""
        if 0 < number <= len(self.rows):
            self.rows[number - 1].set_expanded(True)

    def lines(self) -> list[str]:
        """What the list says, one line per source (tests, accessibility)."""
        return [f"{row.number} {row.label_text}" for row in self.rows]
