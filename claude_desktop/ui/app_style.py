"""The app's own style: Fusion's layout, with controls drawn in the design's tokens.

A QProxyStyle installed once for the whole application (`install_focus_ring`). It draws
plain push buttons, fields, spin boxes and combo boxes as rounded surfaces with a border
(accent when focused), focus rings on tool buttons, and slim scroll bars. Drawn here rather
than by a style sheet: a sheet on a parent would take this style, and its focus rings, from
every widget under it. Widgets with their own sheet (the accent buttons, the composer,
cards) keep it; only what Fusion would draw changes. Sizes are Fusion's: nothing moves.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleOption,
    QStyleOptionComboBox,
    QStyleOptionComplex,
    QStyleOptionFrame,
    QStyleOptionSlider,
    QStyleOptionSpinBox,
    QToolButton,
    QWidget,
)

from . import theme as colors

#: Scroll bars' thickness (the thumb is drawn inset within it).
_SCROLLBAR_EXTENT = 10
#: The focus ring's width, in the accent colour.
_RING = 2

_State = QStyle.StateFlag


def _field_rect(rect: QRect, pen_width: float) -> QRectF:
    """`rect` inset so a pen of `pen_width` stays inside it (crisp on the pixel grid)."""
    half = pen_width / 2
    return QRectF(rect).adjusted(half, half, -half, -half)


def _draw_round(
    painter: QPainter, rect: QRect, fill: QColor | None, edge: QColor, width: float
) -> None:
    """A control's rounded shape: `fill` (none: border only) inside an `edge` of `width`."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(edge, width))
    painter.setBrush(fill if fill is not None else Qt.BrushStyle.NoBrush)
    radius = colors.RADIUS_CONTROL - width / 2
    painter.drawRoundedRect(_field_rect(rect, width), radius, radius)
    painter.restore()


def _draw_chevron(painter: QPainter, area: QRect, color: QColor, up: bool = False) -> None:
    """A small outline chevron (as the icon set's chevron-down/up) centred in `area`."""
    size = min(8.0, area.width() * 0.5, area.height() * 0.6)
    if size <= 2:
        return
    c = QRectF(area).center()
    dy = size / 4 if not up else -size / 4
    path = QPainterPath(QPointF(c.x() - size / 2, c.y() - dy))
    path.lineTo(QPointF(c.x(), c.y() + dy))
    path.lineTo(QPointF(c.x() + size / 2, c.y() - dy))
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(color, 1.5)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(path)
    painter.restore()


def _draw_field(option: QStyleOption, painter: QPainter, focused: bool) -> None:
    """A text field's frame: the surface inside a border, the accent's when focused."""
    t = colors.tokens_for(option.palette)
    enabled = bool(option.state & _State.State_Enabled)
    fill = QColor(t.surface) if enabled else None
    if focused and enabled:
        _draw_round(painter, option.rect, fill, option.palette.highlight().color(), _RING)
    else:
        _draw_round(painter, option.rect, fill, QColor(t.border), 1)


def _field_has_focus(option: QStyleOption) -> bool:
    return bool(option.state & _State.State_HasFocus)


class FocusRingStyle(QProxyStyle):
    """The platform's style, with the app's controls, focus rings and slim scroll bars.

    Fusion (and others) draw no focus at all on auto-raised tool buttons (the message's
    Copy, Edit, Regenerate; the toolbar's), so a keyboard user could not see where they are.
    Scroll bars are a thin rounded thumb in the border colour with no arrows and no groove,
    as in the chat apps people compare this one with. Push buttons, fields, spin boxes and
    combo boxes are rounded (RADIUS_CONTROL) surfaces with a border, and a 2 px accent ring
    when focused, instead of Fusion's grey bevels.
    """

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        PE = QStyle.PrimitiveElement
        if element == PE.PE_PanelButtonCommand:
            # Tool buttons (the welcome page's Show; others on hover) get the same panel;
            # their focus ring is drawn over it in drawComplexControl.
            self._draw_button_panel(option, painter, ring=not isinstance(widget, QToolButton))
            return
        if element in (PE.PE_PanelLineEdit, PE.PE_FrameLineEdit) and _framed(option, widget):
            _draw_field(option, painter, _field_has_focus(option))
            return
        super().drawPrimitive(element, option, painter, widget)

    def _draw_button_panel(self, option: QStyleOption, painter: QPainter, ring: bool) -> None:
        t = colors.tokens_for(option.palette)
        state = option.state
        if not state & _State.State_Enabled:
            _draw_round(painter, option.rect, None, QColor(t.border), 1)
            return
        if state & (_State.State_Sunken | _State.State_On):
            fill = QColor(t.selected)
        elif state & _State.State_MouseOver:
            fill = QColor(t.hover)
        else:
            fill = QColor(t.surface)
        # As Fusion: the ring shows after a keyboard move, not after every click.
        keyboard_focus = state & _State.State_HasFocus and state & _State.State_KeyboardFocusChange
        if ring and keyboard_focus:
            _draw_round(painter, option.rect, fill, option.palette.highlight().color(), _RING)
        else:
            _draw_round(painter, option.rect, fill, QColor(t.border), 1)

    def styleHint(  # type: ignore[override]
        self,
        hint: QStyle.StyleHint,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
        returnData: object = None,
    ) -> int:
        # No stock icons on dialog buttons (xcb's Fusion puts a red cross on Close).
        if hint == QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons:
            return 0
        return super().styleHint(hint, option, widget, returnData)  # type: ignore[arg-type]

    def pixelMetric(
        self,
        metric: QStyle.PixelMetric,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
    ) -> int:
        if metric == QStyle.PixelMetric.PM_ScrollBarExtent:
            return _SCROLLBAR_EXTENT
        if metric == QStyle.PixelMetric.PM_ScrollBarSliderMin:
            return 32
        return super().pixelMetric(metric, option, widget)

    def subControlRect(
        self,
        control: QStyle.ComplexControl,
        option: QStyleOptionComplex,
        sub: QStyle.SubControl,
        widget: QWidget | None = None,
    ) -> QRect:
        if control != QStyle.ComplexControl.CC_ScrollBar or not isinstance(
            option, QStyleOptionSlider
        ):
            return super().subControlRect(control, option, sub, widget)
        rect = option.rect
        horizontal = option.orientation == Qt.Orientation.Horizontal
        length = rect.width() if horizontal else rect.height()
        span = option.maximum - option.minimum
        if span <= 0:
            thumb, start = length, 0
        else:
            thumb = max(32, length * option.pageStep // (span + option.pageStep))
            thumb = min(thumb, length)
            start = (length - thumb) * (option.sliderPosition - option.minimum) // span
        SC = QStyle.SubControl

        def part(a: int, b: int) -> QRect:
            if horizontal:
                return QRect(rect.x() + a, rect.y(), max(0, b - a), rect.height())
            return QRect(rect.x(), rect.y() + a, rect.width(), max(0, b - a))

        if sub == SC.SC_ScrollBarSlider:
            return part(start, start + thumb)
        if sub == SC.SC_ScrollBarSubPage:
            return part(0, start)
        if sub == SC.SC_ScrollBarAddPage:
            return part(start + thumb, length)
        if sub == SC.SC_ScrollBarGroove:
            return QRect(rect)
        return QRect()  # no arrow buttons

    def _draw_scroll_bar(self, option: QStyleOptionSlider, painter: QPainter) -> None:
        slider = self.subControlRect(
            QStyle.ComplexControl.CC_ScrollBar, option, QStyle.SubControl.SC_ScrollBarSlider
        )
        if option.maximum <= option.minimum or slider.isEmpty():
            return
        t = colors.tokens_for(option.palette)
        active = bool(option.state & QStyle.StateFlag.State_MouseOver) or bool(
            option.activeSubControls & QStyle.SubControl.SC_ScrollBarSlider
        )
        inset = 2
        thumb = QRectF(slider).adjusted(inset, inset, -inset, -inset)
        radius = min(thumb.width(), thumb.height()) / 2
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(t.secondary if active else t.border))
        painter.drawRoundedRect(thumb, radius, radius)
        painter.restore()

    def drawComplexControl(
        self,
        control: QStyle.ComplexControl,
        option: QStyleOptionComplex,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if control == QStyle.ComplexControl.CC_ScrollBar and isinstance(option, QStyleOptionSlider):
            self._draw_scroll_bar(option, painter)
            return
        if control == QStyle.ComplexControl.CC_ComboBox and isinstance(
            option, QStyleOptionComboBox
        ):
            self._draw_combo_box(option, painter, widget)
            return
        if control == QStyle.ComplexControl.CC_SpinBox and isinstance(option, QStyleOptionSpinBox):
            self._draw_spin_box(option, painter, widget)
            return
        super().drawComplexControl(control, option, painter, widget)
        if control == QStyle.ComplexControl.CC_ToolButton and (
            option.state & QStyle.StateFlag.State_HasFocus
        ):
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(option.palette.highlight().color(), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(option.rect).adjusted(1, 1, -1, -1), 4, 4)
            painter.restore()

    def _draw_combo_box(
        self, option: QStyleOptionComboBox, painter: QPainter, widget: QWidget | None
    ) -> None:
        """A field with a chevron: the text (CE_ComboBoxLabel) is drawn over it by Qt."""
        if not option.frame:
            super().drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option, painter, widget)
            return
        focused = _field_has_focus(option) and not option.state & _State.State_On  # popup open
        _draw_field(option, painter, focused)
        arrow = self.subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxArrow, widget
        )
        _draw_chevron(painter, arrow, _arrow_color(option))

    def _draw_spin_box(
        self, option: QStyleOptionSpinBox, painter: QPainter, widget: QWidget | None
    ) -> None:
        """A field with two small chevrons where Fusion has its up/down buttons."""
        if not option.frame:
            super().drawComplexControl(QStyle.ComplexControl.CC_SpinBox, option, painter, widget)
            return
        _draw_field(option, painter, _field_has_focus(option))
        if option.buttonSymbols == QAbstractSpinBox.ButtonSymbols.NoButtons:
            return
        cc, sc = QStyle.ComplexControl.CC_SpinBox, QStyle.SubControl
        steps = QAbstractSpinBox.StepEnabledFlag
        for sub, step, up in (
            (sc.SC_SpinBoxUp, steps.StepUpEnabled, True),
            (sc.SC_SpinBoxDown, steps.StepDownEnabled, False),
        ):
            rect = self.subControlRect(cc, option, sub, widget)
            enabled = bool(option.stepEnabled & step) and bool(option.state & _State.State_Enabled)
            color = (
                _arrow_color(option)
                if enabled
                else QColor(colors.tokens_for(option.palette).disabled)
            )
            # Nudged toward the middle line so the pair reads as one control.
            _draw_chevron(painter, rect.translated(0, 1 if up else -1), color, up=up)


def _framed(option: QStyleOption, widget: QWidget | None) -> bool:
    """Whether a line edit draws a frame (not one inside a spin or combo box)."""
    if isinstance(option, QStyleOptionFrame) and option.lineWidth <= 0:
        return False
    return not isinstance(widget, QAbstractSpinBox) and not (
        widget is not None and isinstance(widget.parentWidget(), QAbstractSpinBox)
    )


def _arrow_color(option: QStyleOption) -> QColor:
    if not option.state & _State.State_Enabled:
        return QColor(colors.tokens_for(option.palette).disabled)
    return option.palette.text().color()


def install_focus_ring(app: QApplication) -> None:
    """Wrap the application's style in FocusRingStyle (once)."""
    if not isinstance(app.style(), FocusRingStyle):
        base = app.style()
        app.setStyle(FocusRingStyle(base.name() if base is not None else None))
