"""A tool call and its result as one compact card in the answer.

While the call's input streams: "Calling read_file…"; while it runs: "Running read_file…";
once its result came: a folded "Used read_file (filesystem)" that opens (click, Enter or
Space) to the arguments as pretty JSON and the result. A failed or refused call says so in
its headline and shows the error. Anthropic's web search reads "Searched the web: query",
its result list folded (titles as links that open in the browser).

One card shows both blocks: the call (tool_use, server_tool_use) makes it, and the result
(tool_result, web_search_tool_result) joins the card of the call it answers.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFontDatabase, QKeyEvent, QTextDocument
from PySide6.QtWidgets import QFrame, QLabel, QToolButton, QVBoxLayout, QWidget

from claude_desktop.domain.blocks import text_of

from .message_frame import small

__all__ = ["CALL_TYPES", "RESULT_TYPES", "ToolCard", "pretty_json", "tool_label"]

CALL_TYPES = ("tool_use", "server_tool_use")
RESULT_TYPES = ("tool_result", "web_search_tool_result")
_WEB_SEARCH = "web_search"


def tool_label(name: str) -> tuple[str, str]:
    """The tool and its server as people know them, from the API's `<server>__<tool>`."""
    server, sep, tool = name.partition("__")
    return (tool, server) if sep and tool else (name, "")


def pretty_json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _result_text(block: Mapping[str, Any]) -> str:
    content = block.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        items = [b for b in content if isinstance(b, dict)]
        text = text_of(items)
        others = [b for b in items if b.get("type") != "text"]
        extra = "\n".join(f"[{b.get('type', 'content')}]" for b in others)
        return "\n".join(part for part in (text, extra) if part)
    return "" if content is None else pretty_json(content)


class ToolCard(QFrame):
    """One call (client or server tool) and its result; folded until opened."""

    def __init__(self, block: Mapping[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.call_id = str(block.get("id") or block.get("tool_use_id") or "")
        self.name = str(block.get("name") or "tool")
        self.server_tool = block.get("type") == "server_tool_use"
        self.arguments: object = block.get("input") or {}
        self._json = ""  # the input as it streams
        self.input_done = False
        self.running = False
        self.result: Mapping[str, Any] | None = None
        self.failed = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(2)
        self.header = QToolButton(self)
        self.header.setCheckable(True)
        self.header.setAutoRaise(True)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setArrowType(Qt.ArrowType.RightArrow)
        self.header.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.header.toggled.connect(self.set_expanded)
        self.header.installEventFilter(self)
        layout.addWidget(self.header)

        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.details.setOpenExternalLinks(True)  # search results open in the browser
        self.details.setAccessibleName("Tool call details")
        small(self.details)
        self.details.hide()
        layout.addWidget(self.details)
        if block.get("type") in RESULT_TYPES:
            self.show_result(block)
        else:
            self.show_call(block)

    # -- what the card shows ---------------------------------------------------------------

    @property
    def tool(self) -> str:
        return tool_label(self.name)[0]

    @property
    def label(self) -> str:
        """ "read_file (filesystem)"."""
        tool, server = tool_label(self.name)
        return f"{tool} ({server})" if server else tool

    @property
    def is_web_search(self) -> bool:
        return self.server_tool and self.name == _WEB_SEARCH

    def headline(self) -> str:
        if self.is_web_search:
            query = self.arguments.get("query") if isinstance(self.arguments, dict) else None
            if self.result is not None and self.failed:
                return f"Web search failed: {self._search_error()}"
            if self.input_done and isinstance(query, str):
                return f"Searched the web: {query}"
            return "Searching the web…"
        if self.result is not None:
            if self.failed:
                first = _result_text(self.result).strip().splitlines()
                reason = first[0] if first else "it failed"
                return f"{self.label} failed: {reason}"
            return f"Used {self.label}"
        if self.running:
            return f"Running {self.tool}…"
        if self.input_done:
            return f"Wants to use {self.label}"  # while the call is decided (approval)
        return f"Calling {self.tool}…"

    def _search_error(self) -> str:
        content = self.result.get("content") if self.result is not None else None
        code = content.get("error_code") if isinstance(content, dict) else None
        return str(code or "unknown error").replace("_", " ")

    def show_call(self, block: Mapping[str, Any]) -> None:
        """The call block as it started or stopped (then its input is whole)."""
        value = block.get("input")
        if isinstance(value, dict) and value:
            self.arguments = value
        self._refresh()

    def json_delta(self, partial_json: str) -> None:
        self._json += partial_json
        self._refresh()

    def call_stopped(self, block: Mapping[str, Any]) -> None:
        self.input_done = True
        if not (isinstance(block.get("input"), dict) and block.get("input")) and self._json:
            try:
                self.arguments = json.loads(self._json)
            except ValueError:
                self.arguments = self._json
        self.show_call(block)

    def result_started(self) -> None:
        self.input_done = True
        self.running = True
        self._refresh()

    def show_result(self, block: Mapping[str, Any]) -> None:
        """The result block; one without content yet means the call is running."""
        self.input_done = True
        if "content" not in block:
            self.result_started()
            return
        self.running = False
        self.result = dict(block)
        content = block.get("content")
        self.failed = bool(block.get("is_error")) or (
            block.get("type") == "web_search_tool_result" and not isinstance(content, list)
        )
        self._refresh()

    def _details_html(self) -> str:
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()

        def pre(text: str) -> str:
            return (
                f"<pre style=\"font-family: '{mono}'; white-space: pre-wrap; margin: 2px 0\">"
                f"{html.escape(text)}</pre>"
            )

        parts = []
        if self.is_web_search and self.result is not None and not self.failed:
            items = []
            content = self.result.get("content")
            for row in content if isinstance(content, list) else []:
                if not isinstance(row, dict) or not row.get("url"):
                    continue
                url = html.escape(str(row["url"]), quote=True)
                title = html.escape(str(row.get("title") or row["url"]))
                items.append(f'<li><a href="{url}">{title}</a></li>')
            return "<ul style='margin: 2px 0'>" + "".join(items) + "</ul>" if items else ""
        arguments = self.arguments if self.arguments or not self._json else self._json
        args_text = arguments if isinstance(arguments, str) else pretty_json(arguments)
        parts.append("<b>Arguments</b>" + pre(args_text))
        if self.result is not None:
            title = "Error" if self.failed else "Result"
            text = _result_text(self.result) if not self.is_web_search else self._search_error()
            parts.append(f"<b>{title}</b>" + pre(text or "(empty)"))
        return "".join(parts)

    def _refresh(self) -> None:
        headline = self.headline()
        # No emoji icon: not every desktop has a font for them (the arrow marks the card).
        self.header.setText(headline)
        self.header.setAccessibleName(headline)
        self.header.setAccessibleDescription(
            "Press Enter or Space to " + ("fold" if self.expanded else "show") + " the details"
        )
        self.setAccessibleName(headline)
        self.setProperty("failed", self.failed)
        if self.details.isVisible() or self.expanded:
            self.details.setText(self._details_html())

    # -- folding -----------------------------------------------------------------------------

    @property
    def expanded(self) -> bool:
        return self.header.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        if self.header.isChecked() != expanded:
            self.header.setChecked(expanded)  # comes back here through toggled
            return
        self.header.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        if expanded:
            self.details.setText(self._details_html())
        self.details.setVisible(expanded)
        self._refresh()

    def toggle(self) -> None:
        self.set_expanded(not self.expanded)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Space toggles a tool button already; Enter does too, here.
        if watched is self.header and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.toggle()
                return True
        return super().eventFilter(watched, event)

    def plain_details(self) -> str:
        """What the opened card shows, as plain text (tests, accessibility)."""
        doc = QTextDocument()
        doc.setHtml(self._details_html())
        return doc.toPlainText()
