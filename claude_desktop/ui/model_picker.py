"""The model picker: the API's models by display name, and "Other model id…" to type one in.

It sits in the composer as a compact chip (the model's name and a chevron, no frame), and
opens the usual list.

The picker is not editable: keys pressed while it has the focus cannot become a model id
(a key typed into the wrong box once became the request's model). A model id not listed is
typed on purpose, in a small dialog that refuses anything shaped like an API key.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.api.models import ModelInfo
from claude_desktop.domain.settings import model_id_problem

from . import icons, theme

#: The chip's padding either side and the chevron's size (px).
CHIP_PAD = 10
CHEVRON_PX = 14

OTHER = "Other model id…"
#: The item data of the "Other model id…" entry (no model id has a NUL in it).
_OTHER_DATA = "\0other"


class ModelIdDialog(QDialog):
    """Asks for a model id not in the list; refuses, with a sentence, what is not one."""

    model_id_entered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Other model")
        label = QLabel("Model id, as the API names it (for example claude-sonnet-4-6):", self)
        label.setWordWrap(True)
        self.field = QLineEdit(self)
        self.field.setAccessibleName("Model id")
        self.field.setPlaceholderText("claude-…")
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Model id problem")
        self.problem.setStyleSheet(f"color: {theme.error_color(self.palette())};")
        self.problem.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._accept_if_valid)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.field)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def _accept_if_valid(self) -> None:
        text = self.field.text()
        problem = model_id_problem(text)
        if problem is not None:
            self.problem.setText(problem)
            self.problem.show()
            self.field.selectAll()
            self.field.setFocus()
            return
        self.model_id_entered.emit(text.strip())
        self.accept()


class ModelPicker(QComboBox):
    model_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(False)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName("Model")
        self.setToolTip("The model for the next message")
        self._current = ""
        self.dialog: ModelIdDialog | None = None
        self.activated.connect(self._on_activated)

    # -- drawn as a chip -----------------------------------------------------------------

    def sizeHint(self) -> QSize:
        width = self.fontMetrics().horizontalAdvance(self.currentText())
        height = max(self.fontMetrics().height() + 12, 30)
        return QSize(width + 2 * CHIP_PAD + CHEVRON_PX + 4, height)

    def minimumSizeHint(self) -> QSize:
        return QSize(CHEVRON_PX + 2 * CHIP_PAD, self.sizeHint().height())

    def event(self, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.HoverEnter, QEvent.Type.HoverLeave):
            self.update()
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        tokens = theme.tokens_for(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        radius = theme.RADIUS_CONTROL
        if self.underMouse():
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(tokens.hover))
            painter.drawRoundedRect(box, radius, radius)
        if self.hasFocus():
            painter.setPen(QPen(QColor(tokens.accent), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(box, radius, radius)
        text_box = self.rect().adjusted(CHIP_PAD, 0, -(CHIP_PAD + CHEVRON_PX + 4), 0)
        text = self.fontMetrics().elidedText(
            self.currentText(), Qt.TextElideMode.ElideRight, text_box.width()
        )
        painter.setPen(QColor(tokens.secondary))
        painter.drawText(text_box, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        chevron = icons.pixmap("chevron-down", tokens.secondary, CHEVRON_PX, self)
        x = self.width() - CHIP_PAD - CHEVRON_PX
        painter.drawPixmap(x, (self.height() - CHEVRON_PX) // 2, chevron)
        painter.end()

    def set_models(self, models: list[ModelInfo], current: str) -> None:
        self.blockSignals(True)
        self.clear()
        for model in models:
            label = model.display_name + (" (deprecated)" if model.deprecated else "")
            self.addItem(label, model.id)
            self.setItemData(self.count() - 1, model.id, Qt.ItemDataRole.ToolTipRole)
        self.insertSeparator(self.count())
        self.addItem(OTHER, _OTHER_DATA)
        self.setItemData(
            self.count() - 1, "Type the id of a model not listed", Qt.ItemDataRole.ToolTipRole
        )
        self.blockSignals(False)
        self.set_current(current)

    def set_current(self, model_id: str) -> None:
        self._current = model_id
        index = self.findData(model_id)
        if index < 0:
            # A typed custom id stays pickable for the rest of the session, above "Other".
            index = max(self.findData(_OTHER_DATA) - 1, 0)  # before the separator
            self.insertItem(index, model_id, model_id)
        self.blockSignals(True)
        self.setCurrentIndex(index)
        self.blockSignals(False)
        self.updateGeometry()  # the chip is as wide as the name

    def current_model(self) -> str:
        return self._current

    def model_ids(self) -> list[str]:
        """The model ids offered, in order (not the separator or "Other model id…")."""
        ids = (self.itemData(i) for i in range(self.count()))
        return [str(d) for d in ids if d is not None and d != _OTHER_DATA]

    def ask_for_model_id(self) -> ModelIdDialog:
        """Open the dialog where a model id not listed is typed in."""
        dialog = ModelIdDialog(self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.model_id_entered.connect(self._choose)
        dialog.finished.connect(lambda _result: self._forget_dialog(dialog))
        self.dialog = dialog
        dialog.open()
        dialog.field.setFocus()
        return dialog

    def _forget_dialog(self, dialog: ModelIdDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _on_activated(self, index: int) -> None:
        data = self.itemData(index)
        if data == _OTHER_DATA:
            self.set_current(self._current)  # the picker keeps showing the model in use
            self.ask_for_model_id()
            return
        self._choose(str(data))

    def _choose(self, model_id: str) -> None:
        if model_id == self._current or model_id_problem(model_id) is not None:
            return
        self.set_current(model_id)
        self.model_chosen.emit(model_id)
