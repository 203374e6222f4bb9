"""Settings → Tools: the MCP servers, their state and tools, and which calls run unasked.

Each server is a card (settings_tools_card.py): its state, switch, policy, Edit and Remove,
and its tools. Above the list: Add server, Paste JSON… and Import from Claude Desktop (the
forms are in settings_tools_forms.py). Every change is written to the config file and
applied at once (servers started, stopped or restarted); a hand edit of the file shows here
too.

`ToolsPage(tools, approvals)`: `tools` is the app's AppTools (the config file, `save`,
`reload`, `configs`, the running `servers`), `approvals` the window's ToolApprovals.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
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
from claude_desktop.domain.tool_approvals import ToolApprovals

from . import icons, theme
from .message_frame import set_text_color, small
from .settings_tools_card import ServerCard
from .settings_tools_forms import PasteJsonDialog, ServerForm

__all__ = ["ToolsPage"]

log = logging.getLogger(__name__)

REFRESH_MS = 500


def _discard(listeners: list[Any], listener: Any) -> None:
    if listener in listeners:
        listeners.remove(listener)


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
