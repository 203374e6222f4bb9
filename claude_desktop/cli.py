"""The terminal form: `python -m claude_desktop ask [--attach FILE]... PROMPT` streams an
answer to stdout.

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
import logging
import sys
from pathlib import Path
from typing import Any, TextIO

from claude_desktop import __version__, history_cli
from claude_desktop.api.errors import ClaudeError
from claude_desktop.api.masking import mask_keys
from claude_desktop.api.models import DEFAULT_MODEL
from claude_desktop.domain import providers
from claude_desktop.domain.api_request import ApiRequest
from claude_desktop.domain.attachments import (
    AttachmentError,
    check_request_limits,
    load_attachment,
    user_content,
)
from claude_desktop.domain.logs import setup_logging
from claude_desktop.domain.secrets import KeyStore
from claude_desktop.domain.settings import Settings
from claude_desktop.domain.turn_events import NullObserver
from claude_desktop.domain.turn_runner import TurnRunner

log = logging.getLogger(__name__)

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
    """The answer's text to stdout as it arrives; status lines (a retry coming) to stderr."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err
        self.wrote = False

    def text_delta(self, index: int, text: str) -> None:
        self.out.write(text)
        self.out.flush()
        self.wrote = True

    def status(self, text: str | None) -> None:
        if text:
            print(one_line(text), file=self.err, flush=True)


async def ask(
    args: argparse.Namespace, api_key: str | None, out: TextIO, err: TextIO, settings: Settings
) -> int:
    if args.prompt == "-":
        try:
            prompt = sys.stdin.read()
        except UnicodeDecodeError:
            print(f"The question on stdin is not {sys.stdin.encoding} text.", file=err)
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
            print(exc.human, file=err, flush=True)
            return 1
        content = user_content(prompt, attachments)
    request = ApiRequest(
        args.model,
        max_tokens=args.max_tokens,
        system=args.system or "",
        messages=[{"role": "user", "content": content}],
    )
    printer = _PrintAnswer(out, err)
    # The window's provider, base URL, proxy and timeouts; the window's request builder.
    try:
        client = providers.make_client(settings, api_key)
    except ClaudeError as exc:
        print(one_line(exc.human), file=err, flush=True)
        return 1
    async with client:
        result = await TurnRunner(client, printer).run(request)
    if printer.wrote:
        out.write("\n")
        out.flush()
    if result.error is not None:
        secrets = [api_key] if api_key else []
        print(one_line(mask_keys(result.error_text or "", secrets)), file=err, flush=True)
        return 1
    note = result.message.stop_note if result.message is not None else None
    if note:
        print(note, file=err, flush=True)
    return 0


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
