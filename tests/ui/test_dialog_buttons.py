"""No stock icons on dialog buttons (design.md: no green ticks or red crosses).

Qt's xcb platform with Fusion puts a stock icon on every QDialogButtonBox button (a red
cross on Close); the app's style says no. Also run on a real X server by
test_under_x_server.py, where the stock icons appear.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QDialogButtonBox, QStyle

from claude_desktop.ui.appearance import install_focus_ring


def test_dialog_buttons_carry_no_stock_icons(qtbot) -> None:
    app = QApplication.instance()
    install_focus_ring(app)
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Close | QDialogButtonBox.StandardButton.Save
    )
    qtbot.addWidget(box)
    assert app.style().styleHint(QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons) == 0
    for button in box.buttons():
        assert button.icon().isNull(), button.text()
