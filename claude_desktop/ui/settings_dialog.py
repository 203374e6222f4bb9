"""The Settings window: a list of pages at left (General, Account, Connection, Tools,
Appearance), the chosen page at right. The Account page (this module) holds the API key.

One window, made once and shown again (MainWindow keeps it), never modal. How changes
apply, everywhere: a switch or a choice applies the moment it changes; typed text that
must be checked first (the Connection page's addresses and timeouts, a new key) waits for
its page's button, and leaving such a page with unsaved text, by closing the window or by
going to another page, asks Save / Discard / Cancel first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.api.errors import ClaudeError
from claude_desktop.domain.chat import check_key
from claude_desktop.domain.providers import connection_options
from claude_desktop.domain.secrets import KeySource, SecretStoreError, mask
from claude_desktop.domain.session import Session
from claude_desktop.domain.tasks import TaskRegistry
from claude_desktop.ui.settings_connection import ConnectionPage

from . import icons, theme
from .appearance import appearance_for
from .settings_appearance import AppearancePage
from .settings_general import GeneralPage
from .settings_layout import (
    SettingsPage,
    name_spin_fields,
    page_palette_css,
    primary,
    primary_button_css,
)

SOURCE_TEXT = {
    KeySource.ENVIRONMENT: "from the ANTHROPIC_API_KEY environment variable (it wins over "
    "the keyring; unset it to use a saved key)",
    KeySource.KEYRING: "saved in the system keyring",
    KeySource.SESSION: "for this session only; it is not saved",
    KeySource.NONE: "none",
}

#: The pages in the list's order, each with its icon.
PAGES: tuple[tuple[str, str], ...] = (
    ("General", "sliders-horizontal"),
    ("Account", "key-round"),
    ("Connection", "plug"),
    ("Tools", "wrench"),
    ("Appearance", "sun"),
)
NO_TOOLS = "No tools configured"


def _tools_page(
    session: Session, tasks: TaskRegistry, parent: QWidget | None = None, window: Any = None
) -> QWidget:
    """The Tools page: the MCP servers of the app (ui/settings_tools.py, imported only now,
    when Settings opens), or a note where the window runs without them (tests)."""
    page = SettingsPage("Tools", parent)
    tools = getattr(window, "app_tools", None)
    approvals = getattr(getattr(window, "turns", None), "approvals", None)
    if tools is None or approvals is None:
        page.column.add_note(NO_TOOLS)
    else:
        from .settings_tools import ToolsPage

        page.column.add_widget(ToolsPage(tools, approvals, parent=page.column))
    page.column.finish()
    return page


class SettingsDialog(QDialog):
    key_changed = Signal()
    key_removed = Signal()
    #: A General page setting was changed and saved (its name).
    setting_changed = Signal(str)

    def __init__(self, session: Session, tasks: TaskRegistry, parent: QWidget | None = None):
        super().__init__(parent)
        self._dark: bool | None = None
        self.setWindowTitle("Settings")
        self.setModal(False)
        self.page_list = QListWidget(self)
        self.page_list.setAccessibleName("Settings pages")
        self.page_list.setIconSize(QSize(theme.ICON_PX, theme.ICON_PX))
        self.page_list.setFixedWidth(200)
        self.page_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        #: The pages, one shown at a time (named `tabs` since it was a tab widget: callers
        #: still say dialog.tabs.setCurrentWidget(dialog.account)).
        self.tabs = QStackedWidget(self)
        self.general = GeneralPage(session, self.tabs)
        self.general.changed.connect(self.setting_changed)
        self.account = AccountPage(session, tasks, self.tabs)
        self.account.key_changed.connect(self.key_changed)
        self.account.key_removed.connect(self.key_removed)
        self.connection = ConnectionPage(session, tasks, self.tabs)
        self.tools = _tools_page(session, tasks, self.tabs, parent)
        self.appearance = AppearancePage(appearance_for(session.settings), self.tabs)
        pages = (self.general, self.account, self.connection, self.tools, self.appearance)
        for (name, icon_name), page in zip(PAGES, pages, strict=True):
            self.tabs.addWidget(page)
            item = QListWidgetItem(icons.icon(icon_name, "text"), name)
            item.setSizeHint(QSize(0, 34))
            self.page_list.addItem(item)
        self.page_list.setCurrentRow(0)
        self.page_list.currentRowChanged.connect(self._row_chosen)
        self.tabs.currentChanged.connect(self._page_shown)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 16, 12)
        right.addWidget(self.tabs, 1)
        right.addWidget(buttons)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.page_list)
        layout.addLayout(right, 1)
        self.setMinimumSize(600, 420)
        self.resize(860, 600)
        self._question: QMessageBox | None = None
        # Enter in a field is the field's (Connection: Save; a new key: check it), never a
        # click on whichever button a dialog would make its default.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        name_spin_fields(self)
        self._style()

    # -- pages -------------------------------------------------------------------------------

    def show_page(self, page: QWidget) -> None:
        """Show `page` (asking first when leaving unsaved Connection changes)."""
        self.page_list.setCurrentRow(self.tabs.indexOf(page))

    def page_names(self) -> list[str]:
        return [self.page_list.item(i).text() for i in range(self.page_list.count())]

    def _row_chosen(self, row: int) -> None:
        leaving = self.tabs.currentWidget()
        if row < 0 or self.tabs.widget(row) is leaving:
            return
        if leaving is self.connection and self.connection.has_unsaved_changes():
            target = self.tabs.widget(row)
            self._select_row(self.tabs.indexOf(leaving))  # stay until answered
            self._ask(then=lambda: self.show_page(target))
            return
        self.tabs.setCurrentIndex(row)

    def _page_shown(self, index: int) -> None:
        self._select_row(index)  # also when a caller sets the page directly

    def _select_row(self, row: int) -> None:
        self.page_list.blockSignals(True)
        self.page_list.setCurrentRow(row)
        self.page_list.blockSignals(False)

    # -- closing, and the unsaved-changes question --------------------------------------------

    def reject(self) -> None:
        """Close (the Close button, Esc and the title bar's close all come here), but
        first ask what to do with changes typed on the Connection page and not saved."""
        if not self.connection.has_unsaved_changes():
            super().reject()
            return
        self.tabs.setCurrentWidget(self.connection)
        self._ask(then=super().reject)

    def _ask(self, then: Callable[[], None]) -> None:
        """Ask Save / Discard / Cancel about the Connection page's unsaved changes; `then`
        runs once they are saved or discarded (Cancel: nothing happens)."""
        if self._question is not None:  # already asking (Esc pressed twice)
            return
        question = QMessageBox(self)
        question.setWindowTitle("Unsaved changes")
        question.setText("The Connection page has unsaved changes.")
        question.setInformativeText("Save them first?")
        question.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        for button in question.buttons():
            button.setIcon(QIcon())  # plain words, not the style's floppy disk and red X
        question.setDefaultButton(QMessageBox.StandardButton.Save)
        question.setEscapeButton(QMessageBox.StandardButton.Cancel)
        question.finished.connect(lambda _result: self._answered(question, then))
        self._question = question
        question.open()

    def _answered(self, question: QMessageBox, then: Callable[[], None]) -> None:
        self._question = None
        answer = question.standardButton(question.clickedButton())
        question.deleteLater()
        if answer == QMessageBox.StandardButton.Save:
            if self.connection.save():
                then()
            # Otherwise the page says what is wrong, and stays to fix it.
        elif answer == QMessageBox.StandardButton.Discard:
            self.connection.discard()
            then()

    def event(self, event: QEvent) -> bool:
        # Esc closes this window: taken before the main window's Esc (Stop) shortcut,
        # which is application-wide, can see it.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            event.accept()
            return True
        if event.type() == QEvent.Type.PaletteChange:
            self._style()
        return super().event(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            self.page_list.setFocus(Qt.FocusReason.OtherFocusReason)

    def _style(self) -> None:
        dark = theme.is_dark(self.palette())
        if dark == self._dark:
            return  # (style sheets set here change palettes: only on a theme change)
        self._dark = dark
        self.page_list.setStyleSheet(page_palette_css(dark))
        self.tabs.setStyleSheet(primary_button_css(dark))
        for row, (_name, icon_name) in enumerate(PAGES):
            self.page_list.item(row).setIcon(icons.icon(icon_name, "text", dark=dark))


class AccountPage(SettingsPage):
    """The API key in use: where it comes from, replace it, test it, remove it."""

    key_changed = Signal()
    key_removed = Signal()

    def __init__(self, session: Session, tasks: TaskRegistry, parent: QWidget | None = None):
        super().__init__("Account", parent)
        self.session = session
        self.tasks = tasks
        column = self.column
        self.key_label = QLabel(column)
        self.key_label.setWordWrap(True)
        self.key_label.setAccessibleName("API key in use")
        self.backend_label = QLabel(column)
        self.backend_label.setWordWrap(True)
        self.backend_label.setAccessibleName("Where keys are kept")
        self.new_key = QLineEdit(column)
        self.new_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_key.setPlaceholderText("sk-ant-…")
        self.new_key.setAccessibleName("New API key")
        self.new_key.returnPressed.connect(lambda: self._run(self._replace()))
        self.show_key = QToolButton(column)
        self.show_key.setCheckable(True)
        self.show_key.setAutoRaise(True)
        self.show_key.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.show_key.toggled.connect(self._show_key)
        self._show_key(False)
        self.replace_button = QPushButton("Check and save", column)
        primary(self.replace_button)
        self.test_button = QPushButton("Test the key", column)
        self.remove_button = QPushButton("Remove the key", column)
        self.status = QLabel(column)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Settings status")
        self.replace_button.clicked.connect(lambda: self._run(self._replace()))
        self.test_button.clicked.connect(lambda: self._run(self._test()))
        self.remove_button.clicked.connect(lambda: self._run(self._remove()))

        column.add_row("API key", self.key_label)
        column.add_row("Kept in", self.backend_label)
        column.add_section("Replace the key")
        field = QHBoxLayout()
        field.setSpacing(4)
        field.addWidget(self.new_key, 1)
        field.addWidget(self.show_key)
        column.add_row(
            "New API key", field, "Checked with one request before it replaces the old one."
        )
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.replace_button)
        column.body.addLayout(actions)
        column.add_section("This key")
        others = QHBoxLayout()
        others.addWidget(self.test_button)
        others.addWidget(self.remove_button)
        others.addStretch(1)
        column.body.addLayout(others)
        column.add_widget(self.status)
        column.add_note(
            "Get a key in the Anthropic Console (console.anthropic.com). The key is kept in "
            "your system's keyring, never in a file."
        )
        column.finish()
        self._refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            self._refresh()  # the key may have changed since the window last showed

    def _refresh(self) -> None:
        key = self.session.key
        source = SOURCE_TEXT[self.session.key_source]
        self.key_label.setText(f"{mask(key)}, {source}" if key else "No key set")
        self.backend_label.setText(self.session.keys.backend_name())
        self.test_button.setEnabled(key is not None)
        self.remove_button.setEnabled(
            key is not None and self.session.key_source is not KeySource.ENVIRONMENT
        )

    def _show_key(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.new_key.setEchoMode(mode)
        icons.tint(self.show_key, "eye-off" if shown else "eye", role="secondary")
        self.show_key.setAccessibleName("Hide the key" if shown else "Show the key")
        self.show_key.setToolTip(self.show_key.accessibleName())

    def _run(self, coro: object) -> None:
        self.tasks.spawn(coro, "settings")  # type: ignore[arg-type]

    def _say(self, text: str) -> None:
        self.status.setText(text)

    async def _replace(self) -> None:
        key = self.new_key.text().strip()
        if not key:
            self._say("Paste the new key first.")
            return
        self._say("Checking the key…")
        try:
            await self.session.use_key(key, remember=True)
        except (ClaudeError, SecretStoreError) as exc:
            self._say(exc.human)
            return
        self.new_key.clear()
        self._say("The new key works and is saved.")
        self._refresh()
        self.key_changed.emit()

    async def _test(self) -> None:
        if not self.session.key:
            return
        self._say("Testing the key…")
        try:
            models = await check_key(
                self.session.key,
                base_url=self.session.base_url,
                **connection_options(self.session.settings),  # the proxy and timeouts
            )
        except ClaudeError as exc:
            self._say(exc.human)
            return
        self._say(f"The key works: {len(models)} models available.")

    async def _remove(self) -> None:
        try:
            await self.session.forget_key()
        except SecretStoreError as exc:
            self._say(exc.human)
            return
        self._say("The key was removed.")
        self._refresh()
        self.key_removed.emit()
