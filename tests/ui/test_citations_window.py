"""Citations through the real window: a PDF goes with the citations flag, the cited answer
(a recorded-shape stream: tests/fixtures/cited_answer.sse) reads as one text with numbered
markers and a sources list under it, and the export carries them as footnotes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QToolTip
from pytestqt.qtbot import QtBot

from claude_desktop.ui.answer_links import cite_index
from claude_desktop.ui.text_block_view import TextBlockView
from tests import sse
from tests.fakeapi import SSEResponse
from tests.ui.harness import App
from tests.ui.test_attachments_window import drop, pdf, ready

ANSWER = (
    "According to the report, revenue rose 12% to $4.1 million[1], and operating costs fell"
    " by 3%[2]. Your notes add that churn dropped to 2.1% in Q3[3]."
)


def ask_about_a_pdf(app: App, qtbot: QtBot, tmp_path: Path) -> None:
    drop(app, pdf(tmp_path / "report.pdf"))
    ready(app, 1)
    app.api.enqueue(SSEResponse(sse.load_fixture("cited_answer"), delay=0.002))
    app.type_and_send(qtbot, "What does the report say?")
    app.wait(lambda: not app.last_answer().is_streaming and app.last_answer().is_rendered)


def marker_positions(view: TextBlockView) -> dict[int, int]:
    """Each citation marker's number and where it is in the document."""
    found: dict[int, int] = {}
    block = view.document().begin()
    while block.isValid():
        for it in block:
            fragment = it.fragment()
            number = cite_index(fragment.charFormat().anchorHref()) if fragment.isValid() else None
            if number is not None:
                found[number] = fragment.position()
        block = block.next()
    return found


def test_a_cited_answer_shows_markers_and_its_sources(
    app: App, qtbot: QtBot, tmp_path: Path
) -> None:
    ask_about_a_pdf(app, qtbot, tmp_path)
    [document, _question] = app.api.requests[-1].json["messages"][-1]["content"]
    assert document["type"] == "document" and document["title"] == "report.pdf"
    assert document["citations"] == {"enabled": True}

    widget = app.last_answer()
    [view] = widget.text_views()  # seven text blocks, one flowing text
    assert widget.block_views() == [view]
    assert view.toPlainText() == ANSWER
    assert widget.markdown_text() == ANSWER.replace("[1]", "").replace("[2]", "").replace(
        "[3]", ""
    ), "Copy gives the answer as written"
    markers = marker_positions(view)
    assert sorted(markers) == [1, 2, 3]
    assert ANSWER.index("million[1]") + len("million") == markers[1]
    cursor = QTextCursor(view.document())
    cursor.setPosition(markers[1] + 1)
    superscript = QTextCharFormat.VerticalAlignment.AlignSuperScript
    assert cursor.charFormat().verticalAlignment() == superscript

    assert widget.sources.isVisible()
    assert widget.sources.lines() == [
        "1 report.pdf, p. 4",
        "2 report.pdf, pp. 6–7",
        "3 notes.txt",
    ]
    first = widget.sources.rows[0]
    assert first.toolTip().startswith("Revenue for the year rose 12%")
    assert not first.expanded
    qtbot.mouseClick(first, Qt.MouseButton.LeftButton)
    assert first.expanded and first.quote.text().startswith("“Revenue for the year")

    # Hovering a marker shows the passage it cites.
    rect = view.cursorRect(cursor)
    at = rect.center() + QPoint(-2, 0)
    view.viewportEvent(QHelpEvent(QEvent.Type.ToolTip, at, view.viewport().mapToGlobal(at)))
    assert "Revenue for the year rose 12%" in QToolTip.text()


def test_the_export_carries_the_citations_as_footnotes(
    app: App, qtbot: QtBot, tmp_path: Path
) -> None:
    ask_about_a_pdf(app, qtbot, tmp_path)
    target = tmp_path / "report-chat.md"
    app.window.export_to(target)
    md = target.read_text(encoding="utf-8")
    assert "revenue rose 12% to $4.1 million[^1], and operating costs fell by 3%[^2]" in md
    assert '[^1]: "Revenue for the year rose 12%' in md and "(report.pdf, p. 4)" in md
    assert "[^3]: " in md and "(notes.txt)" in md


def test_with_citations_off_in_settings_the_window_asks_for_none(
    app: App, qtbot: QtBot, tmp_path: Path
) -> None:
    app.window.session.settings.citations = False
    ask_about_a_pdf(app, qtbot, tmp_path)
    [document, _question] = app.api.requests[-1].json["messages"][-1]["content"]
    assert document["type"] == "document" and "citations" not in document
