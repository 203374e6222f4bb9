"""A question a turn puts to the person, as a card in the answer: the approval of a tool call
(the server, the tool and the arguments as pretty JSON, then Allow once / Always allow /
Deny), or whether Claude may keep going past its step limit (Continue / Stop).

Keyboard: Enter picks the first choice (Allow once), Esc the last (Deny). The card takes
both keys before the window's shortcuts (Esc is Stop there), while it has focus.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFontDatabase, QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from claude_desktop.domain.tool_loop import ToolCall
from claude_desktop.domain.turn_runner import Decision

from .tool_card import pretty_json, tool_label

__all__ = ["ApprovalCard"]

_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)


class ApprovalCard(QFrame):
    """Shows `decision`; `picked` is called once with the choice made."""

    def __init__(
        self, decision: Decision, picked: Callable[[str], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("approvalCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.decision = decision
        self._picked = picked
        self._done = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)

        self.question = QLabel(decision.question, self)
        self.question.setTextFormat(Qt.TextFormat.PlainText)
        self.question.setWordWrap(True)
        font = self.question.font()
        font.setBold(True)
        self.question.setFont(font)
        layout.addWidget(self.question)

        call = decision.subject if isinstance(decision.subject, ToolCall) else None
        self.where = QLabel(self)
        self.arguments = QLabel(self)
        if call is not None:
            tool, server = _names(call)
            self.where.setText(f"Server: {server}    Tool: {tool}" if server else f"Tool: {tool}")
            self.arguments.setText(pretty_json(call.input))
        for label in (self.where, self.arguments):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setVisible(call is not None)
            layout.addWidget(label)
        self.arguments.setObjectName("approvalArguments")
        self.arguments.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.arguments.setAccessibleName("Arguments")

        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for i, choice in enumerate(decision.choices):
            button = QPushButton(choice, self)
            button.setAccessibleName(choice)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, c=choice: self.pick(c))
            button.installEventFilter(self)
            if i == 0:
                button.setObjectName("primaryButton")
            row.addWidget(button)
            self.buttons[choice] = button
        row.addStretch(1)
        layout.addLayout(row)
        hint = "Enter: " + decision.choices[0] + ", Esc: " + decision.choices[-1]
        self.setAccessibleName(decision.question)
        self.setAccessibleDescription(
            (self.arguments.text() + "\n" if call is not None else "") + hint
        )
        self.setToolTip(hint)

    def focus(self) -> None:
        self.buttons[self.decision.choices[0]].setFocus(Qt.FocusReason.OtherFocusReason)

    def pick(self, choice: str) -> None:
        if self._done:
            return
        self._done = True
        for button in self.buttons.values():
            button.setEnabled(False)
        self._picked(choice)

    def _key(self, event: QEvent, button: QPushButton | None = None) -> bool:
        """Enter and Esc, pressed in the card: True when handled. Enter on a button picks
        that button's choice (the first choice has focus when the card comes)."""
        if not isinstance(event, QKeyEvent) or event.key() not in _KEYS:
            return False
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
