"""The user's settings: every setting declared once, with its type and default.

Settings are kept as JSON in ``settings.json`` in the config directory (see
:mod:`claude_desktop.domain.paths`). Loading never fails: a missing file gives the
defaults, a corrupt one is kept aside as ``settings.json.bak`` and a value of the wrong
type falls back to its default. Keys this version does not know are kept and written back,
so an older version of the app does not erase a newer one's settings.

The API key is not a setting: it lives in the OS keyring (:mod:`.secrets`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import math
import os
import re
import tempfile
import threading
import typing
from pathlib import Path
from typing import Any, Literal

from claude_desktop.api.errors import HumanError

from . import paths

log = logging.getLogger(__name__)

FILENAME = "settings.json"
BACKUP_SUFFIX = ".bak"

Theme = Literal["system", "light", "dark"]
Provider = Literal["anthropic", "bedrock", "vertex"]

#: Anything that starts like an Anthropic key ("sk-ant-api03-…", "sk-ant-admin01-…"), even
#: cut short or with spaces around it: such a text is never a model id, it is a key typed
#: in the wrong box, and it must not be kept or sent anywhere as a model.
_KEY_SHAPED = re.compile(r"^\s*sk-ant-", re.IGNORECASE)
KEY_AS_MODEL = (
    "That looks like an API key, not a model id, so it was not used as a model. "
    "Keys go in the API key field."
)


class ModelIdError(HumanError, ValueError):
    """A model id that is refused; `human` says why in one sentence."""


def looks_like_api_key(text: str) -> bool:
    return bool(_KEY_SHAPED.match(text))


def model_id_problem(model_id: str) -> str | None:
    """Why `model_id` cannot be a model id (one sentence), or None when it can."""
    if looks_like_api_key(model_id):
        return KEY_AS_MODEL
    if not model_id.strip():
        return "Type a model id, such as claude-sonnet-4-6."
    if any(c.isspace() for c in model_id.strip()):
        return "A model id has no spaces, such as claude-sonnet-4-6."
    return None


def check_model_id(model_id: str) -> str:
    """`model_id` without surrounding spaces; ModelIdError when it is refused."""
    problem = model_id_problem(model_id)
    if problem is not None:
        raise ModelIdError(problem)
    return model_id.strip()


@dataclasses.dataclass(eq=False)
class Settings:
    """All settings of the app. To add one, add one line below: name, type and default.

    Assigning a value of the wrong type raises TypeError (or ValueError for a value outside
    a ``Literal``), so a bad value is caught where it is made rather than when read back.
    """

    model: str = "claude-sonnet-4-6"
    max_tokens: int = 8192
    system_prompt: str = ""
    #: Base64 of Qt's saveGeometry(); opaque here so the domain needs no Qt.
    window_geometry: str = ""
    theme: Theme = "system"
    #: Point size of the conversation text; 0 means the platform's default.
    font_size: int = 0
    #: Empty means ANTHROPIC_BASE_URL if set, else the public API.
    base_url: str = ""
    #: Keep the view scrolled to the newest text while an answer streams in.
    follow_output: bool = True
    #: The conversation open at the last quit (0: a new chat), reopened at start-up.
    last_conversation_id: int = 0
    #: Ask for citations on PDFs and text documents: answers then show where each cited
    #: passage comes from (domain/citations.py).
    citations: bool = True
    #: Show an icon in the system tray (where the platform has one): show/hide the window,
    #: New chat, Quit; closing the window then keeps answers streaming in the background.
    tray_icon: bool = False
    #: Name chats automatically with a small model after the first answer; off: the first
    #: words of the question.
    generate_titles: bool = True
    #: Whether new chats start with Anthropic's web search / web fetch tools offered.
    web_search_default: bool = False
    web_fetch_default: bool = False

    # -- Per-conversation settings and presets --
    #: The preset new chats start from (an id in the history's presets); 0: the defaults
    #: above (max_tokens, system_prompt).
    new_chat_preset: int = 0

    # -- Connection: who answers and how to reach it (see domain/providers.py) -------------
    # Each provider keeps its own fields, so switching back and forth loses nothing. Cloud
    # credentials are not settings: they stay where the AWS and Google tools keep them.
    #: The service that answers: the Anthropic API (key), Amazon Bedrock or Google Vertex AI.
    provider: Provider = "anthropic"
    #: A proxy for every provider (http://host:port); empty: HTTPS_PROXY/NO_PROXY apply.
    proxy: str = ""
    #: Seconds to open a connection, and of silence mid-answer before it counts as dead.
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    #: Empty: AWS_REGION, else the AWS profile's region.
    bedrock_region: str = ""
    #: Empty: the default credential chain (AWS_PROFILE, environment, default profile).
    bedrock_profile: str = ""
    #: A cross-region inference profile ("us", "eu", "apac", "global"); empty: the region's.
    bedrock_model_prefix: str = ""
    #: Empty: the project of the Application Default Credentials.
    vertex_project: str = ""
    #: Empty: CLOUD_ML_REGION, else "global".
    vertex_region: str = ""

    # Not settings (init=False): where the file is, and what it held that we don't know.
    _path: Path | None = dataclasses.field(default=None, init=False, repr=False)
    _unknown: dict[str, Any] = dataclasses.field(default_factory=dict, init=False, repr=False)
    # Writes, from the loop's thread or a worker: each text made is numbered, and a write
    # never replaces a newer text with an older one, whichever thread finishes first.
    _write_lock: threading.Lock = dataclasses.field(
        default_factory=threading.Lock, init=False, repr=False
    )
    _made: int = dataclasses.field(default=0, init=False, repr=False)
    _written: int = dataclasses.field(default=0, init=False, repr=False)
    _queued: tuple[int, str] | None = dataclasses.field(default=None, init=False, repr=False)
    _writer: asyncio.Future[None] | None = dataclasses.field(default=None, init=False, repr=False)

    def __setattr__(self, name: str, value: Any) -> None:
        expected = _SETTING_TYPES.get(name)
        if expected is not None:
            problem = _type_problem(value, expected)
            if problem is not None:
                raise (ValueError if _is_literal(expected) else TypeError)(
                    f"setting {name!r}: {problem}"
                )
            if name == "model" and looks_like_api_key(value):
                raise ModelIdError(KEY_AS_MODEL)
            problem = _value_problem(name, value)
            if problem is not None:
                raise ValueError(f"setting {name!r}: {problem}")
        super().__setattr__(name, value)

    @classmethod
    def default_path(cls) -> Path:
        """Where settings are kept unless another path is given."""
        return paths.config_dir() / FILENAME

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        """Read the settings file, falling back to defaults wherever it is missing or bad."""
        path = cls.default_path() if path is None else Path(path)
        settings = cls()
        settings._path = path
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return settings
        except OSError as exc:
            # Unreadable (permissions, I/O error): leave the file alone, it may be fine.
            log.warning("Could not read settings from %s (%s); using defaults", path, exc)
            return settings
        try:
            # utf-8-sig: a file saved by an editor that adds a byte order mark (Notepad) is
            # still our file, not a corrupt one.
            data = json.loads(raw.decode("utf-8-sig"))
            if not isinstance(data, dict):
                raise ValueError(f"expected a JSON object, found {type(data).__name__}")
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            _keep_aside(path, exc)
            return settings

        known = _SETTING_TYPES
        refused_model = False
        for key, value in data.items():
            expected = known.get(key)
            if expected is None:
                settings._unknown[key] = value
                continue
            problem = _type_problem(value, expected) or _value_problem(key, value)
            if problem is not None:
                log.warning("Setting %r in %s: %s; using the default", key, path, problem)
                continue
            if key == "model" and looks_like_api_key(value):
                # Never log the value: it is an API key typed into the model box.
                log.warning("Setting 'model' in %s is an API key; using the default", path)
                refused_model = True
                continue
            setattr(settings, key, value)
        if refused_model:
            # A key written there by mistake leaves the file now, not at the next save.
            try:
                settings.save()
            except OSError as exc:
                log.warning("Could not rewrite %s without the key: %s", path, exc)
        return settings

    @property
    def path(self) -> Path:
        """The file these settings are saved to."""
        return self.default_path() if self._path is None else self._path

    def as_dict(self) -> dict[str, Any]:
        """The declared settings and their current values."""
        return {name: getattr(self, name) for name in _SETTING_TYPES}

    def save(self) -> None:
        """Write the settings atomically; raises OSError if the file cannot be written."""
        self._write(*self._make_text())

    def save_in_background(self) -> asyncio.Future[None]:
        """Save without blocking the event loop (call it from the loop's thread).

        The text is made now, so it holds the values of this moment; the write and its
        fsync, which can take tens of milliseconds on a busy disk, run in a worker thread.
        Saves asked for while one is being written coalesce into one write of the newest
        text. A failure is logged, not raised: the next save tries again.
        """
        self._queued = self._make_text()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._write_queued())
        return self._writer

    async def flush(self) -> None:
        """Wait until every background save asked for so far is on disk (or has failed and
        been logged). Whoever reads the file next (a test, the next start) sees the newest
        values."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _write_queued(self) -> None:
        while (queued := self._queued) is not None:
            self._queued = None
            try:
                await asyncio.to_thread(self._write, *queued)
            except OSError as exc:
                log.warning("Could not save settings to %s: %s", self.path, exc)

    def _make_text(self) -> tuple[int, str]:
        # Unknown keys first, then ours: a declared setting always wins a name clash.
        data = {**self._unknown, **self.as_dict()}
        self._made += 1
        return self._made, json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"

    def _write(self, number: int, text: str) -> None:
        with self._write_lock:
            if number > self._written:
                _write_atomically(self.path, text)
                self._written = number


def _is_literal(expected: Any) -> bool:
    return typing.get_origin(expected) is Literal


def _type_problem(value: Any, expected: Any) -> str | None:
    """Why `value` cannot be a value of type `expected`, or None when it can."""
    if _is_literal(expected):
        allowed = typing.get_args(expected)
        if value in allowed and type(value) in {type(a) for a in allowed}:
            return None
        return f"{value!r} is not one of {', '.join(map(repr, allowed))}"
    if expected is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif expected is int:
        # bool is an int in Python, but `true` is no font size.
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(expected, type):
        ok = isinstance(value, expected)
    else:  # pragma: no cover - only reachable by declaring a setting of a new kind of type
        raise TypeError(f"settings of type {expected!r} are not supported yet")
    if ok:
        return None
    return f"expected {expected.__name__}, found {type(value).__name__} {value!r}"


#: Settings whose value must be a number of seconds: positive and finite (JSON allows NaN and
#: Infinity, and a negative timeout would make every request fail at once).
_SECONDS = frozenset({"connect_timeout", "read_timeout"})


def _value_problem(name: str, value: Any) -> str | None:
    """Why `value`, of the right type, is still no value of setting `name`, or None."""
    if name in _SECONDS and not (math.isfinite(value) and value > 0):
        return f"{value!r} is not a positive number of seconds"
    return None


def _keep_aside(path: Path, reason: Exception) -> None:
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    try:
        os.replace(path, backup)
    except OSError as exc:
        log.warning(
            "Settings file %s is corrupt (%s) and could not be kept aside (%s); using defaults",
            path,
            reason,
            exc,
        )
    else:
        log.warning(
            "Settings file %s is corrupt (%s); kept it as %s and using defaults",
            path,
            reason,
            backup,
        )


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temporary file sits next to the target so os.replace stays on one filesystem,
    # which is what makes it atomic: a crash leaves the old file or the new, never half.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as tmp:
            tmp.write(text)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        # Clean up on any failure, including KeyboardInterrupt, so no temp file is left.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def _setting_types() -> dict[str, Any]:
    # The annotations are evaluated once, not once per field (that was ~5 ms of each start).
    hints = typing.get_type_hints(Settings)
    return {field.name: hints[field.name] for field in dataclasses.fields(Settings) if field.init}


#: Name -> type of every declared setting: the dataclass fields that __init__ takes.
_SETTING_TYPES: dict[str, Any] = _setting_types()
