"""Per-conversation settings through the history and the session, over real SQLite."""

from __future__ import annotations

from pathlib import Path

from claude_desktop.api.models import FALLBACK_MODELS
from claude_desktop.domain.conversation_settings import (
    ConversationSettings,
    new_chat_settings,
    presets,
    save_preset,
)
from claude_desktop.domain.history import History, OpenConversation
from claude_desktop.domain.request_messages import request_for
from claude_desktop.domain.secrets import KeyStore
from claude_desktop.domain.session import Session
from claude_desktop.domain.settings import Settings

OPUS, SONNET, HAIKU = FALLBACK_MODELS
THINKING = {"type": "thinking", "thinking": "Let me see.", "signature": "EqQBsig=="}
REDACTED = {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"}


def test_a_request_carries_the_conversations_settings_and_its_thinking_back(
    tmp_path: Path,
) -> None:
    history = History.open(tmp_path / "h.sqlite3")
    conv = OpenConversation(None)
    question = history.add_question(
        conv,
        "Hi",
        model="claude-sonnet-4-6",
        system="Be brief",
        max_tokens=8000,
        temperature=0.4,
        thinking={"type": "enabled", "budget_tokens": 3000},
    )
    answer = history.begin_answer(conv, question.id, "claude-sonnet-4-6")
    content = [THINKING, REDACTED, {"type": "text", "text": "Hello"}]
    history.store.update_message(answer.id, content=content, status="complete")
    history.add_question(conv, "More", model="x", system="ignored", max_tokens=1)
    conv = history.reload(conv)

    body = request_for(conv, model=SONNET).request_body()
    assert body["system"] == "Be brief" and body["max_tokens"] == 8000
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 3000}
    assert "temperature" not in body
    # The thinking blocks go back exactly as they came, signature and all.
    assert body["messages"][1] == {"role": "assistant", "content": content}

    # The same conversation asked of Opus 4.7, which refuses "enabled": adaptive is sent.
    body = request_for(conv, model=OPUS).request_body()
    assert body["thinking"] == {"type": "adaptive"}
    history.close()


def test_session_keeps_settings_for_a_new_chat_then_in_its_conversation(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "settings.json")
    settings.system_prompt = "Default prompt"
    session = Session(settings, KeyStore(), History.open(tmp_path / "h.sqlite3"))
    session.new_conversation()
    assert session.conversation_settings.system == "Default prompt"
    session.set_model("claude-haiku-4-5")
    chosen = ConversationSettings("Translate", 3000, 0.9, "adaptive", 2048)
    session.set_conversation_settings(chosen)
    # Haiku 4.5 has no adaptive thinking: the session keeps what it accepts.
    assert session.conversation_settings.thinking == "enabled"
    assert session.new_chat_settings.system == "Translate"
    s = session.conversation_settings
    session.history.add_question(
        session.current,
        "Bonjour",
        model=session.model,
        system=s.system,
        max_tokens=s.max_tokens,
        temperature=s.temperature,
        thinking=s.thinking_fragment,
    )
    conv_id = session.current.id
    assert conv_id is not None
    session.new_conversation()
    assert session.conversation_settings.system == "Default prompt"
    session.open_conversation(conv_id)
    assert session.conversation_settings == ConversationSettings(
        "Translate", 3000, 0.9, "enabled", 2048
    )
    session.set_conversation_settings(ConversationSettings("Other", 500))
    session.open_conversation(conv_id)
    assert session.conversation_settings == ConversationSettings("Other", 500)
    session.close_history()


def test_a_new_chat_starts_from_the_chosen_preset(tmp_path: Path) -> None:
    history = History.open(tmp_path / "h.sqlite3")
    settings = Settings.load(tmp_path / "settings.json")
    reviewer = save_preset(
        history.store, "Code reviewer", ConversationSettings("Review", 6000, None, "adaptive")
    )
    assert [p.name for p in presets(history.store)] == ["Code reviewer"]
    assert new_chat_settings(history.store, settings) == ConversationSettings.defaults(settings)
    settings.new_chat_preset = reviewer.id
    assert new_chat_settings(history.store, settings) == reviewer.settings
    history.store.delete_preset(reviewer.id)
    # A deleted preset falls back to the defaults rather than failing.
    assert new_chat_settings(history.store, settings) == ConversationSettings.defaults(settings)
    history.close()
