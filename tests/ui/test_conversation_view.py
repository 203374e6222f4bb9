"""The conversation view and its messages: streaming, following, copying, links, errors."""

from __future__ import annotations

import gc
import time

import pytest
import shiboken6
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import (
    QAccessible,
    QColor,
    QDesktopServices,
    QGuiApplication,
    QPalette,
    QTextCursor,
    QTextDocument,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication

from claude_desktop.api.message import Message
from claude_desktop.ui import theme
from claude_desktop.ui.message_widget import (
    RENDER_INTERVAL_MS,
    AssistantMessageWidget,
    TextView,
    UserMessageWidget,
)
from claude_desktop.ui.render import render_markdown

from .conftest import (
    answer_of_deltas,
    cut_into_deltas,
    feed,
    full_render_plain_text,
    realistic_answer,
)

# -- helpers -----------------------------------------------------------------------------------


def structure(doc: QTextDocument) -> list[tuple]:
    """Each block's text and the formats that shape how it looks.

    Lists are looked up by object index: QTextBlock.textList() returns None for most blocks,
    which PySide6 6.12 on Python 3.11 pays for with a reference to None.
    """
    out = []
    block = doc.begin()
    while block.isValid():
        fmt = block.blockFormat()
        index = fmt.objectIndex()
        listfmt = doc.object(index).format().toListFormat() if index != -1 else None
        out.append(
            (
                block.text(),
                fmt.headingLevel(),
                listfmt.style() if listfmt else None,
                listfmt.start() if listfmt else None,
                fmt.topMargin(),
                fmt.bottomMargin(),
                fmt.leftMargin(),
                fmt.indent(),
                fmt.background().color().name(),
                doc.frameAt(block.position()).firstPosition(),
                block.charFormat().fontFixedPitch(),
            )
        )
        block = block.next()
    return out


def reference_document(html: str, like: QTextDocument) -> QTextDocument:
    doc = QTextDocument()
    doc.setDefaultStyleSheet(like.defaultStyleSheet())
    doc.setHtml(html)
    return doc


def anchor_point(view: TextView, href: str) -> QPoint:
    """Where, in the view's viewport, the link to href is drawn."""
    doc = view.document()
    block = doc.begin()
    while block.isValid():
        for it in block:
            fragment = it.fragment()
            if fragment.isValid() and fragment.charFormat().anchorHref() == href:
                cursor = QTextCursor(doc)
                cursor.setPosition(fragment.position() + fragment.length() // 2)
                rect = view.cursorRect(cursor)
                return QPoint(rect.center().x(), rect.center().y())
        block = block.next()
    raise AssertionError(f"no link to {href}")


def finish_and_wait(qtbot, widget: AssistantMessageWidget, message: Message | None = None) -> None:
    widget.finish(message, footer="Claude · done")
    qtbot.waitUntil(lambda: widget.is_rendered)


@pytest.fixture
def opened(monkeypatch) -> list[QUrl]:
    calls: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: calls.append(url)))
    return calls


# -- streaming ---------------------------------------------------------------------------------


def test_streaming_3000_deltas_matches_a_full_render_and_coalesces(qtbot, view):
    text, deltas = answer_of_deltas(3000)
    assert len(deltas) == 3000
    widget = view.begin_assistant_message("claude-sonnet-4-6")
    feed(qtbot, widget, deltas, per_tick=3)
    finish_and_wait(qtbot, widget)

    doc = widget.text_view.document()
    html = render_markdown(text)
    # (a) the document built block by block is the document of the whole answer at once.
    assert widget.markdown_text() == text
    assert doc.toPlainText() == full_render_plain_text(html, doc)
    assert structure(doc) == structure(reference_document(html, doc))
    # (b) renders are coalesced: far fewer than deltas.
    stats = widget.stats
    assert stats.deltas == 3000
    assert 1 < stats.renders < 3000 / 10
    # (c) no render blocked the window for long.
    assert stats.max_ms < 50, stats
    # (d) the view followed the answer to its end.
    bar = view.verticalScrollBar()
    assert bar.maximum() > 0
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())
    assert view.is_following
    assert not view.jump_button.isVisible()


def test_a_burst_is_rendered_over_several_short_renders(qtbot, view):
    text = realistic_answer(40_000)
    widget = view.begin_assistant_message("m")
    # What this measures is how the render is sliced, not the interpreter: late in a full
    # run a full garbage collection of the suite's heap once took 230 ms inside one slice.
    gc.collect()
    gc.disable()
    try:
        widget.append_text(text)  # everything at once, like a long answer from history
        finish_and_wait(qtbot, widget)
    finally:
        gc.enable()
    assert widget.stats.renders > 1
    # The UI thread's own time: on a loaded machine a slice's wall time also holds the
    # other processes' turns (seen: 50-73 ms wall with the CI's 2 cores shared).
    assert widget.stats.max_cpu_ms < 50, widget.stats
    doc = widget.text_view.document()
    assert doc.toPlainText() == full_render_plain_text(render_markdown(text), doc)


def test_first_delta_is_rendered_on_the_next_loop_turn(qtbot, view):
    widget = view.begin_assistant_message("m")
    widget.append_text("Hello")
    assert widget.text_view.document().toPlainText() == ""  # nothing happens inside append
    QApplication.processEvents()  # one turn of the event loop, not an interval's wait
    assert widget.stats.renders == 1
    assert widget.text_view.document().toPlainText() == "Hello"
    widget.append_text(", world")
    qtbot.waitUntil(lambda: widget.stats.renders == 2)
    assert widget.text_view.document().toPlainText() == "Hello, world"


def test_renders_are_at_most_about_one_per_interval(qtbot, view):
    widget = view.begin_assistant_message("m")
    deltas = cut_into_deltas(realistic_answer(6000), seed=3)
    started = time.perf_counter()
    feed(qtbot, widget, deltas, per_tick=2)
    qtbot.waitUntil(lambda: widget.is_rendered)
    elapsed_ms = (time.perf_counter() - started) * 1000
    # One render at once, then at most one per interval (plus one for the end of the feed).
    assert widget.stats.renders <= elapsed_ms / RENDER_INTERVAL_MS + 3


def test_the_render_interval_counts_from_the_start_of_a_render(qtbot, view, monkeypatch):
    """A slow render must not push the next one a whole interval past its end: text that
    arrives during a render would then wait render time plus an interval to show."""
    from claude_desktop.ui import text_block_view

    slow_ms = RENDER_INTERVAL_MS * 0.75
    render_block = text_block_view.render_block

    def slow_render_block(*args, **kwargs):
        finish = time.perf_counter() + slow_ms / 1000
        out = render_block(*args, **kwargs)
        while time.perf_counter() < finish:
            pass
        return out

    monkeypatch.setattr(text_block_view, "render_block", slow_render_block)
    widget = view.begin_assistant_message("m")
    widget.append_text("Hello")
    QApplication.processEvents()
    assert widget.stats.renders == 1
    widget.append_text(", world")  # just after a render that took 3/4 of an interval
    assert widget.scheduler.timer.isActive()
    assert widget.scheduler.timer.interval() <= RENDER_INTERVAL_MS - slow_ms + 1
    qtbot.waitUntil(lambda: widget.stats.renders == 2)
    assert widget.text_view.document().toPlainText() == "Hello, world"


def test_a_slow_streams_delta_waits_for_the_next_and_both_render_together(qtbot, view):
    """At a model's pace (a delta per ~20 ms) a delta that comes an interval after the last
    render waits up to HOLD_MS for the next one: half the renders, no delta late by more."""
    from claude_desktop.ui.stream_scheduler import HOLD_MS

    widget = view.begin_assistant_message("m")
    scheduler = widget.scheduler
    widget.append_text("Hello")
    QApplication.processEvents()
    assert widget.stats.renders == 1  # the first text at once

    def interval_passed() -> bool:
        return (time.perf_counter() - scheduler.last_render) * 1000 > RENDER_INTERVAL_MS

    qtbot.waitUntil(interval_passed)
    widget.append_text(" world")
    assert scheduler.holding and scheduler.timer.interval() == HOLD_MS
    widget.append_text(" again")  # the next delta: both show now
    assert not scheduler.holding and scheduler.timer.interval() == 0
    qtbot.waitUntil(lambda: widget.stats.renders == 2)
    assert widget.text_view.document().toPlainText() == "Hello world again"

    qtbot.waitUntil(interval_passed)
    widget.append_text(" alone")  # no delta follows: it shows after HOLD_MS by itself
    assert scheduler.holding
    qtbot.waitUntil(lambda: widget.stats.renders == 3)
    assert widget.text_view.document().toPlainText() == "Hello world again alone"


def test_nothing_renders_while_the_window_is_minimized_or_hidden(qtbot, view):
    """Rendering into a window nobody can see spends a laptop's battery on nothing: while
    it is minimized, or hidden (closed to the tray), deltas only queue, and the window
    shown again renders them in one go. An answer that ends meanwhile is rendered whole."""
    widget = view.begin_assistant_message("m")
    widget.append_text("Hello")
    QApplication.processEvents()
    assert widget.stats.renders == 1

    view.showMinimized()
    qtbot.waitUntil(view.isMinimized)
    for word in (" one", " two", " three"):
        widget.append_text(word)
        qtbot.wait(RENDER_INTERVAL_MS * 3)
    assert widget.stats.renders == 1
    assert widget.text_view.document().toPlainText() == "Hello"
    view.showNormal()
    qtbot.waitUntil(lambda: widget.stats.renders == 2)
    assert widget.text_view.document().toPlainText() == "Hello one two three"

    view.hide()
    widget.append_text(" four")
    qtbot.wait(RENDER_INTERVAL_MS * 3)
    assert widget.stats.renders == 2
    widget.append_text(" five")
    finish_and_wait(qtbot, widget)
    assert widget.text_view.document().toPlainText() == "Hello one two three four five"
    view.show()
    qtbot.waitExposed(view)
    assert widget.is_rendered


def test_a_long_answer_that_ends_while_minimized_is_rendered_whole(qtbot, view):
    """The end renders the rest in budgeted turns (`again`): those go on while the window
    is away, or the answer would stay half rendered (and not `is_rendered`) until shown."""
    widget = view.begin_assistant_message("m")
    widget.append_text("Hello\n\n")
    QApplication.processEvents()
    view.showMinimized()
    qtbot.waitUntil(view.isMinimized)
    text = realistic_answer(6000)
    for delta in cut_into_deltas(text, seed=5):
        widget.append_text(delta)
    QApplication.processEvents()
    assert widget.stats.renders == 1
    finish_and_wait(qtbot, widget)
    assert view.isMinimized()
    assert widget.stats.renders > 2  # the end's render took several turns
    assert widget.markdown_text() == "Hello\n\n" + text


def test_an_answer_removed_while_its_window_is_minimized_leaves_nothing_waiting(qtbot, view):
    widget = view.begin_assistant_message("m")
    widget.append_text("Hello")
    QApplication.processEvents()
    view.showMinimized()
    qtbot.waitUntil(view.isMinimized)
    widget.append_text(" there")
    qtbot.wait(RENDER_INTERVAL_MS * 3)  # the render waits for the window
    scheduler = widget.scheduler
    view.clear()  # another conversation is opened: the answer's widgets go
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert not shiboken6.isValid(scheduler)
    view.showNormal()
    qtbot.waitExposed(view)
    second = view.begin_assistant_message("m")
    second.append_text("Next")
    qtbot.waitUntil(lambda: second.stats.renders == 1)


def test_the_answer_asks_for_the_event_loop_only_once_its_render_is_due(qtbot, view):
    """While the turn runner handles a read's many events in one go, it asks the answer
    whether to let the event loop run (TurnObserver.wants_loop): yes once a render waits,
    its time come while the loop was busy; no before, and no with nothing to render."""
    widget = view.begin_assistant_message("m")
    assert not widget.wants_loop()  # nothing to render
    widget.append_text("Hello")
    QApplication.processEvents()
    assert widget.stats.renders == 1
    widget.append_text(", world")  # within an interval of that render: it waits its turn
    assert widget.scheduler.timer.isActive() and not widget.wants_loop()
    busy_until = widget.scheduler.last_render + (RENDER_INTERVAL_MS + 5) / 1000
    while time.perf_counter() < busy_until:  # the loop held, as by a long read
        pass
    assert widget.wants_loop()
    qtbot.waitUntil(lambda: widget.stats.renders == 2)
    assert not widget.wants_loop()


MARKDOWN_PIECES = st.lists(
    st.sampled_from(
        [
            "Some *text* ",
            "**bold** `code` ",
            "\n",
            "\n\n",
            "# Head\n",
            "- item\n",
            "  - nested\n",
            "1. one\n",
            "3. three\n",
            "```python\nx = 1\n",
            "```\n",
            "~~~\n",
            "| a | b |\n|---|---|\n| 1 | 2 |\n",
            "> quote\n",
            "---\n",
            "[link](https://example.com) ",
            "<b>raw</b> ",
            "    indented\n",
            "* * *\n",
            "Setext\n===\n",
            "\n- a\n\n- b\n",
            "   ```sh\n   ls\n   ```\n",
            "| a |  |\n|--|--|\n|  |  |\n",
            "```\n```\n",
            "```py\nx\n\n\n```\n",
        ]
    ),
    max_size=25,
).map("".join)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=MARKDOWN_PIECES, cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=8))
def test_any_stream_builds_the_same_document_as_the_whole(qtbot, text, cuts):
    """Renders at arbitrary points, each replacing the tail, end at the full render."""
    widget = AssistantMessageWidget("m")
    qtbot.addWidget(widget)
    done = 0
    for cut in sorted(c for c in cuts if c <= len(text)):
        widget.append_text(text[done:cut])
        done = cut
        widget.flush()
    widget.append_text(text[done:])
    widget.finish(None, footer="")
    widget.flush()
    doc = widget.text_view.document()
    html = render_markdown(text)
    assert structure(doc) == structure(reference_document(html, doc))
    assert doc.toPlainText() == full_render_plain_text(html, doc)


# -- following the newest text ---------------------------------------------------------------


def test_scrolling_up_stops_following_and_the_jump_button_resumes_it(qtbot, view):
    bar = view.verticalScrollBar()
    _, deltas = answer_of_deltas(1500, seed=1)
    first = view.begin_assistant_message("m")
    feed(qtbot, first, deltas)
    finish_and_wait(qtbot, first)
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())

    bar.setValue(0)  # the user scrolls up
    assert not view.is_following
    assert view.jump_button.isVisible()
    assert view.jump_button.geometry().bottom() <= view.viewport().geometry().bottom()

    second = view.begin_assistant_message("m")
    old_maximum = bar.maximum()
    feed(qtbot, second, deltas[:600])
    qtbot.waitUntil(lambda: second.is_rendered and bar.maximum() > old_maximum)
    assert bar.value() == 0  # stayed where the user put it
    assert view.jump_button.isVisible()

    qtbot.mouseClick(view.jump_button, Qt.MouseButton.LeftButton)
    assert bar.value() == bar.maximum()
    assert view.is_following
    assert not view.jump_button.isVisible()

    old_maximum = bar.maximum()
    feed(qtbot, second, deltas[600:])
    finish_and_wait(qtbot, second)
    qtbot.waitUntil(lambda: bar.maximum() > old_maximum and bar.value() == bar.maximum())


def test_wheel_over_a_message_is_left_to_the_conversation(qtbot, view):
    """The text view ignores the wheel, so Qt hands a real wheel event on to the scroll area.

    (Qt does not propagate synthesized wheel events, so this checks the hand-off itself.)
    """
    widget = view.begin_assistant_message("m")
    widget.append_text(realistic_answer(4000))
    finish_and_wait(qtbot, widget)
    target = widget.text_view.viewport()
    pos = QPointF(10, 10)
    event = QWheelEvent(
        pos,
        target.mapToGlobal(pos),
        QPoint(0, 0),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(target, event)
    assert not event.isAccepted()
    assert widget.text_view.verticalScrollBar().value() == 0


def test_clear_removes_every_message(qtbot, view):
    view.add_user_message("hi")
    view.begin_assistant_message("m")
    assert [type(w) for w in view.message_widgets()] == [UserMessageWidget, AssistantMessageWidget]
    view.clear()
    assert view.message_widgets() == []
    assert view.is_following


# -- copying -----------------------------------------------------------------------------------


def test_code_copy_link_puts_the_exact_code_on_the_clipboard(qtbot, view):
    code0 = "def f(x):\n\n    return x < 1  # <tag> & stuff"
    code1 = "echo 'two'"
    text = f"Intro\n\n```python\n{code0}\n```\n\nMiddle\n\n```sh\n{code1}\n```\n\nEnd."
    widget = view.begin_assistant_message("m")
    widget.append_text(text)
    finish_and_wait(qtbot, widget)
    tv = widget.text_view
    for index, code in ((1, code1), (0, code0)):
        point = anchor_point(tv, f"copy-code:{index}")
        assert tv.anchorAt(point) == f"copy-code:{index}"
        with qtbot.waitSignal(tv.anchorClicked):
            qtbot.mouseClick(tv.viewport(), Qt.MouseButton.LeftButton, pos=point)
        assert QGuiApplication.clipboard().text() == code


def test_code_copy_works_while_the_block_is_still_streaming(qtbot, view):
    widget = view.begin_assistant_message("m")
    widget.append_text("```python\nprint(1)\nprint(2)\n")
    widget.flush()
    widget.open_link(QUrl("copy-code:0"))
    assert QGuiApplication.clipboard().text() == "print(1)\nprint(2)"
    widget.open_link(QUrl("copy-code:7"))  # no such block: nothing happens
    assert QGuiApplication.clipboard().text() == "print(1)\nprint(2)"


def test_a_code_blocks_copy_link_says_copied_for_two_seconds(qtbot, view, monkeypatch):
    announced: list[str] = []
    monkeypatch.setattr(
        QAccessible,
        "updateAccessibility",
        staticmethod(lambda event: announced.append(event.message())),
    )
    text = "```sh\nls\n```\n\nThen:\n\n```sh\npwd\n```\n"
    widget = view.begin_assistant_message("m")
    widget.append_text(text)
    finish_and_wait(qtbot, widget)
    tv = widget.text_view
    before = tv.document().toPlainText()
    point = anchor_point(tv, "copy-code:1")
    qtbot.mouseClick(tv.viewport(), Qt.MouseButton.LeftButton, pos=point)
    started = time.monotonic()
    assert QGuiApplication.clipboard().text() == "pwd"
    assert widget.code_copy_label(1) == "✓ Copied"
    assert widget.code_copy_label(0) == "Copy"
    assert announced == ["Code copied to the clipboard"]
    # Still a link to the same block: copying again works while it says Copied.
    assert tv.anchorAt(anchor_point(tv, "copy-code:1")) == "copy-code:1"
    qtbot.waitUntil(lambda: widget.code_copy_label(1) == "Copy", timeout=4000)
    assert time.monotonic() - started >= 1.9
    assert tv.document().toPlainText() == before


def test_copied_feedback_moves_to_the_last_block_copied(qtbot, view):
    widget = view.begin_assistant_message("m")
    widget.append_text("```\na\n```\n\n```\nb\n```\n")
    finish_and_wait(qtbot, widget)
    widget.open_link(QUrl("copy-code:0"))
    widget.open_link(QUrl("copy-code:1"))
    assert [widget.code_copy_label(i) for i in (0, 1)] == ["Copy", "✓ Copied"]


def test_copied_feedback_survives_streaming_and_leaves_the_document_as_a_full_render(qtbot, view):
    widget = view.begin_assistant_message("m")
    widget.append_text("```py\na = 1\n```\n\nSome text\n\n```py\nb = ")
    widget.flush()
    widget.open_link(QUrl("copy-code:0"))  # a finished block, before the growing tail
    widget.open_link(QUrl("copy-code:1"))  # the block still streaming, in the tail
    assert QGuiApplication.clipboard().text() == "b = "
    for delta in ("2\n", "c = 3\n```\n\n", "| a | b |\n|---|---|\n| 1 | 2 |\n", "\nEnd."):
        widget.append_text(delta)
        widget.flush()
        assert widget.code_copy_label(1) == "✓ Copied"
        assert widget.code_copy_label(0) == "Copy"
    text = widget.markdown_text()
    finish_and_wait(qtbot, widget)
    qtbot.waitUntil(lambda: widget.code_copy_label(1) == "Copy", timeout=4000)
    doc = widget.text_view.document()
    html = render_markdown(text)
    assert structure(doc) == structure(reference_document(html, doc))
    assert doc.toPlainText() == full_render_plain_text(html, doc)


def test_copy_button_copies_the_message_as_markdown(qtbot, view):
    text = "# Title\n\nSome **bold** text and `code`.\n"
    widget = view.begin_assistant_message("m")
    widget.append_text(text[:10])
    widget.append_text(text[10:])
    finish_and_wait(qtbot, widget)
    qtbot.mouseClick(widget.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == text

    user = view.add_user_message("my <b>question</b>\n  indented")
    qtbot.mouseClick(user.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "my <b>question</b>\n  indented"


def test_copy_is_offered_only_once_an_answer_with_text_has_ended(qtbot, view):
    QGuiApplication.clipboard().setText("kept")
    widget = view.begin_assistant_message("m")
    assert not widget.can_copy and not widget.copy_button.isVisible()
    widget.append_text("Half an answer")
    widget.flush()
    assert not widget.can_copy and not widget.copy_button.isVisible()
    widget.copy_to_clipboard()  # Ctrl+Shift+C's way in: nothing while it streams
    assert QGuiApplication.clipboard().text() == "kept"
    widget.mark_stopped()
    assert widget.can_copy and widget.copy_button.isVisible()
    qtbot.mouseClick(widget.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "Half an answer"


@pytest.mark.parametrize("text", ["", "\n\n  "])
def test_an_empty_answer_offers_no_copy(qtbot, view, text):
    QGuiApplication.clipboard().setText("kept")
    failed = view.begin_assistant_message("m")
    failed.append_text(text)
    failed.show_error("Your API key was rejected.", None)
    done = view.begin_assistant_message("m")
    finish_and_wait(qtbot, done, Message(content=[{"type": "text", "text": text}]))
    for widget in (failed, done):
        assert not widget.can_copy
        assert not widget.copy_button.isVisible()
        widget.copy_to_clipboard()
    assert QGuiApplication.clipboard().text() == "kept"


# -- links -------------------------------------------------------------------------------------


def test_web_link_opens_in_the_browser(qtbot, view, opened):
    widget = view.begin_assistant_message("m")
    widget.append_text("See [the docs](https://docs.python.org/3/) for more.")
    finish_and_wait(qtbot, widget)
    tv = widget.text_view
    point = anchor_point(tv, "https://docs.python.org/3/")
    qtbot.mouseClick(tv.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert [u.toString() for u in opened] == ["https://docs.python.org/3/"]


def test_unsafe_links_never_reach_the_desktop(qtbot, view, opened):
    widget = view.begin_assistant_message("m")
    widget.append_text("[x](javascript:alert(1)) [y](file:///etc/passwd) <a href='file:///z'>z</a>")
    finish_and_wait(qtbot, widget)
    doc = widget.text_view.document()
    assert "javascript" not in doc.toHtml().replace("javascript:alert(1)", "")
    for url in ("javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "relative"):
        widget.text_view.anchorClicked.emit(QUrl(url))
    assert opened == []
    widget.text_view.anchorClicked.emit(QUrl("mailto:someone@example.com"))
    assert [u.toString() for u in opened] == ["mailto:someone@example.com"]


def test_the_view_loads_no_resources(qtbot):
    view = TextView()
    qtbot.addWidget(view)
    assert view.loadResource(2, QUrl("file:///etc/passwd")).isEmpty()
    assert view.loadResource(2, QUrl("http://example.com/x.png")).isEmpty()
    assert view.searchPaths() == []


# -- end of an answer --------------------------------------------------------------------------


def test_finish_shows_footer_and_stop_note(qtbot, view):
    widget = view.begin_assistant_message("claude-sonnet-4-6")
    widget.append_text("Partial answer")
    widget.set_status("Retrying in 4 s…")
    assert widget.status_label.isVisible()
    assert widget.status_text() == "Retrying in 4 s…"
    assert widget.error_text() is None
    message = Message(stop_reason="max_tokens")
    footer = "Claude Sonnet 4.6 · 0.4 s to first token · 3.2 s · 1,234 in / 567 out · $0.0123"
    widget.finish(message, footer=footer)
    assert widget.status_text() is None
    # The details line moved behind ⓘ (no stats line under the answer any more).
    assert widget.footer == footer
    assert widget.tools.info_button.isVisible()
    assert "Model: Claude Sonnet 4.6" in widget.details_text()
    assert widget.note_label.text() == "The answer was cut off at the token limit."
    assert not widget.status_label.isVisible()
    assert widget.text_view.document().toPlainText() == "Partial answer"
    assert widget.accessibleDescription() == "Partial answer"
    widget.append_text(" more")  # after the end: ignored
    assert widget.markdown_text() == "Partial answer"


def test_finish_shows_a_message_that_never_streamed(qtbot, view):
    widget = view.begin_assistant_message("m")
    message = Message(
        content=[{"type": "text", "text": "From **history**."}], stop_reason="end_turn"
    )
    finish_and_wait(qtbot, widget, message)
    assert widget.text_view.document().toPlainText() == "From history."
    assert not widget.note_label.isVisible()


def test_stop_keeps_the_partial_answer(qtbot, view):
    widget = view.begin_assistant_message("m")
    widget.append_text("Half an ans")
    widget.mark_stopped()
    assert widget.stopped_label.isVisible()
    assert widget.stopped_label.text() == "Stopped"
    assert widget.text_view.document().toPlainText() == "Half an ans"


def test_error_shows_with_retry_below_the_partial_answer(qtbot, view):
    widget = view.begin_assistant_message("m")
    widget.append_text("Some text")
    retried: list[bool] = []
    widget.show_error(
        "The connection was lost before the answer finished.", lambda: retried.append(True)
    )
    assert widget.error_label.isVisible()
    assert widget.error_text() == "The connection was lost before the answer finished."
    assert widget.retry_button.isVisible()
    assert widget.retry_button.accessibleName() == "Retry"
    qtbot.mouseClick(widget.retry_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(widget.retry_button, Qt.MouseButton.LeftButton)  # disabled now
    assert retried == [True]
    assert widget.text_view.document().toPlainText() == "Some text"
    assert widget.error_card.y() > widget.text_view.y()
    assert widget.error_title() == "The answer was cut short"


CUT_OFF = "Here is the code:\n\n```pyth"


@pytest.mark.parametrize("end", ["stopped", "error", "interrupted"])
def test_an_answer_cut_off_in_a_fence_opener_shows_no_fragment_of_it(qtbot, view, end):
    widget = view.begin_assistant_message("m")
    if end == "interrupted":  # reopened from history: never streamed
        message = Message(content=[{"type": "text", "text": CUT_OFF}])
        widget.finish(message, footer="")
        widget.show_error("The answer was interrupted.", None)
    else:
        widget.append_text(CUT_OFF[:20])
        widget.flush()
        widget.append_text(CUT_OFF[20:])
        if end == "stopped":
            widget.mark_stopped()
        else:
            widget.show_error("The connection was lost before the answer finished.", None)
    qtbot.waitUntil(lambda: widget.is_rendered)
    doc = widget.text_view.document()
    assert doc.toPlainText() == "Here is the code:"
    assert widget.code_blocks() == []
    assert "copy-code" not in doc.toHtml()
    assert widget.markdown_text() == CUT_OFF  # nothing is lost: Copy gives all of it


def test_a_fence_being_typed_shows_as_a_code_block_only_once_code_arrives(qtbot, view):
    widget = view.begin_assistant_message("m")
    doc = widget.text_view.document()
    for delta in ("Intro\n\n", "`", "``", "pyt", "hon", "\n"):
        widget.append_text(delta)
        widget.flush()
        assert doc.toPlainText() == "Intro", delta
        assert widget.code_blocks() == []
    widget.append_text("print(1)")
    widget.flush()
    assert widget.code_blocks() == ["print(1)"]
    # The copy link is an icon (an object character), no word in the text.
    assert doc.toPlainText().replace("\ufffc", "").split() == ["Intro", "python", "print(1)"]
    widget.append_text("\n``")  # the closing fence, half typed, when the stream drops
    widget.show_error("The connection was lost before the answer finished.", None)
    qtbot.waitUntil(lambda: widget.is_rendered)
    assert widget.code_blocks() == ["print(1)"]
    assert "``" not in doc.toPlainText()


def test_error_without_retry_has_no_button(qtbot, view):
    widget = view.begin_assistant_message("m")
    widget.show_error("Your API key was rejected.", None)
    assert widget.error_label.isVisible()
    assert not widget.retry_button.isVisible()


def test_error_card_has_a_title_the_detail_and_the_action_its_caller_chose(qtbot, view):
    widget = view.begin_assistant_message("m")
    opened: list[bool] = []
    widget.show_error(
        "The API did not accept the key.",
        lambda: opened.append(True),
        title="Your API key was rejected",
        action="Update API key",
        repeat=True,
    )
    assert widget.error_title() == "Your API key was rejected"
    assert widget.error_text() == "The API did not accept the key."
    assert widget.retry_button.text() == "Update API key"
    assert widget.retry_button.accessibleName() == "Update API key"
    # Opening the key form can be cancelled and asked for again.
    qtbot.mouseClick(widget.retry_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(widget.retry_button, Qt.MouseButton.LeftButton)
    assert opened == [True, True]
    retried: list[bool] = []
    widget.set_error_action("Retry", lambda: retried.append(True))
    qtbot.mouseClick(widget.retry_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(widget.retry_button, Qt.MouseButton.LeftButton)
    assert retried == [True] and widget.retry_button.text() == "Retry"
    assert widget.error_title_label.height() >= widget.error_title_label.sizeHint().height()
    assert widget.error_label.height() >= widget.error_label.heightForWidth(
        widget.error_label.width()
    )


# -- user messages, look and accessibility -----------------------------------------------------


def test_user_message_is_plain_text_with_attachment_chips(qtbot, view):
    text = "Is <b>this</b> & [that](javascript:x) **bold**?\n    keep   spaces"
    widget = view.add_user_message(text, ["data.csv", "a-very-long-file-name" * 8 + ".pdf"])
    doc = widget.text_view.document()
    assert doc.toPlainText() == text
    assert "<b>this</b>" in doc.toPlainText()
    assert widget.chips is not None
    assert [c.toolTip() for c in widget.chips.chips] == [
        "data.csv",
        "a-very-long-file-name" * 8 + ".pdf",
    ]
    assert widget.accessibleName() == "You"
    assert widget.accessibleDescription() == text
    qtbot.waitUntil(lambda: widget.chips.height() > 0)
    assert widget.chips.geometry().right() <= widget.width()


def test_message_grows_to_fit_its_text_without_inner_scrolling(qtbot, view):
    widget = view.begin_assistant_message("m")
    widget.append_text(realistic_answer(3000))
    finish_and_wait(qtbot, widget)
    tv = widget.text_view
    qtbot.waitUntil(lambda: tv.height() >= tv.document().size().height())
    assert tv.verticalScrollBar().maximum() == 0


def test_buttons_and_messages_have_accessible_names(view):
    user = view.add_user_message("hi")
    answer = view.begin_assistant_message("m")
    assert answer.accessibleName() == "Claude"
    assert user.copy_button.accessibleName() == "Copy message"
    assert answer.copy_button.accessibleName() == "Copy message"
    assert view.jump_button.accessibleName() == "Jump to latest"


def test_a_dark_palette_renders_code_in_dark_colours(qtbot, view):
    text = "Text\n\n```python\nx = 1\n```\n"
    widget = view.begin_assistant_message("m")
    widget.append_text(text)
    finish_and_wait(qtbot, widget)
    before = widget.text_view.document().toPlainText()
    palette = QPalette(view.palette())
    palette.setColor(QPalette.ColorRole.Window, QColor("#202124"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#e8eaed"))
    view.setPalette(palette)
    qtbot.waitUntil(lambda: widget._dark)
    assert theme.DARK.code_background in widget.text_view.document().toHtml()
    assert widget.text_view.document().toPlainText() == before
    assert widget.code_blocks() == ["x = 1"]


def test_plain_prose_is_appended_without_markdown_and_shows_what_a_full_render_does(
    qtbot, view, monkeypatch
):
    """At a model's pace a render adds a few characters; plain prose goes into the document
    as text, without python-markdown, and every frame reads as a full render of the text so
    far (up to a trailing space, which HTML drops), the end exactly so."""
    from claude_desktop.ui import text_block_view

    markdown_renders = 0
    render_block = text_block_view.render_block

    def counting_render_block(*args, **kwargs):
        nonlocal markdown_renders
        markdown_renders += 1
        return render_block(*args, **kwargs)

    monkeypatch.setattr(text_block_view, "render_block", counting_render_block)
    text, deltas = answer_of_deltas(1500, seed=5)
    widget = view.begin_assistant_message("m")
    text_view = widget.text_view
    doc = text_view.document()
    for delta in deltas:
        widget.append_text(delta)
        text_view.render(budget=False)  # one render per delta, as at a model's pace
        so_far = text_view.markdown_source()
        expected = full_render_plain_text(render_markdown(so_far), doc)
        assert doc.toPlainText().rstrip() == expected.rstrip(), so_far[-80:]
    assert markdown_renders < len(deltas) * 0.6  # most renders appended plain text
    finish_and_wait(qtbot, widget)
    html = render_markdown(text)
    assert doc.toPlainText() == full_render_plain_text(html, doc)
    assert structure(doc) == structure(reference_document(html, doc))


def text_runs(doc: QTextDocument) -> list[tuple]:
    """The document's text in runs of one look (weight, slant, pitch, size, link), adjacent
    runs of the same look merged, whitespace at the end dropped (HTML drops it too)."""
    runs: list[list] = []
    block = doc.begin()
    while block.isValid():
        if runs:
            runs.append(["\n", None])
        for it in block:
            fragment = it.fragment()
            if not fragment.isValid():
                continue
            fmt = fragment.charFormat()
            look = (
                fmt.fontWeight(),
                fmt.fontItalic(),
                fmt.fontFixedPitch(),
                fmt.fontPointSize(),
                fmt.anchorHref(),
                fmt.foreground().color().name(),
            )
            if runs and runs[-1][1] == look:
                runs[-1][0] += fragment.text()
            else:
                runs.append([fragment.text(), look])
        block = block.next()
    while runs and not runs[-1][0].strip():
        runs.pop()
    if runs:
        runs[-1][0] = runs[-1][0].rstrip()
    return [tuple(run) for run in runs]


PROSE_PIECES = st.lists(
    st.sampled_from(
        [
            "First, make sure you have ",
            "**Python 3.11** or newer. ",
            "a *virtual environment* keeps ",
            "`python --version` prints it ",
            "see [python.org](https://www.python.org) first ",
            "Windows & macOS ",
            "A <b>common</b> mistake ",
            "snake_case and 2 * 3 ",
            "word  two spaces ",
            "\n",
            "\n\n",
            "## Step one of it\n",
            "- an item that goes on\n",
            "1",
            ". then text\n",
            "| a | b |\n|---|---|\n| one | two | three four\n",
            "> a quote goes on\n",
            "[ref]: https://example.com/ref\n",
            "```python\nx = 1\n```\n",
            "Setext title\n===\n",
            "end#",
        ]
    ),
    max_size=12,
).map("".join)


def test_a_plain_append_repaints_the_last_line_and_the_screen_shows_the_full_render(qtbot, view):
    """Plain prose appended at a model's pace repaints from the paragraph's last line down,
    not the whole growing paragraph (the whole visible answer, most of the paint's CPU), and
    what the screen shows is what a fresh paint of the window gives."""
    from PySide6.QtCore import QEvent, QObject

    class PaintRects(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.heights: list[int] = []
            self.on = True  # not while the test grabs the window (a paint of everything)

        def eventFilter(self, obj, event):
            if self.on and event.type() == QEvent.Type.Paint:
                self.heights.append(event.rect().height())
            return False

    view.resize(500, 300)
    widget = view.begin_assistant_message("m")
    text_view = widget.text_view
    text = "Plain words go on and on, as a long paragraph does. " * 40
    widget.append_text(text[:1200])
    text_view.render(budget=False)
    qtbot.waitUntil(lambda: text_view.height() > view.viewport().height())
    view.scroll_to_bottom()
    paints = PaintRects()
    text_view.viewport().installEventFilter(paints)
    line = text_view.fontMetrics().lineSpacing()
    shown = view.window()
    for start in range(1200, len(text), 4):
        widget.append_text(text[start : start + 4])
        text_view.render(budget=False)
        QApplication.processEvents()
        paints.on = False
        screen = QGuiApplication.primaryScreen().grabWindow(shown.winId()).toImage()
        assert screen == shown.grab().toImage(), text[: start + 4][-40:]
        paints.on = True
    text_view.viewport().removeEventFilter(paints)
    # Most renders append within the last line: a repaint of about a line, not the view.
    small = [h for h in paints.heights if h <= 3 * line]
    assert len(small) > len(paints.heights) * 0.6, paints.heights


def test_the_screen_shows_a_fresh_paint_after_the_window_grows_shrinks_and_scrolls(qtbot, view):
    """The widgets an answer grows in repaint only their new strip when they grow (static
    contents); a narrower or wider window, or a scroll, still leaves nothing stale."""
    view.add_user_message("A question that wraps " * 6)
    widget = view.begin_assistant_message("m")
    _text, deltas = answer_of_deltas(600, seed=3)
    for delta in deltas:
        widget.append_text(delta)
    widget.text_view.render(budget=False)
    shown = view.window()

    def screen_is_fresh() -> bool:
        screen = QGuiApplication.primaryScreen().grabWindow(shown.winId()).toImage()
        return screen == shown.grab().toImage()

    for width, height in ((900, 700), (520, 700), (1200, 500), (700, 800)):
        view.resize(width, height)
        qtbot.waitUntil(lambda w=width: view.width() == w)
        QApplication.processEvents()
        assert screen_is_fresh(), (width, height)
    bar = view.verticalScrollBar()
    for value in (0, bar.maximum() // 2, bar.maximum()):
        bar.setValue(value)
        QApplication.processEvents()
        assert screen_is_fresh(), value


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=PROSE_PIECES, seed=st.integers(min_value=0, max_value=1000))
def test_every_frame_of_plain_appends_looks_like_a_full_render(qtbot, text, seed):
    """Each render of a few more characters, plain prose appended as text or not, shows the
    text so far in the looks a full render gives it; the end is the full render."""
    widget = AssistantMessageWidget("m")
    qtbot.addWidget(widget)
    view = widget.text_view
    doc = view.document()
    for delta in cut_into_deltas(text, seed=seed, low=1, high=5):
        widget.append_text(delta)
        view.render(budget=False)
        expected = reference_document(render_markdown(view.markdown_source()), doc)
        assert text_runs(doc) == text_runs(expected), view.markdown_source()
    widget.finish(None, footer="")
    widget.flush()
    html = render_markdown(text)
    assert structure(doc) == structure(reference_document(html, doc))
    assert doc.toPlainText() == full_render_plain_text(html, doc)
