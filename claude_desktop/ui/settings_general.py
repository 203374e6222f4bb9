"""Settings → General: the app-wide switches, and the preset new chats start from.

Every change here applies at once and is saved at once (there is nothing to check), so
the page has no Save button; `changed` names the setting for whoever acts on it (the
tray icon, the title writer, new chats' tools).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from claude_desktop.domain.history import StorageError
from claude_desktop.domain.session import Session

from .settings_layout import SettingsPage, secondary
from .switch import Switch

#: (setting, label, explanation) of each switch, top to bottom.
SWITCHES: tuple[tuple[str, str, str], ...] = (
    (
        "generate_titles",
        "Name chats automatically with a small model",
        "After the first answer, a few tokens of a small model write a short title. "
        "Off: a chat is named after the first words of your question.",
    ),
    (
        "citations",
        "Show where answers about documents come from",
        "PDFs and text files are sent asking for citations, so an answer marks the "
        "passages it quotes.",
    ),
    (
        "web_search_default",
        "Web search in new chats",
        "Claude may search the web to answer; each search is billed by Anthropic.",
    ),
    (
        "web_fetch_default",
        "Web fetch in new chats",
        "Claude may read a web page you name.",
    ),
    (
        "tray_icon",
        "Show an icon in the system tray",
        "Show or hide the window, start a chat or quit from it; closing the window "
        "then keeps answers coming in the background.",
    ),
)

DEFAULT_SETTINGS = "The default settings"


class GeneralPage(SettingsPage):
    #: The name of the setting that was just changed and saved.
    changed = Signal(str)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("General", parent)
        self.session = session
        column = self.column
        self.switches: dict[str, Switch] = {}
        column.add_section("Chats")
        for name, label, hint in SWITCHES:
            if name == "tray_icon":
                column.add_section("Window")
            switch = Switch(label, column)
            switch.setChecked(bool(getattr(session.settings, name)))
            switch.toggled.connect(lambda on, name=name: self._set(name, on))
            column.add_row(label, switch, hint, wide=False)
            self.switches[name] = switch
            if name == "citations":
                self.new_chat_preset = QComboBox(column)
                self.new_chat_preset.setAccessibleName("New chats start with")
                self.new_chat_preset.activated.connect(self._preset_chosen)
                column.add_row(
                    "New chats start with",
                    self.new_chat_preset,
                    "A preset saved in a chat's settings, or the default settings.",
                )
        self.status = secondary(QLabel(column))
        self.status.setWordWrap(True)
        self.status.setAccessibleName("General settings status")
        column.add_widget(self.status)
        column.finish()
        self._fill_presets()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fill_presets()  # presets may have been saved or deleted since

    def _fill_presets(self) -> None:
        box = self.new_chat_preset
        box.blockSignals(True)
        box.clear()
        box.addItem(DEFAULT_SETTINGS, 0)
        try:
            presets = self.session.history.presets()
        except StorageError:  # no history to read: only the defaults to offer
            presets = []
        for preset in presets:
            box.addItem(preset.name, preset.id)
        box.setCurrentIndex(max(0, box.findData(self.session.settings.new_chat_preset)))
        box.blockSignals(False)

    def _preset_chosen(self, index: int) -> None:
        self._set("new_chat_preset", int(self.new_chat_preset.itemData(index) or 0))

    def _set(self, name: str, value: object) -> None:
        settings = self.session.settings
        setattr(settings, name, value)
        try:
            settings.save()
        except OSError as exc:
            self.status.setText(
                f"The change could not be saved ({exc.strerror or exc}); it holds until you quit."
            )
        else:
            self.status.clear()
        self.changed.emit(name)
