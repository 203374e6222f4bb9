"""Settings → Tools with real child-process MCP servers (tests/mcp_server.py): add, edit,
remove, enable and disable a server or a tool, paste JSON, import Claude Desktop's config,
the policy and Revoke, and hand edits of the config file picked up while the app runs."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QVBoxLayout
from pytestqt.qtbot import QtBot

from claude_desktop.app_tools import AppTools
from claude_desktop.domain.mcp.config import KEYRING_VALUE, header_secret_store
from claude_desktop.domain.tool_approvals import ToolApprovals
from claude_desktop.ui.settings_tools import ToolsPage
from claude_desktop.ui.settings_tools_forms import PasteJsonDialog, ServerForm

MCP_SERVER = str(Path(__file__).parents[1] / "mcp_server.py")


class Page:
    """The page in a plain dialog, over an AppTools of its own config file."""

    def __init__(self, qtbot: QtBot, loop: qasync.QEventLoop, folder: Path) -> None:
        self.qtbot, self.loop, self.folder = qtbot, loop, folder
        self.config = folder / "mcp_servers.json"
        self.tools = AppTools(self.config)
        self.approvals = ToolApprovals(folder / "tool_approvals.json")
        self.claude = folder / "Claude" / "claude_desktop_config.json"
        self.page = ToolsPage(
            self.tools, self.approvals, self.config, claude_desktop_config=self.claude
        )
        self.dialog = QDialog()
        QVBoxLayout(self.dialog).addWidget(self.page)
        self.dialog.resize(760, 560)
        qtbot.addWidget(self.dialog)
        self.dialog.show()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        task = asyncio.ensure_future(coro, loop=self.loop)
        self.qtbot.waitUntil(task.done, timeout=10_000)
        return task.result()

    def wait(self, condition: Any, seconds: float = 10) -> None:
        self.qtbot.waitUntil(lambda: bool(condition()), timeout=int(seconds * 1000))

    def settle(self) -> None:
        """Until the page's last change is written and applied."""
        self.wait(lambda: self.page.pending is None or self.page.pending.done())
        self.page.refresh()

    def file(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.config.read_text(encoding="utf-8"))["mcpServers"]
        return data

    def state(self, name: str) -> str:
        self.page.refresh()
        card = self.page.cards.get(name)
        return card.state.text() if card is not None else "(no card)"

    def write_by_hand(self, text: str) -> None:
        """As an editor saves: a new file renamed over the old one."""
        tmp = self.config.with_name("edit.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.config)


def local(events: Path | None = None, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"command": sys.executable, "args": [MCP_SERVER], **extra}
    if events is not None:
        entry["env"] = {"MCP_TEST_EVENTS": str(events)}
    return entry


def pids(events: Path) -> list[str]:
    if not events.exists():
        return []
    return [line for line in events.read_text().splitlines() if line.startswith("pid ")]


@pytest.fixture
def page(qtbot: QtBot, loop: qasync.QEventLoop, tmp_path: Path) -> Iterator[Page]:
    shown = Page(qtbot, loop, tmp_path)
    yield shown
    shown.run(shown.tools.close())


def fill_form(page: Page, **fields: str) -> ServerForm:
    page.page.add_button.click()
    form = page.page.dialog
    assert isinstance(form, ServerForm)
    for name, value in fields.items():
        widget = getattr(form, name)
        if hasattr(widget, "setPlainText"):
            widget.setPlainText(value)
        else:
            widget.setText(value)
    return form


def test_add_a_local_server_starts_it_and_writes_the_file(page: Page, tmp_path: Path) -> None:
    events = tmp_path / "events.txt"
    form = fill_form(
        page,
        name="notes",
        command=sys.executable,
        args=MCP_SERVER,
        env=f"MCP_TEST_EVENTS={events}",
    )
    form.check()
    page.settle()
    assert page.file()["notes"] == {
        "command": sys.executable,
        "args": [MCP_SERVER],
        "env": {"MCP_TEST_EVENTS": str(events)},
    }
    page.wait(lambda: page.state("notes") == "Ready, 7 tools")
    assert page.page.notice.text() == "Added notes."
    card = page.page.cards["notes"]
    card.expand.click()
    assert "echo" in card.tool_switches and card.tools_box.isVisible()


def test_the_form_says_what_is_wrong_and_keeps_what_was_typed(page: Page) -> None:
    form = fill_form(page, name="", command="npx")
    form.check()
    assert form.problem.text() == "Give the server a name." and form.isVisible()
    form.name.setText("x")
    form.env.setPlainText("JUST_A_NAME")
    form.check()
    assert form.problem.text() == "Line 1 of the environment is not NAME=value."
    form.remote.setChecked(True)
    form.url.setText("ftp://example.com")
    form.check()
    assert form.problem.text() == "The address must start with http:// or https://."
    assert form.command.text() == "npx"  # nothing typed is lost
    form.reject()


def test_a_remote_servers_bearer_token_goes_to_the_keyring_not_the_file(page: Page) -> None:
    form = fill_form(page, name="linear")
    form.remote.setChecked(True)
    form.url.setText("http://127.0.0.1:9/mcp")
    form.headers.setPlainText("Authorization: Bearer sk-secret-123\nX-Team: blue")
    form.check()
    page.settle()
    assert page.file()["linear"]["headers"] == {"Authorization": KEYRING_VALUE, "X-Team": "blue"}
    assert "sk-secret-123" not in page.config.read_text()
    assert header_secret_store("linear", "Authorization").get()[0] == "Bearer sk-secret-123"


def test_edit_restarts_the_server_and_remove_stops_it_after_confirming(
    page: Page, tmp_path: Path
) -> None:
    events = tmp_path / "events.txt"
    page.config.write_text(json.dumps({"mcpServers": {"notes": local(events)}}))
    page.run(page.tools.reload())
    page.wait(lambda: page.state("notes") == "Ready, 7 tools")
    assert len(pids(events)) == 1

    page.page.cards["notes"].edit.click()
    form = page.page.dialog
    assert isinstance(form, ServerForm) and form.command.text() == sys.executable
    form.env.setPlainText(f"MCP_TEST_EVENTS={events}\nEXTRA=1")
    form.check()
    page.settle()
    assert page.file()["notes"]["env"]["EXTRA"] == "1"
    page.wait(lambda: len(pids(events)) == 2 and page.state("notes") == "Ready, 7 tools")
    assert "stdin closed" in events.read_text()  # the old process was stopped cleanly

    card = page.page.cards["notes"]
    card.remove.click()
    assert card.confirm.isVisible() and page.file() != {}  # nothing yet
    card.confirm_remove.click()
    page.settle()
    assert page.file() == {} and "notes" not in page.page.cards
    assert page.tools.servers.status() == []
    assert events.read_text().count("stdin closed") == 2
    assert page.page.empty.isVisible()


def test_disable_a_server_and_a_tool(page: Page, tmp_path: Path) -> None:
    events = tmp_path / "events.txt"
    page.config.write_text(json.dumps({"mcpServers": {"notes": local(events)}}))
    page.run(page.tools.reload())
    page.wait(lambda: page.state("notes") == "Ready, 7 tools")
    card = page.page.cards["notes"]
    card.expand.click()
    card.tool_switches["fail"].click()
    page.settle()
    assert page.file()["notes"]["disabledTools"] == ["fail"]
    names = [s.title for s in page.run(page.tools.servers.tools())]
    assert "fail" not in names and "echo" in names
    assert len(pids(events)) == 1  # a tool turned off keeps the server running

    card.enabled.click()
    page.settle()
    assert page.file()["notes"]["disabled"] is True
    page.wait(lambda: page.state("notes") == "Disabled")
    page.wait(lambda: "stdin closed" in events.read_text())
    card.enabled.click()
    page.settle()
    assert "disabled" not in page.file()["notes"]
    page.wait(lambda: page.state("notes") == "Ready, 7 tools")
    page.wait(lambda: len(pids(events)) == 2)  # started again: a new process


def test_a_failed_server_shows_why_and_its_log_folded(page: Page) -> None:
    crash = {
        "command": sys.executable,
        "args": ["-c", "import sys; print('no node here', file=sys.stderr); sys.exit(1)"],
    }
    page.config.write_text(json.dumps({"mcpServers": {"broken": crash}}))
    page.run(page.tools.reload())
    page.wait(lambda: page.state("broken").startswith("Failed"))
    card = page.page.cards["broken"]
    assert card.log_toggle.isVisible() and not card.log.isVisible()
    card.log_toggle.click()
    assert "no node here" in card.log.toPlainText() and card.log.isVisible()


def test_paste_json_adds_servers_and_says_what_is_wrong_in_one_sentence(page: Page) -> None:
    page.page.paste_button.click()
    dialog = page.page.dialog
    assert isinstance(dialog, PasteJsonDialog)
    dialog.text.setPlainText('{"mcpServers": {"notes": {"command": }}}')
    dialog.check()
    assert dialog.problem.text().startswith("The MCP config is not valid JSON (line 1, column")
    dialog.text.setPlainText('{"mcpServers": {"notes": {"args": []}}}')
    dialog.check()
    assert dialog.problem.text() == (
        'The MCP config: server "notes" needs a "command" to run (or a "url" for a remote server).'
    )
    # The servers' object alone, as many READMEs show it, is taken too.
    dialog.text.setPlainText(json.dumps({"notes": local()}))
    dialog.check()
    page.settle()
    assert list(page.file()) == ["notes"]
    page.wait(lambda: page.state("notes") == "Ready, 7 tools")
    assert page.page.notice.text() == "Added notes."


def test_import_from_claude_desktop_in_one_click(page: Page, memory_keyring: Any) -> None:
    page.page.import_button.click()
    page.settle()
    assert page.page.notice.text() == (
        f"Claude Desktop's config was not found (looked for {page.claude})."
    )
    page.claude.parent.mkdir(parents=True)
    theirs = {
        "notes": local(),
        "remote": {"url": "http://127.0.0.1:9/mcp", "headers": {"Authorization": "Bearer t0k"}},
    }
    page.claude.write_text(json.dumps({"mcpServers": theirs, "globalShortcut": "Ctrl+Space"}))
    page.page.import_button.click()
    page.settle()
    assert page.page.notice.text() == (
        "Imported notes, remote from Claude Desktop. Moved to the keyring: remote: Authorization."
    )
    assert page.file()["remote"]["headers"] == {"Authorization": KEYRING_VALUE}
    page.wait(lambda: page.state("notes") == "Ready, 7 tools")
    page.page.import_button.click()
    page.settle()
    assert page.page.notice.text().startswith("Claude Desktop has no servers that are not here")


def test_policy_and_revoke_are_saved_at_once(page: Page) -> None:
    page.config.write_text(json.dumps({"mcpServers": {"notes": local()}}))
    page.run(page.tools.reload())
    page.wait(lambda: page.state("notes") == "Ready, 7 tools")
    page.approvals.allow_always("notes", "echo")
    page.approvals.set_read_only_allowed("notes", True)
    card = page.page.cards["notes"]
    card.expand.click()
    page.page.refresh()
    card.policy.setCurrentIndex(card.policy.findData("never"))
    card.policy.activated.emit(card.policy.currentIndex())
    assert ToolApprovals(page.approvals.path).server_policy("notes") == "never"
    card.revoke_buttons["echo"].click()
    assert not ToolApprovals(page.approvals.path).always_allowed("notes", "echo")
    assert "echo" not in card.revoke_buttons
    card.revoke_buttons[""].click()  # the read-only tools of the whole server
    assert not ToolApprovals(page.approvals.path).read_only_allowed("notes")


def test_hand_edits_of_the_file_are_applied_while_running(page: Page, tmp_path: Path) -> None:
    one, two = tmp_path / "one.txt", tmp_path / "two.txt"
    page.tools.watch()
    page.write_by_hand(json.dumps({"mcpServers": {"one": local(one)}}))
    page.wait(lambda: page.state("one") == "Ready, 7 tools")
    # Another server added, by hand, in a file replaced atomically (the watch is renewed).
    page.write_by_hand(json.dumps({"mcpServers": {"one": local(one), "two": local(two)}}))
    page.wait(lambda: page.state("two") == "Ready, 7 tools")
    assert len(pids(one)) == 1  # unchanged: not restarted
    # A malformed file: one sentence, and the servers keep running as they were.
    page.write_by_hand('{"mcpServers": {"one": ')
    page.wait(lambda: page.page.problem.isVisible())
    assert page.page.problem.text().startswith(f"The MCP config file {page.config} is not valid")
    assert page.page.problem.text().endswith("The servers keep running as they were.")
    assert page.state("one") == page.state("two") == "Ready, 7 tools"
    # Fixed, with "one" removed and "two" changed: one stops, two restarts.
    page.write_by_hand(json.dumps({"mcpServers": {"two": local(two, timeout=30)}}))
    page.wait(lambda: "one" not in page.page.cards and not page.page.problem.isVisible())
    page.wait(lambda: len(pids(two)) == 2 and page.state("two") == "Ready, 7 tools")
    page.wait(lambda: "stdin closed" in one.read_text())


def test_every_control_of_a_server_has_a_name_and_takes_focus(page: Page) -> None:
    page.config.write_text(json.dumps({"mcpServers": {"notes": local()}}))
    page.run(page.tools.reload())
    page.wait(lambda: page.state("notes") == "Ready, 7 tools")
    card = page.page.cards["notes"]
    card.expand.click()
    page.page.refresh()
    controls = [card.expand, card.policy, card.enabled, card.edit, card.remove]
    controls += list(card.tool_switches.values())
    for control in controls:
        assert control.accessibleName(), control
        assert control.focusPolicy() & Qt.FocusPolicy.TabFocus, control.accessibleName()
