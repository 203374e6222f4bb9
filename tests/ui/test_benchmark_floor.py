"""R, the benchmarks' floor for showing an answer, is rendered where c's answers are shown.

c/(a+R) divides what the app spends by reading the stream plus rendering the answer once. A
new chat hides its conversation view behind the greeting, and Qt does not lay out the text
of a hidden view: R measured there left Qt's text layout out of the floor, while c paid it.
"""

from __future__ import annotations

from benchmarks import payload
from benchmarks.common import render_once
from claude_desktop.ui.text_block_view import TextBlockView
from tests.ui.harness import App


def test_the_answer_rendered_once_is_laid_out_at_the_views_width(app: App) -> None:
    text = payload.answer(500)[0]
    seconds, cpu, widget = app.run(render_once(app.window, text))
    assert seconds > 0 and cpu > 0
    assert widget.markdown_text() == text
    views = widget.findChildren(TextBlockView)
    assert views and all(view.isVisible() for view in views)
    for view in views:
        doc = view.document()
        assert doc.textWidth() == view.viewport().width() > 300
        # Laid out within R: the view is already as tall as its many lines of text.
        assert view.height() > 10 * doc.blockCount() > 0
    app.window.new_chat()
