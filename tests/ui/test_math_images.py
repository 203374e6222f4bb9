"""Formulas in an answer's text view: drawn as image resources named after the formula, in the
text colour and at the text size, rendered once per formula, their source kept for Copy and
for what cannot be drawn; and the renderer left alone at start-up."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPalette, QTextDocument
from pytestqt.qtbot import QtBot

from claude_desktop.api.message import Message
from claude_desktop.ui import math_images
from claude_desktop.ui.conversation_view import ConversationView
from claude_desktop.ui.math_urls import math_url
from claude_desktop.ui.message_widget import AssistantMessageWidget
from claude_desktop.ui.text_block_view import TextBlockView
from tests import sse
from tests.fakeapi import SSEResponse
from tests.ui.harness import App


def answer(
    view: ConversationView, qtbot: QtBot, *pieces: str, end: bool = True
) -> AssistantMessageWidget:
    widget = view.begin_assistant_message("m")
    widget.block_started(0, {"type": "text", "text": ""})
    for piece in pieces:
        widget.text_delta(0, piece)
    if end:
        widget.block_stopped(0, {"type": "text", "text": "".join(pieces)})
    qtbot.waitUntil(lambda: widget.is_rendered, timeout=3000)
    return widget


def images(view: TextBlockView) -> dict[str, QImage]:
    """The image resources the view's document shows, by name."""
    doc = view.document()
    found: dict[str, QImage] = {}
    block = doc.begin()
    while block.isValid():
        for it in block:
            fmt = it.fragment().charFormat()
            if fmt.isImageFormat():
                name = fmt.toImageFormat().name()
                found[name] = doc.resource(QTextDocument.ResourceType.ImageResource, QUrl(name))
        block = block.next()
    return found


def ink(image: QImage) -> QColor:
    """The colour of the most opaque pixel: what the formula is drawn in."""
    best = QColor(0, 0, 0, 0)
    for y in range(image.height()):
        for x in range(image.width()):
            color = image.pixelColor(x, y)
            if color.alpha() > best.alpha():
                best = color
    return best


def test_a_formula_becomes_an_image_resource(view: ConversationView, qtbot: QtBot) -> None:
    widget = answer(view, qtbot, "Euler: $e^{i\\pi}+1=0$, and\n\n$$\n\\int_0^1 x\\,dx\n$$\n")
    text = widget.text_view
    shown = images(text)
    inline, display = math_url("e^{i\\pi}+1=0", False), math_url("\\int_0^1 x\\,dx", True)
    assert set(shown) == {inline, display}
    for image in shown.values():
        assert isinstance(image, QImage) and not image.isNull()
    assert "$" not in text.toPlainText()
    # The display formula is a centred paragraph of its own.
    doc = text.document()
    blocks = [doc.findBlockByNumber(i) for i in range(doc.blockCount())]
    (alone,) = [block for block in blocks if block.text() == "\ufffc"]
    assert alone.blockFormat().alignment() & Qt.AlignmentFlag.AlignHCenter


def test_a_formula_the_renderer_cannot_draw_stays_readable_source(
    view: ConversationView, qtbot: QtBot
) -> None:
    widget = answer(view, qtbot, "Broken: $x^$ and $\\frac{1}{$, fine: $y$.")
    text = widget.text_view
    assert list(images(text)) == [math_url("y", False)]
    plain = text.toPlainText()
    assert "$x^$" in plain and "$\\frac{1}{$" in plain
    cursor = text.document().find("$x^$")
    assert (
        cursor.charFormat().fontFamilies() == ["monospace"] or cursor.charFormat().fontFixedPitch()
    )


def test_money_and_code_stay_text(view: ConversationView, qtbot: QtBot) -> None:
    widget = answer(view, qtbot, "It costs $5 and $10; write `$x$` in code.")
    assert images(widget.text_view) == {}
    assert widget.text_view.toPlainText() == "It costs $5 and $10; write $x$ in code."


def test_copy_gives_the_markdown_with_the_latex(view: ConversationView, qtbot: QtBot) -> None:
    source = "Area: $\\pi r^2$.\n\n$$\nA = \\pi r^2\n$$"
    widget = answer(view, qtbot, source)
    widget.finish(Message(content=[{"type": "text", "text": source}]), footer="")
    assert images(widget.text_view)
    widget.copy_to_clipboard()
    assert QGuiApplication.clipboard().text() == source


def test_a_formula_streams_as_text_until_it_closes_and_is_rendered_once(
    view: ConversationView, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    ziamath = math_images._renderer(wait=True)
    calls: list[str] = []
    latex = ziamath.Latex

    def counting(source: str, **kwargs: object) -> object:
        calls.append(source)
        return latex(source, **kwargs)

    monkeypatch.setattr(ziamath, "Latex", counting)
    widget = answer(view, qtbot, "So $q_{17} + ", end=False)
    text = widget.text_view
    assert images(text) == {} and text.toPlainText() == "So $q_{17} + "
    for piece in ("r_{17}$", " is", " the", " sum", " of", " both."):
        widget.text_delta(0, piece)
        qtbot.waitUntil(lambda: widget.is_rendered)
        assert list(images(text)) == [math_url("q_{17} + r_{17}", False)]
    widget.block_stopped(0, {"type": "text", "text": "So $q_{17} + r_{17}$ is the sum of both."})
    qtbot.waitUntil(lambda: widget.is_rendered)
    assert calls == ["q_{17} + r_{17}"], "rendered once: the growing tail hits the cache"


def test_formulas_follow_the_text_colour_and_size(view: ConversationView, qtbot: QtBot) -> None:
    widget = answer(view, qtbot, "Then $m_{41}$ holds.")
    text = widget.text_view
    url = math_url("m_{41}", False)
    before = images(text)[url]
    font = text.font()
    font.setPixelSize(2 * max(font.pixelSize(), 12))
    text.setFont(font)  # what Ctrl+= does, through the conversation's font
    bigger = images(text)[url]
    assert bigger.height() > 1.5 * before.height(), "drawn again, under the same name"
    palette = text.palette()
    palette.setColor(QPalette.ColorRole.Text, QColor("#d97757"))
    text.setPalette(palette)
    text.set_dark(True)  # a theme change renders the answer again
    drawn = ink(images(text)[url])
    assert (drawn.red(), drawn.green(), drawn.blue()) == (0xD9, 0x77, 0x57)


def test_the_renderer_is_not_imported_at_start_up() -> None:
    code = (
        "import sys, claude_desktop.app, claude_desktop.ui.main_window;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('ziamath', 'ziafont', 'latex2mathml')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_an_inline_integral_keeps_the_size_of_the_text_around_it(
    view: ConversationView, qtbot: QtBot
) -> None:
    widget = answer(view, qtbot, "So $\\int_{-\\infty}^{\\infty} f(x)\\,dx = 1$ holds.")
    (image,) = images(widget.text_view).values()
    # ziamath alone stretches the sign to the row: over twice the height of a line.
    assert image.height() < 2.2 * widget.text_view.fontMetrics().height()


def test_in_the_window_formulas_grow_with_ctrl_plus_and_copy_gives_the_markdown(
    app: App, qtbot: QtBot
) -> None:
    deltas = ["The area is $", "\\pi r", "^2$, and\n\n$$\n", "A = \\pi r^2\n$", "$\n"]
    app.api.enqueue(SSEResponse(sse.text_stream(deltas)))
    app.type_and_send(qtbot, "Area of a circle?")
    app.wait(lambda: not app.window.streaming)
    answer = app.last_answer()
    app.wait(lambda: len(images(answer.text_view)) == 2)
    url = math_url("\\pi r^2", False)
    before = images(answer.text_view)[url].height()
    for _ in range(4):
        app.window.appearance.zoom_in()
    app.wait(lambda: images(answer.text_view)[url].height() > before)
    answer.copy_to_clipboard()
    assert QGuiApplication.clipboard().text() == "".join(deltas)


def test_copying_a_selection_gives_its_formulas_as_latex(
    view: ConversationView, qtbot: QtBot
) -> None:
    widget = answer(
        view, qtbot, "Since $a^2 + b^2 = c^2$, we have\n\n$$\nc = \\sqrt{a^2+b^2}\n$$\n"
    )
    text = widget.text_view
    text.setFocus()
    text.selectAll()
    QGuiApplication.clipboard().setText("before")
    qtbot.keyClick(text, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == (
        "Since $a^2 + b^2 = c^2$, we have\n$$c = \\sqrt{a^2+b^2}$$"
    )
