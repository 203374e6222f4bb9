"""`python -m claude_desktop list` and `export`: the history read from a terminal.

Most tests call history_cli in-process; the ones at the end run the real command line.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claude_desktop import history_cli
from claude_desktop.storage import schema
from claude_desktop.storage.store import Store
from tests.damaged_history import damaged_history, sha256_of

MODEL = "claude-sonnet-4-6"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m claude_desktop")
    history_cli.add_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = history_cli.run(parse(*argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def store() -> Iterator[Store]:
    with Store.open(history_cli.history_path()) as s:
        yield s


def conversation(store: Store, title: str, *turns: str) -> int:
    conv = store.create_conversation(model=MODEL, title=title)
    parent = None
    for i, t in enumerate(turns):
        role = "user" if i % 2 == 0 else "assistant"
        content = [{"type": "text", "text": t}]
        parent = store.add_message(conv.id, parent_id=parent, role=role, content=content).id
    return conv.id


@pytest.fixture
def two(store: Store) -> tuple[int, int]:
    first = conversation(store, "Café\nplans", "Where?", "Paris.")
    second = conversation(store, "", "Hi", "Hello!", "Bye")
    return first, second


def test_the_history_lives_in_the_data_dir(tmp_path: Path) -> None:
    expected = tmp_path / "claude-desktop" / "data" / "history.sqlite3"
    assert history_cli.history_path() == expected


def test_list(capsys: pytest.CaptureFixture[str], two: tuple[int, int]) -> None:
    first, second = two
    code, out, err = run(capsys, "list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[0] == str(second) and lines[0].endswith("3  (untitled conversation)")
    assert lines[1].split()[0] == str(first) and lines[1].endswith("2  Café plans")


def test_list_with_no_history_creates_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "list") == (0, "", "")
    assert not history_cli.history_path().exists()


def test_export_defaults_to_the_latest_conversation_as_markdown(
    capsys: pytest.CaptureFixture[str], two: tuple[int, int]
) -> None:
    code, out, _ = run(capsys, "export")
    assert code == 0
    assert out.startswith("# Untitled conversation\n") and "Bye" in out


def test_export_one_conversation_shows_its_visible_branch(
    capsys: pytest.CaptureFixture[str], store: Store, two: tuple[int, int]
) -> None:
    first, _ = two
    question = store.branch(first)[0]
    store.add_message(
        first,
        parent_id=question.id,
        role="assistant",
        content=[{"type": "text", "text": "Lyon, on second thought."}],
    )
    code, out, _ = run(capsys, "export", "--conversation", str(first))
    assert code == 0
    assert "# Café plans" in out and "Lyon" in out and "Paris." not in out


def test_export_json_of_one_and_of_all(
    capsys: pytest.CaptureFixture[str], two: tuple[int, int]
) -> None:
    first, second = two
    code, out, _ = run(capsys, "export", "--format", "json", "--conversation", str(first))
    assert code == 0
    data = json.loads(out)
    assert data["conversation"]["id"] == first
    assert [m["content"][0]["text"] for m in data["messages"]] == ["Where?", "Paris."]
    code, out, _ = run(capsys, "export", "--format", "json", "--all")
    assert code == 0
    assert [d["conversation"]["id"] for d in json.loads(out)] == [second, first]


def test_export_all_markdown_to_stdout_is_separated(
    capsys: pytest.CaptureFixture[str], two: tuple[int, int]
) -> None:
    code, out, _ = run(capsys, "export", "--all")
    assert code == 0
    first_doc, second_doc = out.split("\n\n---\n\n# ")
    assert first_doc.startswith("# Untitled conversation") and second_doc.startswith("Café")


def test_export_all_markdown_to_a_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, two: tuple[int, int]
) -> None:
    first, second = two
    out_dir = tmp_path / "exports" / "today"
    code, out, err = run(capsys, "export", "--all", "--output", str(out_dir))
    assert (code, out, err) == (0, "", "")
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == sorted([f"{first:04d}-café-plans.md", f"{second:04d}-untitled.md"])
    text = (out_dir / f"{first:04d}-café-plans.md").read_text(encoding="utf-8")
    assert text.startswith("# Café plans")


def test_export_to_a_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, two: tuple[int, int]
) -> None:
    target = tmp_path / "out.json"
    target.write_text("old contents")
    code, out, _ = run(capsys, "export", "--format", "json", "--all", "-o", str(target))
    assert (code, out) == (0, "")
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("out")] == ["out.json"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("export", "--conversation", "999"), "There is no conversation 999 (see `list`)."),
        (("export", "-o", "."), "is a directory; give a file name."),
    ],
)
def test_failures_are_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str],
    two: tuple[int, int],
    argv: tuple[str, ...],
    message: str,
) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (1, "")
    assert err.endswith(message + "\n") and err.count("\n") == 1


def test_a_trashed_conversation_is_not_exported(
    capsys: pytest.CaptureFixture[str], store: Store, two: tuple[int, int]
) -> None:
    first, _ = two
    store.delete_conversation(first)
    code, _, err = run(capsys, "export", "--conversation", str(first))
    assert code == 1 and "no conversation" in err


def test_export_with_no_history(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "export")
    assert (code, out) == (1, "") and err == "There are no saved conversations yet.\n"
    code, out, _ = run(capsys, "export", "--all", "--format", "json")
    assert code == 0 and json.loads(out) == []
    assert not history_cli.history_path().exists()


def test_a_newer_history_is_one_human_line(capsys: pytest.CaptureFixture[str]) -> None:
    path = history_cli.history_path()
    Store.open(path).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {schema.LATEST_VERSION + 5}")
    con.commit()
    con.close()
    code, out, err = run(capsys, "list")
    assert (code, out) == (1, "")
    assert err.startswith("This history was written by a newer version of Claude Desktop")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ("export", "--all", "--conversation", "1"),
        ("export", "--format", "html"),
        ("export", "--conversation", "one"),
    ],
)
def test_usage_errors_exit_2(argv: tuple[str, ...]) -> None:
    with pytest.raises(SystemExit) as info:
        parse(*argv)
    assert info.value.code == 2


# -- as a person runs it ---------------------------------------------------------------------


def command(*argv: str, stdout: Any = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    # Listing the history must not need a key or a keyring.
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    env["PYTHONIOENCODING"] = "ascii"  # the output is UTF-8 whatever the locale
    return subprocess.run(
        [sys.executable, "-m", "claude_desktop", *argv],
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=60,
    )


def test_list_and_export_as_commands(two: tuple[int, int]) -> None:
    first, _ = two
    listed = command("list")
    assert listed.returncode == 0, listed.stderr
    assert "Café plans" in listed.stdout.decode("utf-8")
    exported = command("export", "--conversation", str(first), "--format", "json")
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["messages"][1]["content"][0]["text"] == "Paris."


def test_command_errors_and_usage(two: tuple[int, int]) -> None:
    missing = command("export", "--conversation", "999")
    assert missing.returncode == 1 and missing.stdout == b""
    assert missing.stderr.decode() == "There is no conversation 999 (see `list`).\n"
    usage = command("export", "--format", "pdf")
    assert usage.returncode == 2


def test_a_closed_pipe_is_not_an_error(store: Store) -> None:
    for i in range(300):
        conversation(store, f"Conversation {i}", "x" * 1000)
    reader = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.readline()"], stdin=subprocess.PIPE
    )
    assert reader.stdin is not None
    result = command("export", "--all", stdout=reader.stdin)
    reader.stdin.close()
    reader.wait(timeout=60)
    assert result.returncode == 0 and result.stderr == b""


# -- a damaged history -----------------------------------------------------------------------


def test_a_damaged_history_is_one_sentence_and_left_as_it_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    damaged = damaged_history(history_cli.history_path())
    before = sha256_of(damaged.path)
    for argv in (("list",), ("export",), ("export", "--conversation", str(damaged.damaged))):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (1, ""), argv
        assert err.count("\n") == 1 and "damaged" in err and "export --all" in err, argv
        assert "Traceback" not in err
    assert sha256_of(damaged.path) == before


def test_export_all_rescues_every_readable_conversation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    damaged = damaged_history(history_cli.history_path())
    before = sha256_of(damaged.path)
    code, out, err = run(capsys, "export", "--all", "--format", "json")
    assert code == 1  # not everything could be read
    assert err.count("\n") == 1
    assert "damaged" in err and "4 conversations" in err and "1 of them" in err
    exported = {d["conversation"]["id"]: d for d in json.loads(out)}
    assert sorted(exported) == sorted(damaged.texts)
    for cid, texts in damaged.texts.items():
        got = [m["content"][0]["text"] for m in exported[cid]["messages"]]
        expected = [t for i, t in enumerate(texts) if i != 1] if cid == damaged.damaged else texts
        assert got == expected
    assert sha256_of(damaged.path) == before


def test_a_damaged_history_rescued_into_a_folder_from_the_command_line(tmp_path: Path) -> None:
    damaged = damaged_history(history_cli.history_path())
    before = sha256_of(damaged.path)
    listed = command("list")
    assert listed.returncode == 1 and b"Traceback" not in listed.stderr
    rescued = command("export", "--all", "--output", str(tmp_path / "rescued"))
    assert rescued.returncode == 1 and b"Traceback" not in rescued.stderr
    files = sorted((tmp_path / "rescued").iterdir())
    assert len(files) == len(damaged.texts)
    intact = [f for f in files if not f.name.startswith(f"{damaged.damaged:04d}-")]
    for f in intact:
        cid = int(f.name[:4])
        assert all(t.strip() in f.read_text("utf-8") for t in damaged.texts[cid])
    assert sha256_of(damaged.path) == before
