"""Checking keys and listing the models a key may use.

Turns run through `turn_runner.TurnRunner`; their result, footer and failure sentence come
from `turn_result` and `turn_metrics`.
"""

from __future__ import annotations

from typing import Any

from claude_desktop.api.client import BaseMessagesClient, MessagesClient
from claude_desktop.api.models import ModelInfo, pickable_models

__all__ = ["check_key", "fetch_models"]


async def fetch_models(client: BaseMessagesClient) -> list[ModelInfo]:
    """The models the picker offers, from the API (raises ClaudeError when it can't)."""
    return pickable_models(await client.list_models())


async def check_key(key: str, *, base_url: str | None = None, **options: Any) -> list[ModelInfo]:
    """Prove a key works with one real request; raises ClaudeError (e.g. 401) if not.

    `options` are the connection's (proxy, timeouts), as for the client that will use it."""
    async with MessagesClient(key, base_url=base_url, max_retries=1, **options) as client:
        return await fetch_models(client)
