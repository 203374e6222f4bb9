"""The shape every Settings page shares: a titled column of plain labelled rows.

A row is a label (with an optional line of explanation under it) on the left and its
control on the right; sections get a small letter-spaced header. Pages build themselves
with :class:`PageColumn` so they all read alike.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from . import theme

#: The column's widest, so long rows stay readable in a wide window.
COLUMN_WIDTH = 620
#: The controls' column: text fields and lists at most this wide, switches at its right.
CONTROL_WIDTH = 280
MIN_CONTROL_WIDTH = 200


def secondary(label: QLabel) -> QLabel:
    """Give `label` the secondary text colour (the palette's placeholder text)."""
    label.setStyleSheet("color: palette(placeholder-text);")
    return label


class PageColumn(QWidget):
    """One page: its title, then rows, sections and notes, top to bottom."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(title, self)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setWeight(QFont.Weight.DemiBold)
        self.title.setFont(font)
        self.title.setAccessibleName(title)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(32, 28, 32, 24)
        self.body.setSpacing(14)
        self.body.addWidget(self.title)
        self.body.addSpacing(6)

    def finish(self) -> None:
        """Called once every row is in: the rest of the height stays empty."""
        self.body.addStretch(1)

    def add_section(self, text: str) -> QLabel:
        header = QLabel(text.upper(), self)
        font = header.font()
        font.setPointSizeF(font.pointSizeF() * 0.8)
        font.setWeight(QFont.Weight.DemiBold)
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 0.6)
        header.setFont(font)
        secondary(header)
        self.body.addSpacing(8)
        self.body.addWidget(header)
        return header

    def add_note(self, text: str) -> QLabel:
        note = QLabel(text, self)
        note.setWordWrap(True)
        note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        secondary(note)
        self.body.addWidget(note)
        return note

    def add_row(
        self, label: str, control: QWidget | QLayout, hint: str = "", *, wide: bool = True
    ) -> QWidget:
        row = labelled_row(self, label, control, hint, wide=wide)
        self.body.addWidget(row)
        return row

    def add_widget(self, widget: QWidget) -> None:
        self.body.addWidget(widget)


def labelled_row(
    parent: QWidget, label: str, control: QWidget | QLayout, hint: str = "", *, wide: bool = True
) -> QWidget:
    """A row: `label` (and `hint` under it) at left, `control` at right. `wide` controls
    (fields, lists) take the control column's width; others (switches, buttons) keep their
    own size at its right edge."""
    row = QWidget(parent)
    line = QHBoxLayout(row)
    line.setContentsMargins(0, 0, 0, 0)
    line.setSpacing(24)
    words = QVBoxLayout()
    words.setSpacing(2)
    name = QLabel(label, row)
    name.setWordWrap(True)
    words.addWidget(name)
    if hint:
        words.addWidget(_hint(hint, row))
    line.addLayout(words, 1)
    if isinstance(control, QLayout):
        holder = QWidget(row)
        holder.setLayout(control)
        control.setContentsMargins(0, 0, 0, 0)
        control = holder
    else:
        name.setBuddy(control)
    if wide:
        # As wide as the words beside it, within bounds: a narrow window keeps both readable.
        control.setMinimumWidth(MIN_CONTROL_WIDTH)
        control.setMaximumWidth(CONTROL_WIDTH)
        line.addWidget(control, 1, Qt.AlignmentFlag.AlignTop)
    else:
        line.addWidget(control, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
    return row


def _hint(text: str, parent: QWidget) -> QLabel:
    hint = QLabel(text, parent)
    hint.setWordWrap(True)
    hint.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return secondary(hint)


class SettingsPage(QWidget):
    """A page of the Settings window: its :class:`PageColumn` (``self.column``) in a
    frameless scroll area, so a tall page scrolls in a short window instead of squeezing."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(title)
        self.column = PageColumn(title)
        self.column.setMaximumWidth(COLUMN_WIDTH + 64)
        holder = QWidget()
        line = QHBoxLayout(holder)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.column, 1)
        line.addStretch(0)
        area = QScrollArea(self)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidgetResizable(True)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Scroll only when the rows need more height at the width they have: without this,
        # the minimum height is that of the rows' wrapped words at their narrowest.
        holder.setMinimumHeight(1)
        area.setWidget(holder)
        area.setAccessibleName(f"{title} settings")
        self.scroll_area = area
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(area)


def name_spin_fields(root: QWidget) -> None:
    """Give each spin box's text field under `root` its box's name: a screen reader lands
    on the field, and would otherwise read nothing."""
    for box in root.findChildren(QAbstractSpinBox):
        field = box.findChild(QLineEdit)
        if field is not None:
            field.setAccessibleName(box.accessibleName())


def primary(button: QWidget) -> QWidget:
    """Mark `button` as its page's main action (drawn in the accent by the window's sheet)."""
    button.setProperty("primary", True)
    return button


def primary_button_css(dark: bool) -> str:
    t = theme.tokens(dark)
    return (
        f"QPushButton[primary=true] {{ background: {t.accent}; color: {t.on_accent};"
        f" border: 2px solid {t.accent}; border-radius: {theme.RADIUS_CONTROL}px;"
        " padding: 5px 16px; font-weight: 600; }"
        f"QPushButton[primary=true]:focus {{ border: 2px solid {t.text}; }}"
        f"QPushButton[primary=true]:disabled {{ background: {t.disabled};"
        f" border-color: {t.disabled}; }}"
    )


def page_palette_css(dark: bool) -> str:
    """The page list's look: sidebar tint, rounded selected pill (design tokens)."""
    t = theme.tokens(dark)
    return (
        f"QListWidget {{ background: {t.sidebar}; border: none; border-right: 1px solid "
        f"{t.border}; padding: 12px 8px; outline: none; }}"
        f"QListWidget::item {{ color: {t.text}; border-radius: {theme.RADIUS_CONTROL}px;"
        " border: 2px solid transparent; padding: 5px 6px; margin: 1px 0; }"
        f"QListWidget::item:hover {{ background: {t.hover}; }}"
        f"QListWidget::item:selected {{ background: {t.selected}; color: {t.text}; }}"
        # The focus ring: on the current page's pill while the list has the keyboard.
        f"QListWidget::item:focus {{ border: 2px solid {t.accent}; }}"
    )
