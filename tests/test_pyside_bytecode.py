"""PySide6's embedded support modules keep their bytecode from one start to the next."""

from __future__ import annotations

import builtins
import os
import sys
from pathlib import Path

import pytest

from claude_desktop import pyside_bytecode
from claude_desktop.pyside_bytecode import cached_pyside_bytecode
from tests.bytecode_child import cache_counts

SOURCE = b"ANSWER = 6 * 7\ndef twice(x):\n    return 2 * x\n"
NAME = "shibokensupport/signature/example.py"


@pytest.fixture(autouse=True)
def bytecode_written(monkeypatch: pytest.MonkeyPatch) -> None:
    # As an installed app runs (a development shell may say not to write bytecode).
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


def run(code: object) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(code, namespace)
    return namespace


def test_the_support_modules_code_is_kept_and_read_back(tmp_path: Path) -> None:
    with cached_pyside_bytecode(tmp_path) as first:
        compiled = compile(SOURCE, NAME, "exec")
    assert (first.loaded, first.written) == (0, 1)
    with cached_pyside_bytecode(tmp_path) as second:
        cached = compile(SOURCE, NAME, "exec")
    assert (second.loaded, second.written) == (1, 0)
    assert cached.co_filename == NAME
    assert run(cached)["ANSWER"] == run(compiled)["ANSWER"] == 42


def test_other_code_is_compiled_as_always(tmp_path: Path) -> None:
    with cached_pyside_bytecode(tmp_path) as caching:
        compile(SOURCE, "elsewhere.py", "exec")
        compile("1 + 1", NAME, "eval")
        compile(SOURCE, NAME, "exec", dont_inherit=True)
    assert (caching.loaded, caching.written) == (0, 0)
    assert not list(tmp_path.iterdir())


def test_compile_is_itself_again_after_the_block_even_after_an_error(tmp_path: Path) -> None:
    real = builtins.compile
    with pytest.raises(RuntimeError), cached_pyside_bytecode(tmp_path):
        assert builtins.compile is not real
        raise RuntimeError("an import failed")
    assert builtins.compile is real


def test_a_changed_source_is_compiled_afresh(tmp_path: Path) -> None:
    with cached_pyside_bytecode(tmp_path):
        compile(SOURCE, NAME, "exec")
    with cached_pyside_bytecode(tmp_path) as caching:
        changed = compile(SOURCE.replace(b"6 * 7", b"6 * 8"), NAME, "exec")
    assert (caching.loaded, caching.written) == (0, 1)
    assert run(changed)["ANSWER"] == 48


def test_a_new_pysides_files_replace_the_old_ones(tmp_path: Path) -> None:
    # Upgrading PySide6 changes the sources: the files kept for the old ones go, the rest stay.
    with cached_pyside_bytecode(tmp_path):
        compile(SOURCE, NAME, "exec")
        compile(b"KEPT = 1\n", "shibokensupport/kept.py", "exec")
    old = set(tmp_path.iterdir())
    with cached_pyside_bytecode(tmp_path) as caching:
        compile(SOURCE.replace(b"6 * 7", b"6 * 8"), NAME, "exec")
        compile(b"KEPT = 1\n", "shibokensupport/kept.py", "exec")
    assert (caching.loaded, caching.written) == (1, 1)
    now = set(tmp_path.iterdir())
    assert len(now) == 2 and len(now & old) == 1
    # Another Python's files stay, whatever this one writes.
    other = tmp_path / "0d0d0a0a-o0-0123456789abcdef0123456789abcdef.code"
    other.write_bytes(b"")
    with cached_pyside_bytecode(tmp_path):
        compile(b"CHANGED = 2\n", "shibokensupport/kept.py", "exec")
    assert other.exists()


def test_a_damaged_file_is_compiled_again_and_replaced(tmp_path: Path) -> None:
    with cached_pyside_bytecode(tmp_path):
        compile(SOURCE, NAME, "exec")
    (kept,) = tmp_path.iterdir()
    kept.write_bytes(b"\xe3 not marshal data")
    with cached_pyside_bytecode(tmp_path) as caching:
        code = compile(SOURCE, NAME, "exec")
    assert (caching.loaded, caching.written) == (0, 1)
    assert run(code)["ANSWER"] == 42
    with cached_pyside_bytecode(tmp_path) as again:
        compile(SOURCE, NAME, "exec")
    assert again.loaded == 1


def test_nothing_is_written_when_python_is_told_not_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    with cached_pyside_bytecode(tmp_path) as caching:
        compile(SOURCE, NAME, "exec")
    assert caching.written == 0
    assert not list(tmp_path.iterdir())


def test_a_frozen_app_writes_though_its_bundler_says_not_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # as PyInstaller sets it
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    with cached_pyside_bytecode(tmp_path) as caching:
        compile(SOURCE, NAME, "exec")
    assert caching.written == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_unwritable_folder_costs_only_the_compile(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        with cached_pyside_bytecode(tmp_path / "cache") as caching:
            code = compile(SOURCE, NAME, "exec")
    finally:
        tmp_path.chmod(0o700)
    assert caching.written == 0
    assert run(code)["ANSWER"] == 42


def test_a_folder_that_is_a_file_costs_only_the_compile(tmp_path: Path) -> None:
    # Unwritable even for root: the cache's folder is taken by a file.
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    with cached_pyside_bytecode(blocker) as caching:
        code = compile(SOURCE, NAME, "exec")
    assert caching.written == 0
    assert run(code)["ANSWER"] == 42
    assert [p.name for p in tmp_path.iterdir()] == ["cache"]


def test_no_cache_folder_to_be_had_means_compiling_as_always(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_folder() -> Path:
        raise RuntimeError("no home")

    monkeypatch.setattr(pyside_bytecode, "bytecode_dir", no_folder)
    real = builtins.compile
    with cached_pyside_bytecode() as caching:
        assert builtins.compile is real
        code = compile(SOURCE, NAME, "exec")
    assert (caching.loaded, caching.written) == (0, 0)
    assert run(code)["ANSWER"] == 42


def test_the_bytecode_goes_with_pythons_own_when_that_is_kept_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "prefix"))
    assert pyside_bytecode.bytecode_dir() == tmp_path / "prefix" / pyside_bytecode.FOLDER
    monkeypatch.setattr(sys, "pycache_prefix", None)
    monkeypatch.setenv("CLAUDE_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    assert pyside_bytecode.bytecode_dir().is_relative_to(tmp_path / "data")


IMPORT_PYSIDE = """
import sys
from pathlib import Path
from claude_desktop.pyside_bytecode import cached_pyside_bytecode
from tests.bytecode_child import cache_counts
with cached_pyside_bytecode(Path(sys.argv[1])) as caching:
    from PySide6.QtWidgets import QApplication, QWidget
# The support modules work: they write the error of a wrong call, with the signatures.
app = QApplication([])
try:
    QWidget().setWindowTitle(42)
except TypeError as exc:
    assert "Supported signatures" in str(exc) and "arg__1: str" in str(exc), exc
else:
    raise AssertionError("no TypeError")
print("CACHE", caching.loaded, caching.written)
"""


def import_pyside(folder: Path) -> tuple[int, int]:
    return cache_counts(IMPORT_PYSIDE, folder, QT_QPA_PLATFORM="offscreen")


def test_pyside6_imports_from_the_kept_bytecode_the_second_time(tmp_path: Path) -> None:
    # This PySide6 compiles its support modules as the cache expects (filename, source):
    # all of them are written by the first start and read by the second.
    loaded, written = import_pyside(tmp_path)
    assert loaded == 0 and written >= 10
    assert import_pyside(tmp_path) == (written, 0)
