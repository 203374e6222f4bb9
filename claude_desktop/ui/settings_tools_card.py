"""Settings → Tools: one MCP server's card.

Its name, how it runs, its state (starting / ready, N tools / failed, with the last lines of
its log folded / disabled), an on/off switch, its policy (Ask every time / Always allow /
Never), Edit and Remove (confirmed in the card); opened, its tools, each with a switch and,
when always allowed, Revoke. Every change is handed to the page (settings_tools.py), which
writes and applies it.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.domain.mcp.config import ServerConfig
from claude_desktop.domain.tool_approvals import POLICIES, ToolApprovals

from . import icons, theme
from .message_frame import set_text_color, small
from .switch import Switch

if TYPE_CHECKING:
    from .settings_tools import ToolsPage

__all__ = ["ServerCard"]

POLICY_NAMES = {"ask": "Ask every time", "always": "Always allow", "never": "Never"}
LOG_LINES = 20


def _state_text(status: Any) -> str:
    state = getattr(status, "state", None)
    value = getattr(state, "value", "starting")
    if value == "ready":
        n = status.tools
        return f"Ready, {n} tool{'s' if n != 1 else ''}"
    if value == "failed":
        return f"Failed: {status.error}" if status.error else "Failed"
    if value == "disabled":
        return "Disabled"
    return "Starting…"


def _transport_text(config: ServerConfig) -> str:
    if config.remote:
        return f"Remote · {config.url}"
    return "Local · " + shlex.join([config.command, *config.args])


class ServerCard(QFrame):
    """One server: a header row, its failure log (folded), and its tools (folded)."""

    def __init__(self, page: ToolsPage, config: ServerConfig) -> None:
        super().__init__(page)
        self.page = page
        self.name = config.name
        self.setObjectName("serverCard")
        self.setAccessibleName(f"MCP server {config.name}")
        self._tools_key: object = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)

        top = QHBoxLayout()
        top.setSpacing(8)
        self.expand = QToolButton(self)
        self.expand.setCheckable(True)
        self.expand.setAutoRaise(True)
        self.expand.setAccessibleName(f"Show the tools of {config.name}")
        icons.tint(self.expand, "chevron-right", "secondary", 16)
        self.expand.toggled.connect(self._expanded)
        top.addWidget(self.expand)
        self.kind_icon = QLabel(self)
        top.addWidget(self.kind_icon)
        names = QVBoxLayout()
        names.setSpacing(0)
        self.title = QLabel(config.name, self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setWeight(font.Weight.DemiBold)
        self.title.setFont(font)
        self.transport = QLabel(self)
        self.transport.setTextFormat(Qt.TextFormat.PlainText)
        self.transport.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        small(self.transport)
        self.state = QLabel(self)
        self.state.setAccessibleName(f"State of {config.name}")
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        self.state.setWordWrap(True)
        small(self.state)
        names.addWidget(self.title)
        names.addWidget(self.transport)
        names.addWidget(self.state)
        top.addLayout(names, 1)

        self.policy = QComboBox(self)
        self.policy.setAccessibleName(f"When {config.name}'s tools may run")
        self.policy.setToolTip("Whether Claude asks before using this server's tools")
        for policy in POLICIES:
            self.policy.addItem(POLICY_NAMES[policy], policy)
        self.policy.activated.connect(self._policy_picked)
        top.addWidget(self.policy)
        self.enabled = Switch(f"Use {config.name}", self)
        self.enabled.setToolTip("On: the server runs and its tools are offered")
        self.enabled.toggled.connect(lambda on: page.set_server_enabled(self.name, on))
        top.addWidget(self.enabled)
        self.edit = QToolButton(self)
        self.edit.setAutoRaise(True)
        self.edit.setAccessibleName(f"Edit {config.name}")
        self.edit.setToolTip("Edit")
        icons.tint(self.edit, "pencil", "secondary", 16)
        self.edit.clicked.connect(lambda: page.edit_server(self.name))
        top.addWidget(self.edit)
        self.remove = QToolButton(self)
        self.remove.setAutoRaise(True)
        self.remove.setAccessibleName(f"Remove {config.name}")
        self.remove.setToolTip("Remove")
        icons.tint(self.remove, "trash-2", "secondary", 16)
        self.remove.clicked.connect(self._ask_remove)
        top.addWidget(self.remove)
        layout.addLayout(top)

        # Remove asks here, in the card: "Remove filesystem? [Remove] [Cancel]".
        self.confirm = QWidget(self)
        confirm = QHBoxLayout(self.confirm)
        confirm.setContentsMargins(0, 0, 0, 0)
        self.confirm_text = QLabel(f"Remove {config.name} and stop it?", self.confirm)
        self.confirm_remove = QPushButton("Remove", self.confirm)
        self.confirm_remove.setAccessibleName(f"Confirm removing {config.name}")
        self.confirm_remove.clicked.connect(lambda: page.remove_server(self.name))
        self.confirm_cancel = QPushButton("Cancel", self.confirm)
        self.confirm_cancel.clicked.connect(self._cancel_remove)
        confirm.addWidget(self.confirm_text)
        confirm.addStretch(1)
        confirm.addWidget(self.confirm_remove)
        confirm.addWidget(self.confirm_cancel)
        self.confirm.hide()
        layout.addWidget(self.confirm)

        self.log_toggle = QToolButton(self)
        self.log_toggle.setObjectName("logToggle")
        self.log_toggle.setCheckable(True)
        self.log_toggle.setAutoRaise(True)
        self.log_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        icons.tint(self.log_toggle, "chevron-right", "secondary", 14)
        self.log_toggle.setText("Show its log")
        self.log_toggle.setAccessibleName(f"Show the log of {config.name}")
        self.log_toggle.toggled.connect(self._log_toggled)
        log_row = QHBoxLayout()
        log_row.setContentsMargins(52, 0, 0, 0)
        log_row.addWidget(self.log_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(log_row)
        self.log = QPlainTextEdit(self)
        self.log.setObjectName("serverLog")
        self.log.setReadOnly(True)
        self.log.setAccessibleName(f"The last lines {config.name} wrote")
        self.log.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.log.setMaximumHeight(140)
        self.log.hide()
        log_box = QHBoxLayout()
        log_box.setContentsMargins(52, 0, 0, 0)
        log_box.addWidget(self.log)
        layout.addLayout(log_box)

        self.tools_box = QWidget(self)
        self.tools_layout = QVBoxLayout(self.tools_box)
        self.tools_layout.setContentsMargins(52, 4, 0, 0)
        self.tools_layout.setSpacing(4)
        self.tools_box.hide()
        layout.addWidget(self.tools_box)
        self.tool_switches: dict[str, Switch] = {}
        self.revoke_buttons: dict[str, QPushButton] = {}
        self.restyle()

    # -- showing -----------------------------------------------------------------------------

    def restyle(self) -> None:
        tokens = theme.tokens_for(self.palette())
        radius = theme.RADIUS_CONTROL
        self.setStyleSheet(
            f"QFrame#serverCard {{ background: {tokens.surface}; border: 1px solid "
            f"{tokens.border}; border-radius: {theme.RADIUS_CARD}px; }}"
            f"QFrame#serverCard QToolButton {{ border: none; background: transparent;"
            f" border-radius: {radius}px; padding: 3px; color: {tokens.secondary}; }}"
            f"QFrame#serverCard QToolButton:hover {{ background: {tokens.hover}; }}"
            f"QFrame#serverCard QToolButton:focus {{ border: 2px solid {tokens.accent};"
            f" padding: 1px; }}"
            f"QPlainTextEdit#serverLog {{ background: {tokens.page}; border: 1px solid"
            f" {tokens.border}; border-radius: {radius}px; padding: 4px; }}"
        )
        set_text_color(self.transport, tokens.secondary)

    def show_state(self, config: ServerConfig, status: Any, approvals: ToolApprovals) -> None:
        tokens = theme.tokens_for(self.palette())
        kind = "globe" if config.remote else "server"
        self.kind_icon.setPixmap(icons.pixmap(kind, "secondary", 18, self))
        self.transport.setText(_transport_text(config))
        self.transport.setToolTip(_transport_text(config))
        state = "disabled" if not config.enabled else getattr(status.state, "value", "starting")
        text = "Disabled" if not config.enabled else _state_text(status)
        self.state.setText(text)
        failed = state == "failed"
        set_text_color(self.state, tokens.error_text if failed else tokens.secondary)
        lines = list(getattr(status, "log", ()))[-LOG_LINES:] if status is not None else []
        self.log_toggle.setVisible(failed and bool(lines))
        if failed and lines:
            text_now = "\n".join(lines)
            if self.log.toPlainText() != text_now:
                self.log.setPlainText(text_now)
                line = self.log.fontMetrics().lineSpacing()
                self.log.setFixedHeight(min(140, line * (len(lines) + 1) + 12))
        else:
            self.log.hide()
        self.log.setVisible(self.log_toggle.isVisible() and self.log_toggle.isChecked())
        self.enabled.blockSignals(True)
        self.enabled.setChecked(config.enabled)
        self.enabled.blockSignals(False)
        policy = approvals.server_policy(config.name)
        self.policy.setCurrentIndex(max(self.policy.findData(policy), 0))
        self._show_tools(config, approvals)

    def _show_tools(self, config: ServerConfig, approvals: ToolApprovals) -> None:
        infos = self.page.server_tools(config.name)
        always = set(approvals.always_allowed_tools(config.name))
        read_only_allowed = approvals.read_only_allowed(config.name)
        key = (tuple(infos), tuple(sorted(always)), read_only_allowed, config.enabled)
        if key == self._tools_key:
            return
        self._tools_key = key
        had_focus = self.tools_box.focusWidget()
        focused = had_focus.accessibleName() if had_focus is not None else ""
        while self.tools_layout.count():
            item = self.tools_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.tool_switches, self.revoke_buttons = {}, {}
        tokens = theme.tokens_for(self.palette())
        if read_only_allowed:
            row, label = self._row(
                "Read-only tools run without asking", tokens.secondary, bold=False
            )
            revoke = self._revoke_button(row, "read-only tools")
            revoke.clicked.connect(lambda: self.page.revoke_read_only(config.name))
            self.revoke_buttons[""] = revoke
        if not infos:
            why = (
                "Its tools are listed once it is running."
                if config.enabled
                else "Turn it on to see its tools."
            )
            self._row(why, tokens.secondary, bold=False)
        for info in infos:
            row, label = self._row(info.name, tokens.text, bold=True)
            label.setToolTip(info.description)
            layout = row.layout()
            assert isinstance(layout, QHBoxLayout)
            switch = Switch(f"Offer {info.name}", row)
            switch.setChecked(info.enabled)
            switch.setToolTip("On: Claude may use this tool")
            switch.toggled.connect(
                lambda on, t=info.name: self.page.set_tool_enabled(config.name, t, on)
            )
            layout.insertWidget(0, switch)
            detail = QLabel(info.description.splitlines()[0] if info.description else "", row)
            detail.setTextFormat(Qt.TextFormat.PlainText)
            detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            small(detail)
            set_text_color(detail, tokens.secondary)
            layout.insertWidget(2, detail, 1)
            if info.read_only:
                tag = QLabel("read-only", row)
                small(tag)
                set_text_color(tag, tokens.secondary)
                layout.insertWidget(3, tag)
            self.tool_switches[info.name] = switch
            if info.name in always:
                revoke = self._revoke_button(row, info.name)
                revoke.clicked.connect(
                    lambda _=False, t=info.name: self.page.revoke(config.name, t)
                )
                self.revoke_buttons[info.name] = revoke
        for widget in self.tools_box.findChildren(QWidget):
            if focused and widget.accessibleName() == focused:
                widget.setFocus()

    def _row(self, text: str, color: str, *, bold: bool) -> tuple[QWidget, QLabel]:
        row = QWidget(self.tools_box)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        label = QLabel(text, row)
        label.setTextFormat(Qt.TextFormat.PlainText)
        if bold:
            label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        set_text_color(label, color)
        layout.addWidget(label, 0 if bold else 1)
        self.tools_layout.addWidget(row)
        return row, label

    def _revoke_button(self, row: QWidget, what: str) -> QPushButton:
        layout = row.layout()
        assert isinstance(layout, QHBoxLayout)
        note = QLabel("Always allowed", row)
        small(note)
        set_text_color(note, theme.tokens_for(self.palette()).secondary)
        layout.addWidget(note)
        button = QPushButton("Revoke", row)
        button.setAccessibleName(f"Revoke always allowing {what}")
        button.setToolTip("Ask again before the next call")
        layout.addWidget(button)
        return button

    # -- actions -----------------------------------------------------------------------------

    def _expanded(self, on: bool) -> None:
        icons.tint(self.expand, "chevron-down" if on else "chevron-right", "secondary", 16)
        self.expand.setAccessibleName(f"{'Hide' if on else 'Show'} the tools of {self.name}")
        self.tools_box.setVisible(on)

    def _log_toggled(self, on: bool) -> None:
        self.log_toggle.setText("Hide its log" if on else "Show its log")
        icons.tint(self.log_toggle, "chevron-down" if on else "chevron-right", "secondary", 14)
        self.log.setVisible(on)

    def _policy_picked(self, index: int) -> None:
        self.page.set_policy(self.name, self.policy.itemData(index))

    def _ask_remove(self) -> None:
        self.confirm.show()
        self.confirm_cancel.setFocus()

    def _cancel_remove(self) -> None:
        self.confirm.hide()
        self.remove.setFocus()
