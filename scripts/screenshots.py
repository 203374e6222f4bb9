"""Render every designed state of the window, light and dark, at each of --sizes, into
docs/screenshots/ as <state>-<theme>-<w>x<h>.png: the main window mid-conversation, the
welcome page (fresh, with a rejected key, the chat once a key is accepted), an "Update API
key" error card in a conversation, an answer about a PDF with its citations and sources, a
tool approval card and a web search answer with its sources, a question with its
attachments (question-attachments), each Settings page
(settings-<page>: the Settings window over the main window) and the chat settings sheet.

    uv run python scripts/screenshots.py            # offscreen
    scripts/with-session-services.sh uv run python scripts/screenshots.py --platform xcb
    scripts/screenshots.py --sizes 1440x900         # only one size

The window is the real MainWindow with its real widgets; the conversation is fed through
the same view calls a streamed answer uses, so no network or API key is needed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
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
#: What streams while the window is minimized: shown in one go when it comes back.
STREAMED_WHILE_AWAY = (
    " `csv.DictReader` as before.\n\nThe rows come out decompressed as they are read, so"
    " memory stays flat here too; only the reading is a little slower."
)


def _cited(text: str, quote: str, title: str, **where: int) -> dict[str, object]:
    kind = "page_location" if "start_page_number" in where else "char_location"
    citation = {"type": kind, "cited_text": quote, "document_index": 0, "document_title": title}
    return {"type": "text", "text": text, "citations": [{**citation, **where}]}


# An answer about a PDF, as the API sends one with citations on: many short text blocks.
CITED_ANSWER = [
    {"type": "text", "text": "The report describes a good year. "},
    _cited(
        "Revenue rose 12% to $4.1 million",
        "Revenue for the year rose 12% to $4.1 million, driven by the new subscription plans.",
        "report.pdf",
        start_page_number=4,
        end_page_number=5,
    ),
    {"type": "text", "text": ", mostly from the new subscription plans, while "},
    _cited(
        "operating costs fell by 3%",
        "Operating costs fell by 3% as the data centre migration completed.",
        "report.pdf",
        start_page_number=6,
        end_page_number=8,
    ),
    {"type": "text", "text": ".\n\nThe outlook section is more careful: "},
    _cited(
        "growth is expected to slow to 5–7% next year",
        "We expect growth to slow to between 5% and 7% in the coming year.",
        "report.pdf",
        start_page_number=11,
        end_page_number=12,
    ),
    {"type": "text", "text": "."},
]


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


def parse_sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for part in text.split(","):
        w, _, h = part.strip().lower().partition("x")
        sizes.append((int(w), int(h)))
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--platform", default="offscreen", help="Qt platform (offscreen, xcb)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=parse_sizes("1440x900,800x600"),
        help="window sizes, WxH comma-separated (default 1440x900,800x600)",
    )
    args = parser.parse_args()
    os.environ["QT_QPA_PLATFORM"] = args.platform
    os.environ.setdefault("CLAUDE_DESKTOP_DATA_DIR", tempfile.mkdtemp(prefix="cd-shots-"))
    os.environ.pop("ANTHROPIC_API_KEY", None)

    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    app.setStyle("Fusion")
    from claude_desktop.ui.appearance import install_focus_ring

    install_focus_ring(app)  # the app's own style, as app.py sets it
    args.out.mkdir(parents=True, exist_ok=True)
    seed_history()
    from claude_desktop.ui.appearance import dark_palette, light_palette

    for name, palette in (("light", light_palette()), ("dark", dark_palette())):
        app.setPalette(palette)
        for size in args.sizes:
            shot = Shot(app, args.out, name, size)
            shoot_main(shot)
            shoot_states(shot)
            shoot_tools(shot)
            shoot_composer(shot)
            shoot_palette(shot)
            shoot_settings(shot)
            shoot_settings_tools(shot)
            shoot_math(shot)
            shoot_messages(shot)
            shoot_question_attachments(shot)
            shoot_toast(shot)
    write_index(args.out, args.sizes)
    return 0


def write_index(out: Path, sizes: list[tuple[int, int]]) -> None:
    """docs/screenshots/README.md: every state shot, light and dark, at each size."""
    states = sorted(
        {p.name.split("-light-")[0] for p in out.glob("*-light-*.png")},
    )
    lines = [
        "# Every state of the window",
        "",
        "Made by `scripts/screenshots.py` (the real window, offscreen); light and dark at each",
        "size. [before/](before) keeps six of the window as it looked before the redesign.",
        "",
    ]
    for state in states:
        lines += [f"## {state}", ""]
        for w, h in sizes:
            for theme in ("light", "dark"):
                name = f"{state}-{theme}-{w}x{h}.png"
                if (out / name).exists():
                    lines.append(f"![{state}, {theme}, {w}×{h}]({name})")
        lines.append("")
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


def save_png(image, path: Path) -> None:  # type: ignore[no-untyped-def]
    """`image` (a QPixmap or QImage) as a PNG of at most 256 colours: a window's flat colours
    and antialiased text survive it unchanged to the eye, at a third of the bytes in git."""
    import io

    from PIL import Image
    from PySide6.QtCore import QBuffer, QIODevice

    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    picture = Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGB")
    picture.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, optimize=True
    )


class Shot:
    """Where and how one theme at one size is saved."""

    def __init__(  # type: ignore[no-untyped-def]
        self, app, out: Path, theme: str, size: tuple[int, int]
    ) -> None:
        self.app, self.out, self.theme, self.size = app, out, theme, size

    def window(self, session):  # type: ignore[no-untyped-def]
        from claude_desktop.ui.main_window import MainWindow

        window = MainWindow(session)
        window.resize(*self.size)
        window.show()
        settle(self.app)
        return window

    def save(self, window, state: str) -> None:  # type: ignore[no-untyped-def]
        # A page switch can grow the window (the welcome page's minimum size outlives it):
        # put it back to the size being shot.
        window.resize(*self.size)
        # States fed straight to the view: the greeting gives way as it does for a real chat.
        window.composer_sync.place()
        window.update_header()  # as a real chat's opening does (this script has no event loop)
        settle(self.app)
        w, h = self.size
        path = self.out / f"{state}-{self.theme}-{w}x{h}.png"
        image = window.grab()
        if (image.width(), image.height()) != (w, h):
            print(f"warning: {path.name} is {image.width()}x{image.height()}", file=sys.stderr)
        save_png(image, path)
        print(path)


def close(shot: Shot, window, session) -> None:  # type: ignore[no-untyped-def]
    window.close()
    window.deleteLater()
    session.close_history()
    shot.app.processEvents()


#: A long code block still streaming (over 2,000 characters: lexed a slice per turn, and
#: grown a few lines at a time rather than put in again whole).
LONG_CODE = "Here is the whole module:\n\n```python\n" + "\n".join(
    line
    for n in range(1, 9)
    for line in (
        f"def load_part_{n}(path: Path) -> list[dict[str, str]]:",
        f'    """Read part {n} of the export, one dict per row."""',
        '    with gzip.open(path, "rt", newline="", encoding="utf-8") as f:',
        f"        rows = [row for row in csv.DictReader(f) if row.get('part') == '{n}']",
        "    return rows  # kept in memory: a part is a few thousand rows",
        "",
    )
)


#: The rest of that block and the answer, arriving at once.
LONG_CODE_END = (
    "\ndef load_all(paths: list[Path]) -> list[dict[str, str]]:\n"
    '    """Every part, in order."""\n'
    "    return [row for path in paths for row in load_part(path)]\n"
    "```\n\nEach part is read on its own, so only one is ever decompressed at a time."
)


def shoot_main(shot: Shot) -> None:
    """The main window mid-conversation: a finished answer and one streaming."""
    from claude_desktop.domain.secrets import KeySource, KeyStore
    from claude_desktop.domain.session import Session
    from claude_desktop.domain.settings import Settings

    session = Session(Settings.load(), KeyStore())
    session.key_source = KeySource.KEYRING
    window = shot.window(session)
    window._open_initial()
    window.pages.setCurrentWidget(window.chat_page)
    view = window.view
    view.add_user_message(FOLLOW_UP)
    streaming = view.begin_assistant_message("Claude Sonnet 4.6")
    streaming.append_text(STREAMING)
    window.composer.set_streaming(True)
    settle(shot.app)
    view.scroll_to_bottom()
    shot.save(window, "main-window")

    # Minimized while it streams: what comes meanwhile waits, then shows in one go.
    window.showMinimized()
    settle(shot.app)
    streaming.append_text(STREAMED_WHILE_AWAY)
    settle_for(shot.app, 0.1)  # past the render interval and the hold: a render was due
    if "decompressed" in streaming.text_view.document().toPlainText():
        print("warning: the answer rendered while the window was minimized", file=sys.stderr)
    window.showNormal()
    settle(shot.app)
    view.scroll_to_bottom()
    shot.save(window, "restored-mid-answer")

    # A long code block streaming in a few characters at a time, as a model writes it.
    view.add_user_message("Can you write the whole loader?")
    coding = view.begin_assistant_message("Claude Sonnet 4.6")
    for start in range(0, len(LONG_CODE), 24):
        coding.append_text(LONG_CODE[start : start + 24])
        settle_for(shot.app, 0.02)
    save_rendered(shot, window, coding, "long-code-streaming")

    # Its last lines come with the closing fence and the words after it, in one read (as
    # in a flood): the finished block grows into them rather than going in again whole.
    coding.append_text(LONG_CODE_END)
    coding.finish(None, footer="Claude Sonnet 4.6 · 6.2 s · $0.0214")
    window.composer.set_streaming(False)
    save_rendered(shot, window, coding, "long-code-finished")
    close(shot, window, session)


def settle(app) -> None:  # type: ignore[no-untyped-def]
    for _ in range(20):
        app.processEvents()


def save_rendered(shot: Shot, window, answer, name: str) -> None:  # type: ignore[no-untyped-def]
    """Shoot `name` once `answer` shows all its text (warned about if it does not), its end
    in view."""
    settle_for(shot.app, 0.1)  # past the render interval: its renders ran
    if not answer.is_rendered:
        print(f"warning: {name}: the answer was not all rendered", file=sys.stderr)
    window.view.scroll_to_bottom()
    settle(shot.app)
    shot.save(window, name)


def settle_for(app, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """Process events for `seconds`: timers (a held render) fire meanwhile."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)


def shoot_states(shot: Shot) -> None:
    """The welcome page (fresh, a rejected key, the chat once a key is accepted), an
    "Update API key" error card in the open conversation and an answer with sources."""
    from claude_desktop.api.message import Message
    from claude_desktop.domain.secrets import KeySource, KeyStore
    from claude_desktop.domain.session import Session
    from claude_desktop.domain.settings import Settings
    from claude_desktop.ui.main_window import (
        KEY_REFUSED_ON_KEY_PAGE,
        KEY_REJECTED_DETAIL,
        KEY_REJECTED_TITLE,
    )

    app = shot.app
    save = shot.save
    session = Session(Settings.load(), KeyStore())
    window = shot.window(session)
    window._open_initial()
    window._show_key_page()
    save(window, "welcome-fresh")
    window.key_view.field.setText("sk-ant-api03-not-a-real-key-0000")
    window.key_view.key_refused(KEY_REFUSED_ON_KEY_PAGE)
    save(window, "welcome-rejected")
    session.key_source = KeySource.KEYRING
    window._enter_new_chat()
    window._show_chat()
    save(window, "welcome-accepted")

    window.open_conversation(Settings.load().last_conversation_id)
    view = window.view
    view.add_user_message(FOLLOW_UP)
    failed = view.begin_assistant_message("Claude Sonnet 4.6")
    failed.show_error(
        KEY_REJECTED_DETAIL,
        lambda: None,
        title=KEY_REJECTED_TITLE,
        action="Update API key",
        repeat=True,
    )
    settle(app)
    view.scroll_to_bottom()
    save(window, "error-card-update-key")

    window.open_conversation(Settings.load().last_conversation_id)
    view = window.view
    view.add_user_message("What does the report say about this year?", ["report.pdf"])
    cited = view.begin_assistant_message("Claude Sonnet 4.6")
    cited.finish(Message(content=CITED_ANSWER), footer="Claude Sonnet 4.6 · 1.2 s · $0.0123")
    cited.flush()
    cited.sources.rows[0].set_expanded(True)  # a source opened, its quote under it
    settle(app)
    view.scroll_to_bottom()
    save(window, "cited-answer")
    close(shot, window, session)


def _web_result(url: str, title: str) -> dict[str, object]:
    return {"type": "web_search_result", "url": url, "title": title, "encrypted_content": "x"}


def _web_cited(text: str, url: str, title: str, quote: str) -> dict[str, object]:
    citation = {"type": "web_search_result_location", "url": url, "title": title}
    return {"type": "text", "text": text, "citations": [{**citation, "cited_text": quote}]}


SSE_URL, SSE_TITLE = "https://developer.mozilla.org/en-US/docs/Web/API/EventSource", "EventSource"
SPEC_URL, SPEC_TITLE = (
    "https://html.spec.whatwg.org/multipage/server-sent-events.html",
    ("HTML Standard: Server-sent events"),
)
# A web search answer as the API sends one: the search, its results, then cited text.
SEARCH_ANSWER = [
    {"type": "text", "text": "I'll look that up."},
    {
        "type": "server_tool_use",
        "id": "srvtoolu_1",
        "name": "web_search",
        "input": {"query": "server-sent events reconnect"},
    },
    {
        "type": "web_search_tool_result",
        "tool_use_id": "srvtoolu_1",
        "content": [_web_result(SSE_URL, SSE_TITLE), _web_result(SPEC_URL, SPEC_TITLE)],
    },
    {"type": "text", "text": "A browser reconnects on its own: "},
    _web_cited(
        "EventSource retries after a dropped connection",
        SSE_URL,
        SSE_TITLE,
        "the browser will reconnect automatically",
    ),
    {"type": "text", "text": ", and the server can set the delay with a "},
    _web_cited(
        "`retry:` field", SPEC_URL, SPEC_TITLE, "the retry field sets the reconnection time"
    ),
    {"type": "text", "text": "."},
]


def shoot_tools(shot: Shot) -> None:
    """The README's tool states: an approval card, and a web search answer with sources."""
    from claude_desktop.api.message import Message
    from claude_desktop.domain.secrets import KeySource, KeyStore
    from claude_desktop.domain.session import Session
    from claude_desktop.domain.settings import Settings
    from claude_desktop.domain.tool_approvals import ALLOW_ONCE, ALWAYS_ALLOW, DENY
    from claude_desktop.domain.tool_loop import STOPPED, ToolCall, error_result
    from claude_desktop.domain.tools import ToolSpec
    from claude_desktop.domain.turn_runner import Decision

    def save(window, state: str) -> None:  # type: ignore[no-untyped-def]
        settle(shot.app)
        window.view.scroll_to_bottom()
        shot.save(window, state)

    session = Session(Settings.load(), KeyStore())
    session.key_source = KeySource.KEYRING
    window = shot.window(session)
    window._open_initial()
    window._show_chat()

    def fresh_answer_page() -> None:
        # The seeded chat, emptied: an empty (new) chat shows the greeting, not the view.
        window.open_conversation(Settings.load().last_conversation_id)
        window.view.clear()

    fresh_answer_page()
    view = window.view

    arguments = {"path": "~/notes/meeting-2026-11-27.md", "max_lines": 200}
    view.add_user_message("What did we decide in Friday's meeting? It's in my notes.")
    asking = view.begin_assistant_message("Claude Sonnet 4.6")
    asking.block_started(0, {"type": "text", "text": ""})
    asking.text_delta(0, "I'll read your notes from Friday's meeting.")
    asking.block_stopped(0, {"type": "text", "text": "I'll read your notes."})
    call = {"type": "tool_use", "id": "toolu_1", "name": "filesystem__read_file"}
    asking.asks_about = lambda _name: True  # as the window's Turns says: asked in its card
    asking.block_started(1, {**call, "input": {}})
    asking.block_stopped(1, {**call, "input": arguments})
    schema: dict[str, object] = {"type": "object"}
    tool = ToolSpec("filesystem__read_file", "", schema, server="filesystem", title="read_file")
    decision = Decision(
        "Allow Claude to use read_file (filesystem)?",
        (ALLOW_ONCE, ALWAYS_ALLOW, DENY),
        DENY,
        ToolCall("toolu_1", "filesystem__read_file", arguments, tool),
    )
    asking.show_decision(decision, lambda _choice: None)
    asking.flush()
    window.composer.set_streaming(True)
    save(window, "approval-card")
    window.composer.set_streaming(False)

    # The tool cards: used (one opened), failed, running, stopped before it finished; and a
    # call's approval while its arguments stream.
    fresh_answer_page()
    view = window.view
    view.add_user_message("Summarise Friday's meeting notes and file the action items.")
    cards = view.begin_assistant_message("Claude Sonnet 4.6")
    used = {**call, "input": arguments}
    cards.block_started(0, used)
    cards.block_stopped(0, used)
    result = {"type": "tool_result", "tool_use_id": "toolu_1"}
    cards.block_started(1, result)
    cards.block_stopped(
        1, {**result, "content": "# Friday\n- Ship 2.4 on Tuesday\n- Ana: release notes"}
    )
    failed = {
        "type": "tool_use",
        "id": "toolu_2",
        "name": "linear__create_issue",
        "input": {"title": "Release notes"},
    }
    cards.block_started(2, failed)
    cards.block_stopped(2, failed)
    refused = {"type": "tool_result", "tool_use_id": "toolu_2", "is_error": True}
    cards.block_started(3, refused)
    cards.block_stopped(
        3, {**refused, "content": "The MCP server linear is not running: 401 Unauthorized."}
    )
    running = {
        "type": "tool_use",
        "id": "toolu_3",
        "name": "filesystem__search_files",
        "input": {"pattern": "*.md"},
    }
    cards.block_started(4, running)
    cards.block_stopped(4, running)
    cards.block_started(5, {"type": "tool_result", "tool_use_id": "toolu_3"})
    stopped = {**running, "id": "toolu_5", "name": "filesystem__list_directory"}
    cards.block_started(7, stopped)
    cards.block_stopped(7, stopped)
    cards.block_started(8, {"type": "tool_result", "tool_use_id": "toolu_5"})
    cards.block_stopped(8, error_result("toolu_5", STOPPED))
    streaming = {"type": "tool_use", "id": "toolu_4", "name": "filesystem__write_file", "input": {}}
    cards.asks_about = lambda _name: True
    cards.block_started(6, streaming)
    cards.json_delta(6, '{"path": "~/notes/actions.md", "content": "- Ship 2.4 on Tue')
    cards.flush()
    cards.column.tool_cards()[0].set_expanded(True)
    window.composer.set_streaming(True)
    save(window, "tool-cards")
    window.composer.set_streaming(False)

    fresh_answer_page()
    view = window.view
    view.add_user_message("How does a browser reconnect to a server-sent events stream?")
    searched = view.begin_assistant_message("Claude Sonnet 4.6")
    searched.finish(
        Message(content=SEARCH_ANSWER), footer="Claude Sonnet 4.6 · 1 search · 3.4 s · $0.0214"
    )
    searched.flush()
    for card in searched.column.tool_cards():
        card.set_expanded(True)  # the result list, unfolded
    save(window, "search-answer")
    close(shot, window, session)


def shoot_composer(shot: Shot) -> None:
    """The composer: an empty chat (greeting, suggestions, web search on), files attached to
    a question being written, and a chat nearly out of context."""
    import io

    from PIL import Image

    from claude_desktop.domain.attachments import prepare_bytes
    from claude_desktop.domain.context_window import ContextUse
    from claude_desktop.domain.secrets import KeySource, KeyStore
    from claude_desktop.domain.session import Session
    from claude_desktop.domain.settings import Settings

    session = Session(Settings.load(), KeyStore())
    session.key_source = KeySource.KEYRING
    window = shot.window(session)
    window._open_initial()
    window._enter_new_chat()
    window._show_chat()
    window.composer_sync.set_web(search=True)
    save = shot.save
    save(window, "empty-chat")
    window.composer_sync.set_web(search=False)

    window.open_conversation(Settings.load().last_conversation_id)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "#5b8def").save(out, "PNG")
    window.composer.load(
        "Compare the chart with the figures in the notes, please.",
        [
            prepare_bytes("sales-chart.png", out.getvalue()),
            prepare_bytes("quarterly-notes.txt", b"Q1 12.4\nQ2 13.1\nQ3 15.0\n" * 40),
        ],
    )
    settle(shot.app)
    save(window, "composer-attachments")
    window.composer.load("")
    window.composer.set_context_use(ContextUse(186_000, 200_000))
    settle(shot.app)
    save(window, "context-nearly-full")
    window.composer.set_context_use(ContextUse(124_000, 200_000))
    settle(shot.app)
    save(window, "context-meter")
    shoot_too_long(shot, window)
    close(shot, window, session)


def shoot_too_long(shot: Shot, window) -> None:  # type: ignore[no-untyped-def]
    """Send refused before sending: the document makes the chat too long for the model
    (counted with count_tokens), the draft kept, with "New chat with it"."""
    import io

    from pypdf import PdfWriter

    from claude_desktop.domain.attachments import prepare_bytes
    from claude_desktop.domain.context_check import too_long
    from claude_desktop.domain.context_window import ContextUse

    writer = PdfWriter()
    for _ in range(40):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    document = prepare_bytes("annual-report-2025.pdf", out.getvalue())
    window.composer.load("What changed in the risk section since last year?", [document])
    window.composer.set_context_use(ContextUse(212_000, 200_000))
    window.composer.show_refusal(
        too_long("Claude Sonnet 4.6", 212_000, 200_000, [document], new_chat=True)
    )
    settle(shot.app)
    shot.save(window, "context-too-long")
    window.composer.load("")


def shoot_palette(shot: Shot) -> None:
    """The Ctrl+K search palette over the open conversation: recent conversations before
    anything is typed, then results for a word, its matches marked."""
    from claude_desktop.domain.secrets import KeySource, KeyStore
    from claude_desktop.domain.session import Session
    from claude_desktop.domain.settings import Settings

    session = Session(Settings.load(), KeyStore())
    session.key_source = KeySource.KEYRING
    window = shot.window(session)
    window._open_initial()
    window._show_chat()
    sidebar = window.sidebar
    sidebar.list.itemEntered.emit(sidebar.items()[1])  # the pointer on a row: its ⋯ shows
    settle(shot.app)
    shot.save(window, "sidebar-row-options")
    sidebar.options_button.hide()
    palette = window.search_palette
    palette.open_palette()
    settle(shot.app)
    shot.save(window, "search-palette-recent")
    palette.field.setText("csv")
    window.conversations.search(palette.query())
    settle(shot.app)
    shot.save(window, "search-palette")
    close(shot, window, session)


def shoot_settings(shot: Shot) -> None:
    """Each Settings page (the window over the main window, as a person sees it), and the
    chat settings sheet over a conversation, its Advanced part open."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtGui import QColor, QPainter

    from claude_desktop.domain.secrets import KeySource, KeyStore
    from claude_desktop.domain.session import Session
    from claude_desktop.domain.settings import Settings
    from claude_desktop.ui.theme import tokens_for

    session = Session(Settings.load(), KeyStore())
    session.key_source = KeySource.KEYRING
    window = shot.window(session)
    window._open_initial()
    window.open_conversation(Settings.load().last_conversation_id)
    window._show_chat()
    settle(shot.app)

    dialog = window.open_settings()
    w, h = shot.size
    dialog.resize(min(860, w - 80), min(600, h - 80))
    for name in dialog.page_names():
        dialog.page_list.setCurrentRow(dialog.page_names().index(name))
        window.resize(w, h)
        settle(shot.app)
        image = window.grab()
        page = dialog.grab()
        painter = QPainter(image)
        corner = QPoint((image.width() - page.width()) // 2, (image.height() - page.height()) // 2)
        painter.drawPixmap(corner, page)
        # The window's edge (a window manager would draw its frame there).
        painter.setPen(QColor(tokens_for(dialog.palette()).secondary))
        painter.drawRect(
            QRect(corner, page.size() / page.devicePixelRatio()).adjusted(-1, -1, 0, 0)
        )
        painter.end()
        path = shot.out / f"settings-{name.lower()}-{shot.theme}-{w}x{h}.png"
        save_png(image, path)
        print(path)
    dialog.hide()

    sheet = window.open_conversation_settings()
    sheet.advanced_button.setChecked(True)
    shot.save(window, "chat-settings")
    sheet.close_sheet()
    close(shot, window, session)


def shoot_settings_tools(shot: Shot) -> None:
    """Settings → Tools with a server in each state (ready and opened, starting, failed with
    its log, disabled), shown in a plain dialog of the settings window's size."""
    from PySide6.QtWidgets import QDialog, QVBoxLayout

    from claude_desktop.domain.mcp.config import ServerConfig
    from claude_desktop.domain.mcp.servers import ServerState, ServerStatus, ToolInfo
    from claude_desktop.domain.tool_approvals import ToolApprovals
    from claude_desktop.ui.settings_tools import ToolsPage

    folder = Path(tempfile.mkdtemp(prefix="cd-tools-"))
    configs = [
        ServerConfig(
            "filesystem",
            command="npx",
            args=("-y", "@modelcontextprotocol/server-filesystem", "~/notes"),
            disabled_tools=frozenset({"move_file"}),
        ),
        ServerConfig("linear", url="https://mcp.linear.app/mcp", type="http"),
        ServerConfig("github", command="docker", args=("run", "-i", "ghcr.io/github/mcp")),
        ServerConfig("sqlite", command="uvx", args=("mcp-server-sqlite",), enabled=False),
    ]
    tools = [
        ToolInfo("read_file", "Read the complete contents of a file.", True, True),
        ToolInfo("list_directory", "List the files and folders in a folder.", True, True),
        ToolInfo("write_file", "Create a new file or overwrite an existing one.", False, True),
        ToolInfo("move_file", "Move or rename files and folders.", False, False),
    ]
    statuses = [
        ServerStatus("filesystem", ServerState.READY, 4),
        ServerStatus("linear", ServerState.STARTING),
        ServerStatus(
            "github",
            ServerState.FAILED,
            error="docker was not found on your PATH",
            log=("Unable to find image 'ghcr.io/github/mcp:latest' locally",),
        ),
        ServerStatus("sqlite", ServerState.DISABLED),
    ]

    class Servers:
        def status(self):  # type: ignore[no-untyped-def]
            return statuses

        def server_tools(self, name: str):  # type: ignore[no-untyped-def]
            return tools if name == "filesystem" else []

    class Tools:
        config_path = Path("~/.config/claude-desktop/mcp_servers.json")
        servers = Servers()
        problem = ""

        def __init__(self) -> None:
            self.listeners: list[object] = []

        def configs(self):  # type: ignore[no-untyped-def]
            return configs

    approvals = ToolApprovals(folder / "tool_approvals.json")
    approvals.allow_always("filesystem", "read_file")
    dialog = QDialog()
    dialog.setWindowTitle("Settings")
    layout = QVBoxLayout(dialog)
    layout.setContentsMargins(24, 20, 24, 20)
    page = ToolsPage(Tools(), approvals)
    layout.addWidget(page)
    page.cards["filesystem"].expand.setChecked(True)
    page.cards["github"].log_toggle.setChecked(True)
    dialog.resize(760, 640)
    dialog.show()
    settle(shot.app)
    path = shot.out / f"settings-tools-{shot.theme}.png"
    save_png(dialog.grab(), path)
    print(path)
    dialog.close()
    dialog.deleteLater()
    shot.app.processEvents()


MATH_ANSWER = r"""The normal distribution with mean $\mu$ and standard deviation $\sigma$ has the
density

$$
f(x) = \frac{1}{\sigma\sqrt{2\pi}}\, e^{-\frac{(x-\mu)^2}{2\sigma^2}}
$$

About 68% of the values lie within $\mu \pm \sigma$, and the integral over all $x$ is
\(\int_{-\infty}^{\infty} f(x)\,dx = 1\). For a sample of $n$ values the mean is
estimated by $\bar{x} = \frac{1}{n}\sum_{i=1}^{n} x_i$.

A course costs $5 a week, or $20 a month: those stay prices, and `$x$` in code stays code."""


def shoot_math(shot: Shot) -> None:
    """An answer with inline and display formulas (LaTeX drawn as images)."""
    from claude_desktop.api.message import Message
    from claude_desktop.domain.secrets import KeySource, KeyStore
    from claude_desktop.domain.session import Session
    from claude_desktop.domain.settings import Settings

    session = Session(Settings.load(), KeyStore())
    session.key_source = KeySource.KEYRING
    window = shot.window(session)
    window._open_initial()
    window._enter_new_chat()
    window._show_chat()
    view = window.view
    view.add_user_message("What is the formula of the normal distribution?")
    answer = view.begin_assistant_message("Claude Sonnet 4.6")
    answer.finish(
        Message(content=[{"type": "text", "text": MATH_ANSWER}]),
        footer="Claude Sonnet 4.6 · 2.1 s · $0.0042",
    )
    answer.flush()
    settle(shot.app)
    view.scroll_to_bottom()
    shot.save(window, "math-answer")
    close(shot, window, session)


def shoot_messages(shot: Shot) -> None:
    """The message states of the redesign: waiting for the first token (the pulsing dot),
    thinking folded ("Thought for N s") and open, and a long answer with code and a table."""
    from claude_desktop.api.message import Message
    from claude_desktop.domain.secrets import KeySource, KeyStore
    from claude_desktop.domain.session import Session
    from claude_desktop.domain.settings import Settings

    session = Session(Settings.load(), KeyStore())
    session.key_source = KeySource.KEYRING
    window = shot.window(session)
    window._open_initial()
    window.pages.setCurrentWidget(window.chat_page)
    view = window.view
    view.clear()
    view.add_user_message(QUESTION)
    waiting = view.begin_assistant_message("Claude Sonnet 4.6")
    window.composer.set_streaming(True)
    settle(shot.app)
    view.scroll_to_bottom()
    shot.save(window, "waiting")
    waiting.append_thinking(
        "The user wants to stream a big CSV. The csv module reads row by row; pandas can"
        " read in chunks. Worth a table comparing the two."
    )
    waiting.flush()
    settle(shot.app)
    shot.save(window, "thinking")
    waiting.append_text(ANSWER)
    waiting.finish(
        Message(content=[{"type": "text", "text": ANSWER}]),
        footer="Claude Sonnet 4.6 · 0.6 s to first token · 4.1 s · 1,204 in / 389 out · $0.0094",
    )
    waiting.flush()
    window.composer.set_streaming(False)
    settle(shot.app)
    view.scroll_to_bottom()
    settle(shot.app)
    shot.save(window, "long-answer")
    waiting.thinking.set_expanded(True)
    settle(shot.app)
    view.verticalScrollBar().setValue(0)
    settle(shot.app)
    shot.save(window, "thinking-open")
    close(shot, window, session)


def _chart_png() -> bytes:
    """A small bar chart, as a person might attach one."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 600), "#fbfaf7")
    draw = ImageDraw.Draw(image)
    for i, (value, colour) in enumerate(
        [(320, "#c96442"), (460, "#d97757"), (250, "#8a7f72"), (520, "#c96442"), (380, "#b5a99a")]
    ):
        x = 90 + i * 170
        draw.rectangle((x, 560 - value, x + 110, 560), fill=colour)
    draw.line((60, 560, 920, 560), fill="#3d3d3a", width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _photo_jpeg() -> bytes:
    """A portrait "photo": a sky-to-sand gradient with a sun."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 800))
    draw = ImageDraw.Draw(image)
    for y in range(800):
        t = y / 799
        sky, sand = (96, 150, 205), (226, 196, 150)
        draw.line(
            (0, y, 600, y),
            fill=tuple(round(a + (b - a) * t) for a, b in zip(sky, sand, strict=True)),
        )
    draw.ellipse((380, 120, 500, 240), fill="#f6d36b")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def shoot_question_attachments(shot: Shot) -> None:
    """A question with two images (thumbnails) and a PDF and a text file (file cards) above
    its bubble, opened from the history: the thumbnails read and scaled as the app does."""
    import asyncio
    import hashlib

    from claude_desktop.domain.history import History
    from claude_desktop.domain.secrets import KeySource, KeyStore
    from claude_desktop.domain.session import Session
    from claude_desktop.domain.settings import Settings

    history = History.open()
    store = history.store
    conv = store.create_conversation(model="claude-sonnet-4-6", title="Sales chart and report")
    content: list[dict[str, object]] = []
    for data, media_type in ((_chart_png(), "image/png"), (_photo_jpeg(), "image/jpeg")):
        digest = store.put_blob(data, media_type, hashlib.sha256(data).hexdigest())
        source = {"type": "blob", "sha256": digest, "media_type": media_type, "size": len(data)}
        content.append({"type": "image", "source": source})
    report = b"%PDF-1.4 " + bytes(48_000)
    digest = store.put_blob(report, "application/pdf", hashlib.sha256(report).hexdigest())
    content.append(
        {
            "type": "document",
            "title": "Q3 sales report.pdf",
            "source": {
                "type": "blob",
                "sha256": digest,
                "media_type": "application/pdf",
                "size": len(report),
            },
        }
    )
    notes = "Region,Q3\nNorth,320\nSouth,460\n"
    content.append(
        {
            "type": "document",
            "title": "notes.csv",
            "source": {"type": "text", "media_type": "text/plain", "data": notes},
        }
    )
    content.append(
        {"type": "text", "text": "Does the chart match the report? The photo is the new office."}
    )
    question = store.add_message(
        conv.id,
        parent_id=None,
        role="user",
        content=content,
        meta={"attachments": ["sales-chart.png", "office.jpg", "Q3 sales report.pdf", "notes.csv"]},
    )
    answer = "Yes: the bars match the report's table on page 4, region by region."
    store.add_message(
        conv.id,
        parent_id=question.id,
        role="assistant",
        content=[{"type": "text", "text": answer}],
        model="claude-sonnet-4-6",
    )
    history.close()

    session = Session(Settings.load(), KeyStore())
    session.key_source = KeySource.KEYRING
    window = shot.window(session)
    window._open_initial()
    window.pages.setCurrentWidget(window.chat_page)
    # No event loop runs here: make each thumbnail at once, in a worker as the app does.
    loop = asyncio.new_event_loop()
    window.presenter.thumbnails._spawn = lambda coro, _name: loop.run_until_complete(coro)
    window.open_conversation(conv.id)
    settle(shot.app)
    window.view.scroll_to_bottom()
    shot.save(window, "question-attachments")
    loop.close()
    close(shot, window, session)
    history = History.open()
    history.store.delete_conversation(conv.id)  # the other states' sidebars stay as they were
    history.close()


def shoot_toast(shot: Shot) -> None:
    """The open conversation just after a chat was deleted: the Undo toast above the
    composer (the transient notices that replaced the status bar)."""
    import time

    from claude_desktop.domain.secrets import KeySource, KeyStore
    from claude_desktop.domain.session import Session
    from claude_desktop.domain.settings import Settings

    session = Session(Settings.load(), KeyStore())
    session.key_source = KeySource.KEYRING
    window = shot.window(session)
    window._open_initial()
    window.pages.setCurrentWidget(window.chat_page)
    window.notices.offer_undo("Deleted “Plan a weekend in Lisbon”.")
    deadline = time.monotonic() + 0.4  # past the toast's fade-in
    while time.monotonic() < deadline:
        shot.app.processEvents()
    window.view.scroll_to_bottom()
    shot.save(window, "toast")
    close(shot, window, session)


if __name__ == "__main__":
    sys.exit(main())
