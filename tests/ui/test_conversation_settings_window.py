"""The chat settings dialog in the real window: only valid combinations can be entered,
settings are sent, saved and restored, and presets are created, applied and managed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import qasync
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from claude_desktop.ui.conversation_settings import (
    NO_THINKING,
    TEMPERATURE_WITH_THINKING,
    ConversationSettingsDialog,
)
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, SSEResponse
from tests.ui.harness import App
from tests.ui.harness import running_with_thinking_models as running


@pytest.fixture
def app(qtbot: QtBot, loop: qasync.QEventLoop, keyed_api: FakeAnthropicAPI) -> Iterator[App]:
    with running(qtbot, loop, keyed_api) as app:
        yield app


def open_dialog(app: App, qtbot: QtBot) -> ConversationSettingsDialog:
    """Open it as a person would: with the keyboard shortcut."""
    # Shortcuts work in an active window; a dialog just closed may still hold activation.
    app.window.activateWindow()
    app.wait(app.window.isActiveWindow)
    qtbot.keyClick(
        app.window,
        Qt.Key.Key_S,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialogs = app.window.findChildren(ConversationSettingsDialog)
    assert len(dialogs) == 1
    dialog = dialogs[0]
    app.wait(dialog.isVisible)
    return dialog


def choose_model(app: App, model_id: str) -> None:
    picker = app.window.picker
    index = picker.findData(model_id)
    picker.setCurrentIndex(index)
    picker.activated.emit(index)
    assert app.window.session.model == model_id


def thinking_modes(dialog: ConversationSettingsDialog) -> list[str]:
    return [dialog.thinking.itemData(i) for i in range(dialog.thinking.count())]


def type_number(qtbot: QtBot, spin: object, text: str) -> None:
    line = spin.lineEdit()  # type: ignore[attr-defined]
    line.selectAll()
    qtbot.keyClicks(line, text)
    # As moving focus away does (Return would press OK).
    spin.interpretText()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("model_id", "modes"),
    [
        ("claude-opus-4-7", ["off", "adaptive"]),
        ("claude-sonnet-4-6", ["off", "adaptive", "enabled"]),
        ("claude-haiku-4-5", ["off", "enabled"]),
    ],
)
def test_thinking_is_offered_only_in_the_forms_the_model_takes(
    app: App, qtbot: QtBot, model_id: str, modes: list[str]
) -> None:
    choose_model(app, model_id)
    dialog = open_dialog(app, qtbot)
    assert thinking_modes(dialog) == modes
    assert dialog.thinking.isEnabled() and not dialog.thinking_note.isVisible()
    assert dialog.max_tokens.maximum() == 64_000


def test_a_model_nobody_knows_gets_no_thinking(app: App, qtbot: QtBot) -> None:
    app.type_model_id(qtbot, "claude-custom-1")
    assert app.window.session.model == "claude-custom-1"
    dialog = open_dialog(app, qtbot)
    assert thinking_modes(dialog) == ["off"] and not dialog.thinking.isEnabled()
    assert dialog.thinking_note.isVisible() and dialog.thinking_note.text() == NO_THINKING


def test_invalid_combinations_cannot_be_entered(app: App, qtbot: QtBot) -> None:
    choose_model(app, "claude-sonnet-4-6")
    dialog = open_dialog(app, qtbot)
    # Temperature is settable without thinking...
    dialog.use_temperature.click()
    assert dialog.temperature.isEnabled() and not dialog.temperature_note.isVisible()
    type_number(qtbot, dialog.temperature, "0.3")
    # ...and switched off, with the reason, once thinking is on.
    dialog.thinking.setCurrentIndex(dialog.thinking.findData("enabled"))
    assert not dialog.temperature.isEnabled() and not dialog.use_temperature.isEnabled()
    assert dialog.temperature_note.isVisible()
    assert dialog.temperature_note.text() == TEMPERATURE_WITH_THINKING
    assert dialog.budget.isEnabled()
    # The budget stays below max tokens, and max tokens above the smallest budget.
    type_number(qtbot, dialog.max_tokens, "2000")
    assert dialog.max_tokens.value() == 2000
    type_number(qtbot, dialog.budget, "5000")
    assert dialog.budget.value() <= 1999
    type_number(qtbot, dialog.max_tokens, "500")
    assert dialog.max_tokens.value() >= 1025
    type_number(qtbot, dialog.budget, "10")
    assert dialog.budget.value() >= 1024
    values = dialog.values()
    assert 1024 <= values.budget_tokens < values.max_tokens
    type_number(qtbot, dialog.max_tokens, "99999999")
    assert dialog.max_tokens.value() <= 64_000
    # Adaptive needs no budget.
    dialog.thinking.setCurrentIndex(dialog.thinking.findData("adaptive"))
    assert not dialog.budget.isEnabled() and not dialog.temperature.isEnabled()
    dialog.thinking.setCurrentIndex(dialog.thinking.findData("off"))
    assert dialog.temperature.isEnabled() and dialog.temperature.value() == pytest.approx(0.3)
    dialog.reject()


def test_settings_are_sent_saved_and_restored(
    qtbot: QtBot, loop: qasync.QEventLoop, keyed_api: FakeAnthropicAPI
) -> None:
    with running(qtbot, loop, keyed_api) as app:
        choose_model(app, "claude-haiku-4-5")
        dialog = open_dialog(app, qtbot)
        assert dialog.windowTitle() == "New chat settings"
        qtbot.keyClicks(dialog.system, "Answer in one sentence.")
        type_number(qtbot, dialog.max_tokens, "3000")
        dialog.use_temperature.click()
        type_number(qtbot, dialog.temperature, "0.25")
        dialog.accept()
        app.api.enqueue(SSEResponse(sse.events(sse.text_stream(["Short."]))))
        app.type_and_send(qtbot, "Why is the sky blue?")
        app.wait(lambda: not app.window.streaming)
        body = app.api.requests[-1].json
        assert body["system"] == "Answer in one sentence."
        assert (body["model"], body["max_tokens"], body["temperature"]) == (
            "claude-haiku-4-5",
            3000,
            0.25,
        )
        assert "thinking" not in body
        # Turn thinking on for this conversation: temperature is then left out.
        dialog = open_dialog(app, qtbot)
        assert dialog.windowTitle() == "Conversation settings"
        dialog.thinking.setCurrentIndex(dialog.thinking.findData("enabled"))
        type_number(qtbot, dialog.budget, "2048")
        dialog.accept()
        conv_id = app.window.session.current.id
        # Gone, as after a quit (its shortcuts would otherwise clash with the next one's).
        app.window.hide()
    # A new start of the app: the conversation comes back with its settings.
    with running(qtbot, loop, keyed_api) as app:
        assert app.window.session.current.id == conv_id
        dialog = open_dialog(app, qtbot)
        assert dialog.system.toPlainText() == "Answer in one sentence."
        assert (dialog.max_tokens.value(), dialog.budget.value()) == (3000, 2048)
        assert dialog.thinking.currentData() == "enabled"
        assert dialog.use_temperature.isChecked()
        assert dialog.temperature.value() == pytest.approx(0.25)
        dialog.reject()
        app.api.enqueue(SSEResponse(sse.events(sse.text_stream(["Scattering."]))))
        app.type_and_send(qtbot, "More?")
        app.wait(lambda: not app.window.streaming)
        body = app.api.requests[-1].json
        assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
        assert "temperature" not in body and body["max_tokens"] == 3000


def test_presets_are_created_applied_and_managed(app: App, qtbot: QtBot) -> None:
    choose_model(app, "claude-sonnet-4-6")
    dialog = open_dialog(app, qtbot)
    qtbot.keyClicks(dialog.system, "Translate everything into French.")
    dialog.thinking.setCurrentIndex(dialog.thinking.findData("adaptive"))
    qtbot.keyClicks(dialog.preset_name, "Translator")
    dialog.save_preset_button.click()
    assert dialog.preset_box.currentText() == "Translator"
    assert dialog.preset_status.text() == "Saved the preset “Translator”."
    dialog.new_chat_default.click()
    assert app.window.session.settings.new_chat_preset == dialog.chosen_preset().id  # type: ignore[union-attr]
    # A second preset, then an attempt to give it the first one's name.
    dialog.system.setPlainText("Review code.")
    dialog.preset_name.setText("Code reviewer")
    dialog.save_preset_button.click()
    dialog.preset_name.setText("translator")
    dialog.rename_button.click()
    assert dialog.preset_status.text() == "There is already a preset called “translator”."
    dialog.preset_name.setText("Reviewer")
    dialog.rename_button.click()
    assert [dialog.preset_box.itemText(i) for i in range(dialog.preset_box.count())] == [
        "No preset",
        "Reviewer",
        "Translator",
    ]
    # Picking a preset fills in the form.
    index = dialog.preset_box.findText("Translator")
    dialog.preset_box.setCurrentIndex(index)
    dialog.preset_box.activated.emit(index)
    assert dialog.system.toPlainText() == "Translate everything into French."
    assert dialog.thinking.currentData() == "adaptive"
    dialog.preset_box.setCurrentIndex(dialog.preset_box.findText("Reviewer"))
    dialog.delete_button.click()
    assert dialog.preset_box.findText("Reviewer") < 0
    dialog.reject()

    # A new chat starts from the chosen preset, and its first request says so.
    app.window.new_chat()
    app.api.enqueue(SSEResponse(sse.events(sse.text_stream(["Bonjour."]))))
    app.type_and_send(qtbot, "Hello")
    app.wait(lambda: not app.window.streaming)
    body = app.api.requests[-1].json
    assert body["system"] == "Translate everything into French."
    assert body["thinking"] == {"type": "adaptive"}
    record = app.window.session.current.record
    assert record is not None and record.system == "Translate everything into French."
