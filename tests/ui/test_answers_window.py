"""Answers in the real window: content the renderer cannot handle, unfinished fences, Copy."""

from __future__ import annotations

import qasync
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from tests import sse
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, SSEResponse
from tests.ui.harness import MODELS, App, make_app

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier

#: Nested lists far past what python-markdown's recursion survives (it raised RecursionError).
DEEP_ANSWER = "Here goes:\n\n" + "".join("  " * i + "- level\n" for i in range(1000))


def ask(app: App, qtbot: QtBot, question: str, deltas: list[str]) -> None:
    app.api.enqueue(SSEResponse(sse.text_stream(deltas)))
    app.type_and_send(qtbot, question)
    app.wait(lambda: not app.window.streaming)


def test_an_answer_the_renderer_cannot_handle_shows_as_text_even_reopened_at_start(
    qtbot: QtBot, loop: qasync.QEventLoop, keyed_api: FakeAnthropicAPI
) -> None:
    keyed_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    with make_app(qtbot, loop, keyed_api) as app:
        ask(app, qtbot, "Nest a list a thousand deep", [DEEP_ANSWER[:500], DEEP_ANSWER[500:]])
        app.wait(lambda: app.last_answer().is_rendered)
        shown = app.last_answer().text_view.document().toPlainText()
        assert shown.startswith("Here goes:") and shown.count("level") == 1000
        app.window.save_state()
    # The next start reopens that conversation: it must come up, and render as before.
    with make_app(qtbot, loop, keyed_api) as again:
        answer = again.last_answer()
        assert answer.markdown_text() == DEEP_ANSWER
        again.wait(lambda: answer.is_rendered)
        assert answer.text_view.document().toPlainText() == shown
        # The renderer is sound after the failure: the next answer renders as Markdown.
        ask(again, qtbot, "And now?", ["Some **bold** text.\n\n- one\n", "- two\n"])
        normal = again.last_answer()
        again.wait(lambda: normal.is_rendered)
        doc = normal.text_view.document()
        assert doc.toPlainText() == "Some bold text.\none\ntwo"
        assert "font-weight:700" in doc.toHtml()
        assert doc.begin().next().textList() is not None


def test_ctrl_shift_c_copies_no_answer_that_is_still_streaming_or_empty(
    app: App, qtbot: QtBot
) -> None:
    ask(app, qtbot, "One", ["First **answer**"])
    first = app.last_answer()
    # An answer that stalls half-way: it streams until the person stops it.
    stream = sse.events(sse.text_stream(["Second, half ", "an answer", " and more"]))
    app.api.enqueue(SSEResponse(b"".join(stream[:5]), then="stall"))
    app.type_and_send(qtbot, "Two")
    app.wait(lambda: app.last_answer() is not first)
    answer = app.last_answer()
    app.wait(lambda: answer.markdown_text() == "Second, half an answer")
    assert not answer.copy_button.isVisible()
    QGuiApplication.clipboard().setText("kept")
    editor = app.window.composer.editor
    qtbot.keyClick(editor, Qt.Key.Key_C, CTRL_SHIFT)
    assert QGuiApplication.clipboard().text() == "kept"
    assert app.window.toasts.texts()[-1] == "The answer can be copied once it ends"
    qtbot.keyClick(editor, Qt.Key.Key_Escape)  # Stop keeps the partial answer
    app.wait(lambda: not app.window.streaming)
    assert answer.copy_button.isVisible()
    qtbot.keyClick(editor, Qt.Key.Key_C, CTRL_SHIFT)
    assert QGuiApplication.clipboard().text() == "Second, half an answer"
    # An answer that ended with no text is skipped: the one before it is the last answer.
    app.api.enqueue(SSEResponse(sse.text_stream([])))
    app.type_and_send(qtbot, "Three")
    app.wait(lambda: not app.window.streaming and app.last_answer() is not answer)
    assert not app.last_answer().copy_button.isVisible()
    QGuiApplication.clipboard().setText("kept")
    qtbot.keyClick(editor, Qt.Key.Key_C, CTRL_SHIFT)
    assert QGuiApplication.clipboard().text() == "Second, half an answer"
