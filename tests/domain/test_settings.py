"""Tests of the settings file: defaults, round trips, forward compatibility, bad files."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claude_desktop.domain import paths
from claude_desktop.domain.settings import Settings, looks_like_api_key

DEFAULTS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 8192,
    "system_prompt": "",
    "window_geometry": "",
    "theme": "system",
    "font_size": 0,
    "base_url": "",
    "follow_output": True,
    "last_conversation_id": 0,
    "citations": True,
    "tray_icon": False,
    "new_chat_preset": 0,
    "provider": "anthropic",
    "proxy": "",
    "connect_timeout": 10.0,
    "read_timeout": 60.0,
    "bedrock_region": "",
    "bedrock_profile": "",
    "bedrock_model_prefix": "",
    "vertex_project": "",
    "vertex_region": "",
}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "settings.json"


def _write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_defaults() -> None:
    assert Settings().as_dict() == DEFAULTS


def test_missing_file_gives_defaults_and_creates_nothing(path: Path) -> None:
    settings = Settings.load(path)
    assert settings.as_dict() == DEFAULTS
    assert not path.exists()


def test_default_location_is_the_config_dir() -> None:
    # The autouse fixture points CLAUDE_DESKTOP_DATA_DIR at a temporary directory.
    assert Settings.load().path == paths.config_dir() / "settings.json"
    assert paths.override_dir() is not None
    assert Settings.load().path.is_relative_to(paths.override_dir())


def test_save_to_the_default_location_creates_the_directory() -> None:
    settings = Settings.load()
    settings.theme = "dark"
    settings.save()
    assert _read(paths.config_dir() / "settings.json")["theme"] == "dark"
    assert Settings.load().theme == "dark"


def test_round_trip(path: Path) -> None:
    settings = Settings.load(path)
    settings.model = "claude-opus-4-1"
    settings.max_tokens = 1024
    settings.system_prompt = "Réponds en français.\nLine two: « quotes » and 😀"
    settings.window_geometry = "AdnQywADAAAAAAAAAAAAAA=="
    settings.theme = "light"
    settings.font_size = 13
    settings.base_url = "http://127.0.0.1:8080"
    settings.follow_output = False
    settings.save()

    again = Settings.load(path)
    assert again.as_dict() == settings.as_dict()
    assert again.as_dict() != DEFAULTS


@given(
    model=st.text().filter(lambda text: not looks_like_api_key(text)),  # keys are refused
    max_tokens=st.integers(min_value=-(2**63), max_value=2**63),
    prompt=st.text(),
    follow=st.booleans(),
    theme=st.sampled_from(["system", "light", "dark"]),
)
def test_round_trip_any_values(
    tmp_path_factory: pytest.TempPathFactory,
    model: str,
    max_tokens: int,
    prompt: str,
    follow: bool,
    theme: Any,
) -> None:
    path = tmp_path_factory.mktemp("settings") / "settings.json"
    settings = Settings.load(path)
    settings.model = model
    settings.max_tokens = max_tokens
    settings.system_prompt = prompt
    settings.follow_output = follow
    settings.theme = theme
    settings.save()
    assert Settings.load(path).as_dict() == settings.as_dict()


def test_file_is_readable_json(path: Path) -> None:
    settings = Settings.load(path)
    settings.font_size = 11
    settings.save()
    assert _read(path) == {**DEFAULTS, "font_size": 11}
    assert path.read_text(encoding="utf-8").endswith("\n")


def test_unknown_keys_are_preserved(path: Path) -> None:
    _write(path, {"theme": "dark", "from_a_newer_version": {"nested": [1, 2]}, "zz": None})
    settings = Settings.load(path)
    assert settings.theme == "dark"
    assert not hasattr(settings, "from_a_newer_version")
    settings.font_size = 15
    settings.save()
    data = _read(path)
    assert data["from_a_newer_version"] == {"nested": [1, 2]}
    assert data["zz"] is None
    assert data["font_size"] == 15
    assert data["theme"] == "dark"


@pytest.mark.parametrize(
    ("key", "bad"),
    [
        ("model", 42),
        ("model", None),
        ("max_tokens", "8192"),
        ("max_tokens", 8192.5),
        ("max_tokens", True),  # a bool is an int to Python, not to us
        ("font_size", [12]),
        ("follow_output", 1),
        ("follow_output", "yes"),
        ("theme", "solarized"),
        ("theme", 0),
        ("window_geometry", {"x": 1}),
    ],
)
def test_wrong_typed_value_falls_back_to_its_default(
    path: Path, key: str, bad: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _write(path, {key: bad, "base_url": "http://localhost:1"})
    settings = Settings.load(path)
    assert getattr(settings, key) == DEFAULTS[key]
    assert type(getattr(settings, key)) is type(DEFAULTS[key])
    assert settings.base_url == "http://localhost:1"  # the good value next to it survives
    assert key in caplog.text
    assert any(r.levelno == logging.WARNING for r in caplog.records)


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'"a string"',
        b"null",
        b'{"theme": "dark"',
    ],
)
def test_corrupt_file_gives_defaults_and_is_kept_aside(
    path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path.write_bytes(content)
    settings = Settings.load(path)
    assert settings.as_dict() == DEFAULTS
    backup = path.with_name("settings.json.bak")
    assert backup.read_bytes() == content
    assert not path.exists()
    assert "corrupt" in caplog.text
    # Saving afterwards writes a good file and leaves the backup alone.
    settings.theme = "dark"
    settings.save()
    assert _read(path)["theme"] == "dark"
    assert backup.read_bytes() == content


def test_corrupt_file_replaces_an_older_backup(path: Path) -> None:
    path.with_name("settings.json.bak").write_text("old backup")
    path.write_text("{broken")
    Settings.load(path)
    assert path.with_name("settings.json.bak").read_text() == "{broken"


def test_unreadable_file_gives_defaults(path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path.mkdir()  # reading a directory fails with an OSError other than "not found"
    assert Settings.load(path).as_dict() == DEFAULTS
    assert "Could not read settings" in caplog.text


def test_save_is_atomic_and_leaves_no_temporary_files(path: Path) -> None:
    settings = Settings.load(path)
    for size in range(1, 30):
        settings.font_size = size
        settings.save()
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json"]
    assert _read(path)["font_size"] == 29


def test_failed_save_keeps_the_old_file_and_leaves_no_temporary_files(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings.load(path)
    settings.theme = "dark"
    settings.save()
    before = path.read_bytes()

    def replace_fails(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", replace_fails)
    settings.theme = "light"
    with pytest.raises(OSError, match="No space"):
        settings.save()
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json"]


@pytest.mark.parametrize(
    ("key", "bad"),
    [("max_tokens", "10"), ("max_tokens", False), ("follow_output", 0), ("model", None)],
)
def test_assigning_a_wrong_type_raises(key: str, bad: Any) -> None:
    settings = Settings()
    with pytest.raises(TypeError, match=key):
        setattr(settings, key, bad)
    assert getattr(settings, key) == DEFAULTS[key]


def test_assigning_an_unknown_theme_raises() -> None:
    settings = Settings()
    with pytest.raises(ValueError, match="theme"):
        settings.theme = "solarized"  # type: ignore[assignment]


def test_every_setting_has_a_default_of_its_type() -> None:
    fields = [f for f in dataclasses.fields(Settings) if f.init]
    assert {f.name for f in fields} == set(DEFAULTS)
    Settings(**DEFAULTS)  # the constructor type-checks each value


def test_the_api_key_is_not_a_setting(path: Path) -> None:
    assert not any("key" in name for name in Settings().as_dict())
    settings = Settings.load(path)
    settings.save()
    assert "sk-ant" not in path.read_text(encoding="utf-8")


def test_background_saves_coalesce_and_the_newest_value_is_written(path: Path) -> None:

    settings = Settings.load(path)
    writes: list[str] = []
    release = threading.Event()
    real_write = settings._write

    def slow_write(number: int, text: str) -> None:
        writes.append(text)
        release.wait(5)  # the first write is still going on while more saves are asked
        real_write(number, text)

    settings._write = slow_write  # type: ignore[method-assign]

    async def scenario() -> None:
        settings.last_conversation_id = 1
        writer = settings.save_in_background()
        while not writes:  # noqa: ASYNC110 (set from a worker thread)
            await asyncio.sleep(0.001)
        for n in range(2, 6):
            settings.last_conversation_id = n
            assert settings.save_in_background() is writer
        release.set()
        await writer

    asyncio.run(scenario())
    assert Settings.load(path).last_conversation_id == 5
    # The first write, then one for everything asked meanwhile: not one write per save.
    assert [json.loads(t)["last_conversation_id"] for t in writes] == [1, 5]


def test_an_older_background_write_never_replaces_a_newer_save(path: Path) -> None:
    settings = Settings.load(path)

    async def scenario() -> None:
        settings.last_conversation_id = 1
        number, text = settings._make_text()  # made first, written last
        settings.last_conversation_id = 2
        settings.save()
        await asyncio.to_thread(settings._write, number, text)

    asyncio.run(scenario())
    assert Settings.load(path).last_conversation_id == 2


def test_a_failed_background_save_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings = Settings.load(blocker / "settings.json")

    async def scenario() -> None:
        await settings.save_in_background()

    asyncio.run(scenario())
    assert "Could not save settings" in caplog.text


def test_a_file_with_a_byte_order_mark_keeps_every_setting(path: Path) -> None:
    # As Notepad saves it: UTF-8 with a BOM in front.
    values = {**DEFAULTS, "theme": "dark", "font_size": 14, "proxy": "http://proxy:3128"}
    path.write_bytes("\ufeff".encode() + json.dumps(values).encode("utf-8"))
    settings = Settings.load(path)
    assert settings.as_dict() == values
    assert not path.with_name("settings.json.bak").exists()


@pytest.mark.parametrize("key", ["connect_timeout", "read_timeout"])
@pytest.mark.parametrize("bad", ["-5", "0", "NaN", "-Infinity", "Infinity"])
def test_a_timeout_that_is_not_a_positive_number_of_seconds_falls_back_to_its_default(
    path: Path, key: str, bad: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Written by hand: json.dumps would refuse NaN only with allow_nan=False.
    path.write_text(f'{{"{key}": {bad}, "proxy": "http://proxy:3128"}}', encoding="utf-8")
    settings = Settings.load(path)
    assert getattr(settings, key) == DEFAULTS[key]
    assert settings.proxy == "http://proxy:3128"  # the good value next to it survives
    assert key in caplog.text and "positive number of seconds" in caplog.text


@pytest.mark.parametrize("bad", [-1.0, 0.0, float("nan"), float("inf")])
def test_assigning_a_timeout_that_is_not_a_positive_number_of_seconds_raises(bad: float) -> None:
    settings = Settings()
    with pytest.raises(ValueError, match="read_timeout"):
        settings.read_timeout = bad
    assert settings.read_timeout == DEFAULTS["read_timeout"]


def test_flush_waits_for_the_background_save(path: Path) -> None:
    settings = Settings.load(path)
    started, release = threading.Event(), threading.Event()
    real_write = settings._write

    def slow_write(number: int, text: str) -> None:
        started.set()
        release.wait(5)
        real_write(number, text)

    settings._write = slow_write  # type: ignore[method-assign]

    async def scenario() -> None:
        settings.theme = "dark"
        settings.save_in_background()
        await asyncio.to_thread(started.wait, 5)
        settings.font_size = 20
        settings.save_in_background()  # queued behind the first write
        flushed = asyncio.ensure_future(settings.flush())
        for _ in range(20):  # loop turns in which a flush that did not wait would finish
            await asyncio.sleep(0)
        assert not flushed.done()  # the write is still going on
        release.set()
        await flushed
        on_disk = Settings.load(path)
        assert (on_disk.theme, on_disk.font_size) == ("dark", 20)

    asyncio.run(scenario())


def test_flush_with_nothing_to_save_returns_at_once(path: Path) -> None:
    asyncio.run(Settings.load(path).flush())
