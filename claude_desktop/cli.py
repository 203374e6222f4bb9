"""The terminal form: `python -m claude_desktop ask [--attach FILE]... PROMPT` streams an
answer to stdout.

Tools: `--mcp-config FILE` offers those MCP servers' tools (and the app's own servers unless
`--no-app-tools`); `--allow-tools` runs every call, else a terminal is asked y/N per call on
stderr and a pipe refuses each (Claude gets an is_error result; stderr says so).
`--web-search` offers Anthropic's web search and prints the sources after the answer. Tool
activity goes to stderr ("→ files__read_file {...}", "← 1,204 chars"), the answer alone to
stdout.

It runs the turn through the same runner and request builder as the window, with the app's
Connection settings (provider, base URL, proxy, timeouts), and is how a person checks a key
or a provider from a terminal.
Exit codes: 0 done; 1 the request failed or could not be made (no key, a key with a character
no key has, a bad base URL or proxy: the one line on stderr says which); 2 usage (bad
arguments, a question on stdin that is not text); 130 Ctrl-C. Nothing else reaches stderr,
never a traceback, never the key.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from claude_desktop import __version__, history_cli
from claude_desktop.api.errors import ClaudeError, HumanError
from claude_desktop.api.masking import mask_keys
from claude_desktop.api.models import DEFAULT_MODEL
from claude_desktop.domain import paths, providers
from claude_desktop.domain.api_request import ApiRequest
from claude_desktop.domain.attachments import (
    AttachmentError,
    check_request_limits,
    load_attachment,
    user_content,
)
from claude_desktop.domain.citations import format_sources
from claude_desktop.domain.logs import setup_logging
from claude_desktop.domain.secrets import KeyStore
from claude_desktop.domain.settings import Settings
from claude_desktop.domain.tool_loop import (
    ToolCall,
    ToolPolicy,
    allow_all,
    compact_json,
    result_size,
    result_text,
)
from claude_desktop.domain.tools import ToolProvider
from claude_desktop.domain.turn_events import NullObserver
from claude_desktop.domain.turn_result import TurnResult
from claude_desktop.domain.turn_runner import TurnRunner

if TYPE_CHECKING:
    from claude_desktop.domain.mcp.config import McpConfig
    from claude_desktop.domain.mcp.servers import McpServers

log = logging.getLogger(__name__)

#: How long `ask` waits for its MCP servers to start before asking without the slow ones.
MCP_START_SECONDS = 30.0

COMMANDS = ("ask", *history_cli.COMMANDS)
DEFAULT_MAX_TOKENS = 4096
NO_KEY = (
    "No API key found. Set the ANTHROPIC_API_KEY environment variable, or open the app "
    "and enter your key once: it is kept in your system keyring."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m claude_desktop")
    parser.add_argument("--version", action="version", version=f"claude-desktop {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    ask = commands.add_parser("ask", help="ask Claude and stream the answer to stdout")
    ask.add_argument("prompt", metavar="PROMPT", help="the question (use - to read stdin)")
    ask.add_argument("--model", default=DEFAULT_MODEL, help=f"model id (default {DEFAULT_MODEL})")
    ask.add_argument(
        "--max-tokens",
        type=_positive_int,
        default=DEFAULT_MAX_TOKENS,
        metavar="N",
        help=f"longest answer in tokens (default {DEFAULT_MAX_TOKENS})",
    )
    ask.add_argument("--system", metavar="TEXT", help="a system prompt")
    ask.add_argument(
        "--attach",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="attach an image, PDF or text file (repeat for several)",
    )
    ask.add_argument(
        "--mcp-config",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help='offer the tools of the MCP servers in FILE ({"mcpServers": ...}; repeatable)',
    )
    ask.add_argument(
        "--no-app-tools", action="store_true", help="leave out the MCP servers set up in the app"
    )
    ask.add_argument(
        "--allow-tools",
        action="store_true",
        help="run every tool call without asking (else: asked on a terminal, refused when piped)",
    )
    ask.add_argument(
        "--web-search", action="store_true", help="offer web search; the sources follow the answer"
    )
    ask.add_argument("--debug", action="store_true", help="log requests and failures to stderr")
    history_cli.add_commands(commands)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def one_line(text: str) -> str:
    """`text` on one line: a server's message may carry newlines (an HTML page, a trace)."""
    return " ".join(text.split())


class _PrintAnswer(NullObserver):
    """The answer's text to stdout as it arrives; tool activity and status lines (a retry
    coming) to stderr."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err
        self.wrote = False
        #: Text went out since the last tool activity: the next step's text starts a line.
        self._line_open = False
        self._after_tools = False

    def text_delta(self, index: int, text: str) -> None:
        if self._after_tools and self.wrote:
            self.out.write("\n\n")
        self._after_tools = False
        self.out.write(text)
        self.out.flush()
        self.wrote = True

    def block_stopped(self, index: int, block: dict[str, Any]) -> None:
        kind = block.get("type")
        if kind in ("tool_use", "server_tool_use"):
            self._after_tools = True
            arguments = compact_json(block.get("input", {}))
            _say(self.err, f"→ {block.get('name', 'tool')} {arguments}")
        elif kind == "tool_result":
            if block.get("is_error"):
                _say(self.err, f"← error: {one_line(result_text(block))}")
            else:
                _say(self.err, f"← {result_size(block):,} chars")

    def status(self, text: str | None) -> None:
        if text:
            _say(self.err, one_line(text))


def load_tool_configs(files: list[Path]) -> list[McpConfig]:
    """The `--mcp-config` files, read by the app's own parser (domain.mcp.config), before
    anything is sent; McpConfigError names the first file that is not one. No MCP code is
    imported when no file is given."""
    if not files:
        return []
    from claude_desktop.domain.mcp.config import load_config

    return [load_config(path) for path in files]


def tool_policy(
    args: argparse.Namespace, err: TextIO, interactive: bool, read_line: Callable[[], str]
) -> ToolPolicy:
    """--allow-tools: run every call; on a terminal: ask y/N on stderr; else refuse each."""
    if args.allow_tools:
        return allow_all

    async def ask_terminal(call: ToolCall, _ask: Any) -> bool:
        print(f"Allow {call.name} {compact_json(call.input)}? [y/N] ", end="", file=err, flush=True)
        try:
            answer = await asyncio.to_thread(read_line)
        except (OSError, EOFError, UnicodeDecodeError):
            answer = ""
        return answer.strip().lower() in ("y", "yes")

    async def refuse(call: ToolCall, _ask: Any) -> bool:
        _say(err, f"Refused {call.name}: no terminal to ask on (run with --allow-tools to allow).")
        return False

    return ask_terminal if interactive else refuse


async def ask(
    args: argparse.Namespace,
    api_key: str | None,
    out: TextIO,
    err: TextIO,
    settings: Settings,
    *,
    tools: ToolProvider | None = None,
    interactive: bool | None = None,
    read_line: Callable[[], str] | None = None,
) -> int:
    """Answer one question. `tools` stands in for the MCP servers (tests); `interactive`
    (default: stdin and stderr are terminals and the question is not on stdin) says whether
    tool calls can be asked about, `read_line` how an answer is read."""
    try:
        tool_configs = load_tool_configs(args.mcp_config)
    except HumanError as exc:  # a file that is not an MCP config: named, a usage error
        _say(err, one_line(exc.human))
        return 2
    if args.prompt == "-":
        try:
            prompt = sys.stdin.read()
        except UnicodeDecodeError:
            _say(err, f"The question on stdin is not {sys.stdin.encoding} text.")
            return 2
    else:
        prompt = args.prompt
    content: str | list[dict[str, Any]] = prompt
    if args.attach:
        # Every file is checked before anything is sent: a bad one costs no request.
        try:
            attachments = [await load_attachment(path) for path in args.attach]
            check_request_limits(attachments)
        except AttachmentError as exc:
            _say(err, exc.human)
            return 1
        content = user_content(prompt, attachments)
    web_search = args.web_search
    if web_search and settings.provider != "anthropic":
        _say(err, "Web search is offered only through the Anthropic API; asking without it.")
        web_search = False
    request = ApiRequest(
        args.model,
        max_tokens=args.max_tokens,
        system=args.system or "",
        messages=[{"role": "user", "content": content}],
        web_search=web_search,
    )
    if interactive is None:
        interactive = sys.stdin.isatty() and sys.stderr.isatty() and args.prompt != "-"
    policy = tool_policy(args, err, interactive, read_line or sys.stdin.readline)
    # The window's provider, base URL, proxy and timeouts; the window's request builder.
    # Made before any MCP server starts: a bad base URL or proxy is said at once.
    try:
        client = providers.make_client(settings, api_key)
    except ClaudeError as exc:
        _say(err, one_line(exc.human))
        return 1
    printer = _PrintAnswer(out, err)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(client)
        if tools is None:
            try:
                servers = await start_mcp_servers(args, tool_configs, err)
            except HumanError as exc:  # the app's own file cannot be used: named, usage error
                _say(err, one_line(exc.human))
                return 2
            if servers is not None:
                stack.push_async_callback(servers.close)  # each server ends with the answer
            tools = servers
        runner = TurnRunner(
            client,
            printer,
            citations=settings.citations,
            tools=tools,
            tool_policy=policy,
            tool_ticks=False,
        )
        result = await runner.run(request)
    return _print_outcome(result, printer, out, err, api_key)


async def start_mcp_servers(
    args: argparse.Namespace, given: list[McpConfig], err: TextIO
) -> McpServers | None:
    """The MCP servers of the `--mcp-config` files (`given`, already read) and, unless
    `--no-app-tools`, the app's own file; None when there are none (then no MCP code is
    imported). A server that cannot start is named in one line on stderr and left out; the
    question is answered without it."""
    configs: list[McpConfig | Path] = list(given)
    own = paths.mcp_config_file()
    if not args.no_app_tools and own.is_file():
        configs.insert(0, own)  # a file named on the command line wins over the app's
    if not configs:
        return None
    from claude_desktop.domain.mcp.servers import McpServers, ServerState

    servers = await McpServers.start(configs)
    await servers.wait_started(MCP_START_SECONDS)
    for status in servers.status():
        if status.state is ServerState.FAILED:
            _say(err, one_line(f"The MCP server {status.name} could not start: {status.error}"))
    return servers


def _print_outcome(
    result: TurnResult, printer: _PrintAnswer, out: TextIO, err: TextIO, api_key: str | None
) -> int:
    """End the answer's line, then the failure, or the sources and the stop note; the exit
    code."""
    if printer.wrote:
        out.write("\n")
        out.flush()
    if result.error is not None:
        secrets = [api_key] if api_key else []
        _say(err, one_line(mask_keys(result.error_text or "", secrets)))
        return 1
    if result.message is not None:
        sources = format_sources(result.message)  # what a cited answer quotes, numbered
        if sources:
            out.write("\n" + "\n".join(["Sources:", *sources]) + "\n")
        if result.message.stop_note:
            _say(err, result.message.stop_note)
    return 0


def _say(err: TextIO, line: str) -> None:
    print(line, file=err, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in history_cli.COMMANDS:
        return history_cli.run(args)
    if args.debug:
        # To stderr only (a terminal command keeps no log file), keys masked.
        setup_logging(debug=True, to_file=False)
    else:
        # stderr carries the one human line; without this, Python would print warnings too.
        logging.getLogger().addHandler(logging.NullHandler())
    # The app's Connection settings (provider, base URL, proxy, timeouts) apply here too.
    settings = Settings.load()
    api_key: str | None = None
    if providers.needs_key(settings):
        api_key, _source = KeyStore().get()
        if not api_key:
            print(NO_KEY, file=sys.stderr)
            return 1
    try:
        # asyncio.run cancels the task on Ctrl-C, which closes the HTTP response at once.
        return asyncio.run(ask(args, api_key, sys.stdout, sys.stderr, settings))
    except KeyboardInterrupt:
        print("\nStopped.", file=sys.stderr, flush=True)
        return 130
    except Exception as exc:
        # The last line: every known failure is a ClaudeError with its sentence; anything
        # else is a bug, still one line (the traceback goes to the --debug log, masked).
        log.debug("ask failed", exc_info=True)
        what = one_line(mask_keys(str(exc), [api_key] if api_key else [])) or type(exc).__name__
        print(f"ask failed unexpectedly: {what}", file=sys.stderr, flush=True)
        return 1
