"""Screenshots of a ConversationView in light and dark palettes, for checking how it looks.

Writes /tmp/view_light.png, /tmp/view_dark.png and /tmp/view_jump.png (scrolled up while an
answer streams, with the "Jump to latest" button showing).

    uv run python scripts/conversation_screenshot.py
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from claude_desktop.api.message import Message
from claude_desktop.ui.conversation_view import ConversationView

ANSWER = """\
## Reading a CSV file

Here is how to read a file with **pandas** or the standard `csv` module:

1. Install the package
   - with pip
   - or with conda
2. Run the code below

```python
import csv

def read(path: str) -> list[dict]:
    \"\"\"Read all rows.\"\"\"
    with open(path, newline="") as f:
        return list(csv.DictReader(f))  # a comment
```

| Method | Speed | Memory |
|:-------|------:|:------:|
| csv    | fast  | low    |
| pandas | faster | high  |

> Note: large files need chunking.

See [the docs](https://docs.python.org) for more.
"""

FOOTER = "Claude Sonnet 4.6 · 0.4 s to first token · 3.2 s · 1,234 in / 567 out · $0.0123"


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
        (QPalette.ColorRole.Base, "#1b1c1f"),
        (QPalette.ColorRole.Text, "#e8eaed"),
        (QPalette.ColorRole.Button, "#303134"),
        (QPalette.ColorRole.ButtonText, "#e8eaed"),
        (QPalette.ColorRole.Highlight, "#3d7eff"),
        (QPalette.ColorRole.Link, "#8ab4f8"),
    ):
        palette.setColor(role, QColor(color))
    return palette


def settle(app: QApplication, view: ConversationView) -> None:
    for widget in view.message_widgets():
        flush = getattr(widget, "flush", None)
        if flush is not None:
            flush()
    for _ in range(10):
        app.processEvents()


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    for name, palette in (("light", app.style().standardPalette()), ("dark", dark_palette())):
        app.setPalette(palette)
        view = ConversationView()
        view.resize(760, 760)
        view.show()
        view.add_user_message(
            "How do I read a CSV file in Python?\nShow me a table too.",
            ["data.csv", "notes-from-meeting-2024.txt"],
        )
        answer = view.begin_assistant_message("claude-sonnet-4-6")
        answer.append_text(ANSWER)
        answer.finish(Message(stop_reason="max_tokens"), footer=FOOTER)
        settle(app, view)
        view.grab().save(f"/tmp/view_{name}.png")
        print(f"/tmp/view_{name}.png")

        if name == "light":
            more = view.begin_assistant_message("claude-sonnet-4-6")
            more.append_text(ANSWER)
            more.set_status("Retrying in 4 s…")
            settle(app, view)
            view.verticalScrollBar().setValue(0)
            more.append_text("\nMore text arrives while the user reads above.\n")
            settle(app, view)
            view.grab().save("/tmp/view_jump.png")
            print("/tmp/view_jump.png")
        view.close()


if __name__ == "__main__":
    main()
