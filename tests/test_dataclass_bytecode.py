"""The methods `dataclasses` generates keep their bytecode from one start to the next."""

from __future__ import annotations

import dataclasses
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from claude_desktop import bytecode_files, dataclass_bytecode
from claude_desktop.dataclass_bytecode import cache_file, cached_dataclass_bytecode
from tests.bytecode_child import cache_counts

# Made by exec, as a module's import makes it: no `from __future__ import annotations` here,
# so the generated methods' annotations are real types (this test module has the import).
CLASSES = """
from dataclasses import dataclass, field

@dataclass(frozen=True, slots=True)
class Record:
    id: int
    title: str
    tags: tuple[str, ...] = field(default_factory=tuple)

@dataclass
class Counter:
    name: str
    count: int = 0
"""


@pytest.fixture(autouse=True)
def bytecode_written(monkeypatch: pytest.MonkeyPatch) -> None:
    # As an installed app runs (a development shell may say not to write bytecode).
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


def make(source: str = CLASSES) -> dict[str, Any]:
    module = types.ModuleType("made_by_a_test")
    sys.modules[module.__name__] = module  # dataclasses looks its class's module up
    try:
        # Compiled without this test module's `from __future__ import annotations`.
        exec(compile(source, "made.py", "exec", dont_inherit=True), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return module.__dict__


def methods(namespace: dict[str, Any]) -> dict[str, Any]:
    """The generated methods' code and annotations, class by class."""
    out = {}
    for name in ("Record", "Counter"):
        for method in ("__init__", "__repr__", "__eq__", "__setattr__", "__hash__"):
            function = namespace[name].__dict__.get(method)
            if function is not None and hasattr(function, "__code__"):
                code = function.__code__
                out[name, method] = (code.co_code, code.co_consts, function.__annotations__)
    return out


def test_classes_are_made_from_the_kept_code_exactly_as_without_it(tmp_path: Path) -> None:
    plain = make()
    with cached_dataclass_bytecode(tmp_path) as first:
        compiled = make()
    assert first.compiled >= 6
    assert cache_file(tmp_path).is_file()
    with cached_dataclass_bytecode(tmp_path) as second:
        cached = make()
    assert second.compiled == 0 and len(second.used) == first.compiled
    assert methods(cached) == methods(compiled) == methods(plain)
    assert plain["Record"].__init__.__annotations__["id"] is int  # not the string "int"
    record = cached["Record"](1, "a")
    assert record == cached["Record"](1, "a", ()) and hash(record) == hash(cached["Record"](1, "a"))
    assert repr(record) == "Record(id=1, title='a', tags=())"
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.title = "b"
    counter = cached["Counter"]("n")
    counter.count += 1
    assert counter == cached["Counter"]("n", 1)


def test_dataclasses_exec_is_the_builtin_again_after_the_block_even_after_an_error(
    tmp_path: Path,
) -> None:
    with pytest.raises(RuntimeError), cached_dataclass_bytecode(tmp_path):
        assert isinstance(dataclasses.exec, dataclass_bytecode.DataclassBytecode)  # type: ignore[attr-defined]
        make()
        raise RuntimeError("an import failed")
    assert "exec" not in vars(dataclasses)
    assert cache_file(tmp_path).is_file()  # what was compiled before the error is kept


def test_a_changed_class_is_compiled_afresh_and_kept_beside_the_old(tmp_path: Path) -> None:
    with cached_dataclass_bytecode(tmp_path) as first:
        make()
    changed = CLASSES.replace("count: int = 0", "count: int = 0\n    total: int = 0")
    with cached_dataclass_bytecode(tmp_path) as second:
        namespace = make(changed)
    assert 0 < second.compiled < first.compiled
    assert namespace["Counter"]("n").total == 0
    with cached_dataclass_bytecode(tmp_path) as third:
        make()
        make(changed)
    assert third.compiled == 0


def test_too_many_kept_sources_are_written_again_with_only_this_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A development checkout whose classes keep changing: the file does not grow forever.
    with cached_dataclass_bytecode(tmp_path):
        for n in range(5):
            make(CLASSES.replace("count: int = 0", f"count{n}: int = 0"))
    monkeypatch.setattr(dataclass_bytecode, "MAX_SOURCES", 10)
    with cached_dataclass_bytecode(tmp_path) as caching:
        make(CLASSES.replace("count: int = 0", "count99: int = 0"))
    assert len(caching.codes) > 10
    with cached_dataclass_bytecode(tmp_path) as after:
        pass
    assert set(after.codes) == caching.used


def test_a_damaged_file_is_compiled_again_and_replaced(tmp_path: Path) -> None:
    cache_file(tmp_path).write_bytes(b"\xfb not marshal data")
    with cached_dataclass_bytecode(tmp_path) as caching:
        namespace = make()
    assert caching.compiled >= 6
    assert namespace["Counter"]("n").count == 0
    with cached_dataclass_bytecode(tmp_path) as again:
        make()
    assert again.compiled == 0


def test_a_file_of_something_else_is_ignored(tmp_path: Path) -> None:
    import marshal

    cache_file(tmp_path).write_bytes(marshal.dumps({"x": 1, 2: compile("1", "<s>", "eval")}))
    with cached_dataclass_bytecode(tmp_path) as caching:
        make()
    assert caching.compiled >= 6
    cache_file(tmp_path).write_bytes(marshal.dumps([1, 2]))
    with cached_dataclass_bytecode(tmp_path) as caching:
        make()
    assert caching.compiled >= 6


def test_nothing_is_written_when_python_is_told_not_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    with cached_dataclass_bytecode(tmp_path) as caching:
        make()
    assert caching.compiled >= 6
    assert not list(tmp_path.iterdir())


def test_a_frozen_app_writes_though_its_bundler_says_not_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # as PyInstaller sets it
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    with cached_dataclass_bytecode(tmp_path):
        make()
    assert cache_file(tmp_path).is_file()


def test_a_folder_that_is_a_file_costs_only_the_compile(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    with cached_dataclass_bytecode(blocker) as caching:
        namespace = make()
    assert caching.compiled >= 6 and not caching.save()
    assert namespace["Record"](1, "a").id == 1
    assert [p.name for p in tmp_path.iterdir()] == ["cache"]


def test_no_cache_folder_to_be_had_means_compiling_as_always(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_folder(name: str) -> Path:
        raise RuntimeError("no home")

    monkeypatch.setattr(bytecode_files, "bytecode_dir", no_folder)
    with cached_dataclass_bytecode() as caching:
        namespace = make()
    assert caching.path is None and not caching.save()
    assert namespace["Counter"]("n").count == 0


def test_the_file_goes_with_pythons_own_bytecode_when_that_is_kept_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "prefix"))
    with cached_dataclass_bytecode() as caching:
        pass
    assert caching.path is not None
    assert caching.path.parent == tmp_path / "prefix" / dataclass_bytecode.FOLDER


IMPORT_APP = """
import sys
from pathlib import Path
from claude_desktop.dataclass_bytecode import cached_dataclass_bytecode
with cached_dataclass_bytecode(Path(sys.argv[1])) as caching:
    import claude_desktop.domain.session
    from claude_desktop.storage.records import MessageRecord
print("CACHE", len(caching.used), caching.compiled)
"""


def import_app(folder: Path) -> tuple[int, int]:
    return cache_counts(IMPORT_APP, folder)


def test_the_apps_own_dataclasses_are_compiled_once_then_read(tmp_path: Path) -> None:
    used, compiled = import_app(tmp_path)
    assert used >= 40 and compiled == used
    assert import_app(tmp_path) == (used, 0)
