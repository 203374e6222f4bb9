"""The forms of Settings → Tools: add or edit one MCP server, and paste servers as JSON.

Each checks what was typed and says what is wrong in one sentence, in the form, keeping
what was typed. Nothing here writes anything: the page saves what the form gives.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.domain.mcp.config import McpConfig, McpConfigError, ServerConfig, parse_config

from . import theme
from .message_frame import set_text_color, small

__all__ = ["PasteJsonDialog", "ServerForm"]


class ServerForm(QDialog):
    """Name, and either a command (with arguments and environment) or an address (with
    headers). `server` is the result once accepted."""

    def __init__(
        self, taken: set[str], editing: ServerConfig | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Edit {editing.name}" if editing else "Add an MCP server")
        self.setMinimumWidth(480)
        self._taken = taken - ({editing.name} if editing else set())
        self._editing = editing
        self.server: ServerConfig | None = None

        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name = QLineEdit(self)
        self.name.setAccessibleName("Server name")
        self.name.setPlaceholderText("filesystem")
        form.addRow("Name", self.name)
        kinds = QHBoxLayout()
        self.local = QRadioButton("Local command", self)
        self.remote = QRadioButton("Remote address", self)
        group = QButtonGroup(self)
        for button in (self.local, self.remote):
            group.addButton(button)
            kinds.addWidget(button)
        kinds.addStretch(1)
        form.addRow("Runs as", kinds)
        layout.addLayout(form)

        self.pages = QStackedWidget(self)
        local = QWidget(self)
        local_form = QFormLayout(local)
        local_form.setContentsMargins(0, 0, 0, 0)
        self.command = QLineEdit(local)
        self.command.setAccessibleName("Command")
        self.command.setPlaceholderText("npx")
        self.args = QLineEdit(local)
        self.args.setAccessibleName("Arguments")
        self.args.setPlaceholderText("-y @modelcontextprotocol/server-filesystem ~/notes")
        self.env = QPlainTextEdit(local)
        self.env.setAccessibleName("Environment")
        self.env.setPlaceholderText("NAME=value, one a line")
        self.env.setTabChangesFocus(True)
        self.env.setFixedHeight(72)
        local_form.addRow("Command", self.command)
        local_form.addRow("Arguments", self.args)
        local_form.addRow("Environment", self.env)
        remote = QWidget(self)
        remote_form = QFormLayout(remote)
        remote_form.setContentsMargins(0, 0, 0, 0)
        self.url = QLineEdit(remote)
        self.url.setAccessibleName("Address")
        self.url.setPlaceholderText("https://example.com/mcp")
        self.headers = QPlainTextEdit(remote)
        self.headers.setAccessibleName("Headers")
        self.headers.setPlaceholderText("Authorization: Bearer …, one a line")
        self.headers.setTabChangesFocus(True)
        self.headers.setFixedHeight(72)
        secret_hint = QLabel(
            "Tokens and keys in headers are kept in the system keyring, not in the file.", remote
        )
        secret_hint.setWordWrap(True)
        small(secret_hint)
        remote_form.addRow("Address", self.url)
        remote_form.addRow("Headers", self.headers)
        remote_form.addRow("", secret_hint)
        self.pages.addWidget(local)
        self.pages.addWidget(remote)
        layout.addWidget(self.pages)
        self.local.toggled.connect(lambda on: self.pages.setCurrentIndex(0 if on else 1))

        self.problem = QLabel(self)
        self.problem.setAccessibleName("Problem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.check)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        if editing is None:
            self.local.setChecked(True)
        else:
            self._fill(editing)

    def _fill(self, server: ServerConfig) -> None:
        self.name.setText(server.name)
        self.remote.setChecked(server.remote)
        self.local.setChecked(not server.remote)
        self.pages.setCurrentIndex(1 if server.remote else 0)
        self.command.setText(server.command)
        self.args.setText(shlex.join(server.args))
        self.env.setPlainText("\n".join(f"{k}={v}" for k, v in server.env.items()))
        self.url.setText(server.url)
        self.headers.setPlainText("\n".join(f"{k}: {v}" for k, v in server.headers.items()))

    def say(self, sentence: str) -> None:
        set_text_color(self.problem, theme.tokens_for(self.palette()).error_text)
        self.problem.setText(sentence)
        self.problem.show()

    def check(self) -> None:
        try:
            self.server = self._server()
        except ValueError as exc:
            self.say(str(exc))
            return
        self.accept()

    def _server(self) -> ServerConfig:
        name = self.name.text().strip()
        if not name:
            raise ValueError("Give the server a name.")
        if name in self._taken:
            raise ValueError(f"There is already a server named {name}.")
        if self.local.isChecked():
            command = self.command.text().strip()
            if not command:
                raise ValueError("Say which command starts the server (for example npx).")
            try:
                args = tuple(shlex.split(self.args.text()))
            except ValueError:
                raise ValueError("The arguments have a quote that is not closed.") from None
            entry = ServerConfig(
                name, command=command, args=args, env=_pairs(self.env, "=", "environment")
            )
        else:
            url = self.url.text().strip()
            if not url.startswith(("http://", "https://")):
                raise ValueError("The address must start with http:// or https://.")
            entry = ServerConfig(
                name, url=url, type="http", headers=_pairs(self.headers, ":", "headers")
            )
        old = self._editing
        if old is not None:
            # What only Settings sets (on/off, tools turned off, the timeout) stays.
            entry = replace(
                entry, enabled=old.enabled, disabled_tools=old.disabled_tools, timeout=old.timeout
            )
        return entry


def _pairs(box: QPlainTextEdit, sep: str, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for number, line in enumerate(box.toPlainText().splitlines(), 1):
        if not line.strip():
            continue
        key, found, value = line.partition(sep)
        if not found or not key.strip():
            example = "NAME=value" if sep == "=" else "Name: value"
            raise ValueError(f"Line {number} of the {what} is not {example}.")
        out[key.strip()] = value.strip()
    return out


class PasteJsonDialog(QDialog):
    """A text box for `{"mcpServers": {...}}` (or just the servers' object, as READMEs often
    show it); `config` is what it parsed once accepted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Paste MCP servers as JSON")
        self.setMinimumSize(520, 360)
        self.config: McpConfig | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            'Paste the JSON a server\'s instructions give, in the {"mcpServers": {…}} form '
            "Claude Desktop uses. Servers with a name you have already are replaced.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.text = QPlainTextEdit(self)
        self.text.setAccessibleName("Servers as JSON")
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText('{"mcpServers": {"name": {"command": "npx", "args": []}}}')
        layout.addWidget(self.text, 1)
        self.problem = QLabel(self)
        self.problem.setAccessibleName("Problem")
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.hide()
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add servers")
        self.buttons.accepted.connect(self.check)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def say(self, sentence: str) -> None:
        set_text_color(self.problem, theme.tokens_for(self.palette()).error_text)
        self.problem.setText(sentence)
        self.problem.show()

    def check(self) -> None:
        text = self.text.toPlainText()
        try:
            config = parse_config(_wrapped(text))
        except McpConfigError as exc:
            self.say(exc.human)
            return
        if not config.servers:
            self.say('There are no servers in it: paste {"mcpServers": {…}} with at least one.')
            return
        self.config = config
        self.accept()


def _wrapped(text: str) -> str:
    """`{"name": {"command": …}}` without the "mcpServers" around it, wrapped in one."""
    try:
        data = json.loads(text)
    except ValueError:
        return text  # parse_config says what is wrong
    if isinstance(data, dict) and "mcpServers" not in data and data:
        entries = list(data.values())
        if all(isinstance(e, dict) and ("command" in e or "url" in e) for e in entries):
            return json.dumps({"mcpServers": data})
    return text
