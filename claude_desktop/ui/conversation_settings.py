"""The chat settings sheet: a panel at the right edge of the window, over the conversation,
with the open chat's custom instructions (the system prompt), extended thinking, and under
"Advanced" max tokens and temperature; then the presets new chats can start from.

Every change applies at once to the open chat (in the history, or for the new chat until
its first question); the instructions a moment after typing stops, and when the focus
leaves them or the sheet closes. Only combinations the API takes can be entered: thinking
is offered in the forms the model supports, the budget stays within 1024..max_tokens-1
(and max_tokens above 1024 while a budget is chosen), max_tokens within the model's limit,
and temperature is switched off, with the reason beside it, while thinking is on.
"""

from __future__ import annotations

from dataclasses import replace

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QHideEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.domain.conversation_settings import (
    ConversationSettings,
    fit,
    web_tools_supported,
)
from claude_desktop.domain.history import StorageError
from claude_desktop.domain.session import Session
from claude_desktop.domain.thinking import MIN_BUDGET, Mode, max_tokens_limit, supported_forms

from . import icons, theme
from .chat_presets import NO_PRESET, PresetsPanel
from .settings_layout import name_spin_fields, secondary
from .switch import Switch
from .window_dialogs import SHEET_NAME

SHEET_WIDTH = 360
#: The least width the window's central area keeps beside the sheet; narrower, the sheet
#: lies over the conversation's right edge instead.
MIN_BESIDE_WIDTH = 900
FORM_LABELS: dict[Mode, str] = {
    "adaptive": "Claude decides how long",
    "enabled": "With a token budget",
}
TEMPERATURE_WITH_THINKING = (
    "Temperature can't be combined with thinking: it is not sent while thinking is on."
)
NO_THINKING = "This model does not offer extended thinking (or the app does not know that it does)."
#: How long after the last key the instructions are applied.
TYPING_PAUSE_MS = 400

__all__ = ["NO_PRESET", "NO_THINKING", "TEMPERATURE_WITH_THINKING", "ChatSettingsSheet"]


class ChatSettingsSheet(QFrame):
    """The open chat's settings, at the right edge of `window`'s central area, full height."""

    settings_applied = Signal()
    closed = Signal()

    def __init__(self, session: Session, window: QMainWindow) -> None:
        super().__init__(window)
        self.session = session
        self.setObjectName(SHEET_NAME)
        self.setAccessibleName("Chat settings")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAutoFillBackground(True)
        self._loading = False
        self._dark: bool | None = None
        self._conversation: int | None = None
        self._return_focus: QWidget | None = None

        self.title = QLabel("Chat settings", self)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setWeight(QFont.Weight.DemiBold)
        self.title.setFont(font)
        self.subtitle = secondary(QLabel(self))
        self.subtitle.setWordWrap(True)
        self.close_button = QToolButton(self)
        self.close_button.setAccessibleName("Close chat settings")
        self.close_button.setToolTip("Close (Esc)")
        self.close_button.setAutoRaise(True)
        icons.tint(self.close_button, "x", role="secondary")
        self.close_button.clicked.connect(self.close_sheet)

        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(20, 12, 20, 20)
        column.setSpacing(10)

        # -- custom instructions, first
        column.addWidget(self._heading("Custom instructions"))
        self.system = QPlainTextEdit(body)
        self.system.setAccessibleName("Custom instructions")
        self.system.setPlaceholderText("How Claude should answer in this chat: a role, a tone, …")
        self.system.setTabChangesFocus(True)
        self.system.setMinimumHeight(140)
        column.addWidget(self.system)
        column.addSpacing(8)

        # -- extended thinking: a switch, its form and budget inside when on
        self.thinking = Switch("Extended thinking", body)
        thinking_row = QHBoxLayout()
        thinking_row.addWidget(self._heading("Extended thinking"), 1)
        thinking_row.addWidget(self.thinking)
        column.addLayout(thinking_row)
        self.thinking_note = secondary(QLabel(NO_THINKING, body))
        self.thinking_note.setWordWrap(True)
        column.addWidget(self.thinking_note)
        self.thinking_box = QWidget(body)
        inner = QVBoxLayout(self.thinking_box)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(6)
        self.thinking_form = QComboBox(self.thinking_box)
        self.thinking_form.setAccessibleName("How Claude thinks")
        inner.addWidget(self.thinking_form)
        self.budget_label = QLabel("Thinking budget (tokens)", self.thinking_box)
        self.budget = QSpinBox(self.thinking_box)
        self.budget.setAccessibleName("Thinking budget")
        self.budget.setGroupSeparatorShown(True)
        self.budget.setSingleStep(1024)
        self.budget.setToolTip("Tokens Claude may spend thinking: at least 1,024, below max tokens")
        self.budget_label.setBuddy(self.budget)
        inner.addWidget(self.budget_label)
        inner.addWidget(self.budget)
        column.addWidget(self.thinking_box)
        column.addSpacing(8)

        # -- Anthropic's server tools: the same switches as the composer's + menu
        self.web_box = QWidget(body)
        web = QVBoxLayout(self.web_box)
        web.setContentsMargins(0, 0, 0, 0)
        web.setSpacing(6)
        self.web_search = Switch("Web search", self.web_box)
        self.web_fetch = Switch("Web fetch", self.web_box)
        for switch, text in ((self.web_search, "Web search"), (self.web_fetch, "Web fetch")):
            row = QHBoxLayout()
            row.addWidget(self._heading(text), 1)
            row.addWidget(switch)
            web.addLayout(row)
        column.addWidget(self.web_box)
        column.addSpacing(8)

        # -- advanced, folded
        self.advanced_button = QToolButton(body)
        self.advanced_button.setText("Advanced")
        self.advanced_button.setAccessibleName("Advanced")
        self.advanced_button.setCheckable(True)
        self.advanced_button.setAutoRaise(True)
        self.advanced_button.setProperty("disclosure", True)
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        icons.tint(self.advanced_button, "chevron-right", role="secondary", size=16)
        self.advanced_button.toggled.connect(self._fold_advanced)
        column.addWidget(self.advanced_button)
        self.advanced = QWidget(body)
        folded = QVBoxLayout(self.advanced)
        folded.setContentsMargins(0, 0, 0, 0)
        folded.setSpacing(6)
        self.max_tokens = QSpinBox(self.advanced)
        self.max_tokens.setAccessibleName("Max tokens")
        self.max_tokens.setGroupSeparatorShown(True)
        max_label = QLabel("Longest answer (max tokens)", self.advanced)
        max_label.setBuddy(self.max_tokens)
        folded.addWidget(max_label)
        folded.addWidget(self.max_tokens)
        self.use_temperature = QCheckBox("Set a temperature", self.advanced)
        self.use_temperature.setAccessibleName("Set temperature")
        self.temperature = QDoubleSpinBox(self.advanced)
        self.temperature.setAccessibleName("Temperature")
        self.temperature.setRange(0.0, 1.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setToolTip("0 for focused answers, 1 for varied ones; unset: the API's")
        temperature_row = QHBoxLayout()
        temperature_row.addWidget(self.use_temperature, 1)
        temperature_row.addWidget(self.temperature)
        folded.addSpacing(4)
        folded.addLayout(temperature_row)
        self.temperature_note = secondary(QLabel(TEMPERATURE_WITH_THINKING, self.advanced))
        self.temperature_note.setWordWrap(True)
        folded.addWidget(self.temperature_note)
        self.advanced.hide()
        column.addWidget(self.advanced)
        column.addSpacing(8)

        # -- presets
        column.addWidget(self._heading("Presets"))
        self.presets = PresetsPanel(session, self.values, self._fill_from_preset, body)
        column.addWidget(self.presets)
        self.status = QLabel(body)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Chat settings status")
        self.status.hide()
        column.addWidget(self.status)
        column.addStretch(1)

        scroll = QScrollArea(self)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        scroll.setAccessibleName("Chat settings")
        header = QHBoxLayout()
        header.setContentsMargins(20, 14, 10, 4)
        words = QVBoxLayout()
        words.setSpacing(2)
        words.addWidget(self.title)
        words.addWidget(self.subtitle)
        header.addLayout(words, 1)
        header.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(1, 0, 0, 0)  # room for the border at the left edge
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(scroll, 1)

        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(TYPING_PAUSE_MS)
        self._typing.timeout.connect(self.apply)
        self.system.textChanged.connect(self._typed)
        self.system.installEventFilter(self)
        for signal in (
            self.max_tokens.valueChanged,
            self.budget.valueChanged,
            self.temperature.valueChanged,
            self.thinking.toggled,
            self.web_search.toggled,
            self.web_fetch.toggled,
            self.thinking_form.currentIndexChanged,
            self.use_temperature.toggled,
        ):
            signal.connect(self._changed)
        name_spin_fields(self)
        window.installEventFilter(self)
        self.hide()
        self._style()
        self.load()

    @staticmethod
    def _heading(text: str) -> QLabel:
        label = QLabel(text)
        font = label.font()
        font.setWeight(QFont.Weight.DemiBold)
        label.setFont(font)
        return label

    # -- showing ---------------------------------------------------------------------------

    def open_sheet(self) -> None:
        """Show the sheet for the open chat, the instructions focused; the focus goes back
        where it was when the sheet closes."""
        if self.isVisible():
            self.apply()  # what was typed a moment ago, before the sheet is filled again
        self.load()
        if not self.isVisible():
            self._return_focus = QApplication.focusWidget()
        self.show()
        self._place()
        self.raise_()
        self.system.setFocus(Qt.FocusReason.OtherFocusReason)

    def close_sheet(self) -> None:
        if not self.isVisible():
            return
        self.apply()
        # Before hiding: a hidden sheet's focused child would hand the focus to whatever
        # widget Qt picks next.
        target = self._return_focus
        self.hide()
        if target is not None and shiboken6.isValid(target) and target.isVisible():
            target.setFocus(Qt.FocusReason.OtherFocusReason)
        self._return_focus = None
        self.closed.emit()

    def _place(self) -> None:
        """Beside the conversation when the window is wide enough (the central area gives
        up the sheet's width, so nothing is hidden), over its right edge otherwise."""
        window = self.parentWidget()
        central = window.centralWidget() if isinstance(window, QMainWindow) else None
        if central is None:
            return
        area = central.geometry()
        width = min(SHEET_WIDTH, area.width())
        beside = self.isVisible() and area.width() - width >= MIN_BESIDE_WIDTH
        central.setContentsMargins(0, 0, width if beside else 0, 0)
        self.setGeometry(area.right() + 1 - width, area.top(), width, area.height())

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        window = self.parentWidget()
        central = window.centralWidget() if isinstance(window, QMainWindow) else None
        if central is not None:
            central.setContentsMargins(0, 0, 0, 0)  # the conversation takes the room back

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.parentWidget() and kind in (QEvent.Type.Resize, QEvent.Type.Show):
            if self.isVisible():
                self._place()
        elif watched is self.system and kind == QEvent.Type.FocusOut:
            self.apply()  # e.g. straight to the composer to ask
        return super().eventFilter(watched, event)

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if (
            kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            # Esc closes the sheet: taken before the window's Esc (Stop) shortcut sees it.
            event.accept()
            if kind == QEvent.Type.KeyPress:
                self.close_sheet()
            return True
        if kind == QEvent.Type.PaletteChange:
            self._style()
        return super().event(event)

    def _style(self) -> None:
        t = theme.tokens_for(self.palette())
        if t.dark == self._dark:
            return  # (a style sheet set here changes the palette: only on a theme change)
        self._dark = t.dark
        self.setStyleSheet(
            f"QFrame#{SHEET_NAME} {{ background: {t.surface};"
            f" border: none; border-left: 1px solid {t.border}; }}"
            "QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }"
            # Advanced: a plain disclosure line, not a pressed-in button once open.
            "QToolButton[disclosure=true] { border: none; padding: 4px 0; font-weight: 600;"
            f" color: {t.text}; }}"
            f"QToolButton[disclosure=true]:focus {{ border: 2px solid {t.accent};"
            f" border-radius: {theme.RADIUS_CONTROL}px; }}"
        )

    def _fold_advanced(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        icons.tint(self.advanced_button, "chevron-down" if shown else "chevron-right")

    # -- the chat it is for ------------------------------------------------------------------

    def load(self) -> None:
        """Set the sheet up for the open chat and its model, and fill it in."""
        session = self.session
        self._conversation = session.current.id
        self.model = session.model_info()
        limit = max_tokens_limit(self.model)
        # "With a budget" only when the model's limit leaves room for one.
        self.forms = tuple(
            form for form in supported_forms(self.model) if form != "enabled" or limit > MIN_BUDGET
        )
        new_chat = session.current.record is None
        self.title.setText("New chat settings" if new_chat else "Chat settings")
        self.subtitle.setText(
            f"For {'the new chat' if new_chat else 'this chat'}, "
            f"with {session.display_name(session.model)}."
        )
        self._loading = True
        try:
            self.max_tokens.setRange(1, limit)
            self.max_tokens.setToolTip(f"The longest answer, in tokens (up to {limit:,})")
            self.thinking_form.clear()
            for form in self.forms:
                self.thinking_form.addItem(FORM_LABELS[form], form)
            self.thinking.setEnabled(bool(self.forms))
            self.thinking_note.setVisible(not self.forms)
            self.web_box.setVisible(web_tools_supported(session.settings))
            self.set_values(session.conversation_settings)
        finally:
            self._loading = False
        self.status.hide()

    # -- values ----------------------------------------------------------------------------

    def thinking_mode(self) -> Mode:
        if not self.thinking.isChecked() or not self.forms:
            return "off"
        form = self.thinking_form.currentData()
        return form if form in self.forms else self.forms[0]

    def set_thinking(self, mode: Mode) -> None:
        """Thinking `mode` ("off", or a form the model takes)."""
        if mode != "off":
            self.thinking_form.setCurrentIndex(max(0, self.thinking_form.findData(mode)))
        self.thinking.setChecked(mode != "off" and bool(self.forms))
        self._update_rules()

    def set_values(self, settings: ConversationSettings) -> None:
        """Fill the sheet (with what the model takes of `settings`)."""
        settings = fit(settings, self.model)
        loading, self._loading = self._loading, True
        try:
            self.system.setPlainText(settings.system)
            self.set_thinking(settings.thinking)
            self.max_tokens.setValue(settings.max_tokens)
            self._update_rules()
            self.budget.setValue(settings.budget_tokens)
            self.use_temperature.setChecked(settings.temperature is not None)
            self.temperature.setValue(settings.temperature or 0.0)
            self.web_search.setChecked(settings.web_search)
            self.web_fetch.setChecked(settings.web_fetch)
            self._update_rules()
        finally:
            self._loading = loading

    def values(self) -> ConversationSettings:
        return replace(
            self.session.conversation_settings,
            web_search=self.web_search.isChecked(),
            web_fetch=self.web_fetch.isChecked(),
            system=self.system.toPlainText(),
            max_tokens=self.max_tokens.value(),
            temperature=self.temperature.value() if self.use_temperature.isChecked() else None,
            thinking=self.thinking_mode(),
            budget_tokens=self.budget.value(),
        )

    def _update_rules(self) -> None:
        """Keep the form inside what the API takes, whatever was changed."""
        mode = self.thinking_mode()
        budgeted = mode == "enabled"
        thinking_on = mode != "off"
        # A budget needs max_tokens above the 1024-token minimum; while one is chosen,
        # max_tokens cannot go that low, and the budget cannot reach max_tokens.
        self.max_tokens.setMinimum(MIN_BUDGET + 1 if budgeted else 1)
        self.budget.setRange(MIN_BUDGET, max(MIN_BUDGET, self.max_tokens.value() - 1))
        self.thinking_box.setVisible(thinking_on)
        self.thinking_form.setVisible(len(self.forms) > 1)
        self.budget.setEnabled(budgeted)
        self.budget.setVisible(budgeted)
        self.budget_label.setVisible(budgeted)
        self.use_temperature.setEnabled(not thinking_on)
        self.temperature.setEnabled(not thinking_on and self.use_temperature.isChecked())
        self.temperature_note.setVisible(thinking_on)

    # -- applying ----------------------------------------------------------------------------

    def _changed(self) -> None:
        if self._loading:
            return
        self._update_rules()
        self.apply()

    def _typed(self) -> None:
        if not self._loading:
            self._typing.start()

    def _fill_from_preset(self, settings: ConversationSettings) -> None:
        self.set_values(settings)
        self.apply()

    def apply(self) -> None:
        """Keep what the sheet shows for the chat it shows (when that differs)."""
        self._typing.stop()
        if self._loading:
            return
        session = self.session
        if self._conversation is not None and session.current.id != self._conversation:
            self.load()  # another chat opened under the sheet: show its settings instead
            return
        self._conversation = session.current.id  # a new chat that has become a saved one
        values = self.values()
        if fit(values, self.model) == fit(session.conversation_settings, self.model):
            return
        try:
            session.set_conversation_settings(values)
        except StorageError as exc:
            self.status.setText(exc.human)
            self.status.setStyleSheet(f"color: {theme.tokens_for(self.palette()).error_text};")
            self.status.show()
            return
        self.status.hide()
        self.settings_applied.emit()
