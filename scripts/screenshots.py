"""Render the main window mid-conversation, light and dark, into docs/screenshots/.

    uv run python scripts/screenshots.py            # offscreen
    scripts/with-session-services.sh uv run python scripts/screenshots.py --platform xcb

The window is the real MainWindow with its real widgets; the conversation is fed through
the same view calls a streamed answer uses, so no network or API key is needed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "How do I read a large CSV in Python without loading it all into memory?"
ANSWER = """\
Stream it row by row with the standard library's `csv` module: memory stays flat
however large the file is.

```python
import csv

def total_by_region(path: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            totals[row["region"]] = totals.get(row["region"], 0.0) + float(row["amount"])
    return totals
```

| Approach | Memory | Speed |
|---|---|---|
| `csv.DictReader` | constant | good |
| `pandas.read_csv(chunksize=…)` | per chunk | fast |

Some tips:

1. Open the file with `newline=""` so quoted line breaks survive.
2. Use **`chunksize`** with pandas when you need vectorised maths.
"""
FOLLOW_UP = "And if the file is gzipped?"
STREAMING = 'Open it with `gzip.open(path, "rt", newline="")` and pass that file to'


def dark_palette():  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QColor, QPalette

    p = QPalette()
    role = QPalette.ColorRole
    for r, c in {
        role.Window: "#1f2023",
        role.WindowText: "#e6e6e6",
        role.Base: "#17181a",
        role.AlternateBase: "#25272b",
        role.Text: "#e6e6e6",
        role.Button: "#2b2d31",
        role.ButtonText: "#e6e6e6",
        role.Highlight: "#d97757",
        role.HighlightedText: "#ffffff",
        role.PlaceholderText: "#8b8d93",
        role.ToolTipBase: "#2b2d31",
        role.ToolTipText: "#e6e6e6",
        role.Link: "#e0a084",
    }.items():
        p.setColor(r, QColor(c))
    return p


def seed_history() -> None:
    """Conversations for the sidebar, the open one with a finished, footed answer."""
    import time

    from claude_desktop.api.message import Usage
    from claude_desktop.domain.history import History, auto_title
    from claude_desktop.domain.settings import Settings

    history = History.open()
    store = history.store
    day = 24 * 3600
    for title, age in [
        ("Rust lifetimes in closures", 9 * day),
        ("Plan a weekend in Lisbon", 3 * day),
        ("Why is the sky blue?", 1 * day),
        ("Regex for ISO dates", 2 * 3600),
    ]:
        conv = store.create_conversation(model="claude-sonnet-4-6", title=title)
        store.add_message(
            conv.id, parent_id=None, role="user", content=[{"type": "text", "text": title}]
        )
        store._con.execute(  # back-date it, so the sidebar shows its recency groups
            "UPDATE conversations SET updated_at = ? WHERE id = ?", (time.time() - age, conv.id)
        )
        store._con.commit()
    conv = store.create_conversation(model="claude-sonnet-4-6", title=auto_title(QUESTION))
    question = store.add_message(
        conv.id, parent_id=None, role="user", content=[{"type": "text", "text": QUESTION}]
    )
    usage = Usage(input_tokens=1250, output_tokens=412)
    store.add_message(
        conv.id,
        parent_id=question.id,
        role="assistant",
        content=[{"type": "text", "text": ANSWER}],
        model="claude-sonnet-4-6",
        usage=usage.to_dict(),
        meta={
            "footer": "Claude Sonnet 4.6 · 0.4 s to first token · 4.1 s · "
            "1,250 in / 412 out · $0.0099"
        },
    )
    history.close()
    settings = Settings.load()
    settings.last_conversation_id = conv.id
    settings.save()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--platform", default="offscreen", help="Qt platform (offscreen, xcb)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    os.environ["QT_QPA_PLATFORM"] = args.platform
    os.environ.setdefault("CLAUDE_DESKTOP_DATA_DIR", tempfile.mkdtemp(prefix="cd-shots-"))
    os.environ.pop("ANTHROPIC_API_KEY", None)

    from PySide6.QtWidgets import QApplication

    from claude_desktop.domain.secrets import KeySource, KeyStore
    from claude_desktop.domain.session import Session
    from claude_desktop.domain.settings import Settings
    from claude_desktop.ui.main_window import KEY_SOURCE_TEXT, MainWindow

    app = QApplication(sys.argv)
    app.setStyle("Fusion")
    args.out.mkdir(parents=True, exist_ok=True)
    seed_history()
    for name, palette in (("light", None), ("dark", dark_palette())):
        if palette is not None:
            app.setPalette(palette)
        session = Session(Settings.load(), KeyStore())
        session.key_source = KeySource.KEYRING
        window = MainWindow(session)
        window.resize(1200, 820)
        window.show()
        window._open_initial()
        window.pages.setCurrentWidget(window.chat_page)
        window.statusBar().showMessage(KEY_SOURCE_TEXT[KeySource.KEYRING])
        view = window.view
        view.add_user_message(FOLLOW_UP)
        streaming = view.begin_assistant_message("Claude Sonnet 4.6")
        streaming.append_text(STREAMING)
        window.composer.set_streaming(True)
        for _ in range(20):
            app.processEvents()
        view.scroll_to_bottom()
        app.processEvents()
        path = args.out / f"main-window-{name}.png"
        window.grab().save(str(path))
        print(path)
        window.close()
        window.deleteLater()
        session.close_history()
        app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
