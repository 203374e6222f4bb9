"""The Settings dialog: one tab per subject. The Account tab (this module) holds the API key.

Other tabs are pages from their own modules, added in :class:`SettingsDialog` with one line.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTabWidget,
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

from .appearance import appearance_for
from .settings_appearance import AppearancePage

SOURCE_TEXT = {
    KeySource.ENVIRONMENT: "from the ANTHROPIC_API_KEY environment variable (it wins over "
    "the keyring; unset it to use a saved key)",
    KeySource.KEYRING: "saved in the system keyring",
    KeySource.SESSION: "for this session only; it is not saved",
    KeySource.NONE: "none",
}


class SettingsDialog(QDialog):
    key_changed = Signal()
    key_removed = Signal()

    def __init__(self, session: Session, tasks: TaskRegistry, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.tabs = QTabWidget(self)
        self.account = AccountPage(session, tasks, self.tabs)
        self.account.key_changed.connect(self.key_changed)
        self.account.key_removed.connect(self.key_removed)
        self.tabs.addTab(self.account, "Account")
        self.connection = ConnectionPage(session, tasks, self.tabs)
        self.tabs.addTab(self.connection, "Connection")
        self.tabs.addTab(AppearancePage(appearance_for(session.settings), self.tabs), "Appearance")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.resize(600, self.sizeHint().height())
        self._question: QMessageBox | None = None

    def reject(self) -> None:
        """Close (the Close button, Esc and the title bar's close all come here), but
        first ask what to do with changes typed on the Connection page and not saved."""
        if not self.connection.has_unsaved_changes():
            super().reject()
            return
        self.tabs.setCurrentWidget(self.connection)
        if self._question is not None:  # already asking (Esc pressed twice)
            return
        question = QMessageBox(self)
        question.setWindowTitle("Unsaved changes")
        question.setText("The Connection page has unsaved changes.")
        question.setInformativeText("Save them before closing?")
        question.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        for button in question.buttons():
            button.setIcon(QIcon())  # plain words, not the style's floppy disk and red X
        question.setDefaultButton(QMessageBox.StandardButton.Save)
        question.setEscapeButton(QMessageBox.StandardButton.Cancel)
        question.finished.connect(lambda _result: self._answered(question))
        self._question = question
        question.open()

    def _answered(self, question: QMessageBox) -> None:
        self._question = None
        answer = question.standardButton(question.clickedButton())
        question.deleteLater()
        if answer == QMessageBox.StandardButton.Save:
            if self.connection.save():
                super().reject()
            # Otherwise the page says what is wrong, and the dialog stays to fix it.
        elif answer == QMessageBox.StandardButton.Discard:
            self.connection.discard()
            super().reject()


class AccountPage(QWidget):
    """The API key in use: where it comes from, replace it, test it, remove it."""

    key_changed = Signal()
    key_removed = Signal()

    def __init__(self, session: Session, tasks: TaskRegistry, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.tasks = tasks
        self.key_label = QLabel(self)
        self.key_label.setWordWrap(True)
        self.backend_label = QLabel(self)
        self.new_key = QLineEdit(self)
        self.new_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_key.setPlaceholderText("Paste a new key to replace the current one")
        self.new_key.setAccessibleName("New API key")
        self.replace_button = QPushButton("Check and save", self)
        self.test_button = QPushButton("Test current key", self)
        self.remove_button = QPushButton("Remove key", self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Settings status")
        self.replace_button.clicked.connect(lambda: self._run(self._replace()))
        self.test_button.clicked.connect(lambda: self._run(self._test()))
        self.remove_button.clicked.connect(lambda: self._run(self._remove()))

        form = QFormLayout()
        form.addRow("API key:", self.key_label)
        form.addRow("Keyring:", self.backend_label)
        replace = QHBoxLayout()
        replace.addWidget(self.new_key, 1)
        replace.addWidget(self.replace_button)
        form.addRow("Replace:", replace)
        actions = QHBoxLayout()
        actions.addWidget(self.test_button)
        actions.addWidget(self.remove_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(actions)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self._refresh()

    def _refresh(self) -> None:
        key = self.session.key
        source = SOURCE_TEXT[self.session.key_source]
        self.key_label.setText(f"{mask(key)}, {source}" if key else "No key set")
        self.backend_label.setText(self.session.keys.backend_name())
        self.test_button.setEnabled(key is not None)
        self.remove_button.setEnabled(
            key is not None and self.session.key_source is not KeySource.ENVIRONMENT
        )

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
