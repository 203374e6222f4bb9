"""History through the real window: nothing a person wrote or received is ever lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidgetItem, QMenu
from pytestqt.qtbot import QtBot

from claude_desktop.domain.history import History
from claude_desktop.domain.secrets import KEYRING_SERVICE, KEYRING_USERNAME
from claude_desktop.ui import notices
from claude_desktop.ui.main_window import FIRST_SHOWN, RENDER_WINDOW
from claude_desktop.ui.message_widget import AssistantMessageWidget, UserMessageWidget
from claude_desktop.ui.sidebar import ID_ROLE
from tests import sse
from tests.fakeapi import FakeAnthropicAPI, JSONResponse, SSEResponse
from tests.ui.harness import MODELS, App, make_app


@pytest.fixture
def api(fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAnthropicAPI:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, "sk-ant-history-0000")
    fake_api.route("GET", "/v1/models", JSONResponse(200, MODELS))
    return fake_api


def ask(app: App, qtbot: QtBot, text: str, answer: list[str]) -> None:
    app.api.enqueue(SSEResponse(sse.text_stream(answer)))
    app.type_and_send(qtbot, text)
    app.wait(lambda: not app.window.streaming)


def write_conversation(title: str, texts: list[str]) -> int:
    """A stored conversation whose messages, a question first, have these texts."""
    history = History.open()
    store = history.store
    conv = store.create_conversation(model="claude-sonnet-4-6", title=title)
    parent = None
    for i, text in enumerate(texts):
        role = "user" if i % 2 == 0 else "assistant"
        content = [{"type": "text", "text": text}]
        parent = store.add_message(conv.id, parent_id=parent, role=role, content=content).id
    history.close()
    return conv.id


def texts(app: App) -> list[str]:
    return [w.markdown_text() for w in app.window.view.message_widgets()]


def test_conversations_survive_a_restart(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    with make_app(qtbot, loop, api) as app:
        ask(app, qtbot, "What is the capital of Norway?", ["Oslo", "."])
        ask(app, qtbot, "And of Sweden?", ["Stockholm."])
        # Multi-turn: the second request carried the whole conversation.
        assert [m["role"] for m in api.requests[-1].json["messages"]] == [
            "user",
            "assistant",
            "user",
        ]
        app.window.save_state()
    with make_app(qtbot, loop, api) as again:
        assert texts(again) == [
            "What is the capital of Norway?",
            "Oslo.",
            "And of Sweden?",
            "Stockholm.",
        ]
        titles = [item.text() for item in again.window.sidebar.items()]
        assert titles == ["What is the capital of Norway?"]
        headings = [
            again.window.sidebar.list.item(i).text()
            for i in range(again.window.sidebar.list.count())
        ]
        assert headings[0] == "Today"
        # Continue it after the restart.
        ask(again, qtbot, "And Denmark?", ["Copenhagen."])
        assert len(api.requests[-1].json["messages"]) == 5


def test_regenerate_keeps_both_answers_as_versions(app: App, qtbot: QtBot) -> None:
    ask(app, qtbot, "Tell me a joke", ["First joke"])
    first = app.window.view.message_widgets()[-1]
    app.api.enqueue(SSEResponse(sse.text_stream(["Second joke"])))
    first.action_button.click()
    app.wait(lambda: not app.window.streaming and texts(app)[-1] == "Second joke")
    answer = app.window.view.message_widgets()[-1]
    assert answer.versions_text() == "2/2"
    # The regenerated request carries the question only, not the old answer.
    assert [m["role"] for m in app.api.requests[-1].json["messages"]] == ["user"]
    answer.prev_button.click()
    assert texts(app) == ["Tell me a joke", "First joke"]
    assert app.window.view.message_widgets()[-1].versions_text() == "1/2"


def test_editing_a_question_makes_a_new_branch(app: App, qtbot: QtBot) -> None:
    ask(app, qtbot, "Translate 'cat' to French", ["chat"])
    ask(app, qtbot, "And to German?", ["Katze"])
    first_question = app.window.view.message_widgets()[0]
    assert isinstance(first_question, UserMessageWidget)
    first_question.action_button.click()
    assert app.window.composer.text() == "Translate 'cat' to French"
    assert app.window.edit_bar.isVisibleTo(app.window)
    app.window.composer.set_text("Translate 'dog' to French")
    app.api.enqueue(SSEResponse(sse.text_stream(["chien"])))
    qtbot.keyClick(app.window.composer.editor, Qt.Key.Key_Return)
    app.wait(lambda: not app.window.streaming and texts(app)[-1] == "chien")
    assert texts(app) == ["Translate 'dog' to French", "chien"]
    assert app.window.view.message_widgets()[0].versions_text() == "2/2"
    assert app.api.requests[-1].json["messages"] == [
        {
            "role": "user",
            "content": [
                # The prompt cache's rolling breakpoint ends the newest question.
                {
                    "type": "text",
                    "text": "Translate 'dog' to French",
                    "cache_control": {"type": "ephemeral"},
                },
            ],
        }
    ]
    # The old branch, follow-up and all, is one click away.
    app.window.view.message_widgets()[0].prev_button.click()
    assert texts(app) == [
        "Translate 'cat' to French",
        "chat",
        "And to German?",
        "Katze",
    ]


def test_delete_with_undo(app: App, qtbot: QtBot) -> None:
    ask(app, qtbot, "Keep this one", ["Kept."])
    conversation_id = app.window.session.current.id
    assert conversation_id is not None
    app.window.delete_conversation(conversation_id)
    assert app.window.sidebar.items() == []
    assert texts(app) == []
    assert app.window.undo_bar.isVisibleTo(app.window)
    app.window.undo_button.click()
    assert [i.text() for i in app.window.sidebar.items()] == ["Keep this one"]
    assert texts(app) == ["Keep this one", "Kept."]


def test_rename(app: App, qtbot: QtBot) -> None:
    ask(app, qtbot, "A question", ["An answer"])
    conversation_id = app.window.session.current.id
    assert conversation_id is not None
    app.window.rename_conversation(conversation_id, "My renamed chat")
    assert [i.text() for i in app.window.sidebar.items()] == ["My renamed chat"]


def test_the_unsent_draft_survives_a_restart(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    with make_app(qtbot, loop, api) as app:
        qtbot.keyClicks(app.window.composer.editor, "Half-written thought")
        app.window.save_state()
    with make_app(qtbot, loop, api) as again:
        assert again.window.composer.text() == "Half-written thought"


def test_a_long_conversation_renders_only_its_newest_messages(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    conv = write_conversation(
        "Long one", [f"Message {i}\n\n```python\nprint({i})\n```" for i in range(1000)]
    )
    with make_app(qtbot, loop, api) as app:
        started = time.perf_counter()
        app.window.open_conversation(conv)
        opened = time.perf_counter() - started
        widgets = app.window.view.message_widgets()
        # The newest at once; the rest of the window above them over the next turns.
        assert len(widgets) == FIRST_SHOWN
        assert widgets[-1].markdown_text().startswith("Message 999")
        print(f"opened a 1,000-message conversation in {opened * 1000:.0f} ms")
        app.wait(lambda: not app.window.is_filling)
        widgets = app.window.view.message_widgets()
        assert [w.markdown_text().split("\n")[0] for w in widgets] == [
            f"Message {i}" for i in range(1000 - RENDER_WINDOW, 1000)
        ]
        assert app.window.view.is_following
        bar = app.window.view.verticalScrollBar()
        app.wait(lambda: bar.value() == bar.maximum() > 0)  # still at the newest message
        app.window.view.earlier_button.click()
        assert len(app.window.view.message_widgets()) == 2 * RENDER_WINDOW
        assert app.window.view.message_widgets()[0].markdown_text().startswith("Message 920")


def test_show_earlier_while_the_window_still_fills_keeps_every_message_once(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    conv = write_conversation("Numbered", [f"Numbered {i}" for i in range(200)])
    with make_app(qtbot, loop, api) as app:
        app.window.open_conversation(conv)
        assert app.window.is_filling
        app.window.view.earlier_button.click()  # before the opening has made its window
        assert not app.window.is_filling
        texts = [w.markdown_text() for w in app.window.view.message_widgets()]
        assert texts == [f"Numbered {i}" for i in range(200 - 2 * RENDER_WINDOW, 200)]


def test_opening_another_conversation_stops_the_first_ones_filling(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    first = write_conversation("First", [f"First {i}" for i in range(100)])
    second = write_conversation("Second", [f"Second {i}" for i in range(4)])
    with make_app(qtbot, loop, api) as app:
        app.window.open_conversation(first)
        assert app.window.is_filling
        app.window.open_conversation(second)
        assert not app.window.is_filling
        qtbot.wait(200)  # the turns in which the first would have filled
        texts = [w.markdown_text() for w in app.window.view.message_widgets()]
        assert texts == [f"Second {i}" for i in range(4)]


def test_answers_opened_together_render_over_several_turns_and_completely(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    texts, answers = [], []
    for i in range(RENDER_WINDOW // 2):
        # Thirty blocks, each Markdown with code: far more than one turn's budget in all.
        answer = "\n\n".join(
            f"Part {j} of answer {i}, with `code`.\n\n```python\nprint({i}, {j})\n```"
            for j in range(15)
        )
        answers.append(answer)
        texts += [f"Question {i}", answer]
    conv = write_conversation("Long answers", texts)
    with make_app(qtbot, loop, api) as app:
        app.window.open_conversation(conv)

        def shown() -> list[AssistantMessageWidget]:
            widgets = app.window.view.message_widgets()
            return [w for w in widgets if isinstance(w, AssistantMessageWidget)]

        # Opening returned before every answer was rendered: the rest come turn by turn.
        assert not all(w.is_rendered for w in shown())
        app.wait(lambda: not app.window.is_filling)
        assert len(shown()) == len(answers)
        app.wait(lambda: all(w.is_rendered for w in shown()))
        for widget, answer in zip(shown(), answers, strict=True):
            assert widget.markdown_text() == answer
            assert widget.text_view.toPlainText().count("print(") == 15


KILL_SCRIPT = Path(__file__).with_name("kill_midstream_app.py")


def test_killed_mid_stream_the_next_start_shows_the_partial_answer(
    qtbot: QtBot,
    loop: qasync.QEventLoop,
    api: FakeAnthropicAPI,
    tmp_path: Path,
) -> None:
    deltas = [f"tick{i} " for i in range(400)]
    api.enqueue(SSEResponse(sse.events(sse.text_stream(deltas)), delay=0.01))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env.update(
        ANTHROPIC_BASE_URL=api.base_url,
        ANTHROPIC_API_KEY="sk-ant-killed",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        QT_QPA_PLATFORM="offscreen",
    )
    with subprocess.Popen(
        [sys.executable, str(KILL_SCRIPT)], env=env, stdout=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "streaming"
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    with make_app(qtbot, loop, api) as app:
        widgets = app.window.view.message_widgets()
        assert widgets[0].markdown_text() == "Count for me"
        answer = widgets[-1]
        assert isinstance(answer, AssistantMessageWidget)
        assert answer.markdown_text().startswith("tick0 tick1")
        assert "interrupted" in (answer.error_text() or "")
        api.enqueue(SSEResponse(sse.text_stream(["Done this time."])))
        answer.retry()
        app.wait(lambda: not app.window.streaming and texts(app)[-1] == "Done this time.")
        assert app.window.view.message_widgets()[-1].versions_text() == "2/2"


def test_export_from_the_window(app: App, qtbot: QtBot, tmp_path: Path) -> None:
    import json

    ask(app, qtbot, "Name a prime", ["Seven."])
    app.window.export_to(tmp_path / "chat.md")
    markdown = (tmp_path / "chat.md").read_text(encoding="utf-8")
    assert "Name a prime" in markdown and "Seven." in markdown
    app.window.export_to(tmp_path / "chat.json")
    data = json.loads((tmp_path / "chat.json").read_text(encoding="utf-8"))
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"]
    assert data["messages"][1]["content"] == [{"type": "text", "text": "Seven."}]
    assert not list(tmp_path.glob("*.partial"))


def test_a_draft_keeps_its_attachments_across_a_restart(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    from PySide6.QtGui import QColor, QImage

    picture = tmp_path / "sketch.png"
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("#228833"))
    assert image.save(str(picture), "PNG")
    with make_app(qtbot, loop, api) as app:
        qtbot.keyClicks(app.window.composer.editor, "Look at this")
        app.window.attach_paths([str(picture)])
        tray = app.window.composer.tray
        app.wait(lambda: len(tray.attachments()) == 1 and not tray.pending)
        app.window.save_state()
    with make_app(qtbot, loop, api) as again:
        assert again.window.composer.text() == "Look at this"
        assert [a.name for a in again.window.composer.tray.attachments()] == ["sketch.png"]


# -- the sidebar: the highlight is the open conversation ------------------------------------


def _row(app: App, conversation_id: int) -> QListWidgetItem:
    (item,) = [i for i in app.window.sidebar.items() if i.data(ID_ROLE) == conversation_id]
    return item


def _highlighted(app: App) -> list[int]:
    return [int(i.data(ID_ROLE)) for i in app.window.sidebar.list.selectedItems()]


def _cursor(app: App) -> int | None:
    item = app.window.sidebar.list.currentItem()
    return None if item is None else int(item.data(ID_ROLE))


def _three_conversations(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> tuple[list[int], Iterator[App]]:
    ids = [write_conversation(f"Chat {n}", [f"Question {n}", f"Answer {n}"]) for n in "ABC"]
    return ids, make_app(qtbot, loop, api)


# The offscreen platform says this of every popup menu; it is not our doing.
@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")
def test_a_dismissed_context_menu_leaves_the_highlight_on_the_open_conversation(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    (a, b, _c), running = _three_conversations(qtbot, loop, api)
    with running as app:
        app.window.open_conversation(a)
        assert _highlighted(app) == [a]
        sidebar_list = app.window.sidebar.list
        where = sidebar_list.visualItemRect(_row(app, b)).center()
        qtbot.mouseClick(sidebar_list.viewport(), Qt.MouseButton.RightButton, pos=where)
        sidebar_list.customContextMenuRequested.emit(where)  # offscreen sends no menu event
        app.wait(lambda: any(m.isVisible() for m in app.window.sidebar.findChildren(QMenu)))
        (menu,) = [m for m in app.window.sidebar.findChildren(QMenu) if m.isVisible()]
        qtbot.keyClick(menu, Qt.Key.Key_Escape)
        app.wait(lambda: not menu.isVisible())
        assert _highlighted(app) == [a] and _cursor(app) == a
        assert app.window.session.current.id == a


def test_arrow_keys_move_the_cursor_and_enter_opens(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    (a, b, c), running = _three_conversations(qtbot, loop, api)
    with running as app:
        app.window.open_conversation(c)  # the newest, first in the list
        sidebar_list = app.window.sidebar.list
        sidebar_list.setFocus()
        app.wait(sidebar_list.hasFocus)
        qtbot.keyClick(sidebar_list, Qt.Key.Key_Down)
        qtbot.keyClick(sidebar_list, Qt.Key.Key_Down)
        # The cursor moved; nothing was opened, so the highlight did not move.
        assert _cursor(app) == a
        assert _highlighted(app) == [c] and app.window.session.current.id == c
        qtbot.keyClick(sidebar_list, Qt.Key.Key_Up)
        qtbot.keyClick(sidebar_list, Qt.Key.Key_Return)
        assert app.window.session.current.id == b
        assert _highlighted(app) == [b] and _cursor(app) == b
        assert texts(app) == ["Question B", "Answer B"]
        # Moved away and left: the cursor is back on the open conversation.
        sidebar_list.setFocus()
        app.wait(sidebar_list.hasFocus)
        qtbot.keyClick(sidebar_list, Qt.Key.Key_Down)
        assert _cursor(app) == a
        app.window.composer.focus()
        app.wait(lambda: not sidebar_list.hasFocus())
        assert _cursor(app) == b and _highlighted(app) == [b]


def test_a_click_opens_and_the_highlight_follows(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    (a, b, _c), running = _three_conversations(qtbot, loop, api)
    with running as app:
        app.window.open_conversation(a)
        sidebar_list = app.window.sidebar.list
        where = sidebar_list.visualItemRect(_row(app, b)).center()
        qtbot.mouseClick(sidebar_list.viewport(), Qt.MouseButton.LeftButton, pos=where)
        assert app.window.session.current.id == b and _highlighted(app) == [b]


def test_the_highlight_follows_rename_delete_and_new_chat(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    (a, b, _c), running = _three_conversations(qtbot, loop, api)
    with running as app:
        window = app.window
        window.open_conversation(a)
        window.rename_conversation(b, "Renamed B")
        assert _highlighted(app) == [a]
        window.delete_conversation(b)
        assert _highlighted(app) == [a]
        window.new_chat()
        assert _highlighted(app) == [] and _cursor(app) is None
        window.undo_delete()  # reopens what was deleted
        assert _highlighted(app) == [b] == [window.session.current.id]
        window.delete_conversation(b)  # the open one: a new chat takes its place
        assert _highlighted(app) == []


def test_a_deleted_conversation_is_purged_once_undo_is_past(
    app: App, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notices, "UNDO_SECONDS", 1)
    ask(app, qtbot, "Forget about Quetzalcoatlus", ["Forgotten."])
    conversation_id = app.window.session.current.id
    assert conversation_id is not None
    store = app.window.session.history.store
    app.window.delete_conversation(conversation_id)
    assert store.conversation(conversation_id) is not None  # Undo can still bring it back
    app.wait(lambda: store.conversation(conversation_id) is None, limit=5)
    assert store.search("Quetzalcoatlus") == []


def test_a_conversation_deleted_in_the_last_session_is_purged_at_start(
    qtbot: QtBot, loop: qasync.QEventLoop, api: FakeAnthropicAPI
) -> None:
    kept = write_conversation("Kept", ["Q", "A"])
    gone = write_conversation("Gone", ["Q", "A"])
    history = History.open()
    history.store.delete_conversation(gone)
    history.close()
    with make_app(qtbot, loop, api) as app:
        store = app.window.session.history.store
        assert store.conversation(gone) is None
        assert store.conversation(kept) is not None


def test_a_purged_conversation_s_uploads_are_deleted_from_the_files_api(
    app: App, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64
    import hashlib

    from claude_desktop.storage.files import remember_uploaded_file

    monkeypatch.setattr(notices, "UNDO_SECONDS", 1)
    ask(app, qtbot, "Summarise the attached report", ["Done."])
    conversation_id = app.window.session.current.id
    assert conversation_id is not None
    store = app.window.session.history.store
    pdf = b"%PDF-1.7\nquarterly report"
    block = {
        "type": "document",
        "source": {
            "type": "base64",
            "media_type": "application/pdf",
            "data": base64.b64encode(pdf).decode(),
        },
    }
    store.add_message(conversation_id, parent_id=None, role="user", content=[block])
    remember_uploaded_file(store, hashlib.sha256(pdf).hexdigest(), "file_report")
    app.api.route("DELETE", "/v1/files/file_report", JSONResponse(200, {"id": "file_report"}))
    app.window.delete_conversation(conversation_id)
    app.wait(
        lambda: any(
            r.method == "DELETE" and r.path == "/v1/files/file_report" for r in app.api.requests
        ),
        limit=8,
    )
