"""The presets part of the chat settings sheet: pick a saved preset (it fills in the
sheet), save the sheet's settings under a name, rename, delete, and choose the preset new
chats start from."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.domain.conversation_settings import ConversationSettings, Preset
from claude_desktop.domain.history import StorageError
from claude_desktop.domain.session import Session

from . import theme

NO_PRESET = "No preset"


class PresetsPanel(QWidget):
    def __init__(
        self,
        session: Session,
        values: Callable[[], ConversationSettings],
        fill: Callable[[ConversationSettings], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self._values, self._fill = values, fill
        self.preset_box = QComboBox(self)
        self.preset_box.setAccessibleName("Preset")
        self.preset_box.setToolTip("Fill in this chat's settings from a saved preset")
        self.preset_box.activated.connect(self._preset_chosen)
        self.preset_name = QLineEdit(self)
        self.preset_name.setAccessibleName("Preset name")
        self.preset_name.setPlaceholderText("Name, e.g. Code reviewer")
        self.save_preset_button = QPushButton("Save as preset", self)
        self.save_preset_button.setToolTip(
            "Save these settings under this name (replacing a preset of that name)"
        )
        self.save_preset_button.clicked.connect(self.save_as_preset)
        self.rename_button = QPushButton("Rename", self)
        self.rename_button.setToolTip("Give the chosen preset the name typed below")
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

        pick_row = QHBoxLayout()
        pick_row.addWidget(self.preset_box, 1)
        pick_row.addWidget(self.rename_button)
        pick_row.addWidget(self.delete_button)
        name_row = QHBoxLayout()
        name_row.addWidget(self.preset_name, 1)
        name_row.addWidget(self.save_preset_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(pick_row)
        layout.addWidget(self.new_chat_default)
        layout.addLayout(name_row)
        layout.addWidget(self.preset_status)
        self.preset_box.currentIndexChanged.connect(self._update_preset_buttons)
        self._presets: list[Preset] = []
        self.reload()

    def reload(self, select: int | None = None) -> None:
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
            self._fill(preset.settings)
            self._say(f"Filled in from “{preset.name}”.")

    def save_as_preset(self) -> None:
        try:
            preset = self.session.history.save_preset(self.preset_name.text(), self._values())
        except StorageError as exc:
            self._say(exc.human, error=True)
            return
        self.reload(select=preset.id)
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
        self.reload(select=preset.id)
        self._say(f"Renamed to “{self.preset_box.currentText()}”.")

    def delete_preset(self) -> None:
        preset = self.chosen_preset()
        if preset is None:
            return
        self.session.history.delete_preset(preset.id)
        if self.session.settings.new_chat_preset == preset.id:
            self._set_new_chat_preset(0)
        self.reload()
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
        color = theme.tokens_for(self.palette()).error_text if error else "palette(text)"
        self.preset_status.setStyleSheet(f"color: {color};")
        self.preset_status.show()
