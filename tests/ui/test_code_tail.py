"""A code block growing at the end of an answer: only its changed lines go in again, long code
is lexed a slice per event loop turn, and the document and the screen are what rendering
the whole block at once gives."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from claude_desktop.ui.message_widget import AssistantMessageWidget
from claude_desktop.ui.render import render_markdown
from claude_desktop.ui.rich_text_view import BlockWriter

from .conftest import cut_into_deltas, feed, full_render_plain_text

CODE_LINES = st.lists(
    st.sampled_from(
        [
            "import csv",
            "",
            "    ",
            "def read_rows(path: Path) -> list[dict[str, str]]:",
            '    """Read every row',
            '    of a CSV file."""',
            '    with path.open(newline="", encoding="utf-8") as f:',
            "\treturn list(csv.DictReader(f))  # a comment",
            "x = '<b>not bold</b> & <none>'",
            "s = 'ünïcödé ✓ 日本語'",
            "url = 'https://example.com/" + "a" * 150 + "'",
            "    " * 6 + "deeply.indented(call)",
            "``",
            "~~~",
        ]
    ),
    min_size=1,
    max_size=14,
)

LANGUAGES = st.sampled_from(["python", "bash", "", "json", "rust", "nosuchlanguage"])


def answer_with_code(lang: str, lines: list[str], before: str = "Some text first.\n\n") -> str:
    return before + f"```{lang}\n" + "\n".join(lines) + "\n```\n\nAnd after it."


def grown_lines(monkeypatch) -> list[int]:
    """Counts the renders that put only a code block's changed lines in."""
    grown: list[int] = []
    grow = BlockWriter.grow_code_tail

    def counted(self, *args):
        top = grow(self, *args)
        if top is not None:
            grown.append(1)
        return top

    monkeypatch.setattr(BlockWriter, "grow_code_tail", counted)
    return grown


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lang=LANGUAGES,
    lines=CODE_LINES,
    seed=st.integers(min_value=0, max_value=1000),
)
def test_every_frame_of_a_growing_code_block_is_the_full_renders_document(qtbot, lang, lines, seed):
    """After every render, the document holds exactly what replacing the whole code block
    gives (its HTML: every block's text and formats), and at the end the full render."""
    text = answer_with_code(lang, lines)
    grown = AssistantMessageWidget("m")
    whole = AssistantMessageWidget("m")
    for widget in (grown, whole):
        qtbot.addWidget(widget)
        widget.resize(700, 400)
    whole.text_view._writer.grow_code_tail = lambda *_args: None  # always the whole block
    for delta in cut_into_deltas(text, seed=seed, low=1, high=7):
        for widget in (grown, whole):
            widget.append_text(delta)
            widget.text_view.render(budget=False)
        assert grown.text_view.document().toHtml() == whole.text_view.document().toHtml(), (
            grown.text_view.markdown_source()
        )
    for widget in (grown, whole):
        widget.finish(None, footer="")
        qtbot.waitUntil(lambda w=widget: w.is_rendered)
    assert grown.text_view.document().toHtml() == whole.text_view.document().toHtml()
    doc = grown.text_view.document()
    assert doc.toHtml() == reference_html(render_markdown(text), doc)


def test_most_renders_of_a_growing_code_block_put_in_only_its_last_lines(qtbot, monkeypatch):
    """The whole block goes in again only when its first line or its header changes."""
    grown = grown_lines(monkeypatch)
    widget = AssistantMessageWidget("m")
    qtbot.addWidget(widget)
    lines = [f"value_{n} = compute({n}, 'text')  # step {n}" for n in range(30)]
    deltas = cut_into_deltas(answer_with_code("python", lines), seed=1, low=2, high=6)
    for delta in deltas:
        widget.append_text(delta)
        widget.text_view.render(budget=False)
    # All but the renders of the text around the block and of its first lines and fences.
    assert len(grown) > (len(deltas) - 10) * 0.8


@pytest.mark.parametrize("width", [700, 260])  # 260: the long line overflows the box
def test_the_screen_shows_what_a_fresh_paint_does_and_repaints_little(qtbot, view, width):
    """Each render of a growing code block repaints from its changed line down, not the
    whole block, and the screen is what a fresh paint of the window shows."""

    class PaintRects(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.heights: list[int] = []

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                self.heights.append(event.rect().height())
            return False

    view.resize(width + 200, 600)
    widget = view.begin_assistant_message("m")
    text_view = widget.text_view
    lines = [f"for row in rows_{n}:" for n in range(6)]
    lines.insert(3, "url = 'https://example.com/" + "a" * 80 + "'")
    text = answer_with_code("python", lines, before="Here it is:\n\n")
    shown = view.window()
    paints = PaintRects()
    for n, delta in enumerate(cut_into_deltas(text, seed=2, low=2, high=5)):
        widget.append_text(delta)
        text_view.render(budget=False)
        view.scroll_to_bottom()
        if n == 10:
            text_view.viewport().installEventFilter(paints)
        QApplication.processEvents()
        text_view.viewport().removeEventFilter(paints)
        screen = QGuiApplication.primaryScreen().grabWindow(shown.winId()).toImage()
        assert screen == shown.grab().toImage(), text_view.markdown_source()[-40:]
        if n >= 10:
            text_view.viewport().installEventFilter(paints)
    text_view.viewport().removeEventFilter(paints)
    line = text_view.fontMetrics().lineSpacing()
    small = [h for h in paints.heights if h <= 4 * line]
    assert len(small) > len(paints.heights) * 0.6, paints.heights


def test_a_code_block_with_fewer_lines_than_the_tail_shows_is_not_grown(qtbot):
    """Growing only ever adds lines: a block with fewer lines than the tail shows (a finished
    block is checked against the tail too) is left to a whole insert, the document as it
    was; it never raises."""
    from PySide6.QtGui import QTextDocument

    from claude_desktop.ui.code_blocks import code_lines
    from claude_desktop.ui.render import render_block

    doc = QTextDocument()
    writer = BlockWriter(doc)
    shown = render_block("```python\na = 1\nb = 2\nc = 3\nd = 4\ne = 5\n").html
    writer.update("", shown)
    before = doc.toHtml()
    old = code_lines(shown)
    new = code_lines(render_block("```python\na = 1\nb = 2\n```\n").html)
    assert old is not None and new is not None and old[0] == new[0]
    assert writer.grow_code_tail(old[1], new[0], new[1]) is None
    assert doc.toHtml() == before


def test_a_code_block_whose_kept_lines_moved_is_repainted_whole(qtbot, view, monkeypatch):
    """Should the layout move the lines kept (the block laid out anew), the whole view is
    repainted, not the strip from the changed line down."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QAbstractTextDocumentLayout

    widget = view.begin_assistant_message("m")
    text_view = widget.text_view
    for delta in ("```python\n", "first = 1\n", "second = 2\n", "thi"):
        widget.append_text(delta)
        text_view.render(budget=False)
    QApplication.processEvents()
    rect = QAbstractTextDocumentLayout.blockBoundingRect
    calls = 0

    def moved_after_the_edit(self, block):
        nonlocal calls
        calls += 1
        found = rect(self, block)
        return found.translated(0, 5) if calls == 2 else QRectF(found)

    monkeypatch.setattr(QAbstractTextDocumentLayout, "blockBoundingRect", moved_after_the_edit)
    updates: list[int] = []
    viewport = text_view.viewport()
    monkeypatch.setattr(viewport, "update", lambda *args: updates.append(args[1]))
    widget.append_text("rd = 3")
    text_view.render(budget=False)
    assert updates == [0]


# -- long code, lexed over several turns -------------------------------------------------------


def long_code_answer(lines: int = 300) -> str:
    body = "\n".join(
        f'    value_{n} = compute({n}, "text")  # step {n}' if n % 7 else f'    """Doc {n}."""'
        for n in range(lines)
    )
    return f"Here is the module:\n\n```python\ndef f():\n{body}\n```\n\nThat is all."


@pytest.fixture
def slices(monkeypatch) -> list[bool]:
    """What each call of `Highlighting.advance` returned: False for a slice that left more."""
    from claude_desktop.ui.code_blocks import Highlighting

    returned: list[bool] = []
    advance = Highlighting.advance

    def recorded(self, deadline):
        done = advance(self, deadline)
        returned.append(done)
        return done

    monkeypatch.setattr(Highlighting, "advance", recorded)
    return returned


def test_a_long_code_block_streams_in_slices_of_lexing_and_ends_as_a_full_render(
    qtbot, view, slices
):
    """Lexing a long code block at each render held the window for tens of milliseconds;
    it is lexed a slice per event loop turn instead, the document showing the last version
    lexed meanwhile, and the end is exactly the full render."""
    text = long_code_answer()
    widget = view.begin_assistant_message("m")
    feed(qtbot, widget, cut_into_deltas(text, seed=4, low=20, high=60), per_tick=1)
    widget.finish(None, footer="")
    qtbot.waitUntil(lambda: widget.is_rendered, timeout=30_000)
    doc = widget.text_view.document()
    html = render_markdown(text)
    assert doc.toPlainText() == full_render_plain_text(html, doc)
    assert doc.toHtml() == reference_html(html, doc)
    assert False in slices  # some code took more than one turn's budget to lex
    assert slices.count(True) >= 2  # and versions of it were shown while it streamed


def test_a_long_code_block_arriving_at_once_renders_over_several_turns(qtbot, view, slices):
    """A burst (a stall, then everything; an answer opened from history) that ends in a
    long code block: the text before it shows first, the block when it is lexed."""
    text = long_code_answer(400)
    widget = view.begin_assistant_message("m")
    widget.append_text(text)
    widget.finish(None, footer="")
    qtbot.waitUntil(lambda: widget.is_rendered, timeout=30_000)
    doc = widget.text_view.document()
    assert doc.toPlainText() == full_render_plain_text(render_markdown(text), doc)
    assert slices.count(False) >= 2 and slices[-1] is True


def test_a_render_without_a_budget_lexes_long_code_at_once(qtbot, slices):
    widget = AssistantMessageWidget("m")
    qtbot.addWidget(widget)
    widget.append_text(long_code_answer(250))  # code no other test has had highlighted
    widget.text_view.render(budget=False)
    assert slices == [True]
    assert widget.text_view.is_rendered


def reference_html(html: str, like) -> str:
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setDefaultStyleSheet(like.defaultStyleSheet())
    doc.setDefaultFont(like.defaultFont())
    doc.setIndentWidth(like.indentWidth())
    doc.setHtml(html)
    return doc.toHtml()


# -- a tail that finishes as it shows ----------------------------------------------------------


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The HTML of each chunk the writer parses, in order."""
    seen: list[str] = []
    parse = BlockWriter._parsed

    def recorded(self, html):
        seen.append(html)
        return parse(self, html)

    monkeypatch.setattr(BlockWriter, "_parsed", recorded)
    return seen


def test_a_block_that_finishes_as_it_shows_stays_and_is_not_put_in_again(qtbot, parsed):
    """Putting the finished block in again parsed and laid out what the document already
    showed (a 300-line code block: ~20 ms in one turn); it stays, and the document is the
    full render's."""
    widget = AssistantMessageWidget("m")
    qtbot.addWidget(widget)
    view = widget.text_view
    text = long_code_answer(40)
    closing = text.index("```\n\n") + 5
    for piece in (text[: closing - 4], text[closing - 4 : closing], text[closing:]):
        widget.append_text(piece)
        view.render(budget=False)
    code_tables = [html for html in parsed if "copy-code:0" in html]
    assert len(code_tables) == 1, "the finished code block was parsed again"
    widget.finish(None, footer="")
    qtbot.waitUntil(lambda: widget.is_rendered)
    assert view.document().toHtml() == reference_html(render_markdown(text), view.document())


def test_a_block_that_finishes_with_more_lines_grows_and_is_not_put_in_again(qtbot, view, parsed):
    """Under a flood the last lines of a code block often come with its closing fence, so
    the finished block is more than the tail shows. Putting it all in again was the longest
    render of the long-code stream (a 300-line block: 25 ms, setHtml 8 and layout 8 of
    it); its new lines go in as the tail's did, and it stays."""
    view.resize(900, 600)
    widget = view.begin_assistant_message("m")
    text_view = widget.text_view
    text = long_code_answer(40)
    last_lines = text.index("value_36")  # four lines, the fence and the text after it
    for piece in (text[:last_lines], text[last_lines:]):
        widget.append_text(piece)
        text_view.render(budget=False)
        view.scroll_to_bottom()
        QApplication.processEvents()
        shown = view.window()
        screen = QGuiApplication.primaryScreen().grabWindow(shown.winId()).toImage()
        assert screen == shown.grab().toImage()
    whole = [html for html in parsed if "copy-code:0" in html and "def</span>" in html]
    assert len(whole) == 1, "the finished code block was parsed whole again"
    widget.finish(None, footer="")
    qtbot.waitUntil(lambda: widget.is_rendered)
    doc = text_view.document()
    assert doc.toHtml() == reference_html(render_markdown(text), doc)


def test_a_tail_with_a_formula_does_not_stay_as_it_shows():
    """While the formula renderer loads, a tail shows a formula's source, a finished block
    its image: such a tail does not stay as it shows."""
    from claude_desktop.ui.text_block_view import _kept_as_shown

    assert _kept_as_shown("<p>plain</p>")
    assert not _kept_as_shown('<p><img src="math:inline:x%5E2" /></p>')
    assert not _kept_as_shown("")
