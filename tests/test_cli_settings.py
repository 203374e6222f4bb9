"""`ask` as the window: the app's Connection settings (provider, base URL, proxy) apply, and
the request it sends is the one the window's request builder makes for the same question."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

from PIL import Image

from claude_desktop.api.client import MessagesClient
from claude_desktop.api.models import FALLBACK_MODELS
from claude_desktop.domain.attachments import load_attachment, user_content
from claude_desktop.domain.history import History, OpenConversation
from claude_desktop.domain.request_builder import build_request
from claude_desktop.domain.request_messages import request_for
from claude_desktop.domain.settings import Settings
from claude_desktop.domain.thinking import find_model
from tests import sse
from tests.fake_clouds import aws_env, bedrock_frames, bedrock_response
from tests.fakeapi import FakeAnthropicAPI, SSEResponse
from tests.socks5 import Socks5Proxy, socks_proxy
from tests.test_cli import TIMEOUT, ask, ask_env
from tests.test_cli_hostile import closed_port

__all__ = ["aws_env", "socks_proxy"]

MODEL = "claude-haiku-4-5"


def save_settings(**values: object) -> None:
    settings = Settings.load()
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save()


def window_body(
    tmp_path: Path, image: Path, question: str, system: str, max_tokens: int
) -> dict[str, Any]:
    """The body the window sends for this question in a new chat: the question kept in the
    history, the request made from it, then built by the builder the window's turn uses."""

    async def go() -> dict[str, Any]:
        history = History.open(tmp_path / "window.sqlite3")
        try:
            attachment = await load_attachment(image)
            conv = OpenConversation(None)
            asked = history.add_question(
                conv,
                question,
                model=MODEL,
                system=system,
                max_tokens=max_tokens,
                content=user_content(question, [attachment]),
                attachment_names=[attachment.name],
            )
            request = request_for(conv, upto=asked.id, model=find_model(FALLBACK_MODELS, MODEL))
            async with MessagesClient("k", base_url="http://127.0.0.1:9") as client:
                built = await build_request(request, client, store=history.store)
            return {**built.request_body(), "stream": True}
        finally:
            history.close()

    return asyncio.run(go())


def test_ask_sends_the_request_the_window_would(fake_api: FakeAnthropicAPI, tmp_path: Path) -> None:
    image = tmp_path / "box.png"
    Image.new("RGB", (40, 30), (10, 120, 200)).save(image, "PNG")
    fake_api.enqueue(SSEResponse(sse.text_stream(["A blue box."])))
    result = ask(
        fake_api,
        "--model",
        MODEL,
        "--max-tokens",
        "500",
        "--system",
        "Be brief.",
        "--attach",
        str(image),
        "What is this?",
    )
    assert result.returncode == 0, result.stderr
    sent = fake_api.requests[0].json
    window = window_body(tmp_path, image, "What is this?", "Be brief.", 500)
    # The window also writes its question to the prompt cache for a follow-up; ask asks once.
    assert window["messages"][0]["content"][-1].pop("cache_control") == {"type": "ephemeral"}
    assert sent == window
    # The prompt-caching breakpoint the window adds, on the image before the question.
    assert sent["messages"][0]["content"][0]["cache_control"] == {"type": "ephemeral"}


def test_ask_uses_the_base_url_set_in_the_app(fake_api: FakeAnthropicAPI) -> None:
    save_settings(base_url=fake_api.base_url)
    fake_api.enqueue(SSEResponse(sse.text_stream(["from ", "settings"])))
    # The setting wins over ANTHROPIC_BASE_URL, as in the window: nothing listens there.
    nowhere = f"http://127.0.0.1:{closed_port()}"
    environment = {**ask_env(fake_api), "ANTHROPIC_BASE_URL": nowhere}
    result = subprocess.run(
        [sys.executable, "-m", "claude_desktop", "ask", "Hi"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "from settings\n"


def test_ask_uses_the_proxy_set_in_the_app(
    fake_api: FakeAnthropicAPI, socks_proxy: Socks5Proxy
) -> None:
    save_settings(proxy=socks_proxy.url)
    fake_api.enqueue(SSEResponse(sse.text_stream(["via ", "the setting"])))
    result = ask(fake_api, "Hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "via the setting\n"
    assert socks_proxy.tunnels == [("127.0.0.1", fake_api.port)]


def test_ask_through_amazon_bedrock_needs_no_api_key(aws_env: FakeAnthropicAPI) -> None:
    save_settings(provider="bedrock")
    aws_env.enqueue(bedrock_response(bedrock_frames(sse.text_stream(["from ", "Bedrock"]))))
    result = ask(aws_env, "--model", MODEL, "Hi", key=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "from Bedrock\n"
    (request,) = aws_env.requests
    assert request.path.startswith("/model/anthropic.claude-haiku-4-5")
    assert "x-api-key" not in request.headers
