"""A question a turn puts to the person, as a card in the answer: the approval of a tool call
(the server, the tool and the arguments, then Allow once / Always allow / Deny, and for a
read-only tool "Always allow read-only tools of <server>"), or whether Claude may keep going
past its step limit (Continue / Stop).

An approval card may come before its question: `ApprovalCard.waiting(name)` is shown as soon
as the call starts streaming, its arguments growing as they arrive (the raw partial JSON; pretty
once whole), its buttons shown but disabled until `ask` gives it the question.

Keyboard: Enter picks the first choice (Allow once), Esc the last (Deny). The card takes
both keys before the window's shortcuts (Esc is Stop there), while it has focus.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFontDatabase, QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from claude_desktop.domain.tool_approvals import ALLOW_ONCE, ALWAYS_ALLOW, DENY
from claude_desktop.domain.tool_loop import ToolCall
from claude_desktop.domain.turn_runner import Decision

from . import icons, theme
from .message_frame import set_text_color, small
from .tool_card import pretty_json, tool_label

__all__ = ["ApprovalCard"]

_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)


class ApprovalCard(QFrame):
    """Shows `decision`; `picked` is called once with the choice made."""

    def __init__(
        self,
        decision: Decision | None,
        picked: Callable[[str], None] | None,
        parent: QWidget | None = None,
        *,
        call_name: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("approvalCard")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.decision = decision
        self._picked = picked
        self._done = False
        self._json = ""  # the arguments as they stream, while waiting
        self._dark: bool | None = None  # the theme the style sheet is for
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)

        top = QHBoxLayout()
        top.setSpacing(8)
        self.icon = QLabel(self)
        top.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        self.question = QLabel(self)
        self.question.setTextFormat(Qt.TextFormat.PlainText)
        self.question.setWordWrap(True)
        font = self.question.font()
        font.setWeight(font.Weight.DemiBold)
        self.question.setFont(font)
        top.addWidget(self.question, 1)
        layout.addLayout(top)

        self.where = QLabel(self)
        self.arguments = QLabel(self)
        for label in (self.where, self.arguments):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(label)
        small(self.where)
        self.arguments.setObjectName("approvalArguments")
        self.arguments.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.arguments.setAccessibleName("Arguments")

        self.row = QHBoxLayout()
        self.row.setSpacing(8)
        layout.addLayout(self.row)
        self.buttons: dict[str, QPushButton] = {}
        if decision is None:
            self._show_call(call_name, {})
            self._set_choices((ALLOW_ONCE, ALWAYS_ALLOW, DENY), enabled=False)
            self.question.setText(f"Claude wants to use {self._tool_words(call_name)}")
            self.setAccessibleName(self.question.text())
        else:
            self._show_decision(decision)
        self.restyle()

    @classmethod
    def waiting(cls, call_name: str, parent: QWidget | None = None) -> ApprovalCard:
        """The card of a call still streaming: arguments as they come, buttons disabled."""
        return cls(None, None, parent, call_name=call_name)

    @property
    def asked(self) -> bool:
        return self.decision is not None

    # -- what it shows -----------------------------------------------------------------------

    def _tool_words(self, name: str) -> str:
        tool, server = tool_label(name)
        return f"{tool} from {server}" if server else tool

    def _show_call(self, name: str, arguments: object) -> None:
        tool, server = tool_label(name)
        self._where(tool, server)
        self.arguments.setText(pretty_json(arguments) if arguments else "")

    def _where(self, tool: str, server: str) -> None:
        self.where.setText(f"Server: {server}    Tool: {tool}" if server else f"Tool: {tool}")
        kind = "hammer" if server else "circle-alert"
        self.icon.setPixmap(icons.pixmap(kind, "accent", theme.ICON_PX, self))

    def json_delta(self, partial_json: str) -> None:
        """More of the arguments, while the call streams (shown raw until whole)."""
        if self.asked:
            return
        self._json += partial_json
        self.arguments.setText(self._json)

    def call_stopped(self, arguments: object) -> None:
        """The call is whole: its arguments pretty, the buttons still waiting for `ask`."""
        if self.asked:
            return
        if not arguments and self._json:
            try:
                arguments = json.loads(self._json)
            except ValueError:
                arguments = self._json
        self.arguments.setText(
            arguments if isinstance(arguments, str) else pretty_json(arguments or {})
        )

    def ask(self, decision: Decision, picked: Callable[[str], None]) -> None:
        """The question came: its choices, enabled."""
        self.decision, self._picked, self._done = decision, picked, False
        self._show_decision(decision)

    def _show_decision(self, decision: Decision) -> None:
        self.question.setText(decision.question)
        call = decision.subject if isinstance(decision.subject, ToolCall) else None
        if call is not None:
            tool, server = _names(call)
            self._where(tool, server)
            self.arguments.setText(pretty_json(call.input))
        else:
            self.icon.setPixmap(icons.pixmap("circle-alert", "accent", theme.ICON_PX, self))
        self.where.setVisible(call is not None)
        self.arguments.setVisible(call is not None)
        self._set_choices(decision.choices, enabled=True)
        hint = "Enter: " + decision.choices[0] + ", Esc: " + decision.choices[-1]
        self.setAccessibleName(decision.question)
        self.setAccessibleDescription(
            (self.arguments.text() + "\n" if call is not None else "") + hint
        )
        self.setToolTip(hint)

    def _set_choices(self, choices: tuple[str, ...], *, enabled: bool) -> None:
        for button in self.buttons.values():
            button.hide()
            button.deleteLater()
        while self.row.count():
            self.row.takeAt(0)
        self.buttons = {}
        for i, choice in enumerate(choices):
            button = QPushButton(choice, self)
            button.setAccessibleName(choice)
            button.setAutoDefault(False)
            button.setEnabled(enabled)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _=False, c=choice: self.pick(c))
            button.installEventFilter(self)
            button.setObjectName("primaryButton" if i == 0 else "choiceButton")
            self.row.addWidget(button)
            button.show()  # now, not when the layout gets to it: focus may come at once
            self.buttons[choice] = button
        self.row.addStretch(1)
        self.restyle()

    def restyle(self) -> None:
        t = _app_tokens()
        self._dark = t.dark
        radius = theme.RADIUS_CONTROL
        self.setStyleSheet(
            f"QFrame#approvalCard {{ background: {t.surface}; border: 1px solid {t.border};"
            f" border-radius: {theme.RADIUS_CARD}px; }}"
            f"QLabel#approvalArguments {{ background: {t.page}; border: 1px solid {t.border};"
            f" border-radius: {radius}px; padding: 8px 10px; }}"
            f"QPushButton {{ border-radius: {radius}px; padding: 6px 14px;"
            f" border: 1px solid {t.border}; background: {t.surface}; color: {t.text}; }}"
            f"QPushButton:hover {{ background: {t.hover}; }}"
            f"QPushButton:focus {{ border: 2px solid {t.accent}; padding: 5px 13px; }}"
            f"QPushButton:disabled {{ color: {t.disabled}; }}"
            f"QPushButton#primaryButton {{ background: {t.accent}; color: {t.on_accent};"
            f" border-color: {t.accent}; }}"
            f"QPushButton#primaryButton:focus {{ border: 2px solid {t.text}; }}"
            f"QPushButton#primaryButton:disabled {{ background: {t.disabled};"
            f" border-color: {t.disabled}; }}"
        )
        set_text_color(self.where, t.secondary)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # Restyled for a new theme only (a style sheet set here changes the palette too).
        dark = _app_tokens().dark
        if event.type() == QEvent.Type.PaletteChange and dark != self._dark:
            self.restyle()

    # -- choosing ----------------------------------------------------------------------------

    def focus(self) -> None:
        first = self.decision.choices[0] if self.decision is not None else ""
        button = self.buttons.get(first)
        (button or self).setFocus(Qt.FocusReason.OtherFocusReason)

    def pick(self, choice: str) -> None:
        if self._done or self._picked is None:
            return  # already answered, or not asked yet (the call still streams)
        self._done = True
        for button in self.buttons.values():
            button.setEnabled(False)
        self._picked(choice)

    def _key(self, event: QEvent, button: QPushButton | None = None) -> bool:
        """Enter and Esc, pressed in the card: True when handled. Enter on a button picks
        that button's choice (the first choice has focus when the card comes)."""
        if not isinstance(event, QKeyEvent) or event.key() not in _KEYS:
            return False
        if self.decision is None:
            return False  # nothing to answer yet: the window's keys work as ever
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # ours, not the window's Esc (Stop) nor Enter (Send)
            return True
        if event.type() == QEvent.Type.KeyPress:
            choices = self.decision.choices
            if event.key() == Qt.Key.Key_Escape:
                self.pick(choices[-1])
            else:
                self.pick(button.text() if button is not None else choices[0])
            return True
        return False

    def event(self, event: QEvent) -> bool:
        return True if self._key(event) else super().event(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        button = watched if isinstance(watched, QPushButton) else None
        return True if self._key(event, button) else super().eventFilter(watched, event)


def _names(call: ToolCall) -> tuple[str, str]:
    if call.spec is not None and call.spec.title:
        return call.spec.title, call.spec.server
    return tool_label(call.name)


def _app_tokens() -> theme.Tokens:
    """The theme's tokens, from the application's palette: the card's own is changed by
    its style sheet (a light background would make a dark theme read as light)."""
    from PySide6.QtWidgets import QApplication

    return theme.tokens_for(QApplication.palette())
