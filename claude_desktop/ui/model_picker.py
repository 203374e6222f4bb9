"""The model picker: the API's models by display name, or any model id typed in."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from claude_desktop.api.models import ModelInfo


class ModelPicker(QComboBox):
    model_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMinimumContentsLength(22)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setAccessibleName("Model")
        self.setToolTip("The model for the next message; type a model id to use one not listed")
        self._current = ""
        self.activated.connect(self._on_activated)
        line_edit = self.lineEdit()
        assert line_edit is not None
        line_edit.setAccessibleName("Model")
        line_edit.editingFinished.connect(self._on_typed)

    def set_models(self, models: list[ModelInfo], current: str) -> None:
        self.blockSignals(True)
        self.clear()
        for model in models:
            label = model.display_name + (" (deprecated)" if model.deprecated else "")
            self.addItem(label, model.id)
            self.setItemData(self.count() - 1, model.id, Qt.ItemDataRole.ToolTipRole)
        self.blockSignals(False)
        self.set_current(current)

    def set_current(self, model_id: str) -> None:
        self._current = model_id
        index = self.findData(model_id)
        if index < 0:
            # A typed custom id stays pickable for the rest of the session.
            self.addItem(model_id, model_id)
            index = self.count() - 1
        self.blockSignals(True)
        self.setCurrentIndex(index)
        self.blockSignals(False)

    def current_model(self) -> str:
        return self._current

    def _on_activated(self, index: int) -> None:
        self._choose(str(self.itemData(index)))

    def _on_typed(self) -> None:
        text = self.currentText().strip()
        if not text:
            self.set_current(self._current)
            return
        index = self.findText(text)
        self._choose(str(self.itemData(index)) if index >= 0 else text)

    def _choose(self, model_id: str) -> None:
        if model_id == self._current:
            return
        self.set_current(model_id)
        self.model_chosen.emit(model_id)
