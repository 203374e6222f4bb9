"""The log file: where it is, that it rotates, and that no API key ever reaches it."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_desktop.api.client import MessagesClient
from claude_desktop.domain import paths
from claude_desktop.domain.logs import (
    LOG_FILENAME,
    MASK,
    log_file,
    mask_keys,
    remove_logging,
    setup_logging,
)
from tests.domain.test_chat import Sink, asking, run_turn
from tests.fakeapi import FakeAnthropicAPI, api_error

KEY = "sk-ant-api03-AbCdEf_0123456789-ghijklmnopQRSTuvwxyz-0000AA"


@pytest.fixture
def logfile() -> Iterator[Path]:
    """The app's logging set up as at start-up (INFO), removed again afterwards."""
    path = setup_logging(debug=False)
    assert path is not None
    yield path
    remove_logging()


def _contents(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_the_log_file_is_in_the_data_dir_override(logfile: Path, tmp_path: Path) -> None:
    assert logfile == tmp_path / "claude-desktop" / "logs" / LOG_FILENAME
    assert logfile == log_file() == paths.log_dir() / LOG_FILENAME
    logging.getLogger("claude_desktop.test").info("hello from the test")
    assert "INFO claude_desktop.test: hello from the test" in _contents(logfile)


def test_info_by_default_debug_with_the_flag(tmp_path: Path) -> None:
    path = setup_logging(debug=False)
    assert path is not None
    try:
        logging.getLogger("claude_desktop.test").debug("quiet detail")
        assert "quiet detail" not in _contents(path)
        setup_logging(debug=True)
        logging.getLogger("claude_desktop.test").debug("loud detail")
        assert "loud detail" in _contents(path)
        # Set up twice, still one file handler: no line is written twice.
        assert _contents(path).count("loud detail") == 1
    finally:
        remove_logging()


def test_a_key_in_the_message_and_its_arguments_is_masked(logfile: Path) -> None:
    log = logging.getLogger("claude_desktop.test")
    log.warning("Using key %s for %s", KEY, "a request")
    log.info(f"inline {KEY}.")
    log.info("as a mapping %(key)s", {"key": KEY})
    text = _contents(logfile)
    assert KEY not in text and "AbCdEf" not in text
    assert f"Using key {MASK} for a request" in text
    assert f"inline {MASK}." in text
    assert f"as a mapping {MASK}" in text


def test_a_key_inside_an_exception_and_its_traceback_is_masked(logfile: Path) -> None:
    def fails_with_key(key: str) -> None:
        raise ValueError(f"bad header x-api-key={key}")

    try:
        fails_with_key(KEY)
    except ValueError:
        logging.getLogger("claude_desktop.test").exception("request failed")
    logging.getLogger("claude_desktop.test").info("where", stack_info=True)
    text = _contents(logfile)
    assert "Traceback (most recent call last)" in text
    assert f"ValueError: bad header x-api-key={MASK}" in text
    assert KEY not in text


def test_a_third_party_loggers_record_is_masked_too(logfile: Path) -> None:
    logging.getLogger("httpx").warning("HTTP Request: GET https://x/?key=%s", KEY)
    logging.getLogger("some.library").error("oops %s", KEY)
    text = _contents(logfile)
    assert KEY not in text
    assert f"httpx: HTTP Request: GET https://x/?key={MASK}" in text
    assert f"some.library: oops {MASK}" in text


def test_the_console_handler_masks_too(capsys: pytest.CaptureFixture[str], logfile: Path) -> None:
    logging.getLogger("claude_desktop.test").warning("key %s", KEY)
    err = capsys.readouterr().err
    assert f"key {MASK}" in err and KEY not in err


def test_arguments_that_do_not_fit_still_log_masked(logfile: Path) -> None:
    logging.getLogger("claude_desktop.test").warning("two %s %s", KEY)
    text = _contents(logfile)
    assert "two %s %s" in text and KEY not in text


def test_the_log_file_rotates(tmp_path: Path) -> None:
    path = setup_logging(max_bytes=2_000, backup_count=2)
    assert path is not None
    try:
        log = logging.getLogger("claude_desktop.test")
        for i in range(200):
            log.info("line %03d %s", i, "x" * 40)
        for handler in logging.getLogger().handlers:
            handler.flush()
    finally:
        remove_logging()
    rotated = sorted(p.name for p in path.parent.iterdir())
    assert rotated == [LOG_FILENAME, f"{LOG_FILENAME}.1", f"{LOG_FILENAME}.2"]
    assert all(p.stat().st_size <= 2_000 for p in path.parent.iterdir())
    assert "line 199" in path.read_text(encoding="utf-8")


def test_mask_keys_leaves_other_text_alone() -> None:
    assert mask_keys("no key here, sk-other") == "no key here, sk-other"
    assert mask_keys(f"a{KEY} b {KEY}") == f"a{MASK} b {MASK}"


def test_a_failed_turn_logs_its_request_id(
    fake_api: FakeAnthropicAPI, caplog: pytest.LogCaptureFixture
) -> None:
    import asyncio

    error = api_error(400, "invalid_request_error", "max_tokens too large")
    fake_api.enqueue(error)

    async def go() -> None:
        async with MessagesClient("k", base_url=fake_api.base_url) as client:
            result = await run_turn(client, asking("q"), Sink())
            assert result.error is not None

    with caplog.at_level(logging.WARNING, logger="claude_desktop.domain.turn_runner"):
        asyncio.run(go())
    request_id = fake_api.requests[0].request_id
    assert request_id
    turn_lines = [r for r in caplog.records if r.name == "claude_desktop.domain.turn_runner"]
    assert len(turn_lines) == 1
    assert f"request id {request_id}" in turn_lines[0].getMessage()
    assert "BadRequestError" in turn_lines[0].getMessage()


def test_a_full_disk_under_the_log_file_prints_no_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDE_DESKTOP_DATA_DIR", str(tmp_path))
    setup_logging(console=False)
    try:
        (handler,) = [
            h
            for h in logging.getLogger().handlers
            if isinstance(h, logging.FileHandler) and h.baseFilename.startswith(str(tmp_path))
        ]
        # /dev/full is a real device that refuses every write with ENOSPC: a full disk.
        full = open("/dev/full", "w", encoding="utf-8")  # noqa: SIM115
        kept, handler.stream = handler.stream, full
        try:
            logging.getLogger("claude_desktop.test").warning("nowhere to go")
        finally:
            handler.stream = kept
            with contextlib.suppress(OSError):
                full.close()
    finally:
        remove_logging()
    assert "Logging error" not in capsys.readouterr().err
