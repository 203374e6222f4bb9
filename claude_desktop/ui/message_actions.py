"""The row of icon buttons under a message: copy, edit or retry, ‹ 2/3 ›, and ⓘ.

Quiet until needed (design.md): the row keeps its place but is drawn only while the pointer
is over its message or the keyboard is in it, and always on the newest answer. The whole
row is one Tab stop: Tab lands on one button, the arrow keys move between them (a "roving"
focus), so a conversation does not take five stops per message. ⓘ opens a small card with
what the answer's details say (model, timings, tokens, cost, cache savings).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsOpacityEffect,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from . import icons, theme

__all__ = ["COPIED_MS", "ActionRow", "DetailsCard", "details_lines"]

#: How long Copy shows "Copied" with a check (design.md).
COPIED_MS = 2000
_ICON = 16
#: Icons for the one action a message offers, by its label.
_ACTION_ICONS = {"Edit": "pencil", "Regenerate": "refresh-cw", "Retry": "refresh-cw"}


def details_lines(footer: str) -> list[str]:
    """The details line of an answer (domain/turn_metrics.py: "Model · 0.8 s to first token
    · 3.1 s · 1,200 in / 300 out · $0.01 (cache saved $0.02)") as labelled lines."""
    parts = [p.strip() for p in footer.split(" · ") if p.strip()]
    if not parts:
        return []
    lines = [f"Model: {parts[0]}"]
    for part in parts[1:]:
        if part.endswith(" to first token"):
            lines.append(f"First token: {part.removesuffix(' to first token')}")
        elif part.endswith(" s") and part[:-2].replace(".", "", 1).isdigit():
            lines.append(f"Duration: {part}")
        elif " in / " in part:
            lines.append(f"Tokens: {part}")
        elif part.startswith("$"):
            price, _, saved = part.partition(" (cache saved ")
            lines.append(f"Cost: {price}")
            if saved:
                lines.append(f"Cache savings: {saved.rstrip(')')}")
        else:
            lines.append(part[:1].upper() + part[1:])
    return lines


class DetailsCard(QFrame):
    """The ⓘ popover: a small card of plain lines; Esc or a click elsewhere closes it."""

    def __init__(self, lines: list[str], parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("details-card")
        self.setAccessibleName("Answer details")
        t = theme.tokens_for(parent.palette())
        self.setStyleSheet(
            f"QFrame#details-card {{ background: {t.surface}; border: 1px solid {t.border};"
            f" border-radius: {theme.RADIUS_CONTROL}px; }}"
            f" QLabel {{ color: {t.text}; background: transparent; }}"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(2)
        self.label = QLabel("\n".join(lines), self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAccessibleName("Answer details")
        layout.addWidget(self.label)

    def text(self) -> str:
        return self.label.text()


class ActionRow(QWidget):
    """The buttons; the message tells it when the pointer is over it (`set_hovered`) and
    the conversation which answer is the newest (`set_pinned`)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAccessibleName("Message actions")
        self._hovered = False
        self._pinned = False
        self._details = ""
        self.card: DetailsCard | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)

        self.copy_button = self._button("copy", "Copy message", "Copy this message as Markdown")
        self.action_button = self._button("refresh-cw", "", "")
        self.prev_button = self._button("chevron-left", "Previous version", "Previous version")
        self.version_label = QLabel(self)
        self.version_label.setAccessibleName("Version")
        self.next_button = self._button("chevron-right", "Next version", "Next version")
        self.info_button = self._button("info", "Answer details", "Model, time, tokens, cost")
        self.info_button.clicked.connect(self.show_details)
        for widget in (self.prev_button, self.version_label, self.next_button):
            widget.hide()
        self.action_button.hide()
        self.info_button.hide()
        for widget in (
            self.copy_button,
            self.action_button,
            self.prev_button,
            self.version_label,
            self.next_button,
            self.info_button,
        ):
            layout.addWidget(widget)
        layout.addStretch(1)

        self._copied_timer = QTimer(self)
        self._copied_timer.setSingleShot(True)
        self._copied_timer.setInterval(COPIED_MS)
        self._copied_timer.timeout.connect(self._end_copied)
        # Drawn transparent while quiet: the row keeps its place (nothing moves on hover)
        # and stays in the Tab chain, so the keyboard can reach it and reveal it.
        self._fade = QGraphicsOpacityEffect(self)
        self.setGraphicsEffect(self._fade)
        self._sync()

    # -- the buttons -------------------------------------------------------------------------

    def _button(self, icon: str, name: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setAutoRaise(True)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        icons.tint(button, icon, "secondary", _ICON)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.installEventFilter(self)
        return button

    def buttons(self) -> list[QToolButton]:
        """The buttons shown now, left to right."""
        return [
            b
            for b in (
                self.copy_button,
                self.action_button,
                self.prev_button,
                self.next_button,
                self.info_button,
            )
            if not b.isHidden()
        ]

    def set_action(self, text: str | None, description: str = "") -> None:
        """Offer one action (e.g. "Edit", "Regenerate") as an icon, or none."""
        button = self.action_button
        button.setText(text or "")
        button.setAccessibleName(text or "")
        button.setAccessibleDescription(description)
        button.setToolTip(description or text or "")
        if text:
            icons.tint(button, _ACTION_ICONS.get(text, "refresh-cw"), "secondary", _ICON)
        button.setVisible(bool(text))
        self._sync_focus()

    def set_copyable(self, copyable: bool) -> None:
        self.copy_button.setVisible(copyable)
        self._sync_focus()

    def set_versions(self, index: int, count: int) -> None:
        several = count > 1
        for widget in (self.prev_button, self.version_label, self.next_button):
            widget.setVisible(several)
        self.version_label.setText(f"{index + 1}/{count}")
        self.version_label.setAccessibleDescription(f"Version {index + 1} of {count}")
        self.prev_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < count - 1)
        self._sync_focus()

    def set_details(self, footer: str) -> None:
        """What ⓘ shows (the answer's details line); empty hides ⓘ."""
        self._details = footer
        self.info_button.setVisible(bool(footer))
        self._sync_focus()

    def details_text(self) -> str:
        return "\n".join(details_lines(self._details))

    def show_details(self) -> None:
        if self.card is not None:
            self.card.close()
            self.card.deleteLater()
        self.card = DetailsCard(details_lines(self._details), self.info_button)
        self.card.adjustSize()
        self.card.move(self.info_button.mapToGlobal(QPoint(0, self.info_button.height() + 4)))
        self.card.show()

    def show_copied(self) -> None:
        """Copy says "Copied" with a check for a while."""
        icons.tint(self.copy_button, "check", "secondary", _ICON)
        self.copy_button.setText("Copied")
        self.copy_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.copy_button.setAccessibleName("Copied")
        self._copied_timer.start()

    def _end_copied(self) -> None:
        icons.tint(self.copy_button, "copy", "secondary", _ICON)
        self.copy_button.setText("")
        self.copy_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.copy_button.setAccessibleName("Copy message")

    # -- quiet until needed ------------------------------------------------------------------

    @property
    def revealed(self) -> bool:
        return self._hovered or self._pinned or self._has_focus()

    def set_hovered(self, hovered: bool) -> None:
        if hovered != self._hovered:
            self._hovered = hovered
            self._sync()

    def set_pinned(self, pinned: bool) -> None:
        """Always shown (the newest answer)."""
        if pinned != self._pinned:
            self._pinned = pinned
            self._sync()

    def _has_focus(self) -> bool:
        return any(b.hasFocus() for b in self.buttons())

    def _sync(self) -> None:
        self._fade.setOpacity(1.0 if self.revealed else 0.0)
        # No offscreen pass while it is fully drawn.
        self._fade.setEnabled(not self.revealed)

    # -- one Tab stop, arrows inside ---------------------------------------------------------

    def _sync_focus(self, current: QToolButton | None = None) -> None:
        """Let exactly one button take Tab focus: `current`, else the focused or first one."""
        shown = [b for b in self.buttons() if b.isEnabled()]
        if current is None:
            current = next((b for b in shown if b.hasFocus()), shown[0] if shown else None)
        for button in (
            self.copy_button,
            self.action_button,
            self.prev_button,
            self.next_button,
            self.info_button,
        ):
            button.setFocusPolicy(
                Qt.FocusPolicy.StrongFocus if button is current else Qt.FocusPolicy.NoFocus
            )

    def _move(self, button: QToolButton, step: int) -> None:
        shown = [b for b in self.buttons() if b.isEnabled()]
        if button not in shown:
            return
        target = shown[(shown.index(button) + step) % len(shown)]
        self._sync_focus(target)
        target.setFocus(Qt.FocusReason.TabFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            QTimer.singleShot(0, self, self._sync)  # after focus has moved
        elif (
            kind == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and isinstance(watched, QToolButton)
        ):
            key = event.key()
            if key in (Qt.Key.Key_Right, Qt.Key.Key_Down):
                self._move(watched, 1)
                return True
            if key in (Qt.Key.Key_Left, Qt.Key.Key_Up):
                self._move(watched, -1)
                return True
        elif kind == QEvent.Type.EnabledChange:
            QTimer.singleShot(0, self, self._sync_focus)
        return False
