"""Fixtures of the UI tests: a shown conversation view, and realistic streamed answers.

`realistic_answer` and `cut_into_deltas` are plain functions so that
`scripts/stream_render_probe.py` measures the same answers the tests stream.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QTextDocument

from claude_desktop.ui.conversation_view import ConversationView
from claude_desktop.ui.message_widget import AssistantMessageWidget
from claude_desktop.ui.render import warm_up
from tests.ui.harness import app, keyed_api, loop

__all__ = ["app", "keyed_api", "loop"]  # fixtures of the main-window tests

_SECTIONS = [
    "## Step {n}: set up the project\n\n"
    "First, make sure you have **Python 3.11** or newer. You can check with `python --version`; "
    "if it prints something older, install a newer one from [python.org](https://www.python.org). "
    "The rest of this guide assumes a *virtual environment*, which keeps the project's packages "
    "apart from the system's.\n\n",
    "Here is what each option does:\n\n"
    "- `--quiet` prints less output\n"
    "- `--jobs N` runs *N* workers at once\n"
    "  - more workers use more memory\n"
    "  - one per core is a good start\n"
    "- `--dry-run` shows what would happen, without doing it\n\n",
    "```python\n"
    "import csv\n"
    "from pathlib import Path\n"
    "\n"
    "\n"
    "def read_rows(path: Path) -> list[dict[str, str]]:\n"
    '    """Read every row of a CSV file as a dict."""\n'
    '    with path.open(newline="", encoding="utf-8") as f:\n'
    "        return list(csv.DictReader(f))\n"
    "\n"
    "\n"
    "for row in read_rows(Path('data_{n}.csv')):\n"
    "    print(row['name'], row.get('email', '<none>'))\n"
    "```\n\n",
    "| Method | Speed | Memory | Notes |\n"
    "|:-------|------:|:------:|-------|\n"
    "| `csv` module | fast | low | standard library |\n"
    "| pandas | faster | high | needs **numpy** |\n"
    "| polars | fastest | medium | lazy frames |\n\n",
    "1. Create the environment: `python -m venv .venv`\n"
    "2. Activate it\n"
    "3. Install the packages:\n"
    "   ```bash\n"
    "   pip install -r requirements.txt\n"
    "   ```\n"
    "4. Run the tests with `pytest -q`\n\n",
    "> **Note:** large files should be read in chunks of a few thousand rows; "
    "otherwise the whole file ends up in memory at once.\n\n",
    "That's all for part {n}. If anything fails, check the error message first: it usually "
    "names the file and line. A <b>common</b> mistake is a missing `encoding=` argument, "
    "which shows up as `UnicodeDecodeError` on Windows & macOS.\n\n",
]


def realistic_answer(min_chars: int) -> str:
    """A Markdown answer like Claude's (headings, lists, code, tables) of at least min_chars."""
    parts: list[str] = []
    size = 0
    n = 0
    while size < min_chars:
        section = _SECTIONS[n % len(_SECTIONS)].replace("{n}", str(n // len(_SECTIONS) + 1))
        parts.append(section)
        size += len(section)
        n += 1
    return "".join(parts)


def cut_into_deltas(text: str, seed: int = 0, low: int = 2, high: int = 6) -> list[str]:
    """Cut text into deltas of low..high characters, as a stream would deliver it."""
    rnd = random.Random(seed)
    out: list[str] = []
    i = 0
    while i < len(text):
        step = rnd.randint(low, high)
        out.append(text[i : i + step])
        i += step
    return out


def answer_of_deltas(count: int, seed: int = 0) -> tuple[str, list[str]]:
    """An answer cut into exactly `count` deltas."""
    text = realistic_answer(count * 6)
    deltas = cut_into_deltas(text, seed)[:count]
    return "".join(deltas), deltas


def full_render_plain_text(html: str, like: QTextDocument) -> str:
    """What a document gets from setHtml of the whole answer at once."""
    doc = QTextDocument()
    doc.setDefaultStyleSheet(like.defaultStyleSheet())
    doc.setHtml(html)
    return doc.toPlainText()


def feed(
    qtbot,
    widget: AssistantMessageWidget,
    deltas: Sequence[str],
    per_tick: int = 3,
    between: Callable[[int], None] | None = None,
    timeout: int = 30_000,
) -> None:
    """Stream deltas into widget from a 1 ms timer, the event loop running as in the app."""
    it: Iterator[tuple[int, str]] = iter(enumerate(deltas))
    done = False

    def tick() -> None:
        nonlocal done
        for _ in range(per_tick):
            item = next(it, None)
            if item is None:
                done = True
                timer.stop()
                return
            index, delta = item
            widget.append_text(delta)
            if between is not None:
                between(index)

    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(tick)
    timer.start()
    try:
        qtbot.waitUntil(lambda: done, timeout=timeout)
    finally:
        timer.stop()


@pytest.fixture(scope="session", autouse=True)
def _warm_render_caches() -> None:
    """Load Markdown and the common lexers once, as the app does at start-up, so that render
    times measure rendering, not first imports."""
    warm_up()


@pytest.fixture
def view(qtbot) -> ConversationView:
    """A conversation view, shown (offscreen) at a realistic size."""
    widget = ConversationView()
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget
