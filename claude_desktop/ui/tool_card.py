"""A tool call and its result as one compact card in the answer.

While the call's input streams: "Calling read_file…"; while it runs: "Running read_file…
12 s" with a Stop button (the seconds counted by the card's own one-second clock, which runs
only while the call does); once its result came: a folded "Used read_file from filesystem"
that opens (click, Enter or Space) to the arguments as pretty JSON and the result. A call the
person will be asked about holds its approval card (`expect_approval`) in its place, from
the moment it starts streaming until it is decided. A failed or refused call says so in
its headline and shows the error. A call that never got its result (the turn ended while it
streamed or ran: Stop, an error, the app killed and the answer read back from history) or
whose stored result says it was stopped reads "Stopped before read_file from filesystem
finished", styled as an error: it waits for nothing. Anthropic's web search reads
"Searched the web: query", its result list folded (titles as links that open in the browser).

One card shows both blocks: the call (tool_use, server_tool_use) makes it, and the result
(tool_result, web_search_tool_result) joins the card of the call it answers.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QFontDatabase, QKeyEvent, QPaintEvent, QTextDocument
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QStyleOptionToolButton,
    QStylePainter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.domain.blocks import text_of
from claude_desktop.domain.tool_loop import STOPPED

from . import icons, theme
from .message_frame import small

if TYPE_CHECKING:
    from .approval_card import ApprovalCard

__all__ = ["CALL_TYPES", "RESULT_TYPES", "ToolCard", "pretty_json", "tool_label"]

CALL_TYPES = ("tool_use", "server_tool_use")
RESULT_TYPES = ("tool_result", "web_search_tool_result")
_WEB_SEARCH = "web_search"
_NO_RESULT = "The answer stopped before this tool finished: it has no result."


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


class _Headline(QToolButton):
    """The card's headline button: its whole text is its text (and tooltip), drawn elided
    when the column is narrower, so a long error never widens the answer nor pushes Stop
    off its right edge."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.iconSize().width() + 60), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        option = QStyleOptionToolButton()
        self.initStyleOption(option)
        room = self.contentsRect().width() - self.iconSize().width() - 16
        if room > 0 and self.fontMetrics().horizontalAdvance(option.text) > room:
            option.text = self.fontMetrics().elidedText(
                option.text, Qt.TextElideMode.ElideRight, room
            )
        painter = QStylePainter(self)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ToolButton, option)


class ToolCard(QFrame):
    """One call (client or server tool) and its result; folded until opened."""

    def __init__(self, block: Mapping[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolCard")
        self.call_id = str(block.get("id") or block.get("tool_use_id") or "")
        self.name = str(block.get("name") or "tool")
        self.server_tool = block.get("type") == "server_tool_use"
        self.arguments: object = block.get("input") or {}
        self._json = ""  # the input as it streams
        self.input_done = False
        self.running = False
        self.result: Mapping[str, Any] | None = None
        self.failed = False
        #: The turn ended before the call had its result (or its result says it was stopped).
        self.interrupted = False
        #: The approval asked in this card's place (see `expect_approval`), while it is.
        self.approval: ApprovalCard | None = None
        self._started_running = 0.0
        self._icon = ""
        self._styled: tuple[bool, bool] | None = None  # (failed, dark) the style is for

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 8, 4)
        layout.setSpacing(2)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(4)
        self.header = _Headline(self)
        self.header.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.header.setObjectName("toolCardHeader")
        self.header.setCheckable(True)
        self.header.setAutoRaise(True)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.header.setCursor(Qt.CursorShape.PointingHandCursor)
        self.header.toggled.connect(self.set_expanded)
        self.header.installEventFilter(self)
        top.addWidget(self.header, 1)
        self.stop_button = QToolButton(self)
        self.stop_button.setObjectName("toolCardStop")
        self.stop_button.setText("Stop")
        self.stop_button.setAccessibleName("Stop the tool")
        self.stop_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.stop_button.clicked.connect(self._stop)
        self.stop_button.hide()
        top.addWidget(self.stop_button)
        layout.addLayout(top)
        # The seconds a running call has taken, once a second: nothing streams meanwhile.
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._refresh)

        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.details.setOpenExternalLinks(True)  # search results open in the browser
        self.details.setAccessibleName("Tool call details")
        self.details.setContentsMargins(26, 0, 8, 6)  # under the headline's text
        # An unbreakable result line (a long path, a token) is cut at the card's edge rather
        # than widening the whole answer past the window.
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.details.setSizePolicy(policy)
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
    def words(self) -> str:
        """ "read_file from filesystem", as the card's headline says it."""
        tool, server = tool_label(self.name)
        return f"{tool} from {server}" if server else tool

    @property
    def is_web_search(self) -> bool:
        return self.server_tool and self.name == _WEB_SEARCH

    def headline(self) -> str:
        if self.interrupted:
            what = "the web search" if self.is_web_search else self.words
            return f"Stopped before {what} finished"
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
                return f"{self.words} failed: {reason}"
            return f"Used {self.words}"
        if self.running:
            return f"Running {self.tool}…"
        if self.input_done:
            return f"Wants to use {self.words}"  # while the call is decided (approval)
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
        if self.approval is not None:
            self.approval.json_delta(partial_json)
        self._refresh()

    def call_stopped(self, block: Mapping[str, Any]) -> None:
        self.input_done = True
        if not (isinstance(block.get("input"), dict) and block.get("input")) and self._json:
            try:
                self.arguments = json.loads(self._json)
            except ValueError:
                self.arguments = self._json
        if self.approval is not None:
            self.approval.call_stopped(self.arguments)
        self.show_call(block)

    def result_started(self) -> None:
        self.input_done = True
        if not self.running:
            self._started_running = time.monotonic()
        self.running = True
        self._refresh()

    # -- the approval, in the card's place -------------------------------------------------

    def expect_approval(self) -> ApprovalCard:
        """Show the approval card now, while the call streams: its buttons wait for `ask`."""
        from .approval_card import ApprovalCard

        if self.approval is None:
            self.approval = ApprovalCard.waiting(self.name, self)
            layout = self.layout()
            assert isinstance(layout, QVBoxLayout)
            layout.insertWidget(0, self.approval)
            if self._json:
                self.approval.json_delta(self._json)
            self.header.hide()
            self.restyle()
        return self.approval

    def drop_approval(self) -> None:
        """Decided: the card shows the call again (running, then used)."""
        card, self.approval = self.approval, None
        if card is not None:
            card.hide()
            card.deleteLater()
            self.header.show()
            self.restyle()

    def turn_ended(self) -> None:
        """The answer is over: a call still without its result will never get one."""
        self.drop_approval()  # one still waiting: the turn ended before it asked
        if self.result is None and not self.interrupted:
            self.interrupted = self.failed = True
            self.running = False
            self._refresh()

    @property
    def is_counting(self) -> bool:
        """Whether the card's clock runs (only while its call does)."""
        return self._clock.isActive()

    def _stop(self) -> None:
        # Stop is the window's (it cancels the turn and so the tool): found by duck typing,
        # since a card knows no window.
        turns = getattr(self.window(), "turns", None)
        if turns is not None:
            turns.stop()

    def show_result(self, block: Mapping[str, Any]) -> None:
        """The result block; one without content yet means the call is running."""
        if self.approval is not None and not self.approval.asked:
            self.drop_approval()  # decided without asking (refused as not offered)
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
        self.interrupted = bool(block.get("is_error")) and _result_text(block) == STOPPED
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
        elif self.interrupted:
            parts.append("<b>Error</b>" + pre(_NO_RESULT))
        return "".join(parts)

    def _refresh(self) -> None:
        headline = self.headline()
        running = self.running and self.result is None
        shown = headline
        if running:
            seconds = int(time.monotonic() - self._started_running)
            shown = f"{headline} {seconds} s"
            if not self._clock.isActive():
                self._clock.start()
        elif self._clock.isActive():
            self._clock.stop()
        self.stop_button.setVisible(running and not self.server_tool)
        self.header.setText(shown)
        self._set_icon()
        self.header.setAccessibleName(headline)
        self.header.setAccessibleDescription(
            "Press Enter or Space to " + ("fold" if self.expanded else "show") + " the details"
        )
        self.setAccessibleName(headline)
        self.setProperty("failed", self.failed)
        if self._styled != (self.failed, self._tokens().dark):
            self.restyle()
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

    def _set_icon(self) -> None:
        if self.failed:
            name, role = "circle-alert", "error_text"
        elif self.is_web_search:
            name, role = "globe", "secondary"
        elif self.running and self.result is None:
            name, role = "loader-circle", "accent"
        else:
            name, role = "wrench", "secondary"
        if name != self._icon:
            self._icon = name
            icons.tint(self.header, name, role, 16)

    def _tokens(self) -> theme.Tokens:
        return _app_tokens()

    def restyle(self) -> None:
        t = self._tokens()
        layout = self.layout()
        if layout is not None:
            embedded = self.approval is not None
            layout.setContentsMargins(*((0, 0, 0, 0) if embedded else (6, 4, 8, 4)))
        if self.approval is not None:  # the approval card is the frame, meanwhile
            self._styled = (self.failed, t.dark)
            self.setStyleSheet("QFrame#toolCard { border: none; background: transparent; }")
            return
        self._styled = (self.failed, t.dark)
        background, border, text = (
            (t.error_tint, t.error_tint, t.error_text)
            if self.failed
            else (t.surface, t.border, t.text)
        )
        self.setStyleSheet(
            f"QFrame#toolCard {{ background: {background}; border: 1px solid {border};"
            f" border-radius: {theme.RADIUS_CARD}px; }}"
            # The column's text size, said here: a style sheet set again (the card turned
            # failed) would give the headline the application's smaller font at its polish.
            f"QToolButton#toolCardHeader {{ border: none; padding: 4px 6px; color: {text};"
            f" font-size: {(self.parentWidget() or self).fontInfo().pixelSize()}px;"
            f" border-radius: {theme.RADIUS_CONTROL}px; text-align: left; }}"
            f"QToolButton#toolCardHeader:hover {{ background: {t.hover}; }}"
            f"QToolButton#toolCardHeader:focus {{ border: 2px solid {t.accent};"
            f" padding: 2px 4px; }}"
            f"QToolButton#toolCardStop {{ border: 1px solid {t.border}; padding: 2px 10px;"
            f" border-radius: {theme.RADIUS_CONTROL}px; }}"
            f"QToolButton#toolCardStop:hover {{ background: {t.hover}; }}"
            f"QToolButton#toolCardStop:focus {{ border: 2px solid {t.accent}; }}"
        )

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and self._styled is not None:
            self.restyle()  # the headline's size is in the style sheet
        # Restyled for a new theme only (a style sheet set here changes the palette too).
        if (
            event.type() == QEvent.Type.PaletteChange
            and self._styled is not None
            and self._styled[1] != self._tokens().dark
        ):
            self._icon = ""
            self.restyle()
            self._set_icon()

    def plain_details(self) -> str:
        """What the opened card shows, as plain text (tests, accessibility)."""
        doc = QTextDocument()
        doc.setHtml(self._details_html())
        return doc.toPlainText()


def _app_tokens() -> theme.Tokens:
    """The theme's tokens, from the application's palette: the card's own is changed by
    its style sheet (a light background would make a dark theme read as light)."""
    from PySide6.QtWidgets import QApplication

    return theme.tokens_for(QApplication.palette())
