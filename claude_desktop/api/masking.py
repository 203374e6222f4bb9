"""Masking secrets in text: API keys, and passwords written into URLs.

Every error's text passes through here before anyone can see it (the window, the history,
an export, `ask`'s stderr), and so does every log line (domain/logs.py): a gateway that
echoes request headers in its error body must not put the key on screen or on disk.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Anthropic keys are "sk-ant-" then letters, digits, "-" and "_" (api03-..., admin01-...).
KEY_PATTERN = re.compile(r"sk-ant-[A-Za-z0-9_\-]+")
MASK = "sk-ant-…(masked)"
# The password in "scheme://user:password@host" (a proxy's, typically).
_URL_PASSWORD = re.compile(r"(?<=://)([^/\s:@]+):[^/\s@]+@")
# A secret shorter than this is not searched for: a client made with key "k" (tests, a
# gateway that takes none) would otherwise mask every "k" of an error.
MIN_SECRET_LENGTH = 8


def mask_keys(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every Anthropic API key, URL password and each of `secrets` masked.

    `secrets` are the exact keys a client holds, which need not look like Anthropic's (a
    gateway's own key)."""
    for secret in secrets:
        if len(secret) >= MIN_SECRET_LENGTH and secret in text:
            text = text.replace(secret, MASK)
    if "sk-ant-" in text:
        text = KEY_PATTERN.sub(MASK, text)
    if "://" in text:
        text = _URL_PASSWORD.sub(r"\1:…@", text)
    return text
