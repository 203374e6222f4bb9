"""The chat settings sheet in the real window: it opens from the chat settings action
(Ctrl+Shift+S) at the window's right edge and closes with Esc, focus back where it was;
custom instructions come first, thinking is a switch, max tokens and temperature are under
Advanced; only valid combinations can be entered; settings apply at once, are sent, saved
and restored; presets are created, applied and managed.

(These tests drove the chat settings dialog with OK/Cancel; the dialog became the sheet on
purpose (issue #18), so they open the sheet and changes apply without OK.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from claude_desktop.ui.conversation_settings import (
    NO_THINKING,
    SHEET_WIDTH,
    TEMPERATURE_WITH_THINKING,
    ChatSettingsSheet,
)
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, SSEResponse
from tests.ui.harness import App
from tests.ui.harness import running_with_thinking_models as running


@pytest.fixture
def app(qtbot: QtBot, loop: qasync.QEventLoop, keyed_api: FakeAnthropicAPI) -> Iterator[App]:
    with running(qtbot, loop, keyed_api) as app:
        yield app


def open_dialog(app: App, qtbot: QtBot) -> ChatSettingsSheet:
    """Open the sheet as a person would: with the keyboard shortcut."""
    # Shortcuts work in an active window; a dialog just closed may still hold activation.
    app.window.activateWindow()
    app.wait(app.window.isActiveWindow)
    qtbot.keyClick(
        app.window,
        Qt.Key.Key_S,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    sheets = app.window.findChildren(ChatSettingsSheet)
    assert len(sheets) == 1
    sheet = sheets[0]
    app.wait(sheet.isVisible)
    return sheet


def choose_model(app: App, model_id: str) -> None:
    picker = app.window.picker
    index = picker.findData(model_id)
    picker.setCurrentIndex(index)
    picker.activated.emit(index)
    assert app.window.session.model == model_id


def thinking_modes(sheet: ChatSettingsSheet) -> list[str]:
    """What the sheet offers: off, and each form the switch and its list can choose."""
    return ["off", *sheet.forms] if sheet.thinking.isEnabled() else ["off"]


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
    dialog.advanced_button.click()
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
    dialog.advanced_button.click()
    # Temperature is settable without thinking...
    dialog.use_temperature.click()
    assert dialog.temperature.isEnabled() and not dialog.temperature_note.isVisible()
    type_number(qtbot, dialog.temperature, "0.3")
    # ...and switched off, with the reason, once thinking is on.
    dialog.set_thinking("enabled")
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
    dialog.set_thinking("adaptive")
    assert not dialog.budget.isEnabled() and not dialog.temperature.isEnabled()
    dialog.set_thinking("off")
    assert dialog.temperature.isEnabled() and dialog.temperature.value() == pytest.approx(0.3)
    dialog.close_sheet()


def test_settings_are_sent_saved_and_restored(
    qtbot: QtBot, loop: qasync.QEventLoop, keyed_api: FakeAnthropicAPI
) -> None:
    with running(qtbot, loop, keyed_api) as app:
        choose_model(app, "claude-haiku-4-5")
        dialog = open_dialog(app, qtbot)
        assert dialog.title.text() == "New chat settings"
        qtbot.keyClicks(dialog.system, "Answer in one sentence.")
        dialog.advanced_button.click()
        type_number(qtbot, dialog.max_tokens, "3000")
        dialog.use_temperature.click()
        type_number(qtbot, dialog.temperature, "0.25")
        qtbot.keyClick(dialog.temperature, Qt.Key.Key_Escape)
        app.wait(lambda: not dialog.isVisible())
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
        assert dialog.title.text() == "Chat settings"
        dialog.thinking.click()  # the switch: on, in the form the list shows first
        dialog.thinking_form.setCurrentIndex(dialog.thinking_form.findData("enabled"))
        assert dialog.budget.isVisible()
        type_number(qtbot, dialog.budget, "2048")
        dialog.close_button.click()
        conv_id = app.window.session.current.id
        # Gone, as after a quit (its shortcuts would otherwise clash with the next one's).
        app.window.hide()
    # A new start of the app: the conversation comes back with its settings.
    with running(qtbot, loop, keyed_api) as app:
        assert app.window.session.current.id == conv_id
        dialog = open_dialog(app, qtbot)
        assert dialog.system.toPlainText() == "Answer in one sentence."
        assert (dialog.max_tokens.value(), dialog.budget.value()) == (3000, 2048)
        assert dialog.thinking_mode() == "enabled"
        assert dialog.use_temperature.isChecked()
        assert dialog.temperature.value() == pytest.approx(0.25)
        dialog.close_sheet()
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
    dialog.set_thinking("adaptive")
    qtbot.keyClicks(dialog.presets.preset_name, "Translator")
    dialog.presets.save_preset_button.click()
    assert dialog.presets.preset_box.currentText() == "Translator"
    assert dialog.presets.preset_status.text() == "Saved the preset “Translator”."
    dialog.presets.new_chat_default.click()
    assert app.window.session.settings.new_chat_preset == dialog.presets.chosen_preset().id  # type: ignore[union-attr]
    # A second preset, then an attempt to give it the first one's name.
    dialog.system.setPlainText("Review code.")
    dialog.presets.preset_name.setText("Code reviewer")
    dialog.presets.save_preset_button.click()
    dialog.presets.preset_name.setText("translator")
    dialog.presets.rename_button.click()
    assert dialog.presets.preset_status.text() == "There is already a preset called “translator”."
    dialog.presets.preset_name.setText("Reviewer")
    dialog.presets.rename_button.click()
    assert [
        dialog.presets.preset_box.itemText(i) for i in range(dialog.presets.preset_box.count())
    ] == [
        "No preset",
        "Reviewer",
        "Translator",
    ]
    # Picking a preset fills in the form.
    index = dialog.presets.preset_box.findText("Translator")
    dialog.presets.preset_box.setCurrentIndex(index)
    dialog.presets.preset_box.activated.emit(index)
    assert dialog.system.toPlainText() == "Translate everything into French."
    assert dialog.thinking_mode() == "adaptive"
    dialog.presets.preset_box.setCurrentIndex(dialog.presets.preset_box.findText("Reviewer"))
    dialog.presets.delete_button.click()
    assert dialog.presets.preset_box.findText("Reviewer") < 0
    dialog.close_sheet()

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


def _inside(parent: QWidget, child: QWidget) -> bool:
    return parent.isAncestorOf(child)


def test_the_sheet_opens_at_the_right_edge_and_esc_closes_it_focus_back(
    app: App, qtbot: QtBot
) -> None:
    app.window.composer.editor.setFocus()
    app.wait(app.window.composer.editor.hasFocus)
    sheet = open_dialog(app, qtbot)
    central = app.window.centralWidget().geometry()
    geometry = sheet.geometry()
    assert geometry.width() == SHEET_WIDTH
    assert geometry.right() == central.right() and geometry.height() == central.height()
    # Custom instructions come first, and have the focus.
    assert sheet.system.hasFocus()
    assert sheet.system.accessibleName() == "Custom instructions"
    tops = [w.mapTo(sheet, w.rect().topLeft()).y() for w in (sheet.system, sheet.thinking)]
    assert tops == sorted(tops)
    assert sheet.advanced_button.mapTo(sheet, sheet.advanced_button.rect().topLeft()).y() > tops[1]
    # Esc closes it, and does not stop an answer (the window's own Esc).
    qtbot.keyClick(sheet.system, Qt.Key.Key_Escape)
    app.wait(lambda: not sheet.isVisible())
    assert QApplication.focusWidget() is app.window.composer.editor
    # The same action opens it again; the close button closes it too.
    sheet = open_dialog(app, qtbot)
    assert sheet.close_button.accessibleName() == "Close chat settings"
    sheet.close_button.click()
    assert not sheet.isVisible()


def test_advanced_is_folded_and_holds_max_tokens_and_temperature(app: App, qtbot: QtBot) -> None:
    choose_model(app, "claude-sonnet-4-6")
    sheet = open_dialog(app, qtbot)
    for field in (sheet.max_tokens, sheet.temperature, sheet.use_temperature):
        assert _inside(sheet.advanced, field) and not field.isVisible()
    assert not sheet.advanced_button.isChecked()
    sheet.advanced_button.setFocus()
    qtbot.keyClick(sheet.advanced_button, Qt.Key.Key_Space)
    assert sheet.max_tokens.isVisible() and sheet.temperature.isVisible()
    sheet.close_sheet()


def test_thinking_is_a_switch_with_the_budget_inside(app: App, qtbot: QtBot) -> None:
    choose_model(app, "claude-sonnet-4-6")
    sheet = open_dialog(app, qtbot)
    assert sheet.thinking.accessibleName() == "Extended thinking"
    assert not sheet.thinking.isChecked() and not sheet.thinking_box.isVisible()
    sheet.thinking.setFocus()
    qtbot.keyClick(sheet.thinking, Qt.Key.Key_Space)
    assert sheet.thinking.isChecked() and sheet.thinking_box.isVisible()
    assert sheet.thinking_mode() == "adaptive" and not sheet.budget.isVisible()
    sheet.thinking_form.setCurrentIndex(sheet.thinking_form.findData("enabled"))
    assert sheet.budget.isVisible() and sheet.budget.isEnabled()
    assert _inside(sheet.thinking_box, sheet.budget)
    assert app.window.session.conversation_settings.thinking == "enabled"  # applied at once
    sheet.thinking.click()
    assert not sheet.thinking_box.isVisible()
    assert app.window.session.conversation_settings.thinking == "off"
    sheet.close_sheet()


def test_changes_apply_to_the_open_conversation_at_once(app: App, qtbot: QtBot) -> None:
    choose_model(app, "claude-sonnet-4-6")
    app.api.enqueue(SSEResponse(sse.events(sse.text_stream(["Hi."]))))
    app.type_and_send(qtbot, "Hello")
    app.wait(lambda: not app.window.streaming)
    record_id = app.window.session.current.id
    sheet = open_dialog(app, qtbot)
    assert sheet.title.text() == "Chat settings"
    qtbot.keyClicks(sheet.system, "Be brief.")
    # Applied once typing pauses (no OK to press), and kept in the history.
    app.wait(lambda: app.window.session.current.record.system == "Be brief.")  # type: ignore[union-attr]
    sheet.advanced_button.click()
    type_number(qtbot, sheet.max_tokens, "2500")
    assert app.window.history.store.conversation(record_id).max_tokens == 2500  # type: ignore[union-attr]
    sheet.close_sheet()
    # Another chat opened under the open sheet: the sheet shows that chat's settings.
    sheet = open_dialog(app, qtbot)
    app.window.new_chat()
    assert sheet.title.text() == "New chat settings"
    assert sheet.system.toPlainText() == ""
    assert app.window.history.store.conversation(record_id).system == "Be brief."  # type: ignore[union-attr]
    sheet.close_sheet()


def test_web_search_and_fetch_are_switches_of_the_sheet_too(app: App, qtbot: QtBot) -> None:
    """The chat's web switches, in the + menu and in chat settings: one state, both places."""
    sheet = open_dialog(app, qtbot)
    assert not sheet.web_search.isChecked() and not sheet.web_fetch.isChecked()
    sheet.web_search.setFocus()
    qtbot.keyClick(sheet.web_search, Qt.Key.Key_Space)
    assert app.window.session.conversation_settings.web_search
    app.wait(lambda: app.window.composer.web_search_chip.isVisible())  # the composer follows
    # The + menu's switch turns it off: the open sheet follows.
    app.window.composer_sync.set_web(search=False)
    app.wait(lambda: not sheet.web_search.isChecked())
    assert not app.window.session.conversation_settings.web_search
    # Where the provider runs no server tools, the sheet does not offer them.
    app.window.session.settings.provider = "bedrock"
    sheet.load()
    assert sheet.web_box.isHidden()
