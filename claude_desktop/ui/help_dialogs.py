"""The Help menu's dialogs: the keyboard shortcuts and About (version, links, licenses,
the icon set and its license).

The shortcuts list is made from the window's own actions, so it says what the keys do,
not what they once did; the licenses come from package metadata (domain/licenses.py).
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from claude_desktop import __version__
from claude_desktop.domain.licenses import Component, app_metadata, bundled_components
from claude_desktop.ui import icons

API_DOCS_URL = "https://docs.anthropic.com/en/api/overview"
#: The Qt libraries inside the PySide6-Essentials wheel are used under the LGPL.
QT_LICENSE = "LGPL-3.0-only"
UNOFFICIAL = (
    "An unofficial desktop client for the Anthropic API. It is not made, endorsed or "
    "supported by Anthropic; you use it with your own API key, and usage is billed to "
    "your Anthropic account."
)
NO_METADATA = (
    "The list of components is not available: this build does not carry their package "
    "information. Claude Desktop is built on Qt and PySide6 (LGPL-3.0), httpx (BSD-3-Clause) "
    "and other open-source packages."
)


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(what, keys) for each action with a shortcut, keys as this platform writes them."""
    rows = []
    for action in actions:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        keys = [k for k in keys if k]
        if keys:
            rows.append((action.text().replace("&", "").rstrip("…"), ", ".join(keys)))
    return rows


class ShortcutsDialog(QDialog):
    """A two-column table: what each key does."""

    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = shortcut_rows(actions)
        self.table = QTableWidget(len(self.rows), 2, self)
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        for row, (what, keys) in enumerate(self.rows):
            self.table.setItem(row, 0, QTableWidgetItem(what))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(420, 80 + 30 * (len(self.rows) + 1))


def _component_row(component: Component) -> str:
    name = html.escape(component.name)
    if component.homepage:
        name = f'<a href="{html.escape(component.homepage, quote=True)}">{name}</a>'
    license = html.escape(component.license or "license not recorded in this build")
    version = html.escape(component.version)
    return f"<tr><td>{name}</td><td>{version}</td><td>{license}</td></tr>"


def about_html(components: list[Component] | None = None) -> str:
    """The About text: version, what this is, links, and the licenses of what is bundled."""
    if components is None:
        components = bundled_components()
    app = app_metadata()
    links = []
    if app is not None and app.homepage:
        links.append(f'<a href="{html.escape(app.homepage, quote=True)}">Project homepage</a>')
    links.append(f'<a href="{API_DOCS_URL}">Anthropic API documentation</a>')
    parts = [
        f"<h2>Claude Desktop {html.escape(__version__)}</h2>",
        f"<p>{html.escape(UNOFFICIAL)}</p>",
        f"<p>{' · '.join(links)}</p>",
    ]
    if app is not None and app.license:
        parts.append(f"<p>Claude Desktop is licensed under {html.escape(app.license)}.</p>")
    parts.append("<h3>Components</h3>")
    if components:
        rows = [
            f"<tr><td>Qt</td><td>{html.escape(qVersion())}</td><td>{QT_LICENSE} "
            "(the Qt libraries shipped in PySide6-Essentials)</td></tr>",
            *(_component_row(c) for c in components),
        ]
        parts.append(
            '<table cellspacing="0" cellpadding="3">'
            "<tr><th align=left>Component</th><th align=left>Version</th>"
            "<th align=left>License</th></tr>" + "".join(rows) + "</table>"
        )
    else:
        parts.append(f"<p>{html.escape(NO_METADATA)}</p>")
    parts.append(icons_html())
    return "".join(parts)


def icons_html() -> str:
    """The icon set the app ships, its license's name and its full text."""
    return (
        "<h3>Icons</h3>"
        f"<p>{html.escape(icons.ICON_SET)}, under the {html.escape(icons.ICON_LICENSE)} "
        "license:</p>"
        f"<pre style='white-space: pre-wrap;'>{html.escape(icons.license_text())}</pre>"
    )


class AboutDialog(QDialog):
    def __init__(
        self, parent: QWidget | None = None, components: list[Component] | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Claude Desktop")
        self.text = QTextBrowser(self)
        self.text.setAccessibleName("About Claude Desktop")
        self.text.setOpenExternalLinks(True)
        self.text.setHtml(about_html(components))
        icon = QLabel(self)
        window_icon = self.windowIcon()
        icon.setPixmap(window_icon.pixmap(64, 64))
        icon.setAccessibleName("Claude Desktop icon")
        icon.setVisible(not window_icon.isNull())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(560, 560)
