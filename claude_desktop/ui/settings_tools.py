"""Settings → Tools: the MCP servers, their state and tools, and which calls run unasked.

Each server is a card: its name, how it runs, its state (starting / ready, N tools / failed,
with the last lines of its log folded / disabled), an on/off switch, its policy (Ask every
time / Always allow / Never), Edit and Remove; opened, its tools, each with a switch and,
when always allowed, Revoke. Above the list: Add server, Paste JSON… and Import from Claude
Desktop. Every change is written to the config file and applied at once (servers started,
stopped or restarted); a hand edit of the file shows here too.

`ToolsPage(tools, approvals)`: `tools` is the app's AppTools (the config file, `save`,
`reload`, `configs`, the running `servers`), `approvals` the window's ToolApprovals.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontDatabase, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.api.errors import HumanError
from claude_desktop.domain.mcp.config import (
    ServerConfig,
    claude_desktop_config_path,
    import_claude_desktop,
    keep_secrets_in_keyring,
)
from claude_desktop.domain.tool_approvals import POLICIES, ToolApprovals

from . import icons, theme
from .message_frame import set_text_color, small
from .settings_tools_forms import PasteJsonDialog, ServerForm
from .switch import Switch

__all__ = ["ToolsPage"]

log = logging.getLogger(__name__)

POLICY_NAMES = {"ask": "Ask every time", "always": "Always allow", "never": "Never"}
LOG_LINES = 20
REFRESH_MS = 500


def _discard(listeners: list[Any], listener: Any) -> None:
    if listener in listeners:
        listeners.remove(listener)


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


class ToolsPage(QWidget):
    """The page; see the module's docstring. `claude_desktop_config` overrides where Claude
    Desktop's config file is looked for (tests)."""

    def __init__(
        self,
        tools: Any,
        approvals: ToolApprovals,
        config_path: Path | None = None,
        *,
        claude_desktop_config: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.tools = tools
        self.approvals = approvals
        self.config_path = config_path or tools.config_path
        self.claude_desktop_config = claude_desktop_config
        #: The change being written and applied, while there is one (tests wait on it).
        self.pending: asyncio.Task[None] | None = None
        self.cards: dict[str, ServerCard] = {}
        self.dialog: ServerForm | PasteJsonDialog | None = None
        self.setAccessibleName("Tools")

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(10)
        header = QLabel("MCP SERVERS", self)
        font = header.font()
        font.setPixelSize(11)
        font.setWeight(font.Weight.DemiBold)
        font.setLetterSpacing(font.SpacingType.AbsoluteSpacing, 0.6)
        header.setFont(font)
        self.header = header
        outer.addWidget(header)
        self.intro = QLabel(
            "MCP servers give Claude tools: files, GitHub, a database… They are kept in "
            f"{self.config_path}; changes made there by hand are picked up.",
            self,
        )
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.TextFormat.PlainText)
        self.intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        small(self.intro)
        outer.addWidget(self.intro)

        actions = QHBoxLayout()
        actions.setSpacing(8)
        self.add_button = QPushButton("Add server", self)
        icons.tint(self.add_button, "plus", "text", 16)
        self.add_button.clicked.connect(self.add_server)
        self.paste_button = QPushButton("Paste JSON…", self)
        icons.tint(self.paste_button, "code", "text", 16)
        self.paste_button.clicked.connect(self.paste_json)
        self.import_button = QPushButton("Import from Claude Desktop", self)
        icons.tint(self.import_button, "download", "text", 16)
        self.import_button.clicked.connect(self.import_claude_desktop)
        for button in (self.add_button, self.paste_button, self.import_button):
            button.setAccessibleName(button.text().rstrip("…"))
            actions.addWidget(button)
        actions.addStretch(1)
        outer.addLayout(actions)

        self.notice = QLabel(self)
        self.notice.setAccessibleName("Tools notice")
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.hide()
        outer.addWidget(self.notice)
        self.problem = QLabel(self)
        self.problem.setAccessibleName("Config file problem")
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.hide()
        outer.addWidget(self.problem)

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.list = QWidget(scroll)
        self.list_layout = QVBoxLayout(self.list)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(8)
        self.empty = QLabel(
            "No servers yet. Add one, paste its JSON, or import the ones Claude Desktop has.",
            self.list,
        )
        self.empty.setWordWrap(True)
        self.list_layout.addWidget(self.empty)
        self.list_layout.addStretch(1)
        scroll.setWidget(self.list)
        outer.addWidget(scroll, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)  # servers start and fail in the background
        self._timer.timeout.connect(self.refresh)
        listener = self.refresh
        tools.listeners.append(listener)
        # Gone with the page: the app's tools outlive it.
        self.destroyed.connect(lambda: _discard(tools.listeners, listener))
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._timer.start()
        self.refresh()

    def hideEvent(self, event: Any) -> None:
        self._timer.stop()
        super().hideEvent(event)

    # -- what is shown -----------------------------------------------------------------------

    def configs(self) -> list[ServerConfig]:
        return list(self.tools.configs())

    def server_tools(self, name: str) -> list[Any]:
        servers = self.tools.servers
        return [] if servers is None else servers.server_tools(name)

    def refresh(self) -> None:
        """Show the servers as they are now (cheap when nothing changed)."""
        configs = self.configs()
        names = [c.name for c in configs]
        if names != list(self.cards):
            self._rebuild(configs)
        servers = self.tools.servers
        statuses = {s.name: s for s in servers.status()} if servers is not None else {}
        for config in configs:
            self.cards[config.name].show_state(config, statuses.get(config.name), self.approvals)
        self.empty.setVisible(not configs)
        tokens = theme.tokens_for(self.palette())
        self.problem.setVisible(bool(self.tools.problem))
        self.problem.setText(
            f"{self.tools.problem} The servers keep running as they were."
            if self.tools.problem
            else ""
        )
        set_text_color(self.problem, tokens.error_text)
        set_text_color(self.intro, tokens.secondary)
        set_text_color(self.header, tokens.secondary)

    def _rebuild(self, configs: list[ServerConfig]) -> None:
        opened = {name for name, card in self.cards.items() if card.expand.isChecked()}
        for card in self.cards.values():
            card.hide()
            card.deleteLater()
        self.cards = {}
        for i, config in enumerate(configs):
            card = ServerCard(self, config)
            self.list_layout.insertWidget(i, card)
            self.cards[config.name] = card
            if config.name in opened:
                card.expand.setChecked(True)

    def say(self, sentence: str, *, error: bool = False) -> None:
        tokens = theme.tokens_for(self.palette())
        set_text_color(self.notice, tokens.error_text if error else tokens.secondary)
        self.notice.setText(sentence)
        self.notice.setVisible(bool(sentence))

    # -- changes -----------------------------------------------------------------------------

    def _run(self, work: Coroutine[Any, Any, str]) -> None:
        """Run a change (written, then applied); its sentence, or its failure's, is shown."""

        async def run() -> None:
            try:
                sentence = await work
            except HumanError as exc:
                self.say(exc.human, error=True)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                self.say(f"The change could not be saved ({reason}).", error=True)
            else:
                self.say(sentence)
            self.refresh()

        self.pending = asyncio.get_running_loop().create_task(run())

    def _save(self, servers: list[ServerConfig], sentence: str = "") -> None:
        async def save() -> str:
            await self.tools.save(servers)
            return sentence

        self._run(save())

    def _replaced(self, name: str, change: Callable[[ServerConfig], ServerConfig]) -> list[Any]:
        return [change(c) if c.name == name else c for c in self.configs()]

    def set_server_enabled(self, name: str, on: bool) -> None:
        self._save(self._replaced(name, lambda c: replace(c, enabled=on)))

    def set_tool_enabled(self, server: str, tool: str, on: bool) -> None:
        def change(c: ServerConfig) -> ServerConfig:
            off = set(c.disabled_tools)
            off.discard(tool) if on else off.add(tool)
            return replace(c, disabled_tools=frozenset(off))

        self._save(self._replaced(server, change))

    def set_policy(self, server: str, policy: Any) -> None:
        try:
            self.approvals.set_server_policy(server, policy)
        except OSError as exc:
            self.say(f"The policy could not be saved ({exc.strerror or exc}).", error=True)
        self.refresh()

    def revoke(self, server: str, tool: str) -> None:
        try:
            self.approvals.revoke(server, tool)
        except OSError as exc:
            self.say(f"The approval could not be revoked ({exc.strerror or exc}).", error=True)
        self.refresh()

    def revoke_read_only(self, server: str) -> None:
        try:
            self.approvals.set_read_only_allowed(server, False)
        except OSError as exc:
            self.say(f"The approval could not be revoked ({exc.strerror or exc}).", error=True)
        self.refresh()

    def remove_server(self, name: str) -> None:
        self._save([c for c in self.configs() if c.name != name], f"Removed {name}.")

    def add_server(self) -> None:
        self._open_form(None)

    def edit_server(self, name: str) -> None:
        found = [c for c in self.configs() if c.name == name]
        if found:
            self._open_form(found[0])

    def _open_form(self, editing: ServerConfig | None) -> None:
        form = ServerForm({c.name for c in self.configs()}, editing, self)
        self.dialog = form

        def accepted() -> None:
            server = form.server
            assert server is not None
            self._store([server], replacing=editing.name if editing else None)

        form.accepted.connect(accepted)
        form.open()

    def _store(self, new: list[ServerConfig], *, replacing: str | None = None) -> None:
        """Add `new` (a server of the same name, or `replacing`, is replaced in its place),
        with their credentials moved to the keyring first."""

        async def store() -> str:
            kept: list[ServerConfig] = []
            dropped: list[str] = []
            for server in new:
                # The keyring may block (an unlock prompt): not on the window's loop.
                server, _, lost = await asyncio.to_thread(keep_secrets_in_keyring, server)
                kept.append(server)
                dropped += lost
            servers = self.configs()
            had = {c.name for c in servers}
            by_name = {s.name: s for s in kept}
            by_name_all = set(by_name)
            out: list[ServerConfig] = []
            for c in servers:
                if c.name == replacing and kept:
                    out.append(by_name.pop(kept[0].name, kept[0]))
                elif c.name in by_name:
                    out.append(by_name.pop(c.name))
                else:
                    out.append(c)
            out += list(by_name.values())
            await self.tools.save(out)
            names = ", ".join(s.name for s in kept)
            verb = "Saved" if replacing or had & set(by_name_all) else "Added"
            sentence = f"{verb} {names}."
            if dropped:
                sentence += (
                    f" No keyring could keep {', '.join(dropped)}, so it was left out of the file."
                )
            return sentence

        self._run(store())

    def paste_json(self) -> None:
        dialog = PasteJsonDialog(self)
        self.dialog = dialog

        def accepted() -> None:
            assert dialog.config is not None
            self._store(list(dialog.config.servers))

        dialog.accepted.connect(accepted)
        dialog.open()

    def import_claude_desktop(self) -> None:
        source = self.claude_desktop_config or claude_desktop_config_path()

        async def run_import() -> str:
            if not source.is_file():
                return f"Claude Desktop's config was not found (looked for {source})."
            report = await asyncio.to_thread(import_claude_desktop, source, self.config_path)
            await self.tools.reload()
            parts = []
            if report.added:
                parts.append(f"Imported {', '.join(report.added)} from Claude Desktop.")
            else:
                parts.append("Claude Desktop has no servers that are not here already.")
            if report.kept:
                parts.append(f"Kept yours of the same name: {', '.join(report.kept)}.")
            if report.secrets_in_keyring:
                parts.append(f"Moved to the keyring: {', '.join(report.secrets_in_keyring)}.")
            if report.secrets_dropped:
                parts.append(
                    f"No keyring could keep {', '.join(report.secrets_dropped)}: left out."
                )
            return " ".join(parts)

        self._run(run_import())
