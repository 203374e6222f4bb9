"""The conversation's settings dialog: system prompt, max tokens, temperature, thinking,
and the presets new chats start from.

Only combinations the API takes can be entered: thinking is offered in the forms the
model supports, the budget stays within 1024..max_tokens-1 (and max_tokens above 1024
while a budget is chosen), max_tokens within the model's limit, and temperature is
switched off, with the reason beside it, while thinking is on.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.domain.conversation_settings import (
    ConversationSettings,
    Preset,
    fit,
)
from claude_desktop.domain.history import StorageError
from claude_desktop.domain.session import Session
from claude_desktop.domain.thinking import MIN_BUDGET, Mode, max_tokens_limit, supported_forms

THINKING_LABELS: dict[Mode, str] = {
    "off": "Off",
    "adaptive": "On: Claude decides how long to think",
    "enabled": "On, with a token budget",
}
TEMPERATURE_WITH_THINKING = (
    "Temperature can't be combined with thinking: it is not sent while thinking is on."
)
NO_THINKING = "This model does not offer extended thinking (or the app does not know that it does)."
NO_PRESET = "No preset"


class ConversationSettingsDialog(QDialog):
    """Edits the open conversation's settings; OK keeps them (in the history, or for the
    new chat until its first question)."""

    settings_applied = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = session.model_info()
        self.forms = supported_forms(self.model)
        new_chat = session.current.record is None
        self.setWindowTitle("New chat settings" if new_chat else "Conversation settings")
        current = session.conversation_settings

        heading = QLabel(
            f"For {'the new chat' if new_chat else 'this conversation'}, "
            f"with {session.display_name(session.model)}.",
            self,
        )
        heading.setWordWrap(True)

        # -- presets
        self.preset_box = QComboBox(self)
        self.preset_box.setAccessibleName("Preset")
        self.preset_box.setToolTip("Fill in the settings below from a saved preset")
        self.preset_box.activated.connect(self._preset_chosen)
        self.preset_name = QLineEdit(self)
        self.preset_name.setAccessibleName("Preset name")
        self.preset_name.setPlaceholderText("Name, e.g. Code reviewer")
        self.save_preset_button = QPushButton("Save as preset", self)
        self.save_preset_button.setToolTip(
            "Save the settings below under this name (replacing a preset of that name)"
        )
        self.save_preset_button.clicked.connect(self.save_as_preset)
        self.rename_button = QPushButton("Rename", self)
        self.rename_button.setToolTip("Give the chosen preset the name typed beside it")
        self.rename_button.clicked.connect(self.rename_preset)
        self.delete_button = QPushButton("Delete", self)
        self.delete_button.setAccessibleName("Delete preset")
        self.delete_button.clicked.connect(self.delete_preset)
        self.new_chat_default = QCheckBox("Start new chats with this preset", self)
        self.new_chat_default.toggled.connect(self._default_toggled)
        self.preset_status = QLabel(self)
        self.preset_status.setWordWrap(True)
        self.preset_status.setAccessibleName("Preset status")
        self.preset_status.hide()

        preset_group = QGroupBox("Presets", self)
        pick_row = QHBoxLayout()
        pick_row.addWidget(self.preset_box, 1)
        pick_row.addWidget(self.rename_button)
        pick_row.addWidget(self.delete_button)
        name_row = QHBoxLayout()
        name_row.addWidget(self.preset_name, 1)
        name_row.addWidget(self.save_preset_button)
        preset_layout = QVBoxLayout(preset_group)
        preset_layout.addLayout(pick_row)
        preset_layout.addWidget(self.new_chat_default)
        preset_layout.addLayout(name_row)
        preset_layout.addWidget(self.preset_status)

        # -- the settings
        self.system = QPlainTextEdit(self)
        self.system.setAccessibleName("System prompt")
        self.system.setPlaceholderText("Instructions Claude follows for the whole conversation")
        self.system.setTabChangesFocus(True)
        self.max_tokens = QSpinBox(self)
        self.max_tokens.setAccessibleName("Max tokens")
        self.max_tokens.setRange(1, max_tokens_limit(self.model))
        self.max_tokens.setGroupSeparatorShown(True)
        self.max_tokens.setToolTip(
            f"The longest answer, in tokens (this model allows up to {self.max_tokens.maximum():,})"
        )
        self.thinking = QComboBox(self)
        self.thinking.setAccessibleName("Extended thinking")
        for mode in ("off", *self.forms):
            self.thinking.addItem(THINKING_LABELS[mode], mode)
        self.thinking_note = QLabel(NO_THINKING, self)
        self.thinking_note.setWordWrap(True)
        self.thinking_note.setVisible(not self.forms)
        self.thinking.setEnabled(bool(self.forms))
        self.budget = QSpinBox(self)
        self.budget.setAccessibleName("Thinking budget")
        self.budget.setGroupSeparatorShown(True)
        self.budget.setSingleStep(1024)
        self.budget.setToolTip("Tokens Claude may spend thinking: at least 1,024, below max tokens")
        self.use_temperature = QCheckBox("Set", self)
        self.use_temperature.setAccessibleName("Set temperature")
        self.temperature = QDoubleSpinBox(self)
        self.temperature.setAccessibleName("Temperature")
        self.temperature.setRange(0.0, 1.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setToolTip("0 for focused answers, 1 for varied ones; unset: the API's")
        self.temperature_note = QLabel(TEMPERATURE_WITH_THINKING, self)
        self.temperature_note.setWordWrap(True)

        temperature_row = QHBoxLayout()
        temperature_row.addWidget(self.use_temperature)
        temperature_row.addWidget(self.temperature, 1)
        form = QFormLayout()
        form.addRow("System prompt", self.system)
        form.addRow("Max tokens", self.max_tokens)
        form.addRow("Thinking", self.thinking)
        form.addRow("", self.thinking_note)
        form.addRow("Thinking budget", self.budget)
        form.addRow("Temperature", temperature_row)
        form.addRow("", self.temperature_note)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(preset_group)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

        self.max_tokens.valueChanged.connect(self._update_rules)
        self.thinking.currentIndexChanged.connect(self._update_rules)
        self.use_temperature.toggled.connect(self._update_rules)
        self.preset_box.currentIndexChanged.connect(self._update_preset_buttons)
        self._presets: list[Preset] = []
        self._reload_presets()
        self.set_values(current)
        self.resize(560, self.sizeHint().height())

    # -- values ----------------------------------------------------------------------------

    def set_values(self, settings: ConversationSettings) -> None:
        """Fill the form (with what the model takes of `settings`)."""
        settings = fit(settings, self.model)
        self.system.setPlainText(settings.system)
        index = self.thinking.findData(settings.thinking)
        self.thinking.setCurrentIndex(max(index, 0))
        self._update_rules()
        self.max_tokens.setValue(settings.max_tokens)
        self._update_rules()
        self.budget.setValue(settings.budget_tokens)
        self.use_temperature.setChecked(settings.temperature is not None)
        self.temperature.setValue(settings.temperature or 0.0)
        self._update_rules()

    def values(self) -> ConversationSettings:
        mode: Mode = self.thinking.currentData() or "off"
        # The web switches are the composer's (its + menu): kept as they are.
        return replace(
            self.session.conversation_settings,
            system=self.system.toPlainText(),
            max_tokens=self.max_tokens.value(),
            temperature=self.temperature.value() if self.use_temperature.isChecked() else None,
            thinking=mode,
            budget_tokens=self.budget.value(),
        )

    def _update_rules(self) -> None:
        """Keep the form inside what the API takes, whatever was changed."""
        mode = self.thinking.currentData()
        budgeted = mode == "enabled"
        # A budget needs max_tokens above the 1024-token minimum; while one is chosen,
        # max_tokens cannot go that low, and the budget cannot reach max_tokens.
        self.max_tokens.setMinimum(MIN_BUDGET + 1 if budgeted else 1)
        self.budget.setRange(MIN_BUDGET, max(MIN_BUDGET, self.max_tokens.value() - 1))
        self.budget.setEnabled(budgeted)
        thinking_on = mode in ("adaptive", "enabled")
        self.use_temperature.setEnabled(not thinking_on)
        self.temperature.setEnabled(not thinking_on and self.use_temperature.isChecked())
        self.temperature_note.setVisible(thinking_on)
        # "With a budget" is only offered when the model's limit leaves room for one.
        item_model = self.thinking.model()
        index = self.thinking.findData("enabled")
        if index >= 0 and isinstance(item_model, QStandardItemModel):
            item = item_model.item(index)
            if item is not None:
                item.setEnabled(self.max_tokens.maximum() > MIN_BUDGET)

    def accept(self) -> None:
        self.session.set_conversation_settings(self.values())
        self.settings_applied.emit()
        super().accept()

    # -- presets ---------------------------------------------------------------------------

    def _reload_presets(self, select: int | None = None) -> None:
        self._presets = self.session.history.presets()
        self.preset_box.blockSignals(True)
        self.preset_box.clear()
        self.preset_box.addItem(NO_PRESET, 0)
        for preset in self._presets:
            self.preset_box.addItem(preset.name, preset.id)
        index = self.preset_box.findData(select) if select else 0
        self.preset_box.setCurrentIndex(max(index, 0))
        self.preset_box.blockSignals(False)
        self._update_preset_buttons()

    def chosen_preset(self) -> Preset | None:
        preset_id = self.preset_box.currentData()
        return next((p for p in self._presets if p.id == preset_id), None)

    def _update_preset_buttons(self) -> None:
        preset = self.chosen_preset()
        self.rename_button.setEnabled(preset is not None)
        self.delete_button.setEnabled(preset is not None)
        self.new_chat_default.setEnabled(preset is not None)
        self.new_chat_default.blockSignals(True)
        self.new_chat_default.setChecked(
            preset is not None and self.session.settings.new_chat_preset == preset.id
        )
        self.new_chat_default.blockSignals(False)
        if preset is not None:
            self.preset_name.setText(preset.name)

    def _preset_chosen(self, index: int) -> None:
        preset = self.chosen_preset()
        if preset is not None:
            self.set_values(preset.settings)
            self._say(f"Filled in from “{preset.name}”. OK keeps these settings.")

    def save_as_preset(self) -> None:
        try:
            preset = self.session.history.save_preset(self.preset_name.text(), self.values())
        except StorageError as exc:
            self._say(exc.human, error=True)
            return
        self._reload_presets(select=preset.id)
        self._say(f"Saved the preset “{preset.name}”.")

    def rename_preset(self) -> None:
        preset = self.chosen_preset()
        if preset is None:
            return
        try:
            self.session.history.rename_preset(preset.id, self.preset_name.text())
        except StorageError as exc:
            self._say(exc.human, error=True)
            return
        self._reload_presets(select=preset.id)
        self._say(f"Renamed to “{self.preset_box.currentText()}”.")

    def delete_preset(self) -> None:
        preset = self.chosen_preset()
        if preset is None:
            return
        self.session.history.delete_preset(preset.id)
        if self.session.settings.new_chat_preset == preset.id:
            self._set_new_chat_preset(0)
        self._reload_presets()
        self.preset_name.clear()
        self._say(f"Deleted the preset “{preset.name}”.")

    def _default_toggled(self, checked: bool) -> None:
        preset = self.chosen_preset()
        if preset is None:
            return
        self._set_new_chat_preset(preset.id if checked else 0)
        self._say(
            f"New chats start with “{preset.name}”."
            if checked
            else "New chats start with the default settings."
        )

    def _set_new_chat_preset(self, preset_id: int) -> None:
        settings = self.session.settings
        settings.new_chat_preset = preset_id
        try:
            settings.save()
        except OSError as exc:
            self._say(f"The choice could not be saved ({exc}); it holds for this session.", True)

    def _say(self, text: str, error: bool = False) -> None:
        self.preset_status.setText(text)
        self.preset_status.setStyleSheet("color: #b3261e;" if error else "")
        self.preset_status.show()
