"""The benchmarks time the app through hooks on its classes: they must still find them.

CI runs the benchmarks after the tests; a hook that names a class the app no longer has would
only fail there, minutes later, as "could not run". This finds it with the tests.
"""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from benchmarks.streaming import Probe, install_probe
from claude_desktop.ui.answer_stream import AnswerStream
from claude_desktop.ui.conversation_view import ConversationView
from claude_desktop.ui.text_block_view import TextBlockView


def test_the_streaming_probe_hooks_the_window_as_it_is(
    monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    # monkeypatch puts the originals back afterwards, whatever install_probe replaced.
    monkeypatch.setattr(AnswerStream, "text_delta", AnswerStream.text_delta)
    monkeypatch.setattr(TextBlockView, "render", TextBlockView.render)
    originals = (AnswerStream.text_delta, TextBlockView.render)
    probe = Probe()
    install_probe(probe)
    assert AnswerStream.text_delta is not originals[0]
    assert TextBlockView.render is not originals[1]
    # The wrappers are replaced whatever the classes hold: what can break is the wrapped
    # render's call and what it reads of a text view. A real view renders through it.
    view = ConversationView()
    qtbot.addWidget(view)
    view.begin_assistant_message("m").append_text("Timed text.")
    qtbot.waitUntil(lambda: bool(probe.renders), timeout=5_000)
    assert probe.renders[-1][1] > 0
