"""Settings → Connection: the provider (Anthropic API, Amazon Bedrock, Google Vertex AI)
with each one's own fields, and the network (proxy, API address, timeouts).

What a person types is checked here before it is saved (the rules live in
:mod:`claude_desktop.domain.providers`), so this page applies with its Save button (Enter in
a field too), and the window asks before unsaved text is left behind; "Test connection"
saves, then asks the provider for real.
"""

from __future__ import annotations

import math
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from claude_desktop.api.errors import ClaudeError
from claude_desktop.domain import providers
from claude_desktop.domain.session import Session
from claude_desktop.domain.settings import Provider
from claude_desktop.domain.tasks import TaskRegistry

from .settings_layout import SettingsPage, labelled_row, primary, secondary

PREFIX_NAMES = {
    "": "None (the region's own)",
    "us": "us (United States)",
    "eu": "eu (Europe)",
    "apac": "apac (Asia Pacific)",
    "jp": "jp (Japan)",
    "au": "au (Australia)",
    "global": "global",
}


class ConnectionPage(SettingsPage):
    """Provider choice with each provider's fields, proxy, base URL, timeouts; Save and Test."""

    #: The provider or a network setting was saved: the window re-reads the session.
    connection_changed = Signal()

    def __init__(self, session: Session, tasks: TaskRegistry, parent: QWidget | None = None):
        super().__init__("Connection", parent)
        self.session = session
        self.tasks = tasks
        settings = session.settings
        column = self.column

        self.provider = QComboBox(self)
        self.provider.setAccessibleName("Provider")
        for info in providers.PROVIDERS.values():
            self.provider.addItem(info.name, info.id)

        # Anthropic API
        self.base_url = QLineEdit(settings.base_url, self)
        self.base_url.setPlaceholderText("https://api.anthropic.com")
        self.base_url.setAccessibleName("API base URL")
        anthropic = self._form(
            (
                "API address",
                self.base_url,
                "Only to go through a gateway. Empty: ANTHROPIC_BASE_URL if set, else Anthropic's.",
            ),
            note="The API key itself is on the Account page.",
        )

        # Amazon Bedrock
        self.bedrock_region = QLineEdit(settings.bedrock_region, self)
        self.bedrock_region.setPlaceholderText("e.g. us-east-1")
        self.bedrock_region.setAccessibleName("AWS region")
        self.bedrock_profile = QLineEdit(settings.bedrock_profile, self)
        self.bedrock_profile.setPlaceholderText("e.g. work")
        self.bedrock_profile.setAccessibleName("AWS profile")
        self.bedrock_prefix = QComboBox(self)
        self.bedrock_prefix.setAccessibleName("Cross-region inference")
        for prefix, name in PREFIX_NAMES.items():
            self.bedrock_prefix.addItem(name, prefix)
        self.bedrock_prefix.setCurrentIndex(
            max(0, self.bedrock_prefix.findData(settings.bedrock_model_prefix))
        )
        bedrock = self._form(
            ("Region", self.bedrock_region, "Empty: AWS_REGION, else the profile's region."),
            ("Profile", self.bedrock_profile, "Empty: AWS_PROFILE, else the default profile."),
            (
                "Cross-region inference",
                self.bedrock_prefix,
                "Lets AWS send a request to another region that has room for it.",
            ),
            note="Credentials come from your AWS configuration (aws configure, aws sso login);"
            " they are never copied into the app.",
        )

        # Google Vertex AI
        self.vertex_project = QLineEdit(settings.vertex_project, self)
        self.vertex_project.setPlaceholderText("e.g. my-project")
        self.vertex_project.setAccessibleName("Google Cloud project")
        self.vertex_region = QLineEdit(settings.vertex_region, self)
        self.vertex_region.setPlaceholderText("e.g. us-east5")
        self.vertex_region.setAccessibleName("Vertex AI region")
        vertex = self._form(
            ("Project", self.vertex_project, "Empty: the project of your gcloud login."),
            ("Region", self.vertex_region, "Empty: CLOUD_ML_REGION, else global."),
            note="Credentials are Google's Application Default Credentials"
            " (gcloud auth application-default login).",
        )
        self._pages: dict[Provider, QWidget] = {
            "anthropic": anthropic,
            "bedrock": bedrock,
            "vertex": vertex,
        }

        self.missing = QLabel(column)
        self.missing.setWordWrap(True)
        self.missing.setAccessibleName("Missing package")
        self.missing.setStyleSheet("color: palette(link);")

        # Network, for every provider
        self.proxy = QLineEdit(settings.proxy, column)
        self.proxy.setPlaceholderText("http://proxy.example.com:3128")
        self.proxy.setAccessibleName("Proxy")
        self.connect_timeout = self._seconds(
            settings.connect_timeout, 1, 300, "Give up connecting after"
        )
        self.read_timeout = self._seconds(settings.read_timeout, 5, 3600, "Stop waiting after")

        self.save_button = QPushButton("Save", column)
        primary(self.save_button)
        self.test_button = QPushButton("Test connection", column)
        self.status = secondary(QLabel(column))
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Connection status")
        self.save_button.clicked.connect(self.save)
        self.test_button.clicked.connect(lambda: self._run(self._test()))
        for field in self._text_fields():
            field.returnPressed.connect(self.save)

        column.add_section("Provider")
        column.add_row(
            "Provider", self.provider, "Anthropic's own API, or Claude through your cloud account."
        )
        # One block of rows per provider, only the chosen one shown (hidden ones take no room).
        for page in self._pages.values():
            column.add_widget(page)
        column.add_widget(self.missing)
        column.add_section("Network (every provider)")
        column.add_row("Proxy", self.proxy, "Empty: HTTPS_PROXY from the environment, if set.")
        column.add_row(
            "Give up connecting after", self.connect_timeout, "When the server cannot be reached."
        )
        column.add_row(
            "Stop waiting after",
            self.read_timeout,
            "When an answer has gone silent for this long, it counts as lost.",
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        column.body.addSpacing(8)
        column.body.addLayout(buttons)
        column.add_widget(self.status)
        column.finish()

        self.provider.currentIndexChanged.connect(self._show_provider)
        self.provider.setCurrentIndex(max(0, self.provider.findData(settings.provider)))
        self._show_provider()
        self._shown = self._typed()

    def _form(self, *rows: tuple[str, QWidget, str], note: str) -> QWidget:
        """One provider's rows, and a note on where its credentials come from."""
        page = QWidget(self.column)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        for label, widget, hint in rows:
            layout.addWidget(labelled_row(page, label, widget, hint))
        words = secondary(QLabel(note, page))
        words.setWordWrap(True)
        layout.addWidget(words)
        return page

    def _seconds(self, value: float, low: float, high: float, name: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox(self.column)
        box.setRange(low, high)
        box.setDecimals(0)
        box.setSuffix(" s")
        box.setValue(value)
        box.setAccessibleName(name)
        return box

    @property
    def form(self) -> QWidget:
        """The fields of the chosen provider."""
        return self._pages[self.chosen]

    @property
    def chosen(self) -> Provider:
        value = self.provider.currentData()
        return value if value in providers.PROVIDER_IDS else "anthropic"

    def _show_provider(self) -> None:
        chosen = self.chosen
        for provider, page in self._pages.items():
            page.setVisible(provider == chosen)
        hint = providers.missing_extra(chosen)
        self.missing.setText(hint or "")
        self.missing.setVisible(hint is not None)

    def _say(self, text: str) -> None:
        self.status.setText(text)

    def _typed(self) -> tuple[object, ...]:
        """Everything typed or chosen on the page, as it reads on screen."""
        return (
            self.chosen,
            *(field.text() for field in self._text_fields()),
            self.bedrock_prefix.currentData(),
            self.connect_timeout.text(),
            self.read_timeout.text(),
        )

    def _text_fields(self) -> tuple[QLineEdit, ...]:
        return (
            self.base_url,
            self.bedrock_region,
            self.bedrock_profile,
            self.vertex_project,
            self.vertex_region,
            self.proxy,
        )

    def has_unsaved_changes(self) -> bool:
        """Whether the page shows anything other than what was last loaded or saved."""
        return self._typed() != self._shown

    def discard(self) -> None:
        """Show the saved settings again, dropping what was typed since."""
        settings = self.session.settings
        self.provider.setCurrentIndex(max(0, self.provider.findData(settings.provider)))
        self.base_url.setText(settings.base_url)
        self.bedrock_region.setText(settings.bedrock_region)
        self.bedrock_profile.setText(settings.bedrock_profile)
        self.bedrock_prefix.setCurrentIndex(
            max(0, self.bedrock_prefix.findData(settings.bedrock_model_prefix))
        )
        self.vertex_project.setText(settings.vertex_project)
        self.vertex_region.setText(settings.vertex_region)
        self.proxy.setText(settings.proxy)
        self.connect_timeout.setValue(settings.connect_timeout)
        self.read_timeout.setValue(settings.read_timeout)
        self.status.clear()
        self._shown = self._typed()

    def _problem(self) -> str | None:
        return (
            providers.base_url_problem(self.base_url.text())
            or providers.proxy_problem(self.proxy.text())
            or providers.timeout_problem(
                _typed_seconds(self.connect_timeout), _typed_seconds(self.read_timeout)
            )
        )

    def save(self) -> bool:
        """Check and keep what is typed; False (and a sentence) when something is wrong."""
        problem = self._problem()
        if problem is not None:
            self._say(problem)
            return False
        settings = self.session.settings
        settings.provider = self.chosen
        settings.base_url = self.base_url.text().strip()
        settings.bedrock_region = self.bedrock_region.text().strip()
        settings.bedrock_profile = self.bedrock_profile.text().strip()
        settings.bedrock_model_prefix = str(self.bedrock_prefix.currentData() or "")
        settings.vertex_project = self.vertex_project.text().strip()
        settings.vertex_region = self.vertex_region.text().strip()
        settings.proxy = self.proxy.text().strip()
        settings.connect_timeout = float(self.connect_timeout.value())
        settings.read_timeout = float(self.read_timeout.value())
        try:
            settings.save()
        except OSError as exc:
            self._say(f"The settings could not be saved ({exc.strerror or exc}).")
            return False
        self._shown = self._typed()
        self.session.connection_changed()
        hint = providers.missing_extra(self.chosen)
        self._say(hint or f"Saved. {providers.describe(settings)}.")
        self.connection_changed.emit()
        return True

    def _run(self, coro: Coroutine[Any, Any, None]) -> None:
        self.tasks.spawn(coro, "settings-connection")

    async def _test(self) -> None:
        if not self.save():
            return
        session = self.session
        if session.needs_key and not session.key:
            self._say("Set your API key on the Account page first.")
            return
        self._say("Testing the connection…")
        self.test_button.setEnabled(False)
        try:
            text = await providers.check_connection(session.settings, session.key, session.model)
        except ClaudeError as exc:
            text = exc.human
        finally:
            self.test_button.setEnabled(True)
        self._say(text)


def _typed_seconds(box: QDoubleSpinBox) -> float:
    """The number of seconds typed in `box`; NaN (refused by the range check) while what it
    shows is out of range or empty: its value() then still holds the last good number,
    which saving would put in place of what the person sees."""
    return float(box.value()) if box.hasAcceptableInput() else math.nan
