"""The history in a terminal: `list` the saved conversations and `export` them as Markdown
or JSON (the visible branch of each).

Exit codes: 0 done, 1 a failure explained in one line on stderr, 2 usage (from argparse).
From a damaged history `export --all` writes what can still be read, then exits 1 saying so.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from claude_desktop.domain.paths import data_dir
from claude_desktop.storage.export import UNTITLED, to_json, to_markdown
from claude_desktop.storage.salvage import Salvage, salvage
from claude_desktop.storage.store import (
    ConversationRecord,
    CorruptDatabaseError,
    MessageRecord,
    StorageError,
    Store,
)

COMMANDS = ("list", "export")
HISTORY_FILE = "history.sqlite3"
_MARKDOWN_SEPARATOR = "\n\n---\n\n"


class _Failure(Exception):
    """Ends a command with exit code 1 and this one line on stderr."""


def history_path() -> Path:
    return data_dir() / HISTORY_FILE


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `list` and `export` to the CLI's subcommands."""
    subparsers.add_parser("list", help="list saved conversations, the most recent first")
    export = subparsers.add_parser(
        "export",
        help="export conversations as Markdown or JSON",
        description=(
            "Export the visible branch of a conversation (by default the most recent one) "
            "as Markdown or JSON, to stdout or a file."
        ),
    )
    export.add_argument(
        "--format", choices=("md", "json"), default="md", help="output format (default md)"
    )
    which = export.add_mutually_exclusive_group()
    which.add_argument(
        "--conversation", type=int, metavar="ID", help="the conversation's id (see `list`)"
    )
    which.add_argument(
        "--all",
        action="store_true",
        help="every conversation; from a damaged history, every one that can still be read",
    )
    export.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="PATH",
        help=(
            "write here instead of stdout; with --all --format md a directory that gets one "
            "file per conversation"
        ),
    )


def run(args: argparse.Namespace) -> int:
    """Run `list` or `export` as parsed by a parser that `add_commands` extended."""
    try:
        if args.command == "list":
            _list()
        elif args.command == "export":
            _export(args)
        else:
            raise ValueError(f"not a history command: {args.command}")
    except BrokenPipeError:
        # The reader (`| head`) has gone: that is not an error. Point stdout at devnull so
        # that the interpreter's final flush does not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (_Failure, StorageError, OSError) as exc:
        message = exc.human if isinstance(exc, StorageError) else str(exc)
        print(message, file=sys.stderr, flush=True)
        return 1
    return 0


def _list() -> None:
    with _store() as store:
        if store is None:
            return
        counts = store.visible_message_counts()
        lines = [
            f"{c.id:>5}  {_date(c.updated_at)}  {counts.get(c.id, 0):>5}  {_title(c)}"
            for c in store.list_conversations()
        ]
    if lines:
        _emit("\n".join(lines) + "\n")


def _export(args: argparse.Namespace) -> None:
    rescued: Salvage | None = None
    try:
        with _store() as store:
            conversations = _chosen(store, args)
            exports = [(conv, store.branch(conv.id)) for conv in conversations] if store else []
    except CorruptDatabaseError:
        if not args.all:
            raise
        # The readable part of a damaged history, read without writing to it.
        rescued = salvage(history_path())
        exports = [(r.conversation, r.messages) for r in rescued.conversations]
    _write_exports(args, exports)
    if rescued is not None:
        raise _Failure(_rescue_report(rescued))


def _rescue_report(rescued: Salvage) -> str:
    path = history_path()
    count = len(rescued.conversations)
    text = (
        f"The history file {path} is damaged (it was left as it is): exported the "
        f"{count} conversation{'s' if count != 1 else ''} that could be read"
    )
    if rescued.incomplete:
        ids = ", ".join(str(r.conversation.id) for r in rescued.conversations if r.incomplete)
        text += (
            f"; {rescued.incomplete} of them {'is' if rescued.incomplete == 1 else 'are'} "
            f"missing messages that could not be read (conversation {ids})"
        )
    return text + "."


def _write_exports(
    args: argparse.Namespace, exports: list[tuple[ConversationRecord, list[MessageRecord]]]
) -> None:
    output: Path | None = args.output
    if args.format == "json":
        data: Any = [to_json(c, m) for c, m in exports]
        if not args.all:
            data = data[0]
        _write(json.dumps(data, indent=2, ensure_ascii=False) + "\n", output)
    elif args.all and output is not None:
        _write_directory(output, [(c, to_markdown(c, m)) for c, m in exports])
    else:
        _write(_MARKDOWN_SEPARATOR.join(to_markdown(c, m) for c, m in exports), output)


def _chosen(store: Store | None, args: argparse.Namespace) -> list[ConversationRecord]:
    if args.all:
        return store.list_conversations() if store else []
    if args.conversation is not None:
        conv = store.conversation(args.conversation) if store else None
        if conv is None or conv.deleted_at is not None:
            raise _Failure(f"There is no conversation {args.conversation} (see `list`).")
        return [conv]
    latest = store.list_conversations()[:1] if store else []
    if not latest:
        raise _Failure("There are no saved conversations yet.")
    return latest


@contextmanager
def _store() -> Iterator[Store | None]:
    # Reading commands must not create an empty history as a side effect.
    path = history_path()
    if not path.exists():
        yield None
        return
    with Store.open(path) as store:
        yield store


def _write(text: str, output: Path | None) -> None:
    if output is None:
        _emit(text)
        return
    if output.is_dir():
        raise _Failure(f"{output} is a directory; give a file name.")
    _write_file(output, text)


def _write_directory(directory: Path, documents: list[tuple[ConversationRecord, str]]) -> None:
    if directory.exists() and not directory.is_dir():
        raise _Failure(f"{directory} is a file; --all --format md needs a directory.")
    directory.mkdir(parents=True, exist_ok=True)
    for conv, text in documents:
        _write_file(directory / f"{conv.id:04d}-{_slug(conv.title)}.md", text)


def _write_file(path: Path, text: str) -> None:
    # Into a neighbour first, then renamed over: an interrupted export never leaves half
    # a file where a good one was.
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8", newline="\n")
    partial.replace(path)


def _emit(text: str) -> None:
    # UTF-8 whatever the locale says: titles and answers are full of characters a legacy
    # code page cannot encode, and a redirected export should be UTF-8 anyway.
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def _title(conv: ConversationRecord) -> str:
    return " ".join(conv.title.split()) or f"({UNTITLED.lower()})"


def _slug(title: str) -> str:
    # \w keeps letters of every script; the rest of the name stays portable.
    slug = re.sub(r"[^\w]+", "-", title.lower()).strip("-_")[:60].rstrip("-_")
    return slug or "untitled"


def _date(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")
