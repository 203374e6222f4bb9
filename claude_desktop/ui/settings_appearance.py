"""Settings → Appearance: the theme and the conversation's text size.

Changes apply at once and are remembered (through :class:`Appearance`).
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QComboBox, QSpinBox, QWidget

from .appearance import MAX_FONT_SIZE, MIN_FONT_SIZE, THEMES, Appearance, default_font_size
from .settings_layout import SettingsPage


class AppearancePage(SettingsPage):
    def __init__(self, appearance: Appearance, parent: QWidget | None = None) -> None:
        super().__init__("Appearance", parent)
        self.appearance = appearance
        self.theme = QComboBox(self)
        self.theme.setAccessibleName("Theme")
        for value, label in THEMES.items():
            self.theme.addItem(label, value)
        self.font_size = QSpinBox(self)
        self.font_size.setAccessibleName("Conversation text size")
        # The lowest value stands for "the platform's default size".
        self.font_size.setRange(MIN_FONT_SIZE - 1, MAX_FONT_SIZE)
        self.font_size.setSpecialValueText(f"Default ({default_font_size()} pt)")
        self.font_size.setSuffix(" pt")
        larger, smaller, reset = (
            QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)
            for k in ("Ctrl+=", "Ctrl+-", "Ctrl+0")
        )
        self.column.add_row("Theme", self.theme, "Light or dark, or as your system is set.")
        self.column.add_row(
            "Text size",
            self.font_size,
            f"Of the conversation. {larger} and {smaller} change it too; {reset} resets it.",
        )
        self.column.finish()
        self._refresh()
        self.theme.currentIndexChanged.connect(self._on_theme)
        self.font_size.valueChanged.connect(self._on_font_size)
        appearance.font_size_changed.connect(self._refresh)
        appearance.theme_changed.connect(self._refresh)

    def _refresh(self) -> None:
        for widget in (self.theme, self.font_size):
            widget.blockSignals(True)
        self.theme.setCurrentIndex(max(0, self.theme.findData(self.appearance.theme)))
        size = self.appearance.font_size
        self.font_size.setValue(size if size else self.font_size.minimum())
        for widget in (self.theme, self.font_size):
            widget.blockSignals(False)

    def _on_theme(self, index: int) -> None:
        self.appearance.set_theme(self.theme.itemData(index))

    def _on_font_size(self, value: int) -> None:
        self.appearance.set_font_size(0 if value == self.font_size.minimum() else value)
